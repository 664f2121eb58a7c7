// The process settings keepalived has for its VRRP process (vrrp_rt_priority, vrrp_rlimit_rttime,
// vrrp_no_swap, vrrp_cpu_affinity): the syscalls Node has no binding for.
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

namespace vipd {
namespace {

// raiseFileLimit(required: number): void — RLIMIT_NOFILE to at least `required`, soft and hard, as keepalived's
// set_max_file_limit does (raising the hard limit needs CAP_SYS_RESOURCE); never lowered.
void RaiseFileLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int required = ArgInt(info, 0, "required", 0, 1 << 30);
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) < 0) throw ErrnoError(env, errno, "getrlimit");
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur >= static_cast<rlim_t>(required)) return;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < static_cast<rlim_t>(required)) lim.rlim_max = required;
  lim.rlim_cur = required;
  if (setrlimit(RLIMIT_NOFILE, &lim) < 0) throw ErrnoError(env, errno, "setrlimit");
}

// setRealtime(priority: number, rttimeUs: number): void — the calling (main) thread to SCHED_RR at priority
// (children do not inherit it), RLIMIT_RTTIME soft rttimeUs/2 (SIGXCPU), hard rttimeUs; priority 0: back to
// SCHED_OTHER and the limit to infinity where the kernel allows (raising a hard limit takes CAP_SYS_RESOURCE; the
// limit has no effect on a thread that is not realtime, so a refusal is no failure).
void SetRealtime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int priority = ArgInt(info, 0, "priority", 0, 99);
  double rttime = ArgNumber(info, 1, "rttimeUs");
  if (!(rttime >= 2 && rttime <= 1e12)) throw Napi::RangeError::New(env, "rttimeUs must be from 2");
  struct rlimit lim;
  if (priority > 0) {
    lim.rlim_cur = static_cast<rlim_t>(rttime / 2);
    lim.rlim_max = static_cast<rlim_t>(rttime);
  } else {
    lim.rlim_cur = RLIM_INFINITY;
    lim.rlim_max = RLIM_INFINITY;
  }
  // The limit first: a realtime thread never runs without it.
  if (priority > 0 && setrlimit(RLIMIT_RTTIME, &lim) < 0) throw ErrnoError(env, errno, "setrlimit");
  struct sched_param sp {};
  sp.sched_priority = priority;
  int policy = priority > 0 ? (SCHED_RR | SCHED_RESET_ON_FORK) : SCHED_OTHER;
  if (sched_setscheduler(0, policy, &sp) < 0) throw ErrnoError(env, errno, "sched_setscheduler");
  if (priority == 0) setrlimit(RLIMIT_RTTIME, &lim);
}

// lockRange(start: bigint, length: bigint): void — mlock2(MLOCK_ONFAULT) of one mapping: its pages stay in memory
// once touched (never read in again from disk or swap). vrrp_no_swap locks vipd's code this way; not V8's heap,
// which V8 hands back to the kernel with madvise, refused on locked pages (V8 then aborts).
void LockRange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBigInt() || !info[1].IsBigInt()) throw Napi::TypeError::New(env, "start and length must be bigints");
  bool lossless = true;
  uint64_t start = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
  uint64_t length = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(env, "start and length must fit 64 bits");
  if (syscall(SYS_mlock2, reinterpret_cast<void*>(start), static_cast<size_t>(length), MLOCK_ONFAULT) < 0) {
    throw ErrnoError(env, errno, "mlock2");
  }
}

// unlockMemory(): void — munlockall.
void UnlockMemory(const Napi::CallbackInfo& info) {
  if (munlockall() < 0) throw ErrnoError(info.Env(), errno, "munlockall");
}

// setThreadAffinity(tid: number, cpus: number[]): void — sched_setaffinity of one thread.
void SetThreadAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int tid = ArgInt(info, 0, "tid", 0, 0x7fffffff);
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "cpus must be an array");
  auto cpus = info[1].As<Napi::Array>();
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < cpus.Length(); i++) {
    Napi::Value v = cpus[i];
    if (!v.IsNumber()) throw Napi::TypeError::New(env, "cpus must be numbers");
    double cpu = v.As<Napi::Number>().DoubleValue();
    if (!(cpu >= 0 && cpu < CPU_SETSIZE)) throw Napi::RangeError::New(env, "cpu out of range");
    CPU_SET(static_cast<int>(cpu), &set);
  }
  if (sched_setaffinity(tid, sizeof(set), &set) < 0) throw ErrnoError(env, errno, "sched_setaffinity");
}

}  // namespace

void InitProcess(Napi::Env env, Napi::Object exports) {
  exports.Set("setRealtime", Napi::Function::New<SetRealtime>(env, "setRealtime"));
  exports.Set("raiseFileLimit", Napi::Function::New<RaiseFileLimit>(env, "raiseFileLimit"));
  exports.Set("lockRange", Napi::Function::New<LockRange>(env, "lockRange"));
  exports.Set("unlockMemory", Napi::Function::New<UnlockMemory>(env, "unlockMemory"));
  exports.Set("setThreadAffinity", Napi::Function::New<SetThreadAffinity>(env, "setThreadAffinity"));
}

}  // namespace vipd
