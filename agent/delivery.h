#pragma once
// Delivery, a component of the agent: the timeline's events to the coordinator (the outbox) and
// the open incidents to Alertmanager, both woken by every append to the incident store, both
// reconfigured from the agent's configuration on reload. Event-loop only.
#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "base/clock.h"
#include "collectors/source.h"

namespace boost::asio {
class io_context;
}

namespace novacron::incidents {
class Store;
}

namespace novacron::reporting {
struct AgentSelf;
class Reporter;
class AlertmanagerPusher;
}  // namespace novacron::reporting

namespace novacron::agent {

class Delivery {
 public:
  /// `config` is the agent's, read again by reconfigure().
  Delivery(boost::asio::io_context& io, const Clock& clock, const Config& config);
  ~Delivery();

  /// Made once the incident store is open; `store_id` marks what this store sends.
  void open(incidents::Store& store, const std::string& store_id,
            std::map<std::string, std::string> descriptions,
            std::function<reporting::AgentSelf()> self);
  /// Starts sending, with the loop: a coordinator or Alertmanager that is down or slow never
  /// holds up start-up.
  void start();
  /// A reload: new addresses, limits and playbook descriptions.
  void reconfigure(std::map<std::string, std::string> descriptions);
  /// Both, as sources (their metrics and status rows); none before open().
  void sources(std::vector<collectors::Source*>& out);
  void sources(std::vector<const collectors::Source*>& out) const;
  /// The outbox for `novacron status` and /v1/status; null before open().
  nlohmann::json outboxJson() const;

 private:
  boost::asio::io_context& io_;
  const Clock& clock_;
  const Config& config_;
  std::string store_id_;
  std::unique_ptr<reporting::Reporter> reporter_;
  std::unique_ptr<reporting::AlertmanagerPusher> alerts_;
};

}  // namespace novacron::agent
