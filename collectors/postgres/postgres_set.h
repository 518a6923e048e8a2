#pragma once

#include <nlohmann/json_fwd.hpp>

#include "collectors/instance_set.h"
#include "collectors/plugin.h"
#include "collectors/postgres/postgres.h"

namespace novacron::collectors {

/// The configured PostgreSQL instances (collectors.postgres), each collected on its own timer.
/// Event-loop only.
class PostgresSet final : public InstanceSet<PostgresCollector, PostgresConfig> {
 public:
  PostgresSet(boost::asio::io_context& io, const Clock& clock, PostgresCollector::Sink sink)
      : InstanceSet(io, clock, std::move(sink), "postgres") {}
  std::string_view name() const override { return "postgres"; }
  /// What `novacron db status` shows: each instance, up or why not, and its latest values.
  nlohmann::json describe() const override;
};

/// collectors.postgres: its descriptor, listed in collectors/plugins.cpp.
extern const ListedSource kPostgresSource;

}  // namespace novacron::collectors
