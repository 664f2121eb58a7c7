// The checkers' sockets, with what Node's net and dgram cannot set before connect: SO_BINDTODEVICE (bind_if) and
// SO_MARK (fwmark), then bound to bindto/bind_port. openCheckSocket returns one for Node to wrap (net.Socket({ fd }),
// dgram bind({ fd })) and connect; the probe engine (probe_engine.cc) makes its own with OpenCheckFd.
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
// bindPort: number) → fd.
Napi::Value OpenCheckSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool v6 = ArgInt(info, 0, "family", 4, 6) == 6;
  if (!info[1].IsBoolean()) throw Napi::TypeError::New(env, "stream must be a boolean");
  bool stream = info[1].As<Napi::Boolean>().Value();
  return Napi::Number::New(env, OpenCheckFd(env, v6, stream, CheckEndpointArgs(info, 2), false, stream));
}

}  // namespace

CheckEndpoint CheckEndpointArgs(const Napi::CallbackInfo& info, size_t first) {
  Napi::Env env = info.Env();
  CheckEndpoint ep;
  ep.ifname = info[first].IsNull() ? "" : ArgString(info, first, "ifname");
  ep.marked = !info[first + 1].IsNull();
  double mark = ep.marked ? ArgNumber(info, first + 1, "mark") : 0;
  if (ep.marked && !(mark >= 0 && mark <= UINT_MAX && mark == static_cast<double>(static_cast<unsigned>(mark)))) {
    throw Napi::RangeError::New(env, "mark must be an integer from 0 to 4294967295");
  }
  ep.mark = static_cast<unsigned>(mark);
  ep.bindAddr = info[first + 2].IsNull() ? "" : ArgString(info, first + 2, "bindAddr");
  ep.bindPort = ArgInt(info, first + 3, "bindPort", 0, 65535);
  if (ep.ifname.size() >= IFNAMSIZ) throw Napi::RangeError::New(env, "ifname too long: " + ep.ifname);
  return ep;
}

socklen_t SocketAddress(Napi::Env env, bool v6, const std::string& ip, int port, const std::string& ifname,
                        sockaddr_storage* out) {
  *out = sockaddr_storage{};
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (!ip.empty() && inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr) != 1) {
      throw Napi::TypeError::New(env, "not an IPv6 address: " + ip);
    }
    if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) && !ifname.empty()) a->sin6_scope_id = if_nametoindex(ifname.c_str());
    return sizeof(*a);
  }
  auto* a = reinterpret_cast<sockaddr_in*>(out);
  a->sin_family = AF_INET;
  a->sin_port = htons(port);
  if (!ip.empty() && inet_pton(AF_INET, ip.c_str(), &a->sin_addr) != 1) {
    throw Napi::TypeError::New(env, "not an IPv4 address: " + ip);
  }
  return sizeof(*a);
}

int OpenCheckFd(Napi::Env env, bool v6, bool stream, const CheckEndpoint& ep, bool nonblocking, bool noDelay) {
  int type = (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
  FdGuard fd{socket(v6 ? AF_INET6 : AF_INET, type, 0)};
  if (fd.fd < 0) throw ErrnoError(env, errno, "socket");
  if (!ep.ifname.empty()) {
    SetOpt(env, fd.fd, SOL_SOCKET, SO_BINDTODEVICE, ep.ifname.c_str(), ep.ifname.size() + 1, "SO_BINDTODEVICE");
  }
  if (ep.marked) SetOpt(env, fd.fd, SOL_SOCKET, SO_MARK, &ep.mark, sizeof(ep.mark), "SO_MARK");
  if (noDelay) {
    // As Node's net does for the checkers' sockets (noDelay): the request leaves in one segment at once. Not for
    // a socket that sends nothing (TCP_CHECK): one system call fewer.
    int one = 1;
    SetOpt(env, fd.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one), "TCP_NODELAY");
  }
  if (!ep.bindAddr.empty() || ep.bindPort != 0) {
    sockaddr_storage ss;
    socklen_t len = SocketAddress(env, v6, ep.bindAddr, ep.bindPort, ep.ifname, &ss);
    if (bind(fd.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) throw ErrnoError(env, errno, "bind");
  }
  return fd.release();
}

void InitCheckSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("openCheckSocket", Napi::Function::New<OpenCheckSocket>(env, "openCheckSocket"));
}

}  // namespace vipd
