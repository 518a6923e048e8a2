#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "io/address.h"

struct nft_ctx;

namespace novacron::io {

/// One entry of the block set, as nftables reports it.
struct Blocked {
  Network network;
  std::chrono::seconds timeout{0};  ///< as given when it was added
  std::chrono::seconds expires{0};  ///< what is left of it
};

/// The block set as a JSON array of {address, timeout_s, expires_s}: what `novacron firewall
/// list` shows.
std::string blockedJson(const std::vector<Blocked>& blocked);

/// The runbook's "block suspicious IPs", with nftables: a table of the agent's own
/// (`inet novacron`) holding two sets with per-element timeouts (blocked4, blocked6) and an input
/// chain that drops and counts what comes from them. Nothing outside that table is touched, and
/// whatever an element's timeout, the kernel removes it when it expires, agent or not. The
/// caller has checked the networks (parseNetwork, protectedReason): this applies them. Root
/// (CAP_NET_ADMIN) only: the broker's.
class Firewall {
 public:
  static constexpr const char* kTable = "novacron";  // as written in firewall.cpp's set-up

  /// Opens libnftables and makes the table, sets and chain if they are missing; elements that
  /// are there stay. The chain's rules are rewritten, so a changed rule set takes effect.
  static Result<Firewall> open();

  Firewall(Firewall&&) noexcept;
  Firewall& operator=(Firewall&&) noexcept;
  ~Firewall();

  /// Adds networks for `timeout` (1 s to 30 days), in one transaction: all or none. A network
  /// already in the set keeps its first expiry.
  Result<void> block(const std::vector<Network>& networks, std::chrono::seconds timeout);
  /// Removes networks, in one transaction; one that is not there is not an error.
  Result<void> unblock(const std::vector<Network>& networks);
  /// What the sets hold now.
  Result<std::vector<Blocked>> list();
  /// Packets dropped so far by the chain's rules (IPv4 and IPv6 together).
  Result<uint64_t> droppedPackets();

 private:
  explicit Firewall(nft_ctx* ctx);
  // Runs commands; the output (JSON) when it succeeds, nft's own error text when not.
  Result<std::string> run(const std::string& commands);
  Result<void> apply(const std::string& commands);
  nft_ctx* ctx_ = nullptr;
};

}  // namespace novacron::io
