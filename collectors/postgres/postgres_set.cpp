#include "collectors/postgres/postgres_set.h"

namespace novacron::collectors {

void PostgresSet::configure(const std::vector<PostgresConfig>& instances) {
  stop();
  for (const auto& pg : instances) {
    databases_.push_back(std::make_unique<PostgresCollector>(io_, clock_, pg, sink_));
    databases_.back()->start();
  }
}

void PostgresSet::stop() {
  for (auto& db : databases_) db->stop();
  databases_.clear();
}

void PostgresSet::latest(Batches& out) const {
  for (const auto& db : databases_) out.add(db->health().latest);
}

void PostgresSet::status(std::vector<SourceStatus>& rows) const {
  for (const auto& db : databases_) {
    const auto& h = db->health();
    double err = h.runs ? static_cast<double>(h.errors) / static_cast<double>(h.runs) : 0;
    rows.push_back({h.name, "postgres",
                    h.runs == 0 ? "pending"
                    : h.up      ? "ok"
                                : "down",
                    h.last_duration_seconds, err, h.up ? "" : h.last_error});
  }
}

nlohmann::json PostgresSet::describe() const {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& db : databases_) {
    const auto& h = db->health();
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& smp : h.latest) {
      std::string key(smp.metric->name.substr(std::string_view("novacron_pg_").size()));
      for (const auto& l : smp.labels) {
        if (l.name != "instance") key += "{" + l.name + "=" + l.value + "}";
      }
      metrics[key] = smp.value;
    }
    instances.push_back({{"name", h.name},
                         {"up", h.up},
                         {"error", h.up ? "" : h.last_error},
                         {"metrics", metrics}});
  }
  nlohmann::json out = {{"instances", instances}};
  if (databases_.empty())
    out["message"] = "no PostgreSQL instance is configured (collectors.postgres)";
  return out;
}

}  // namespace novacron::collectors
