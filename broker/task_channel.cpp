#include "broker/task_channel.h"

#include <poll.h>

#include <cerrno>

#include "base/proc_file.h"
#include "broker/channel.h"

namespace novacron::broker {

Result<Fd> TaskChannel::open(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mu_);
  Message m;
  m.verb = Verb::kOpenTasks;
  m.id = next_id_++;
  if (auto s = send(channel_.get(), m); !s) return s.error();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return makeError(ErrorCode::kTimeout, "the broker did not answer for the process table");
    pollfd p{channel_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errnoError(errno, "process table channel");
    if (n == 0) continue;
    auto in = receive(channel_.get());
    if (!in) return in.error();
    // An answer to an earlier request that timed out is dropped (its descriptor closes).
    if (in->message.verb != Verb::kReply || in->message.id != m.id) continue;
    if (in->message.num(Tag::kOk) != 1)
      return makeError(
          in->message.get(Tag::kState) == "again" ? ErrorCode::kTimeout : ErrorCode::kUnavailable,
          std::string(in->message.get(Tag::kError).value_or("refused")));
    if (in->fds.size() != 1)
      return makeError(ErrorCode::kMalformed, "the broker's process table answer has no stream");
    return std::move(in->fds.front());
  }
}

}  // namespace novacron::broker
