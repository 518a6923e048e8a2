// What an incident tells people: its placeholder values, its notices and the flight recorder.
#include "incidents/incident_manager.h"

#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>
#include <ctime>
#include <set>
#include "base/json_text.h"
#include "base/log.h"
#include "incidents/incident.h"
#include "metrics/labels_json.h"

#include "actions/diagnostics_report.h"
#include "base/duration.h"
#include "base/guard.h"
#include "policy/notify_templates.h"

namespace novacron::incidents {

using json = nlohmann::json;

namespace {

std::string isoTime(TimePoint t) { return formatUtc(t, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace

std::map<std::string, std::string> IncidentManager::values(const Incident& inc,
                                                           const std::string& reason) const {
  const policy::Playbook* p = playbook(inc);
  std::string node_labels;
  for (const auto& [k, v] : options_.actions.node_labels) {
    node_labels += (node_labels.empty() ? "" : ", ") + k + "=" + v;
  }
  std::string actions;
  for (const auto& o : inc.outcomes) actions += (actions.empty() ? "" : "; ") + o;
  std::map<std::string, std::string> v = {
      {"incident.id", inc.rec.id},
      {"incident.playbook", inc.rec.playbook},
      {"incident.severity", std::to_string(inc.rec.severity)},
      {"incident.category", inc.rec.category},
      {"incident.description", p && !p->description.empty() ? p->description : inc.rec.playbook},
      {"incident.state", std::string(incidentStateName(inc.rec.state))},
      {"incident.opened_at", isoTime(inc.rec.opened_at)},
      {"incident.resolved_at", inc.rec.resolved_at ? isoTime(*inc.rec.resolved_at) : "-"},
      {"incident.duration", formatDuration(std::chrono::duration_cast<std::chrono::seconds>(
                                inc.rec.resolved_at.value_or(clock_.now()) - inc.rec.opened_at))},
      {"incident.actions", actions.empty() ? "none" : actions},
      {"incident.reason", reason},
      {"node.id", options_.node_id},
      {"node.labels", node_labels.empty() ? "no labels" : node_labels}};
  for (const auto& l : inc.labels) v["labels." + l.name] = l.value;
  return v;
}

void IncidentManager::notice(const Incident& inc, const std::string& templ,
                             const std::string& reason) {
  auto text = policy::notifyTemplate(templ);
  if (!text || inc.rec.dry_run) return;
  std::string id = inc.rec.id;
  actions::sendNotice(*env_, std::string(*text), values(inc, reason), options_.actions.notify.url,
                      [this, alive = alive_, id, templ](actions::ActionOutcome o) {
                        if (!*alive) return;
                        guarded("incident " + id + ": recording the " + templ + " notice",
                                [&] { noticeSent(id, templ, std::move(o)); });
                      });
}

void IncidentManager::noticeSent(const std::string& id, const std::string& templ,
                                 actions::ActionOutcome o) {
  {
    o.result["template"] = templ;
    o.result["state"] = actions::runStateName(o.state);
    o.result.erase("text");
    auto r = store_.appendEvent(id, clock_.now(), "notification", jsonText(o.result));
    if (!r) writeFailed("incident " + id + ": cannot record a notice", r.error());
    if (o.state == actions::RunState::kFailed) {
      logWarning("incident " + id + ": the " + templ +
                 " notice was not delivered: " + o.result.value("error", std::string()));
    }
  }
}

// The flight recorder: the raw points, as sampled, of every series the playbook looks at that
// belongs to this incident, so that the post-mortem sees what the agent saw.
json IncidentManager::flightRecorder(const policy::Playbook& p, const metrics::Labels& labels,
                                     TimePoint now) const {
  constexpr size_t kMaxSeries = 16;
  const std::set<std::string> names = p.metrics();
  json series = json::array();
  size_t skipped = 0;
  for (const auto& name : names) {
    for (const metrics::Series* s : metrics_.select(name)) {
      // The series matches the incident where both have a label; labels only one has are fine.
      bool match = std::all_of(labels.begin(), labels.end(), [&](const metrics::Label& l) {
        for (const auto& sl : s->labels()) {
          if (sl.name == l.name) return sl.value == l.value;
        }
        return true;
      });
      if (!match) continue;
      if (series.size() >= kMaxSeries) {
        ++skipped;
        continue;
      }
      metrics::Window w = s->window(now, options_.flight_recorder);
      json points = json::array();
      w.forEach([&](const metrics::Point& pt) { points.push_back({toSeconds(pt.t), pt.v}); });
      series.push_back({{"metric", s->metric().name},
                        {"labels", metrics::labelsToJson(s->labels())},
                        {"points", std::move(points)}});
    }
  }
  return {{"window", formatDuration(options_.flight_recorder)},
          {"series", std::move(series)},
          {"series_left_out", skipped}};
}

}  // namespace novacron::incidents
