// ProbeEngine: the socket work of the TCP_CHECK and plain HTTP_GET probes, on the loop of the thread that made
// it, with one call into JavaScript per event that matters: a non-blocking connect from the checker's socket
// (openCheckFd: bind_if, fwmark, bindto), the request written as soon as it connects, the response handed over
// as it arrives in one shared buffer, and the deadline (connect_timeout) counted from the moment connect() was
// issued. What the bytes mean (the HTTP framing, status, digest, regex) stays in TypeScript.
//
// Events, onEvent(id, event, value, elapsedMs) — elapsedMs: since connect() on the loop's clock (ms; no clock read
// of its own, which in the user-mode Linux lab is a system call):
//   CONNECTED (1): a probe without a request connected; its socket is closed (TCP_CHECK's verdict);
//   DATA (2): `value` bytes of the response are in `buffer` [0, value), valid until the callback returns;
//   END (3): the peer closed its side;  ERROR (4): `value` is the errno (connect or read);  TIMEOUT (5);
//   DATA_END (6): DATA and END at once (the close was already there after the bytes).
// After all but DATA the probe is over and its socket closed; after DATA it goes on until
// close(id). A deadline that passes while the answer is already waiting is not a timeout: what has arrived is
// read first (the loop may have been busy, the peer was not).
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "common.h"

namespace vipd {

namespace {

enum Event { kConnected = 1, kData = 2, kEnd = 3, kError = 4, kTimeout = 5, kDataEnd = 6 };
constexpr size_t kBufferSize = 64 * 1024;

class ProbeEngine;
struct ProbeSet;

// One probe: its socket, its poll watcher and its deadline. Freed when both uv handles have closed.
struct Probe {
  ProbeSet* set;
  uint32_t id;
  int fd;
  std::string request;
  uv_poll_t poll{};
  uv_timer_t timer{};
  size_t written = 0;
  bool connected = false;
  bool ended = false;
  int failed = 0;
  int closing = 0;
  uint64_t started = 0;  // uv_now when connect() was issued
};

// The probes of one engine. It outlives the engine while handles are closing: at an environment's teardown (a
// worker ending) Node waits, through the async cleanup hook, until the last close callback, which is this addon's.
struct ProbeSet {
  ProbeEngine* engine = nullptr;
  std::unordered_map<uint32_t, Probe*> live;
  int unclosed = 0;
  napi_async_cleanup_hook_handle hook = nullptr;
  bool tearingDown = false;
  bool engineGone = false;
};

void Settle(ProbeSet* s) {
  if (s->unclosed > 0) return;
  if (s->tearingDown && s->hook != nullptr) {
    napi_async_cleanup_hook_handle h = s->hook;
    s->hook = nullptr;
    napi_remove_async_cleanup_hook(h);
  }
  if (s->engineGone && s->hook == nullptr) delete s;
}

void OnClosed(uv_handle_t* h) {
  auto* p = static_cast<Probe*>(h->data);
  if (--p->closing > 0) return;
  // Closed only now that libuv has let go of the watcher, so that its number cannot be reused under it.
  ::close(p->fd);
  ProbeSet* s = p->set;
  delete p;
  s->unclosed--;
  Settle(s);
}

// Ends a probe: no callback of it runs any more; its socket closes once its handles have.
void EndProbe(Probe* p) {
  if (p->ended) return;
  p->ended = true;
  p->set->live.erase(p->id);
  uv_poll_stop(&p->poll);
  uv_timer_stop(&p->timer);
  p->closing = 2;
  uv_close(reinterpret_cast<uv_handle_t*>(&p->poll), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->timer), OnClosed);
}

void EndAll(ProbeSet* s) {
  std::vector<Probe*> all;
  for (auto& entry : s->live) all.push_back(entry.second);
  for (Probe* p : all) EndProbe(p);
}

class ProbeEngine : public Napi::ObjectWrap<ProbeEngine> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ProbeEngine",
                       {InstanceMethod<&ProbeEngine::Start>("start"), InstanceMethod<&ProbeEngine::Close>("close"),
                        InstanceMethod<&ProbeEngine::Destroy>("destroy"),
                        InstanceAccessor<&ProbeEngine::Buffer>("buffer"),
                        InstanceAccessor<&ProbeEngine::Active>("active")});
  }

  explicit ProbeEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProbeEngine>(info) {
    Napi::Env env = info.Env();
    onEvent_ = Napi::Persistent(ArgFunction(info, 0, "onEvent"));
    if (napi_get_uv_event_loop(env, &loop_) != napi_ok || loop_ == nullptr) {
      throw Napi::Error::New(env, "napi_get_uv_event_loop failed");
    }
    auto buffer = Napi::Buffer<char>::New(env, kBufferSize);
    data_ = buffer.Data();
    buffer_ = Napi::Persistent(buffer);
    set_ = new ProbeSet();
    set_->engine = this;
    if (napi_add_async_cleanup_hook(env, OnTeardown, set_, &set_->hook) != napi_ok) set_->hook = nullptr;
  }

  ~ProbeEngine() override {
    EndAll(set_);
    set_->engine = nullptr;
    set_->engineGone = true;
    if (!set_->tearingDown && set_->hook != nullptr) {
      napi_remove_async_cleanup_hook(set_->hook);
      set_->hook = nullptr;
    }
    Settle(set_);
  }

 private:
  static void OnTeardown(napi_async_cleanup_hook_handle hook, void* arg) {
    auto* s = static_cast<ProbeSet*>(arg);
    s->tearingDown = true;
    EndAll(s);
    Settle(s);
  }

  // start(id, family, connectIp, port, ifname|null, mark|null, bindAddr|null, bindPort, timeoutMs, request|null).
  // Throws (nothing left open) when the socket cannot be made, set up, bound or connected at once.
  void Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    double idArg = ArgNumber(info, 0, "id");
    if (!(idArg >= 0 && idArg <= 4294967295.0)) throw Napi::RangeError::New(env, "id must be a uint32");
    auto id = static_cast<uint32_t>(idArg);
    bool v6 = ArgInt(info, 1, "family", 4, 6) == 6;
    std::string ip = ArgString(info, 2, "connectIp");
    int port = ArgInt(info, 3, "port", 1, 65535);
    CheckEndpoint ep = CheckEndpointArgs(info, 4);
    int timeoutMs = ArgInt(info, 8, "timeoutMs", 0, 0x7fffffff);
    std::string request;
    if (!info[9].IsNull()) {
      if (!info[9].IsBuffer()) throw Napi::TypeError::New(env, "request must be a Buffer or null");
      auto b = info[9].As<Napi::Buffer<char>>();
      request.assign(b.Data(), b.Length());
    }
    if (set_->live.count(id) != 0) throw Napi::Error::New(env, "probe id in use: " + std::to_string(id));
    sockaddr_storage to{};
    socklen_t toLen = SocketAddress(env, v6, ip, port, ep.ifname, &to);

    int fd = OpenCheckFd(env, v6, true, ep, true, !request.empty());
    // The deadline counts from here, on the loop's clock brought up to now (it was read when this turn began).
    uv_update_time(loop_);
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), toLen) != 0 && errno != EINPROGRESS) {
      int err = errno;
      ::close(fd);
      throw ErrnoError(env, err, "connect");
    }
    auto* p = new Probe{set_, id, fd, std::move(request)};
    int err = uv_poll_init(loop_, &p->poll, fd);
    if (err != 0) {
      ::close(fd);
      delete p;
      throw ErrnoError(env, -err, "uv_poll_init");
    }
    uv_timer_init(loop_, &p->timer);
    p->poll.data = p;
    p->timer.data = p;
    p->started = uv_now(loop_);
    set_->live[id] = p;
    set_->unclosed++;
    uv_timer_start(&p->timer, OnDeadline, static_cast<uint64_t>(timeoutMs), 0);
    // The request goes at once when the handshake is already done (a local server: connect() completes it), so a
    // loop that runs late afterwards does not hold it back; else when the socket becomes writable.
    if (!p->request.empty()) {
      ssize_t n = send(fd, p->request.data(), p->request.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        p->connected = true;
        p->written = static_cast<size_t>(n);
      } else if (errno != EAGAIN && errno != ENOTCONN && errno != EINTR) {
        p->failed = errno;  // the connect's error (ECONNREFUSED...), which send took: reported at the next event
      }
    }
    uv_poll_start(&p->poll, p->connected && p->written == p->request.size() ? UV_READABLE : UV_WRITABLE, OnPoll);
  }

  // close(id): ends a probe now, without an event (its verdict is reached, or it was aborted). Unknown: nothing.
  void Close(const Napi::CallbackInfo& info) {
    auto it = set_->live.find(static_cast<uint32_t>(ArgNumber(info, 0, "id")));
    if (it != set_->live.end()) EndProbe(it->second);
  }

  // destroy(): ends every probe (the engine is no longer used); no callback runs after it.
  void Destroy(const Napi::CallbackInfo& info) {
    EndAll(set_);
    onEvent_.Reset();
  }

  Napi::Value Buffer(const Napi::CallbackInfo& info) { return buffer_.Value(); }
  Napi::Value Active(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(set_->live.size()));
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    auto* p = static_cast<Probe*>(handle->data);
    if (p->ended || p->set->engine == nullptr) return;
    // Writable without POLLERR (libuv turns that into status EBADF): a non-blocking connect has succeeded, no
    // need to ask the socket (one system call fewer per TCP_CHECK).
    if (status == 0 && !p->connected && (events & UV_WRITABLE) != 0) p->connected = true;
    p->set->engine->Progress(p, status < 0 ? -status : 0);
  }

  static void OnDeadline(uv_timer_t* handle) {
    auto* p = static_cast<Probe*>(handle->data);
    ProbeEngine* self = p->set->engine;
    if (p->ended || self == nullptr) return;
    // What is already waiting on the socket is taken first (bounded: at most 64 reads of the buffer's size).
    for (int i = 0; i < 64 && !p->ended; i++) {
      pollfd pfd{p->fd, static_cast<short>(p->connected && p->written == p->request.size() ? POLLIN : POLLOUT), 0};
      if (::poll(&pfd, 1, 0) <= 0) break;
      self->Progress(p, 0);
    }
    if (!p->ended) self->Finish(p, kTimeout, 0);
  }

  // The socket is ready (or failed, `pollErr`): connect's outcome, the rest of the request, or the response.
  void Progress(Probe* p, int pollErr) {
    if (p->failed != 0) {
      Finish(p, kError, p->failed);
      return;
    }
    if (pollErr != 0) {
      // libuv reports POLLERR as EBADF: the socket's own error says what happened (ECONNREFUSED, ECONNRESET...).
      int soErr = 0;
      socklen_t len = sizeof(soErr);
      if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soErr, &len) != 0 || soErr == 0) soErr = pollErr;
      Finish(p, kError, soErr);
      return;
    }
    if (!p->connected) {
      int soErr = 0;
      socklen_t len = sizeof(soErr);
      if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soErr, &len) != 0) soErr = errno;
      if (soErr == EINPROGRESS || soErr == EALREADY) return;
      if (soErr != 0) {
        Finish(p, kError, soErr);
        return;
      }
      p->connected = true;
    }
    if (p->request.empty()) {
      Finish(p, kConnected, 0);
      return;
    }
    if (p->written < p->request.size()) {
      ssize_t n = send(p->fd, p->request.data() + p->written, p->request.size() - p->written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) Finish(p, kError, errno);
        return;
      }
      p->written += static_cast<size_t>(n);
      if (p->written == p->request.size()) uv_poll_start(&p->poll, UV_READABLE, OnPoll);
      return;
    }
    ssize_t n = recv(p->fd, data_, kBufferSize, 0);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) Finish(p, kError, errno);
      return;
    }
    if (n == 0) {
      Finish(p, kEnd, 0);
      return;
    }
    // A server that answers "Connection: close" sends its close with the answer: one event for both then.
    char next;
    if (recv(p->fd, &next, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
      Finish(p, kDataEnd, static_cast<double>(n));
      return;
    }
    Emit(p->id, kData, static_cast<double>(n), Elapsed(p));
  }

  // The probe's last event: its socket goes first, so that the callback may start the next probe at once.
  void Finish(Probe* p, Event event, double value) {
    uint32_t id = p->id;
    double elapsed = Elapsed(p);
    EndProbe(p);
    Emit(id, event, value, elapsed);
  }

  double Elapsed(const Probe* p) const { return static_cast<double>(uv_now(loop_) - p->started); }

  void Emit(uint32_t id, Event event, double value, double elapsed) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    CallBack(env, onEvent_, Value(),
             {Napi::Number::New(env, id), Napi::Number::New(env, event), Napi::Number::New(env, value),
              Napi::Number::New(env, elapsed)});
  }

  Napi::FunctionReference onEvent_;
  Napi::Reference<Napi::Buffer<char>> buffer_;
  char* data_ = nullptr;
  uv_loop_t* loop_ = nullptr;
  ProbeSet* set_ = nullptr;
};

}  // namespace

void InitProbeEngine(Napi::Env env, Napi::Object exports) { exports.Set("ProbeEngine", ProbeEngine::Define(env)); }

}  // namespace vipd
