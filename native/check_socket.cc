// openCheckSocket: a TCP or UDP socket for a checker, with what Node's net and dgram cannot set before connect:
// SO_BINDTODEVICE (bind_if) and SO_MARK (fwmark), then bound to bindto/bind_port. Node wraps the fd it returns
// (net.Socket({ fd }), dgram bind({ fd })) and connects it; the fd is Node's from then on.
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>

#include "common.h"

namespace vipd {

namespace {

// Closes the fd unless released: every throw below leaves nothing open.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) close(fd);
  }
  int release() {
    int f = fd;
    fd = -1;
    return f;
  }
};

void SetOpt(Napi::Env env, int fd, int level, int name, const void* val, socklen_t len, const char* what) {
  if (setsockopt(fd, level, name, val, len) != 0) throw ErrnoError(env, errno, std::string("setsockopt ") + what);
}

// openCheckSocket(family 4|6, stream: boolean, ifname: string|null, mark: number|null, bindAddr: string|null,
// bindPort: number) → fd. An IPv6 link-local bindAddr takes its scope from ifname, as keepalived's does.
Napi::Value OpenCheckSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool v6 = ArgInt(info, 0, "family", 4, 6) == 6;
  if (!info[1].IsBoolean()) throw Napi::TypeError::New(env, "stream must be a boolean");
  bool stream = info[1].As<Napi::Boolean>().Value();
  std::string ifname = info[2].IsNull() ? "" : ArgString(info, 2, "ifname");
  bool marked = !info[3].IsNull();
  double mark = marked ? ArgNumber(info, 3, "mark") : 0;
  if (marked && !(mark >= 0 && mark <= UINT_MAX && mark == static_cast<double>(static_cast<unsigned>(mark)))) {
    throw Napi::RangeError::New(env, "mark must be an integer from 0 to 4294967295");
  }
  std::string bindAddr = info[4].IsNull() ? "" : ArgString(info, 4, "bindAddr");
  int bindPort = ArgInt(info, 5, "bindPort", 0, 65535);
  if (ifname.size() >= IFNAMSIZ) throw Napi::RangeError::New(env, "ifname too long: " + ifname);

  FdGuard fd{socket(v6 ? AF_INET6 : AF_INET, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) throw ErrnoError(env, errno, "socket");
  if (!ifname.empty()) {
    SetOpt(env, fd.fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), ifname.size() + 1, "SO_BINDTODEVICE");
  }
  if (marked) {
    unsigned m = static_cast<unsigned>(mark);
    SetOpt(env, fd.fd, SOL_SOCKET, SO_MARK, &m, sizeof(m), "SO_MARK");
  }
  if (!bindAddr.empty() || bindPort != 0) {
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(bindPort);
      if (!bindAddr.empty() && inet_pton(AF_INET6, bindAddr.c_str(), &a->sin6_addr) != 1) {
        throw Napi::TypeError::New(env, "bindAddr: not an IPv6 address: " + bindAddr);
      }
      if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) && !ifname.empty()) a->sin6_scope_id = if_nametoindex(ifname.c_str());
      len = sizeof(*a);
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(bindPort);
      if (!bindAddr.empty() && inet_pton(AF_INET, bindAddr.c_str(), &a->sin_addr) != 1) {
        throw Napi::TypeError::New(env, "bindAddr: not an IPv4 address: " + bindAddr);
      }
      len = sizeof(*a);
    }
    if (bind(fd.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) throw ErrnoError(env, errno, "bind");
  }
  return Napi::Number::New(env, fd.release());
}

}  // namespace

void InitCheckSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("openCheckSocket", Napi::Function::New<OpenCheckSocket>(env, "openCheckSocket"));
}

}  // namespace vipd
