// Module entry and shared helpers: errors, callbacks into JS, the polled fd, plus two small free functions
// (interfaceIndex, monotonicNow).
#include <cmath>
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

namespace vipd {

Napi::Error ErrnoError(Napi::Env env, int err, const std::string& syscall) {
  char name[64];
  uv_err_name_r(-err, name, sizeof(name));
  char desc[256];
  uv_strerror_r(-err, desc, sizeof(desc));
  Napi::Error e = Napi::Error::New(env, syscall + " " + name + ": " + desc);
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

int ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int min, int max) {
  double v = ArgNumber(info, i, name);
  // Checked as a double first: casting NaN, an infinity or an out-of-range value to int is undefined behaviour.
  if (!(v >= min && v <= max) || v != std::floor(v)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer from " + std::to_string(min) +
                                                " to " + std::to_string(max));
  }
  return static_cast<int>(v);
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsFunction()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a function");
  return info[i].As<Napi::Function>();
}

bool CallBack(Napi::Env env, Napi::FunctionReference& fn, Napi::Object self,
              const std::initializer_list<napi_value>& args) {
  if (fn.IsEmpty()) return true;
  // MakeCallback, not Call: we are entered from libuv, so Node must run nextTicks and microtasks after it. N-API's
  // own, not node-addon-api's: that one turns a failed call into a Napi::Error, and while a worker thread is being
  // terminated (the check thread at stop) a call fails and making that Error fails too, which node-addon-api
  // makes fatal: the whole process aborted ("Error::Error napi_define_properties").
  napi_value result;
  if (napi_make_callback(env, nullptr, self, fn.Value(), args.size(), args.begin(), &result) == napi_ok) return true;
  // A JavaScript exception is the process's uncaught exception, as from any event; nothing pending means the
  // environment can no longer run JavaScript (it is being torn down), and there is nobody to tell.
  bool pending = false;
  napi_value error;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &error) == napi_ok) {
    napi_fatal_exception(env, error);
  }
  return false;
}

struct PolledFd::Handle {
  uv_poll_t poll;  // first member: a uv_handle_t* of it is a Handle*
  napi_async_cleanup_hook_handle hook = nullptr;
};

void PolledFd::Start(Napi::Env env, int fd, uv_poll_cb cb, void* data) {
  fd_ = fd;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    Close();
    throw Napi::Error::New(env, "napi_get_uv_event_loop failed");
  }
  auto* h = new Handle;
  int err = uv_poll_init(loop, &h->poll, fd);
  if (err != 0) {
    delete h;  // never initialised, so not closed
    Close();
    throw ErrnoError(env, -err, "uv_poll_init");
  }
  handle_ = h;
  h->poll.data = data;
  if (napi_add_async_cleanup_hook(env, OnTeardown, this, &h->hook) != napi_ok) h->hook = nullptr;
  err = uv_poll_start(&h->poll, UV_READABLE, cb);
  if (err != 0) {
    Close();
    throw ErrnoError(env, -err, "uv_poll_start");
  }
}

// Stops and closes the handle, which is freed in its close callback. A hook still set there belongs to an
// environment teardown waiting for this close: removing it tells Node the step is done.
void PolledFd::CloseHandle(Handle* h) {
  uv_poll_stop(&h->poll);
  h->poll.data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&h->poll), [](uv_handle_t* uvh) {
    auto* closed = reinterpret_cast<Handle*>(uvh);
    napi_async_cleanup_hook_handle hook = closed->hook;
    delete closed;
    if (hook != nullptr) napi_remove_async_cleanup_hook(hook);
  });
}

void PolledFd::Close() {
  if (handle_ != nullptr) {
    if (handle_->hook != nullptr) napi_remove_async_cleanup_hook(handle_->hook);
    handle_->hook = nullptr;
    CloseHandle(handle_);
    handle_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void PolledFd::OnTeardown(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* self = static_cast<PolledFd*>(arg);
  Handle* h = self->handle_;
  if (h == nullptr) {  // not expected: Close() removes the hook
    napi_remove_async_cleanup_hook(hook);
    return;
  }
  self->handle_ = nullptr;
  h->hook = hook;  // removed by the close callback, which tells Node the teardown step is done
  CloseHandle(h);
  if (self->fd_ >= 0) ::close(self->fd_);
  self->fd_ = -1;
}

void CleanupHook::Add(Napi::Env env, void (*fn)(void*), void* arg) {
  fn_ = fn;
  arg_ = arg;
  if (napi_add_env_cleanup_hook(env, Run, this) == napi_ok) env_ = env;
}

void CleanupHook::Remove() {
  if (env_ == nullptr) return;
  napi_remove_env_cleanup_hook(env_, Run, this);
  env_ = nullptr;
}

void CleanupHook::Run(void* self) {
  auto* hook = static_cast<CleanupHook*>(self);
  hook->env_ = nullptr;  // Node drops the hook after running it
  hook->fn_(hook->arg_);
}

namespace {

// interfaceIndex(name: string): number — if_nametoindex; throws ENODEV for an unknown name.
Napi::Value InterfaceIndex(const Napi::CallbackInfo& info) {
  std::string name = ArgString(info, 0, "name");
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) throw ErrnoError(info.Env(), errno, "if_nametoindex");
  return Napi::Number::New(info.Env(), idx);
}

// loopNow(): number — the calling thread's event loop's time in ms (uv_now: read when the loop's turn began, so no
// clock read here; under user-mode Linux a clock read is a system call).
Napi::Value LoopNow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    throw Napi::Error::New(env, "napi_get_uv_event_loop failed");
  }
  return Napi::Number::New(env, static_cast<double>(uv_now(loop)));
}

// monotonicNow(): number — CLOCK_MONOTONIC in milliseconds (fractional); HrTimer deadlines use this clock.
Napi::Value MonotonicNow(const Napi::CallbackInfo& info) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Napi::Number::New(info.Env(), static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6);
}

// sendUnixDatagram(path: string, message: Buffer): void — one datagram to a Unix socket, as sd_notify(3) sends
// to $NOTIFY_SOCKET (a leading '@' names an abstract socket). Node's dgram has no AF_UNIX.
void SendUnixDatagram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "path");
  if (!info[1].IsBuffer()) throw Napi::TypeError::New(env, "message must be a Buffer");
  auto message = info[1].As<Napi::Buffer<uint8_t>>();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    throw Napi::RangeError::New(env, "path must be 1 to " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(env, errno, "socket");
  ssize_t n = sendto(fd, message.Data(), message.Length(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  int err = errno;
  close(fd);
  if (n < 0) throw ErrnoError(env, err, "sendto");
}

// setNetworkNamespace(path: string): void — setns(CLONE_NEWNET) of the calling (main) thread into the namespace
// at path (/run/netns/NAME), for keepalived's net_namespace. Called before any socket is opened; threads started
// later (the check thread) inherit it.
void SetNetworkNamespace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ArgString(info, 0, "path");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ErrnoError(env, errno, "open");
  int r = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (r < 0) throw ErrnoError(env, err, "setns");
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setNetworkNamespace", Napi::Function::New<SetNetworkNamespace>(env, "setNetworkNamespace"));
  exports.Set("sendUnixDatagram", Napi::Function::New<SendUnixDatagram>(env, "sendUnixDatagram"));
  exports.Set("interfaceIndex", Napi::Function::New<InterfaceIndex>(env, "interfaceIndex"));
  exports.Set("monotonicNow", Napi::Function::New<MonotonicNow>(env, "monotonicNow"));
  exports.Set("loopNow", Napi::Function::New<LoopNow>(env, "loopNow"));
  InitVrrpSocket(env, exports);
  InitPacketSocket(env, exports);
  InitHrTimer(env, exports);
  InitProcess(env, exports);
  InitCheckSocket(env, exports);
  InitProbeEngine(env, exports);
  return exports;
}

}  // namespace vipd

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return vipd::Init(env, exports); }

NODE_API_MODULE(vipd_native, InitModule)
