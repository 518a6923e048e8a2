#pragma once

#include <sys/types.h>

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>

#include "base/result.h"

namespace novacron::io {

/// The user that owns the other end of a TCP connection made over the loopback interface, from
/// the kernel's socket table (sock_diag); nullopt for another peer or if the kernel does not say.
/// Every local user shares 127.0.0.1, so the address alone cannot tell a scraper from a hostile
/// local user: the owner can.
std::optional<uid_t> loopbackPeerOwner(const boost::asio::ip::tcp::endpoint& local,
                                       const boost::asio::ip::tcp::endpoint& peer);

/// The user that serves the other end of a socket this process connected, when that end is on
/// this host: for a Unix socket the peer's uid (SO_PEERCRED), for TCP the owner of the server's
/// socket in the kernel's table (an accepted socket is its listener's owner's). nullopt when the
/// peer is not on this host (nothing here to ask) or the kernel does not say.
std::optional<uid_t> localServerOwner(int fd, bool* on_this_host = nullptr);

/// Before a secret goes to the server at the other end of `fd`: that server, when it is on this
/// host, must run as root or as `expected_user`, since any local user may listen on a port or
/// squat a socket first. The error names the owner found and how to say who is expected (`what`:
/// "Redis instance cache"). A server elsewhere passes (its identity is TLS's to check).
Result<void> checkSecretPeer(int fd, const std::string& expected_user, const std::string& what);

}  // namespace novacron::io
