#include "broker/server.h"

#include "io/memory_release.h"

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <map>
#include <memory>

#include "actions/registry.h"
#include "base/guard.h"
#include "base/json_text.h"
#include "base/log.h"
#include "broker/run_request.h"
#include "broker/task_service.h"
#include "io/firewall.h"
#include "io/orphans.h"

namespace novacron::broker {

namespace {

// The diagnostics report of an evidence bundle, and a run's result: bounded.
constexpr size_t kMaxReportBytes = 16u << 20;

void brokerLog(LogLevel level, const std::string& m) { log(level, "broker: " + m); }

class Server {
 public:
  Server(Fd channel, Fd tasks, PolicyLoader load)
      : channel_(std::move(channel)),
        load_(std::move(load)),
        socket_(io_, channel_.get()),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        agent_(::getppid()),
        env_{io_, workers_, metrics_, policy_.settings} {
    if (tasks.get() >= 0) tasks_ = std::make_unique<TaskService>(io_, std::move(tasks));
  }
  ~Server() { socket_.release(); }  // channel_ closes the descriptor

  int run() {
    auto loaded = load_();
    if (!loaded) {
      brokerLog(LogLevel::kError, "cannot load the policy: " + loaded.error().message);
      return 1;
    }
    policy_ = std::move(*loaded);
    waitSignal();
    waitRequest();
    if (tasks_) tasks_->start();
    // The agent's hello and first requests set up containment; once they are done, what start-up
    // alone used is given back (and what each action's work used, every 10 minutes after).
    memory_release_.start();
    for (bool done = false; !done;) done = guarded("the broker's loop", [this] { io_.run(); });
    workers_.join();
    return 0;
  }

 private:
  // The agent decides when to stop: a SIGINT from a terminal, a SIGHUP or the SIGTERM systemd
  // sends the whole unit reach the broker too, and are left to the agent, whose end closing is
  // the broker's signal. Only a SIGTERM once the agent is gone (PR_SET_PDEATHSIG) stops it.
  void waitSignal() {
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGTERM && ::getppid() != agent_) return stop("SIGTERM (the agent has gone)");
      waitSignal();
    });
  }

  void waitRequest() {
    socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this](boost::system::error_code ec) {
                         if (ec || stopping_) return;
                         guarded("a broker request", [this] { readRequest(); });
                         if (!stopping_) waitRequest();
                       });
  }

  void readRequest() {
    auto in = receive(channel_.get());
    if (!in) {
      if (in.error().code == ErrorCode::kUnavailable) return stop("the agent closed its end");
      // A malformed datagram has no id to answer: it is logged and the next one is read.
      brokerLog(LogLevel::kWarning, "refused a message: " + in.error().message);
      return;
    }
    handle(*in);
  }

  void reply(uint32_t id, Result<void> r, Message extra = {}, const std::vector<int>& fds = {}) {
    extra.verb = Verb::kReply;
    extra.id = id;
    extra.number[Tag::kOk] = r ? 1 : 0;
    if (!r) extra.text[Tag::kError] = r.error().message.substr(0, kMaxFieldBytes);
    tell(extra, fds);
  }

  void tell(const Message& m, const std::vector<int>& fds = {}) {
    if (auto s = send(channel_.get(), m, fds); !s)
      brokerLog(LogLevel::kWarning, "cannot answer the agent: " + s.error().message);
  }

  void handle(Received& in) {
    const Message& m = in.message;
    switch (m.verb) {
      case Verb::kHello:
        return hello(m);
      case Verb::kRunAction:
        return startRun(in);
      case Verb::kKillRun:
        return killRun(m);
      case Verb::kListBlocked:
        return listBlocked(m);
      case Verb::kHealth: {
        Message r;
        r.text[Tag::kPolicy] = policyDigest(*policy_.policy);
        r.text[Tag::kState] = std::to_string(runs_.size()) + " run(s)";
        return reply(m.id, {}, r);
      }
      case Verb::kReload:
        return reload(m);
      default:
        return reply(m.id, makeError(ErrorCode::kInvalidArgument,
                                     std::string(verbName(m.verb)) + " is not a request"));
    }
  }

  void hello(const Message& m) {
    if (m.num(Tag::kVersion) != kProtocolVersion)
      return reply(m.id, makeError(ErrorCode::kInvalidArgument, "protocol version differs"));
    std::string instance(m.get(Tag::kInstance).value_or(""));
    bool plain = !instance.empty() && instance.size() <= 64 &&
                 std::all_of(instance.begin(), instance.end(),
                             [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
    if (!plain) return reply(m.id, makeError(ErrorCode::kInvalidArgument, "no plain instance"));
    Message r;
    if (instance_.empty()) {
      // The cgroups are named for the agent's store, which only the agent opens: set up once,
      // at the first hello, and what a killed predecessor left is ended first. The agent
      // records it on the timelines of the runs it belonged to.
      instance_ = instance;
      containment_ = io::Containment::setUp(instance_);
      if (containment_.mode() != io::ContainmentMode::kProcessGroup)
        env_.containment = &containment_;
      for (const auto& [name, n] : containment_.endLeftovers())
        r.lists[Tag::kValue].push_back(name + "=" + std::to_string(n));
    }
    r.number[Tag::kVersion] = kProtocolVersion;
    r.text[Tag::kPolicy] = policyDigest(*policy_.policy);
    r.text[Tag::kState] = io::containmentName(containment_.mode());
    r.text[Tag::kDescription] = containment_.description();
    reply(m.id, {}, r);
  }

  void startRun(Received& in) {
    const Message& m = in.message;
    auto request = authorize(*policy_.policy, m);
    if (!request) {
      brokerLog(LogLevel::kWarning,
                "refused " + std::string(verbName(m.verb)) + ": " + request.error().message);
      return reply(m.id, request.error());
    }
    int64_t run = request->run_id;
    if (runs_.count(run))
      return reply(m.id, makeError(ErrorCode::kInvalidArgument,
                                   "run " + std::to_string(run) + " is already running"));
    // What the main process prepares (the diagnostics report, where the metrics are) comes as
    // an fd; a type that has it prepared does not run without.
    const actions::ActionType* type = actions::findActionType(request->spec.type);
    if (type && type->prepare && in.fds.size() != 1)
      return reply(m.id,
                   makeError(ErrorCode::kInvalidArgument,
                             "a " + request->spec.type + " run needs its diagnostics report"));
    if (in.fds.size() == 1) {
      auto report = readMemoryFile(in.fds[0].get(), kMaxReportBytes);
      if (!report) return reply(m.id, report.error());
      request->diagnostics = std::move(*report);
    }
    request->now = std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
    request->on_started = [this, run](pid_t pid) {
      runs_[run] = pid;
      Message s;
      s.verb = Verb::kRunStarted;
      s.number[Tag::kRun] = static_cast<uint64_t>(run);
      s.number[Tag::kPid] = static_cast<uint64_t>(pid);
      tell(s);
    };
    runs_[run] = 0;
    brokerLog(LogLevel::kInfo, "run " + std::to_string(run) + ": " + request->playbook + "/" +
                                   request->spec.id + " (" + request->spec.type + ")");
    reply(m.id, {});
    actions::runAction(env_, std::move(*request), [this, run](actions::ActionOutcome o) {
      runs_.erase(run);
      Message e;
      e.verb = Verb::kRunEnded;
      e.number[Tag::kRun] = static_cast<uint64_t>(run);
      e.text[Tag::kState] = std::string(actions::runStateName(o.state));
      auto result = memoryFile("novacron-result", jsonText(o.result));
      if (!result) {
        brokerLog(LogLevel::kError, result.error().message);
        return tell(e);
      }
      tell(e, {result->get()});
    });
  }

  // A run of this life is ended through its cgroup and its process group; one of a killed
  // predecessor by the marker in its processes' environment. Never by a pid the agent names.
  void killRun(const Message& m) {
    int64_t run = static_cast<int64_t>(m.num(Tag::kRun).value_or(0));
    size_t n = endRun(run);
    if (!runs_.count(run) && !instance_.empty())
      n += static_cast<size_t>(io::endMarkedProcesses(io::runMarker(instance_, run)));
    Message r;
    r.text[Tag::kState] = std::to_string(n) + " process(es)";
    reply(m.id, {}, r);
  }

  size_t endRun(int64_t run) {
    size_t n = containment_.kill("run-" + std::to_string(run));
    if (auto it = runs_.find(run); it != runs_.end() && it->second > 0)
      n += ::kill(-it->second, SIGKILL) == 0;
    return n;
  }

  void listBlocked(const Message& m) {
    auto fw = io::Firewall::open();
    if (!fw) return reply(m.id, fw.error());
    auto list = fw->list();
    if (!list) return reply(m.id, list.error());
    auto fd = memoryFile("novacron-blocked", io::blockedJson(*list));
    if (!fd) return reply(m.id, fd.error());
    reply(m.id, {}, {}, {fd->get()});
  }

  void reload(const Message& m) {
    auto loaded = load_();
    if (!loaded) {
      brokerLog(LogLevel::kError,
                "reload failed, the last good policy stays: " + loaded.error().message);
      return reply(m.id, loaded.error());
    }
    policy_ = std::move(*loaded);  // in place: env_ and the runs going refer to its settings
    Message r;
    r.text[Tag::kPolicy] = policyDigest(*policy_.policy);
    brokerLog(LogLevel::kInfo, "policy reloaded (" + r.text[Tag::kPolicy] + ")");
    reply(m.id, {}, r);
  }

  void stop(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    brokerLog(LogLevel::kInfo, "stopping: " + why);
    for (const auto& entry : runs_) endRun(entry.first);
    containment_.tearDown();
    signals_.cancel();
    socket_.cancel();
    if (tasks_) tasks_->stop();
    memory_release_.stop();
    io_.stop();
  }

  Fd channel_;
  PolicyLoader load_;
  boost::asio::io_context io_;
  boost::asio::thread_pool workers_{1};
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::signal_set signals_;
  io::MemoryRelease memory_release_{io_};
  BrokerPolicy policy_;
  metrics::MetricStore metrics_;  // empty: the reports come from the agent
  pid_t agent_;                   // the parent: gone means stop
  io::Containment containment_;   // set up at the first hello
  std::string instance_;
  // One for the broker's life: runs hold it by reference. A reload assigns policy_, and so the
  // settings it refers to, in place.
  actions::ActionEnv env_;
  std::map<int64_t, pid_t> runs_;       // the runs going, with their first process once started
  std::unique_ptr<TaskService> tasks_;  // the process table channel, when the agent gave one
  bool stopping_ = false;
};

}  // namespace

std::string policyDigest(const policy::PolicySet& policy) {
  std::string text;
  for (const auto& p : policy.playbooks) {
    text += p.name + (p.enabled ? "+" : "-");
    for (const auto& a : p.actions) text += a.id + ":" + a.type + ":" + a.with.dump() + ";";
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016zx", std::hash<std::string>{}(text));
  return buf;
}

int serve(Fd channel, Fd tasks, PolicyLoader load) {
  Server server(std::move(channel), std::move(tasks), std::move(load));
  return server.run();
}

}  // namespace novacron::broker
