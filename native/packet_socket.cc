// PacketSocket: a send-only AF_PACKET socket bound to one interface, for whole Ethernet frames
// (gratuitous ARP, unsolicited NA) built in TypeScript.
//
//   new PacketSocket(ifindex)   send(frame: Buffer): number   close()
//
// Protocol 0 means the kernel never queues received frames on it, so there is nothing to read or poll.
#include <climits>
#include <errno.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

namespace vipd {
namespace {

constexpr size_t kEthernetHeaderBytes = 14;  // destination, source, EtherType

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static void Init(Napi::Env env, Napi::Object exports) {
    exports.Set("PacketSocket", DefineClass(env, "PacketSocket",
                                            {
                                                InstanceMethod<&PacketSocket::Send>("send"),
                                                InstanceMethod<&PacketSocket::Close>("close"),
                                            }));
  }

  explicit PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
    Napi::Env env = info.Env();
    int ifindex = ArgInt(info, 0, "ifindex", 1, INT_MAX);
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw ErrnoError(env, errno, "socket");
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = 0;
    sll.sll_ifindex = ifindex;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) < 0) {
      int err = errno;
      ::close(fd);
      throw ErrnoError(env, err, "bind");
    }
    fd_ = fd;
    cleanup_.Add(env, Teardown, this);
  }

  ~PacketSocket() override {
    cleanup_.Remove();
    CloseFd();
  }

 private:
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "frame must be a Buffer");
    auto frame = info[0].As<Napi::Buffer<uint8_t>>();
    // With CAP_SYS_RAWIO the kernel pads a frame shorter than its link header and sends it; vipd never means to.
    if (frame.Length() < kEthernetHeaderBytes) {
      throw Napi::RangeError::New(env, "frame shorter than an Ethernet header");
    }
    if (fd_ < 0) throw ErrnoError(env, EBADF, "PacketSocket (closed)");
    ssize_t n = ::send(fd_, frame.Data(), frame.Length(), 0);
    if (n < 0) throw ErrnoError(env, errno, "send");
    return Napi::Number::New(env, static_cast<double>(n));
  }

  void Close(const Napi::CallbackInfo& info) {
    cleanup_.Remove();
    CloseFd();
  }

  void CloseFd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  static void Teardown(void* arg) { static_cast<PacketSocket*>(arg)->CloseFd(); }

  int fd_ = -1;
  CleanupHook cleanup_;
};

}  // namespace

void InitPacketSocket(Napi::Env env, Napi::Object exports) { PacketSocket::Init(env, exports); }

}  // namespace vipd
