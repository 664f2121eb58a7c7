// Shared helpers of the vipd native addon (Linux only): errno-shaped errors and an fd watched by a uv_poll
// handle. The addon holds no policy; it only wraps syscalls for the TypeScript edges in src/edges/.
#pragma once

#include <napi.h>
#include <uv.h>

#include <sys/socket.h>

#include <string>

namespace vipd {

// A JS Error shaped like Node's ErrnoException: message "<syscall> <CODE>: <strerror>",
// code ('EPERM'), errno (positive, as in os.constants.errno) and syscall.
Napi::Error ErrnoError(Napi::Env env, int err, const std::string& syscall);

// Throws a TypeError unless info[i] is a number / string / function.
double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* name);
// An integer argument in [min, max]; anything else (NaN, fractions, out of range) is a RangeError.
int ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int min, int max);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name);
Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name);

// Calls a JS callback from a libuv callback (outside any JS frame). An exception thrown by the callback is
// reported as uncaught (napi_fatal_exception), as Node does for throwing event listeners.
// Returns false when the callback threw.
bool CallBack(Napi::Env env, Napi::FunctionReference& fn, Napi::Object self,
              const std::initializer_list<napi_value>& args);

// A file descriptor with a uv_poll watcher for readability. The uv handle is heap-allocated and freed in
// its close callback, so it may outlive the owner object. Close() stops the watcher before closing the fd.
// When the Node environment is torn down (worker exit) without Close(), an async cleanup hook closes the
// handle and makes Node wait for the close callback, which lives in this addon's code, before unloading it.
class PolledFd {
 public:
  PolledFd() = default;
  PolledFd(const PolledFd&) = delete;
  PolledFd& operator=(const PolledFd&) = delete;
  ~PolledFd() { Close(); }

  // Takes ownership of fd (also on failure) and starts watching it; data is handed to cb via handle->data.
  void Start(Napi::Env env, int fd, uv_poll_cb cb, void* data);
  void Close();
  void Ref() {
    if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
  }
  void Unref() {
    if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
  }
  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0; }

 private:
  struct Handle;
  static void CloseHandle(Handle* h);
  static void OnTeardown(napi_async_cleanup_hook_handle hook, void* self);
  int fd_ = -1;
  Handle* handle_ = nullptr;
};

// Registers fn(arg) to run when the Node environment is torn down (process exit, worker end), so an fd is
// released even when close() was never called. Remove() unregisters it.
class CleanupHook {
 public:
  void Add(Napi::Env env, void (*fn)(void*), void* arg);
  void Remove();

 private:
  static void Run(void* self);
  napi_env env_ = nullptr;
  void (*fn_)(void*) = nullptr;
  void* arg_ = nullptr;
};

// A checker's socket: bind_if (SO_BINDTODEVICE), fwmark (SO_MARK), bindto/bind_port; from four arguments
// (ifname|null, mark|null, bindAddr|null, bindPort) starting at info[first].
struct CheckEndpoint {
  std::string ifname;
  bool marked = false;
  unsigned mark = 0;
  std::string bindAddr;
  int bindPort = 0;
};
CheckEndpoint CheckEndpointArgs(const Napi::CallbackInfo& info, size_t first);
// A TCP (stream) or UDP socket set up and bound as `ep` says; throws, leaving nothing open, when it cannot be.
int OpenCheckFd(Napi::Env env, bool v6, bool stream, const CheckEndpoint& ep, bool nonblocking, bool noDelay);
// ip:port as a sockaddr (an empty ip: the wildcard); a link-local IPv6 address is scoped to ifname.
socklen_t SocketAddress(Napi::Env env, bool v6, const std::string& ip, int port, const std::string& ifname,
                        sockaddr_storage* out);

void InitVrrpSocket(Napi::Env env, Napi::Object exports);
void InitPacketSocket(Napi::Env env, Napi::Object exports);
void InitHrTimer(Napi::Env env, Napi::Object exports);
void InitProcess(Napi::Env env, Napi::Object exports);
void InitCheckSocket(Napi::Env env, Napi::Object exports);
void InitProbeEngine(Napi::Env env, Napi::Object exports);

}  // namespace vipd
