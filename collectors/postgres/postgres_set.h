#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

#include "collectors/postgres/postgres.h"
#include "collectors/source.h"

namespace novacron::collectors {

/// The configured PostgreSQL instances (collectors.postgres), each collected on its own timer.
/// Event-loop only.
class PostgresSet final : public Source {
 public:
  PostgresSet(boost::asio::io_context& io, const Clock& clock, PostgresCollector::Sink sink)
      : io_(io), clock_(clock), sink_(std::move(sink)) {}
  ~PostgresSet() override { stop(); }

  /// Replaces the instances (start and reload): each new one connects at once.
  void configure(const std::vector<PostgresConfig>& instances);
  void stop() override;

  std::string_view name() const override { return "postgres"; }
  void latest(Batches& out) const override;
  void status(std::vector<SourceStatus>& rows) const override;
  /// What `novacron db status` shows: each instance, up or why not, and its latest values.
  nlohmann::json describe() const;

 private:
  boost::asio::io_context& io_;
  const Clock& clock_;
  PostgresCollector::Sink sink_;
  std::vector<std::unique_ptr<PostgresCollector>> databases_;
};

}  // namespace novacron::collectors
