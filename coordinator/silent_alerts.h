#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace novacron::coordinator {

using std::chrono::milliseconds;

struct AlertmanagerOptions {
  std::string url;  ///< Alertmanager's base URL; empty: no alerts
  milliseconds resend_interval{std::chrono::minutes(1)};
  milliseconds timeout{std::chrono::seconds(5)};
};

/// Who watches the watcher: a node that falls silent is an alert of the fleet's own,
/// `alertname=NovacronAgentSilent` with the node's id, POSTed to Alertmanager's v2 API while the
/// node stays silent (again every resend_interval, each alert ending four intervals later unless
/// sent again) and ended as soon as the node is heard from. Any number of coordinators may send
/// the same alerts: Alertmanager merges them. A coordinator that restarts forgets which it sent;
/// those end by themselves. Event-loop only.
class SilentAlerts {
 public:
  SilentAlerts(boost::asio::io_context& io, AlertmanagerOptions options);
  ~SilentAlerts();
  /// The nodes silent now (each upkeep).
  void update(const std::vector<std::string>& silent);
  uint64_t sent() const { return sent_; }
  uint64_t failures() const { return failures_; }

 private:
  boost::asio::io_context& io_;
  AlertmanagerOptions options_;
  std::set<std::string> firing_;  ///< nodes whose alert Alertmanager has from us
  std::chrono::steady_clock::time_point last_sent_{};
  bool in_flight_ = false;
  uint64_t sent_ = 0, failures_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace novacron::coordinator
