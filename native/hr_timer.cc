// HrTimer: a one-shot timer on CLOCK_MONOTONIC (timerfd, absolute deadlines) watched by uv_poll, for
// sub-millisecond VRRP timers. Deadlines are in the clock of monotonicNow().
//
//   new HrTimer(callback)   armAt(monotonicMs)   disarm()   close()
//
// The poll handle is referenced only while armed, so a disarmed timer never keeps the process alive.
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common.h"

namespace vipd {
namespace {

class HrTimer : public Napi::ObjectWrap<HrTimer> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    exports.Set("HrTimer", DefineClass(env, "HrTimer",
                                       {
                                           InstanceMethod<&HrTimer::ArmAt>("armAt"),
                                           InstanceMethod<&HrTimer::Disarm>("disarm"),
                                           InstanceMethod<&HrTimer::Close>("close"),
                                       }));
  }

  explicit HrTimer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<HrTimer>(info) {
    Napi::Env env = info.Env();
    callback_ = Napi::Persistent(ArgFunction(info, 0, "callback"));
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) throw ErrnoError(env, errno, "timerfd_create");
    poll_.Start(env, fd, OnReadable, this);
    poll_.Unref();
    Ref();  // alive while open
  }

 private:
  void CheckOpen(Napi::Env env) {
    if (!poll_.open()) throw ErrnoError(env, EBADF, "HrTimer (closed)");
  }

  void SetTime(Napi::Env env, const timespec& at) {
    itimerspec spec{};
    spec.it_value = at;  // it_interval stays zero: one shot
    if (timerfd_settime(poll_.fd(), TFD_TIMER_ABSTIME, &spec, nullptr) < 0) {
      throw ErrnoError(env, errno, "timerfd_settime");
    }
  }

  // armAt(ms): fire once when CLOCK_MONOTONIC reaches ms (a past deadline fires at once). Re-arming replaces
  // the previous deadline, and a fire already pending from it is discarded.
  void ArmAt(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    double ms = ArgNumber(info, 0, "monotonicMs");
    if (!std::isfinite(ms)) throw Napi::TypeError::New(env, "monotonicMs must be finite");
    CheckOpen(env);
    timespec at{};
    if (ms > 0) {
      double sec = floor(ms / 1e3);
      at.tv_sec = static_cast<time_t>(sec);
      at.tv_nsec = static_cast<long>(llround((ms - sec * 1e3) * 1e6));
      if (at.tv_nsec >= 1000000000L) {
        at.tv_sec += 1;
        at.tv_nsec -= 1000000000L;
      }
    }
    if (at.tv_sec == 0 && at.tv_nsec == 0) at.tv_nsec = 1;  // all-zero would disarm instead
    SetTime(env, at);
    poll_.Ref();
  }

  void Disarm(const Napi::CallbackInfo& info) {
    if (!poll_.open()) return;
    SetTime(info.Env(), timespec{});
    poll_.Unref();
  }

  static void OnReadable(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<HrTimer*>(handle->data);
    if (self == nullptr) return;
    uint64_t expirations = 0;
    // EAGAIN: the timer was re-armed or disarmed after the kernel flagged it readable; that fire is void.
    if (read(self->poll_.fd(), &expirations, sizeof(expirations)) != sizeof(expirations)) return;
    self->poll_.Unref();  // one-shot: disarmed now, until the callback re-arms
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    CallBack(env, self->callback_, self->Value(), {});
  }

  void Close(const Napi::CallbackInfo& info) {
    if (!poll_.open()) return;
    poll_.Close();
    callback_.Reset();
    Unref();
  }

  PolledFd poll_;
  Napi::FunctionReference callback_;
};

}  // namespace

void InitHrTimer(Napi::Env env, Napi::Object exports) { HrTimer::Init(env, exports); }

}  // namespace vipd
