#include "broker/task_service.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/guard.h"
#include "base/log.h"
#include "broker/channel.h"

namespace novacron::broker {

struct TaskService::Impl {
  Impl(boost::asio::io_context& io, Fd ch, std::chrono::milliseconds spacing)
      : channel(std::move(ch)), socket(io, channel.get()), min_spacing(spacing) {}
  ~Impl() { socket.release(); }  // channel closes the descriptor

  void wait() {
    socket.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this](boost::system::error_code ec) {
                        if (ec || stopped) return;
                        guarded("a process table request", [this] { readRequest(); });
                        if (!stopped) wait();
                      });
  }

  void readRequest() {
    auto in = receive(channel.get());
    if (!in) {
      if (in.error().code == ErrorCode::kUnavailable) {
        stopped = true;  // the agent closed its end: its main channel tells the broker to stop
        return;
      }
      log(LogLevel::kWarning, "broker: refused a process table message: " + in.error().message);
      return;
    }
    Message r;
    r.verb = Verb::kReply;
    r.id = in->message.id;
    auto stream = answer(in->message);
    r.number[Tag::kOk] = stream ? 1 : 0;
    std::vector<int> fds;
    if (stream) {
      fds.push_back(stream->get());
    } else {
      r.text[Tag::kError] = stream.error().message.substr(0, kMaxFieldBytes);
      // Whether asking again can help: not where the iterator cannot load.
      if (stream.error().code != ErrorCode::kUnavailable) r.text[Tag::kState] = "again";
    }
    if (auto s = send(channel.get(), r, fds); !s)
      log(LogLevel::kWarning,
          "broker: cannot answer a process table request: " + s.error().message);
  }

  Result<Fd> answer(const Message& m) {
    if (m.verb != Verb::kOpenTasks)
      return makeError(
          ErrorCode::kInvalidArgument,
          std::string(verbName(m.verb)) + " is not asked on the process table channel");
    auto now = std::chrono::steady_clock::now();
    if (last && now - *last < min_spacing)
      return makeError(ErrorCode::kTimeout, "process table: asked again too soon");
    last = now;
    if (!iterator) {
      iterator = TaskIterator::load();
      log(LogLevel::kInfo, *iterator ? std::string("broker: BPF task iterator loaded")
                                     : "broker: " + iterator->error().message);
    }
    if (!*iterator) return iterator->error();
    return (*iterator)->open();
  }

  Fd channel;
  boost::asio::posix::stream_descriptor socket;
  std::chrono::milliseconds min_spacing;
  std::optional<Result<TaskIterator>> iterator;  // loaded at the first request, for good
  std::optional<std::chrono::steady_clock::time_point> last;
  bool stopped = false;
};

TaskService::TaskService(boost::asio::io_context& io, Fd channel,
                         std::chrono::milliseconds min_spacing)
    : impl_(std::make_unique<Impl>(io, std::move(channel), min_spacing)) {}

TaskService::~TaskService() = default;

void TaskService::start() { impl_->wait(); }

void TaskService::stop() {
  impl_->stopped = true;
  impl_->socket.cancel();
}

}  // namespace novacron::broker
