#include "broker/client.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <optional>

#include "base/guard.h"
#include "base/log.h"
#include "broker/run_request.h"

namespace novacron::broker {

namespace {
constexpr size_t kMaxResultBytes = 16u << 20;
}

struct Client::Impl {
  Impl(boost::asio::io_context& io, Fd fd) : channel(std::move(fd)), socket(io, channel.get()) {
    // A broker that stops reading must not stall the agent's loop for long.
    timeval t{5, 0};
    ::setsockopt(channel.get(), SOL_SOCKET, SO_SNDTIMEO, &t, sizeof(t));
  }
  ~Impl() { socket.release(); }

  Fd channel;
  boost::asio::posix::stream_descriptor socket;
  Hello hello;
  uint32_t next_id = 1;
  std::map<uint32_t, std::function<void(Received&)>> pending;
  struct Run {
    actions::ActionDone done;
    std::function<void(pid_t)> on_started;
  };
  std::map<int64_t, Run> runs;
  std::function<void(const std::string&)> on_down;
  std::string down;
  std::optional<std::chrono::steady_clock::time_point> asked;  // the unanswered health question

  Result<void> request(Message m, std::function<void(Received&)> answer,
                       const std::vector<int>& fds = {}) {
    if (!down.empty()) return makeError(ErrorCode::kUnavailable, "the broker is down: " + down);
    m.id = next_id++;
    if (auto s = send(channel.get(), m, fds); !s) {
      if (s.error().code == ErrorCode::kInvalidArgument) return s.error();  // not sent: ours
      lost("cannot reach it: " + s.error().message);
      return makeError(ErrorCode::kUnavailable, "the broker is down: " + down);
    }
    pending[m.id] = std::move(answer);
    return {};
  }

  void wait() {
    socket.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this](boost::system::error_code ec) {
                        if (ec || !down.empty()) return;
                        guarded("a broker answer", [this] { read(); });
                        if (down.empty()) wait();
                      });
  }

  void read() {
    auto in = receive(channel.get());
    if (!in) {
      if (in.error().code == ErrorCode::kUnavailable) return lost("it has exited");
      logWarning("broker: refused an answer: " + in.error().message);
      return;
    }
    Message& m = in->message;
    if (m.verb == Verb::kReply) {
      auto it = pending.find(m.id);
      if (it == pending.end()) return;
      auto answer = std::move(it->second);
      pending.erase(it);
      answer(*in);
    } else if (m.verb == Verb::kRunStarted) {
      auto it = runs.find(static_cast<int64_t>(m.num(Tag::kRun).value_or(0)));
      if (it != runs.end() && it->second.on_started)
        it->second.on_started(static_cast<pid_t>(m.num(Tag::kPid).value_or(0)));
    } else if (m.verb == Verb::kRunEnded) {
      auto it = runs.find(static_cast<int64_t>(m.num(Tag::kRun).value_or(0)));
      if (it == runs.end()) return;
      auto done = std::move(it->second.done);
      runs.erase(it);
      // A state this agent does not know (a newer broker's) is a failure, never a success.
      actions::ActionOutcome o{actions::parseRunState(m.get(Tag::kState).value_or(""))
                                   .value_or(actions::RunState::kFailed),
                               nlohmann::json::object()};
      if (in->fds.size() == 1) {
        auto text = readMemoryFile(in->fds[0].get(), kMaxResultBytes);
        auto parsed = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
        if (parsed.is_object()) o.result = std::move(parsed);
      }
      if (o.result.empty()) o.result["error"] = "the broker sent no result";
      done(std::move(o));
    }
  }

  void lost(const std::string& why) {
    if (!down.empty()) return;
    down = why;
    logError("broker down: " + why + "; no action can run");
    socket.cancel();
    for (auto& [run, r] : std::exchange(runs, {}))
      r.done(actions::failed("the broker is down (" + why + "): how run " + std::to_string(run) +
                             " ended is unknown"));
    for (auto& [id, answer] : std::exchange(pending, {})) {
      Received none;
      none.message.verb = Verb::kReply;
      none.message.number[Tag::kOk] = 0;
      none.message.text[Tag::kError] = "the broker is down: " + why;
      answer(none);
    }
    if (on_down) on_down(why);
  }
};

Client::Client(boost::asio::io_context& io, Fd channel)
    : impl_(std::make_unique<Impl>(io, std::move(channel))) {}
Client::~Client() = default;

namespace {
Error refusal(const Message& m) {
  return makeError(ErrorCode::kPermission,
                   std::string(m.get(Tag::kError).value_or("refused without a reason")));
}
}  // namespace

Result<Client::Hello> Client::hello(const std::string& instance,
                                    std::chrono::milliseconds timeout) {
  Message m;
  m.verb = Verb::kHello;
  m.id = impl_->next_id++;
  m.number[Tag::kVersion] = kProtocolVersion;
  m.text[Tag::kInstance] = instance;
  if (auto s = send(impl_->channel.get(), m); !s) return s.error();
  pollfd p{impl_->channel.get(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
    return makeError(ErrorCode::kUnavailable,
                     "the broker did not answer within " + std::to_string(timeout.count()) + " ms");
  auto in = receive(impl_->channel.get());
  if (!in) return in.error();
  if (in->message.verb != Verb::kReply || in->message.id != m.id)
    return makeError(ErrorCode::kMalformed, "the broker answered something else");
  if (in->message.num(Tag::kOk) != 1) return refusal(in->message);
  Hello h;
  h.policy = std::string(in->message.get(Tag::kPolicy).value_or(""));
  h.containment = std::string(in->message.get(Tag::kState).value_or(""));
  h.description = std::string(in->message.get(Tag::kDescription).value_or(""));
  for (const auto& item : in->message.list(Tag::kValue)) {
    size_t eq = item.find('=');
    h.leftovers.emplace_back(item.substr(0, eq), std::strtoull(item.c_str() + eq + 1, nullptr, 10));
  }
  impl_->hello = h;
  return h;
}

void Client::start() { impl_->wait(); }

void Client::run(actions::ActionRequest request, actions::ActionDone done) {
  auto m = runRequest(request);
  if (!m) return done(actions::failed(m.error().message));
  std::optional<Fd> report;
  if (!request.diagnostics.empty()) {
    auto fd = memoryFile("novacron-diagnostics", request.diagnostics);
    if (!fd) return done(actions::failed(fd.error().message));
    report = std::move(*fd);
  }
  int64_t run = request.run_id;
  auto shared = std::make_shared<actions::ActionDone>(std::move(done));
  auto answered = [this, run, shared, on_started = std::move(request.on_started)](Received& in) {
    if (in.message.num(Tag::kOk) == 1) {
      impl_->runs[run] = {std::move(*shared), on_started};
      return;
    }
    (*shared)(actions::failed("the broker refused the run: " +
                              std::string(in.message.get(Tag::kError).value_or("no reason"))));
  };
  std::vector<int> fds;
  if (report) fds.push_back(report->get());
  if (auto r = impl_->request(std::move(*m), std::move(answered), fds); !r) {
    if (*shared) (*shared)(actions::failed(r.error().message));
  }
}

void Client::killRun(int64_t run) {
  Message m;
  m.verb = Verb::kKillRun;
  m.number[Tag::kRun] = static_cast<uint64_t>(run);
  (void)impl_->request(std::move(m), [](Received&) {});
}

namespace {
// Reply handlers for the requests whose answer is a text field or a memory file.
std::function<void(Received&)> answerWith(std::function<void(Result<std::string>)> done,
                                          bool in_file) {
  return [done = std::move(done), in_file](Received& in) {
    if (in.message.num(Tag::kOk) != 1) return done(refusal(in.message));
    if (!in_file) return done(std::string(in.message.get(Tag::kPolicy).value_or("")));
    if (in.fds.size() != 1) return done(makeError(ErrorCode::kMalformed, "no answer"));
    done(readMemoryFile(in.fds[0].get(), kMaxResultBytes));
  };
}
}  // namespace

void Client::reload(std::function<void(Result<std::string>)> done) {
  Message m;
  m.verb = Verb::kReload;
  auto answer = answerWith(
      [this, done](Result<std::string> digest) {
        if (digest) impl_->hello.policy = *digest;
        done(std::move(digest));
      },
      false);
  if (auto r = impl_->request(std::move(m), std::move(answer)); !r) done(r.error());
}

void Client::listBlocked(std::function<void(Result<std::string>)> done) {
  Message m;
  m.verb = Verb::kListBlocked;
  auto answer = answerWith(done, true);
  if (auto r = impl_->request(std::move(m), std::move(answer)); !r) done(r.error());
}

void Client::ping() {
  if (impl_->asked || !up()) return;
  Message m;
  m.verb = Verb::kHealth;
  auto answer = [impl = impl_.get()](Received& in) {
    impl->asked.reset();
    if (in.message.num(Tag::kOk) == 1 && in.message.get(Tag::kPolicy))
      impl->hello.policy = std::string(*in.message.get(Tag::kPolicy));
  };
  if (impl_->request(std::move(m), answer)) impl_->asked = std::chrono::steady_clock::now();
}

std::chrono::steady_clock::duration Client::unanswered() const {
  if (!impl_->asked) return {};
  return std::chrono::steady_clock::now() - *impl_->asked;
}

void Client::onDown(std::function<void(const std::string&)> f) { impl_->on_down = std::move(f); }
bool Client::up() const { return impl_->down.empty(); }
const std::string& Client::downReason() const { return impl_->down; }
const Client::Hello& Client::info() const { return impl_->hello; }
size_t Client::running() const { return impl_->runs.size(); }

}  // namespace novacron::broker
