#include "coordinator/silent_alerts.h"

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/json_text.h"
#include "base/log.h"
#include "io/http_client.h"
#include "novacron/version.h"

namespace novacron::coordinator {

using json = nlohmann::json;

namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return formatTimestamp(
      TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch())));
}

json alert(const std::string& node, std::chrono::system_clock::time_point ends) {
  return {{"labels",
           {{"alertname", "NovacronAgentSilent"},
            {"node", node},
            {"severity", "high"},
            {"service", "novacron"}}},
          {"annotations",
           {{"summary", "novacron-agent on " + node + " is silent"},
            {"description", "The coordinator has not heard from the agent on " + node +
                                " for longer than fleet.silent_after: the host, its agent or "
                                "the network between them is down, and its incidents are not "
                                "reported."}}},
          {"endsAt", rfc3339(ends)}};
}

}  // namespace

SilentAlerts::SilentAlerts(boost::asio::io_context& io, AlertmanagerOptions options)
    : io_(io), options_(std::move(options)) {}

SilentAlerts::~SilentAlerts() { *alive_ = false; }

void SilentAlerts::update(const std::vector<std::string>& silent) {
  if (options_.url.empty() || in_flight_) return;
  std::set<std::string> now_silent(silent.begin(), silent.end());
  auto steady = std::chrono::steady_clock::now();
  bool due = steady - last_sent_ >= options_.resend_interval;
  if (now_silent == firing_ && (!due || now_silent.empty())) return;
  auto wall = std::chrono::system_clock::now();
  json body = json::array();
  for (const auto& n : now_silent) body.push_back(alert(n, wall + 4 * options_.resend_interval));
  for (const auto& n : firing_) {
    if (!now_silent.count(n)) body.push_back(alert(n, wall));  // heard from again: ended
  }
  io::HttpClientRequest req;
  req.method = "POST";
  req.url = options_.url;
  while (!req.url.empty() && req.url.back() == '/') req.url.pop_back();
  req.url += "/api/v2/alerts";
  req.timeout = options_.timeout;
  req.headers = {{"Content-Type", "application/json"},
                 {"User-Agent", std::string("novacron-coordinator/") + kVersion}};
  req.body = jsonText(body);
  in_flight_ = true;
  io::httpRequest(io_, std::move(req),
                  [this, alive = alive_, now_silent, steady](io::HttpClientResponse r) {
                    if (!*alive) return;
                    in_flight_ = false;
                    if (r.status >= 200 && r.status < 300) {
                      ++sent_;
                      firing_ = now_silent;
                      last_sent_ = steady;
                      return;
                    }
                    ++failures_;
                    logWarning("alertmanager: the silent-node alerts were not taken (" +
                               (r.status ? "HTTP " + std::to_string(r.status) : r.error) +
                               "); sent again at the next upkeep");
                  });
}

}  // namespace novacron::coordinator
