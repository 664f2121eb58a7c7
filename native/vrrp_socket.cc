// VrrpSocket: a raw IPv4/IPv6 socket for IP protocol 112 (VRRP), read with recvmmsg in a uv_poll watcher.
// The same socket on another protocol (ICMP 1, ICMPv6 58) serves PING_CHECK.
//
//   new VrrpSocket(family: 4 | 6, received: {data, meta, addresses}, onBatch(count), onError?(err), protocol = 112)
//     Received messages land in caller-owned memory, reused for every batch: message i in data[i * slot ...]
//     (slot = data.length / slots), its [length, ttl, ifindex, arrival ms (monotonic, 0 unknown)] in
//     meta[i * 4 ...] (a Float64Array of slots * 4), its source and destination address bytes in
//     addresses[i * 32 ...] (16 + 16; IPv4 in the first 4 of each). onBatch(count) runs once per recvmmsg.
//   bindDevice(ifname) / setMark(mark) / includeHeader() / joinGroup(group, ifindex) / leaveGroup(group, ifindex) / setMulticastInterface(ifindex)
//   send(data, dst, ifindex, src | null, ttl): number   close()   ref()   unref()
//   queue(data, dst, ifindex, src | null, ttl)   flush(): [index, error][] | null
//     queue() keeps a copy of the message; flush() sends every queued one with sendmmsg (as few calls as the
//     kernel takes) and returns the failures by queue position, or null when all went out.
//   drops(): number   what the kernel dropped at this socket so far (its receive buffer was full), as
//     /proc/net/raw's last column: read with SO_MEMINFO when asked, so drops after the last received message count
//     too (SO_RXQ_OVFL stamps a count on each message, and sees those only when another message arrives).
//
// IPv4 delivers the whole datagram (IP header included), IPv6 only the payload. No IPV6_CHECKSUM: checksums
// are computed and verified in TypeScript, so bad ones can be counted rather than silently dropped.
#include <climits>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <time.h>

#include <array>

#include <vector>

#include "common.h"

namespace vipd {
namespace {

constexpr int kProtoVrrp = 112;
constexpr int kTosVrrp = 0xC0;      // DSCP CS6 (network control), as keepalived
constexpr int kMaxPerWakeup = 256;  // bounds one drain; level-triggered poll calls again if more remain
constexpr size_t kMetaFields = 4;   // length, ttl, ifindex, arrival ms
constexpr size_t kAddressBytes = 32;  // source and destination, 16 bytes each
// The receive buffer: 1 MiB asked (the kernel doubles it for its bookkeeping). A queued advert costs its skb's
// truesize, about 830 bytes on a veth: measured with vipd stopped under a burst (test/integration/security.test.ts),
// the kernel's default 208 KiB held 256 adverts, this 2 521. The memory is only used while messages wait.
constexpr int kReceiveBufferBytes = 1 << 20;

union Sockaddr {
  sockaddr sa;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

constexpr size_t kControlSpace = CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int));

// One message as sendmsg takes it, with its own storage: the destination, the ancillary data (PKTINFO and TTL /
// hop limit) and the payload. Built the same way for send() and queue().
struct Outgoing {
  std::vector<uint8_t> data;
  Sockaddr to{};
  socklen_t to_len = 0;
  alignas(cmsghdr) std::array<char, kControlSpace> control{};
  size_t control_len = 0;
  iovec iov{};

  // Points msg at this message's storage (valid while the Outgoing does not move).
  void Fill(msghdr& msg) {
    iov = {data.data(), data.size()};
    msg = msghdr{};
    msg.msg_name = &to;
    msg.msg_namelen = to_len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control_len;
  }
};

class VrrpSocket : public Napi::ObjectWrap<VrrpSocket> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    exports.Set("VrrpSocket", DefineClass(env, "VrrpSocket",
                                          {
                                              InstanceMethod<&VrrpSocket::BindDevice>("bindDevice"),
                                              InstanceMethod<&VrrpSocket::SetMark>("setMark"),
                                              InstanceMethod<&VrrpSocket::IncludeHeader>("includeHeader"),
                                              InstanceMethod<&VrrpSocket::JoinGroup>("joinGroup"),
                                              InstanceMethod<&VrrpSocket::LeaveGroup>("leaveGroup"),
                                              InstanceMethod<&VrrpSocket::SetMulticastInterface>("setMulticastInterface"),
                                              InstanceMethod<&VrrpSocket::Send>("send"),
                                              InstanceMethod<&VrrpSocket::Queue>("queue"),
                                              InstanceMethod<&VrrpSocket::Flush>("flush"),
                                              InstanceMethod<&VrrpSocket::Close>("close"),
                                              InstanceMethod<&VrrpSocket::RefHandle>("ref"),
                                              InstanceMethod<&VrrpSocket::UnrefHandle>("unref"),
                                              InstanceMethod<&VrrpSocket::Drops>("drops"),
                                          }));
  }

  explicit VrrpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VrrpSocket>(info) {
    Napi::Env env = info.Env();
    double family = ArgNumber(info, 0, "family");
    if (family != 4 && family != 6) throw Napi::TypeError::New(env, "family must be 4 or 6");
    v6_ = family == 6;
    TakeReceiveBuffers(env, info[1]);
    on_batch_ = Napi::Persistent(ArgFunction(info, 2, "onBatch"));
    if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) {
      on_error_ = Napi::Persistent(ArgFunction(info, 3, "onError"));
    }

    int protocol = kProtoVrrp;
    if (info.Length() > 4 && !info[4].IsUndefined()) protocol = ArgInt(info, 4, "protocol", 1, 255);
    int fd = socket(v6_ ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) throw ErrnoError(env, errno, "socket");
    poll_.Start(env, fd, OnReadable, this);  // owns fd from here on, also when an option below fails
    if (v6_) {
      SetInt(env, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
      SetInt(env, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
      SetInt(env, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
      SetInt(env, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS");
      SetInt(env, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
      SetInt(env, IPPROTO_IPV6, IPV6_TCLASS, kTosVrrp, "IPV6_TCLASS");
    } else {
      SetInt(env, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL");
      SetInt(env, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
      SetInt(env, IPPROTO_IP, IP_TOS, kTosVrrp, "IP_TOS");
      SetInt(env, IPPROTO_IP, IP_TTL, 255, "IP_TTL");
      SetInt(env, IPPROTO_IP, IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL");
      SetInt(env, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
    }
    // Kernel arrival timestamps: the master-down timer must count from when the advert arrived,
    // not from when the event loop got round to reading it.
    SetInt(env, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
    // SO_RCVBUFFORCE passes net.core.rmem_max with CAP_NET_ADMIN; without it, SO_RCVBUF up to rmem_max. Neither is
    // fatal: the socket works with the default, and drops() reports what that costs.
    int rcvbuf = kReceiveBufferBytes;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    Ref();  // the JS object stays alive while the socket is open (callbacks need it)
  }

 private:
  // The caller's receive memory ({data, meta, addresses}), held for the socket's life: nothing is allocated per
  // message. The slot count comes from meta, the slot size from data.
  void TakeReceiveBuffers(Napi::Env env, Napi::Value value) {
    if (!value.IsObject()) throw Napi::TypeError::New(env, "received must be {data, meta, addresses}");
    Napi::Object o = value.As<Napi::Object>();
    Napi::Value data = o.Get("data");
    Napi::Value meta = o.Get("meta");
    Napi::Value addresses = o.Get("addresses");
    if (!data.IsTypedArray() || !meta.IsTypedArray() || !addresses.IsTypedArray() ||
        meta.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw Napi::TypeError::New(env, "received must be {data: Uint8Array, meta: Float64Array, addresses: Uint8Array}");
    }
    auto d = data.As<Napi::Uint8Array>();
    auto m = meta.As<Napi::Float64Array>();
    auto a = addresses.As<Napi::Uint8Array>();
    slots_ = m.ElementLength() / kMetaFields;
    if (slots_ == 0 || a.ElementLength() < slots_ * kAddressBytes || d.ElementLength() < slots_) {
      throw Napi::RangeError::New(env, "received: meta, addresses and data too small for one slot");
    }
    slot_bytes_ = d.ElementLength() / slots_;
    data_ = d.Data();
    meta_ = m.Data();
    addresses_ = a.Data();
    received_ = Napi::Persistent(o);
    headers_in_.resize(slots_);
    iovs_in_.resize(slots_);
    from_.resize(slots_);
    controls_.resize(slots_ * kReceiveControl);
  }

  void CheckOpen(Napi::Env env) {
    if (!poll_.open()) throw ErrnoError(env, EBADF, "VrrpSocket (closed)");
  }

  void SetOpt(Napi::Env env, int level, int name, const void* val, socklen_t len, const char* what) {
    if (setsockopt(poll_.fd(), level, name, val, len) < 0) {
      throw ErrnoError(env, errno, std::string("setsockopt(") + what + ")");
    }
  }

  void SetInt(Napi::Env env, int level, int name, int val, const char* what) {
    SetOpt(env, level, name, &val, sizeof(val), what);
  }

  // Parses an address of this socket's family into out (in_addr or in6_addr); an IPv6 zone (%eth0) is ignored.
  void ParseAddr(Napi::Env env, std::string text, void* out, const char* what) {
    if (v6_) text = text.substr(0, text.find('%'));
    if (inet_pton(v6_ ? AF_INET6 : AF_INET, text.c_str(), out) != 1) {
      throw Napi::TypeError::New(env, std::string(what) + ": not an IPv" + (v6_ ? "6" : "4") + " address: " + text);
    }
  }

  void BindDevice(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = ArgString(info, 0, "ifname");
    CheckOpen(env);
    SetOpt(env, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(), name.size(), "SO_BINDTODEVICE");
  }

  // IP_HDRINCL (IPv4): send() then takes whole datagrams, header included (AH signs the header vipd writes).
  void IncludeHeader(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    if (v6_) throw Napi::Error::New(env, "includeHeader is for IPv4 sockets");
    SetInt(env, IPPROTO_IP, IP_HDRINCL, 1, "IP_HDRINCL");
  }

  // SO_MARK (a PING_CHECK's fwmark): routed by the rules that match the mark.
  void SetMark(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    double v = ArgNumber(info, 0, "mark");
    if (!(v >= 0 && v <= UINT_MAX && v == static_cast<double>(static_cast<unsigned>(v)))) {
      throw Napi::RangeError::New(env, "mark must be an integer from 0 to 4294967295");
    }
    CheckOpen(env);
    unsigned mark = static_cast<unsigned>(v);
    SetOpt(env, SOL_SOCKET, SO_MARK, &mark, sizeof(mark), "SO_MARK");
  }

  void Membership(const Napi::CallbackInfo& info, bool join) {
    Napi::Env env = info.Env();
    std::string group = ArgString(info, 0, "group");
    int ifindex = ArgInt(info, 1, "ifindex", 1, INT_MAX);
    CheckOpen(env);
    if (v6_) {
      ipv6_mreq mreq{};
      ParseAddr(env, group, &mreq.ipv6mr_multiaddr, "group");
      mreq.ipv6mr_interface = ifindex;
      SetOpt(env, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mreq, sizeof(mreq),
             join ? "IPV6_JOIN_GROUP" : "IPV6_LEAVE_GROUP");
    } else {
      ip_mreqn mreq{};
      ParseAddr(env, group, &mreq.imr_multiaddr, "group");
      mreq.imr_ifindex = ifindex;
      SetOpt(env, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mreq, sizeof(mreq),
             join ? "IP_ADD_MEMBERSHIP" : "IP_DROP_MEMBERSHIP");
    }
  }

  void JoinGroup(const Napi::CallbackInfo& info) { Membership(info, true); }
  void LeaveGroup(const Napi::CallbackInfo& info) { Membership(info, false); }

  void SetMulticastInterface(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int ifindex = ArgInt(info, 0, "ifindex", 1, INT_MAX);
    CheckOpen(env);
    if (v6_) {
      SetInt(env, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
    } else {
      ip_mreqn mreq{};
      mreq.imr_ifindex = ifindex;
      SetOpt(env, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq), "IP_MULTICAST_IF");
    }
  }

  // The message of send() / queue(data, dst, ifindex, src | null, ttl): IP(V6)_PKTINFO (source, interface) and a
  // per-message TTL / hop limit (IP_TTL / IPV6_HOPLIMIT).
  void Build(const Napi::CallbackInfo& info, Outgoing& out) {
    Napi::Env env = info.Env();
    if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "data must be a Buffer");
    auto data = info[0].As<Napi::Buffer<uint8_t>>();
    std::string dst = ArgString(info, 1, "dst");
    int ifindex = ArgInt(info, 2, "ifindex", 0, INT_MAX);  // 0: routed, no interface pinned
    bool has_src = info[3].IsString();
    if (!has_src && !info[3].IsNull() && !info[3].IsUndefined()) {
      throw Napi::TypeError::New(env, "src must be a string or null");
    }
    int ttl = ArgInt(info, 4, "ttl", 1, 255);
    CheckOpen(env);

    out.data.assign(data.Data(), data.Data() + data.Length());
    out.to = Sockaddr{};
    out.control.fill(0);
    msghdr msg{};
    msg.msg_control = out.control.data();
    msg.msg_controllen = out.control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    size_t used = 0;
    if (v6_) {
      out.to.v6.sin6_family = AF_INET6;
      ParseAddr(env, dst, &out.to.v6.sin6_addr, "dst");
      out.to.v6.sin6_scope_id = ifindex;  // used by the kernel only for link-local destinations
      out.to_len = sizeof(out.to.v6);
      in6_pktinfo pi{};
      if (has_src) ParseAddr(env, info[3].As<Napi::String>().Utf8Value(), &pi.ipi6_addr, "src");
      pi.ipi6_ifindex = ifindex;
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(pi));
      memcpy(CMSG_DATA(c), &pi, sizeof(pi));
      used = CMSG_SPACE(sizeof(pi));
      c = CMSG_NXTHDR(&msg, c);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_HOPLIMIT;
    } else {
      out.to.v4.sin_family = AF_INET;
      ParseAddr(env, dst, &out.to.v4.sin_addr, "dst");
      out.to_len = sizeof(out.to.v4);
      in_pktinfo pi{};
      if (has_src) ParseAddr(env, info[3].As<Napi::String>().Utf8Value(), &pi.ipi_spec_dst, "src");
      pi.ipi_ifindex = ifindex;
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(pi));
      memcpy(CMSG_DATA(c), &pi, sizeof(pi));
      used = CMSG_SPACE(sizeof(pi));
      c = CMSG_NXTHDR(&msg, c);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_TTL;
    }
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &ttl, sizeof(int));
    out.control_len = used + CMSG_SPACE(sizeof(int));
  }

  // send(data, dst, ifindex, src | null, ttl): one sendmsg now. Returns the bytes sent.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Build(info, single_);
    msghdr msg;
    single_.Fill(msg);
    ssize_t n = sendmsg(poll_.fd(), &msg, 0);  // non-blocking: EAGAIN (full send buffer) is thrown too
    if (n < 0) throw ErrnoError(env, errno, "sendmsg");
    return Napi::Number::New(env, static_cast<double>(n));
  }

  // queue(data, dst, ifindex, src | null, ttl): kept for the next flush(); a bad argument throws here.
  void Queue(const Napi::CallbackInfo& info) {
    if (queued_ == queue_.size()) queue_.emplace_back();
    Build(info, queue_[queued_]);
    queued_++;
  }

  // flush(): sendmmsg over the queued messages. sendmmsg stops at the first message the kernel refuses; that one
  // is retried alone to learn its errno, reported, and the rest go on. null when every message went out.
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t count = queued_;
    queued_ = 0;
    if (count == 0 || !poll_.open()) return env.Null();
    headers_.resize(count);
    for (size_t i = 0; i < count; i++) {
      headers_[i] = mmsghdr{};
      queue_[i].Fill(headers_[i].msg_hdr);
    }
    Napi::Array failures;
    uint32_t failed = 0;
    size_t next = 0;
    for (size_t rounds = 0; next < count && rounds <= count; rounds++) {  // bounded: each round sends or fails one
      int n = sendmmsg(poll_.fd(), &headers_[next], static_cast<unsigned>(count - next), 0);
      if (n > 0) {
        next += static_cast<size_t>(n);
        continue;
      }
      if (failed == 0) failures = Napi::Array::New(env);
      Napi::Array entry = Napi::Array::New(env, 2);
      entry.Set(0u, Napi::Number::New(env, static_cast<double>(next)));
      entry.Set(1u, ErrnoError(env, n < 0 ? errno : EIO, "sendmmsg").Value());
      failures.Set(failed++, entry);
      next++;
    }
    if (failed == 0) return env.Null();
    return failures;
  }

  static void OnReadable(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<VrrpSocket*>(handle->data);
    if (self == nullptr) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    Napi::Object me = self->Value();  // keeps the object alive even if a callback closes it
    if (status < 0) {
      self->ReportError(me, ErrnoError(env, -status, "uv_poll"));
      return;
    }
    for (int read = 0; read < kMaxPerWakeup && self->poll_.open();) {
      Napi::HandleScope inner(env);
      int n = self->ReceiveBatch(me);
      if (n <= 0) break;
      read += n;
      if (static_cast<size_t>(n) < self->slots_) break;  // the queue is empty
    }
  }

  void ReportError(Napi::Object me, Napi::Error err) {
    CallBack(Env(), on_error_, me, {err.Value()});
  }

  // The kernel stamps packets with CLOCK_REALTIME; move the stamp onto CLOCK_MONOTONIC (the daemon's clock)
  // by the current offset between the two. Exact unless the wall clock is stepped in between (microseconds).
  static double RealtimeToMonotonicMs(const timespec& stamp) {
    timespec real_now, mono_now;
    clock_gettime(CLOCK_REALTIME, &real_now);
    clock_gettime(CLOCK_MONOTONIC, &mono_now);
    double age_ms = (real_now.tv_sec - stamp.tv_sec) * 1e3 + (real_now.tv_nsec - stamp.tv_nsec) / 1e6;
    if (age_ms < 0) age_ms = 0;  // a wall-clock step backwards: fall back to "now"
    return mono_now.tv_sec * 1e3 + mono_now.tv_nsec / 1e6 - age_ms;
  }

  // Reads what is queued, up to one slot each, with one recvmmsg, and hands the count to onBatch. Returns the count,
  // 0 when the queue was empty, -1 on error.
  int ReceiveBatch(Napi::Object me) {
    Napi::Env env = Env();
    for (size_t i = 0; i < slots_; i++) {
      iovs_in_[i] = {data_ + i * slot_bytes_, slot_bytes_};
      msghdr& msg = headers_in_[i].msg_hdr;
      msg = msghdr{};
      msg.msg_name = &from_[i];
      msg.msg_namelen = sizeof(Sockaddr);
      msg.msg_iov = &iovs_in_[i];
      msg.msg_iovlen = 1;
      msg.msg_control = &controls_[i * kReceiveControl];
      msg.msg_controllen = kReceiveControl;
    }
    int n = recvmmsg(poll_.fd(), headers_in_.data(), static_cast<unsigned>(slots_), MSG_DONTWAIT, nullptr);
    if (n < 0) {
      // EINTR: the level-triggered watcher calls again for whatever is still queued.
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
      ReportError(me, ErrnoError(env, errno, "recvmmsg"));
      return -1;
    }
    for (int i = 0; i < n; i++) Describe(static_cast<size_t>(i));
    if (n > 0) CallBack(env, on_batch_, me, {Napi::Number::New(env, n)});
    return n;
  }

  // Writes message i's length, TTL / hop limit, interface, arrival time and addresses where JS reads them.
  void Describe(size_t i) {
    msghdr& msg = headers_in_[i].msg_hdr;
    size_t length = headers_in_[i].msg_len;
    const uint8_t* data = data_ + i * slot_bytes_;
    uint8_t* src = addresses_ + i * kAddressBytes;
    uint8_t* dst = src + 16;
    memset(src, 0, kAddressBytes);
    int ttl = -1;
    int ifindex = 0;
    double arrival_ms = 0;  // monotonic; 0 = unknown
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        memcpy(&ttl, CMSG_DATA(c), sizeof(int));
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        ifindex = pi.ipi_ifindex;
        memcpy(dst, &pi.ipi_addr, 4);
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec arrival;
        memcpy(&arrival, CMSG_DATA(c), sizeof(arrival));
        arrival_ms = RealtimeToMonotonicMs(arrival);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        memcpy(&ttl, CMSG_DATA(c), sizeof(int));
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        ifindex = static_cast<int>(pi.ipi6_ifindex);
        memcpy(dst, &pi.ipi6_addr, 16);
      }
    }
    if (v6_) {
      memcpy(src, &from_[i].v6.sin6_addr, 16);
    } else {
      memcpy(src, &from_[i].v4.sin_addr, 4);
      if (ttl < 0 && length >= 9) ttl = data[8];  // the header's TTL byte
    }
    double* meta = meta_ + i * kMetaFields;
    meta[0] = static_cast<double>(length);
    meta[1] = ttl;
    meta[2] = ifindex;
    meta[3] = arrival_ms;
  }

  void Close(const Napi::CallbackInfo& info) {
    if (!poll_.open()) return;
    poll_.Close();
    on_batch_.Reset();  // break the cycle callback -> closure -> this object
    received_.Reset();
    on_error_.Reset();
    Unref();  // may now be garbage collected
  }

  // drops(): SK_MEMINFO_DROPS, the socket's count of messages the kernel could not queue (0 once closed).
  Napi::Value Drops(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!poll_.open()) return Napi::Number::New(env, 0);
    uint32_t meminfo[SK_MEMINFO_VARS] = {};
    socklen_t len = sizeof(meminfo);
    if (getsockopt(poll_.fd(), SOL_SOCKET, SO_MEMINFO, meminfo, &len) < 0) {
      throw ErrnoError(env, errno, "getsockopt(SO_MEMINFO)");
    }
    return Napi::Number::New(env, static_cast<double>(meminfo[SK_MEMINFO_DROPS]));
  }

  void RefHandle(const Napi::CallbackInfo& info) { poll_.Ref(); }
  void UnrefHandle(const Napi::CallbackInfo& info) { poll_.Unref(); }

  bool v6_ = false;
  PolledFd poll_;
  Napi::FunctionReference on_batch_;
  Napi::FunctionReference on_error_;
  // Receiving: the caller's memory (kept alive by received_) and the recvmmsg headers over it.
  static constexpr size_t kReceiveControl = 256;
  Napi::ObjectReference received_;
  size_t slots_ = 0;
  size_t slot_bytes_ = 0;
  uint8_t* data_ = nullptr;
  double* meta_ = nullptr;
  uint8_t* addresses_ = nullptr;
  std::vector<mmsghdr> headers_in_;
  std::vector<iovec> iovs_in_;
  std::vector<Sockaddr> from_;
  std::vector<char> controls_;
  Outgoing single_;
  // Queued messages (reused: slots stay allocated between flushes) and the sendmmsg headers over them.
  std::vector<Outgoing> queue_;
  size_t queued_ = 0;
  std::vector<mmsghdr> headers_;
};

}  // namespace

void InitVrrpSocket(Napi::Env env, Napi::Object exports) { VrrpSocket::Init(env, exports); }

}  // namespace vipd
