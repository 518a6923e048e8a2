#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "broker/protocol.h"

namespace novacron::broker {

/// What a message may carry (evidence files, a run's result): base/fd.h's descriptor.
using novacron::Fd;

/// Descriptors one message may carry.
inline constexpr size_t kMaxFds = 64;

struct Received {
  Message message;
  std::vector<Fd> fds;
};

/// A pair of connected SOCK_SEQPACKET sockets, close-on-exec: [0] for one side, [1] the other.
Result<std::pair<Fd, Fd>> channelPair();

/// Sends one message, with descriptors (SCM_RIGHTS). Blocking unless the socket is not.
Result<void> send(int socket, const Message& m, const std::vector<int>& fds = {});

/// A sealed memory file holding `bytes`: how what is too big for a field (a run's result, the
/// diagnostics report of an evidence bundle) goes with a message.
Result<Fd> memoryFile(const char* name, std::string_view bytes);
/// Reads a memory file the other side sent, at most `max` bytes. Anything else (a pipe that
/// would block, a file that may still grow, a larger one) is refused: kMalformed.
Result<std::string> readMemoryFile(int fd, size_t max);

/// Receives one message. The peer having closed is kUnavailable; a datagram over
/// kMaxMessageBytes, more than kMaxFds descriptors or a malformed message is kMalformed, and
/// whatever descriptors it carried are closed.
Result<Received> receive(int socket);

}  // namespace novacron::broker
