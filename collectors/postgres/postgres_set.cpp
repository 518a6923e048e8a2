#include "collectors/postgres/postgres_set.h"

#include <nlohmann/json.hpp>

#include "collectors/postgres/postgres_metrics.h"
#include "collectors/source_options.h"

namespace novacron::collectors {

nlohmann::json PostgresSet::describe() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& db : instances()) list.push_back(instanceJson(db->health(), "novacron_pg_"));
  nlohmann::json out = {{"instances", list}};
  if (instances().empty())
    out["message"] = "no PostgreSQL instance is configured (collectors.postgres)";
  return out;
}

const ListedSource kPostgresSource =
    listedSource<PostgresSet, &SourceOptions::postgres>("postgres", &postgresMetrics);

}  // namespace novacron::collectors
