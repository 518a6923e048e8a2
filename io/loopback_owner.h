#pragma once

#include <sys/types.h>

#include <boost/asio/ip/tcp.hpp>
#include <optional>

namespace novacron::agent {

/// The user that owns the other end of a TCP connection made over the loopback interface, from
/// the kernel's socket table (sock_diag); nullopt for another peer or if the kernel does not say.
/// Every local user shares 127.0.0.1, so the address alone cannot tell a scraper from a hostile
/// local user: the owner can.
std::optional<uid_t> loopbackPeerOwner(const boost::asio::ip::tcp::endpoint& local,
                                       const boost::asio::ip::tcp::endpoint& peer);

}  // namespace novacron::agent
