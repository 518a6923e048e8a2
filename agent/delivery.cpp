#include "agent/delivery.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "incidents/store.h"
#include "reporting/alertmanager.h"
#include "reporting/reporter.h"

namespace novacron::agent {

using json = nlohmann::json;

namespace {

reporting::ReporterOptions reporterOptions(const Config& config, const std::string& store_id) {
  reporting::ReporterOptions o;
  o.urls = config.coordinator_urls;
  o.token_file = config.coordinator_token_file;
  o.ca_file = config.coordinator_ca_file ? config.coordinator_ca_file->string() : "";
  o.heartbeat = config.coordinator_heartbeat;
  o.cert_file = config.coordinator_cert_file ? config.coordinator_cert_file->string() : "";
  o.key_file = config.coordinator_key_file ? config.coordinator_key_file->string() : "";
  o.timeout = config.coordinator_timeout;
  o.batch_size = config.coordinator_batch_size;
  o.max_events = config.outbox_max_events;
  o.backoff_max = config.coordinator_backoff_max;
  o.node_id = config.node_id;
  o.node_labels = config.node_labels;
  o.store_id = store_id;
  return o;
}

reporting::AlertmanagerOptions alertmanagerOptions(const Config& config) {
  return {config.alertmanager_url, config.alertmanager_resend_interval, config.alertmanager_timeout,
          config.node_id, config.node_labels};
}

}  // namespace

Delivery::Delivery(boost::asio::io_context& io, const Clock& clock, const Config& config)
    : io_(io), clock_(clock), config_(config) {}

Delivery::~Delivery() = default;

void Delivery::open(incidents::Store& store, const std::string& store_id,
                    std::map<std::string, std::string> descriptions,
                    std::function<reporting::AgentSelf()> self) {
  store_id_ = store_id;
  reporter_ = std::make_unique<reporting::Reporter>(io_, store, clock_,
                                                    reporterOptions(config_, store_id_));
  reporter_->setSelf(std::move(self));
  alerts_ = std::make_unique<reporting::AlertmanagerPusher>(io_, store, clock_,
                                                            alertmanagerOptions(config_));
  alerts_->setDescriptions(std::move(descriptions));
  store.onAppend([this] {
    reporter_->wake();
    alerts_->wake();
  });
}

void Delivery::start() {
  if (reporter_) reporter_->start();
  if (alerts_) alerts_->start();
}

void Delivery::reconfigure(std::map<std::string, std::string> descriptions) {
  if (reporter_) reporter_->setOptions(reporterOptions(config_, store_id_));
  if (alerts_) {
    alerts_->setOptions(alertmanagerOptions(config_));
    alerts_->setDescriptions(std::move(descriptions));
  }
}

void Delivery::sources(std::vector<collectors::Source*>& out) {
  if (reporter_) out.push_back(reporter_.get());
  if (alerts_) out.push_back(alerts_.get());
}

void Delivery::sources(std::vector<const collectors::Source*>& out) const {
  if (reporter_) out.push_back(reporter_.get());
  if (alerts_) out.push_back(alerts_.get());
}

json Delivery::outboxJson() const {
  if (!reporter_) return nullptr;
  const reporting::ReporterStats& s = reporter_->stats();
  incidents::OutboxStats o = reporter_->outbox();
  double oldest = o.oldest ? toSeconds(clock_.now()) - toSeconds(*o.oldest) : 0.0;
  return {{"depth", o.depth},
          {"oldest_age_seconds", std::max(0.0, oldest)},
          {"coordinator",
           config_.coordinator_urls.empty() ? json(nullptr) : json(config_.coordinator_urls[0])},
          {"coordinators", config_.coordinator_urls},
          {"delivered", s.delivered},
          {"parked", s.parked},
          {"dropped", s.dropped},
          {"last_success", s.last_success ? json(toSeconds(*s.last_success)) : json(nullptr)},
          {"last_error", s.last_error}};
}

}  // namespace novacron::agent
