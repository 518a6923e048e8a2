#pragma once

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "coordinator/push_decoder.h"
#include "io/postgres/pg_pool.h"

namespace boost::asio {
class io_context;
}

namespace novacron::coordinator {

using std::chrono::milliseconds;

/// How a batch came: pushed by its node (checked against the node's token) or read from the
/// node by this coordinator's poller (trusted).
enum class Via { kPush, kPoll };

struct IngestResult {
  bool accepted = false;   ///< false: the token is not this node's (or none)
  std::string token_node;  ///< the node the token belongs to; empty: no such token
  int64_t inserted = 0;    ///< events new to the database
  int64_t duplicates = 0;  ///< events it already had
  int64_t gaps = 0;        ///< gaps in the node's sequence noticed by this batch
};

/// What the fleet view lists: exact matches; empty means any.
struct IncidentFilter {
  std::string state, playbook;
  int severity = 0;
  std::map<std::string, std::string> selector;  ///< node labels, all must match
  std::optional<double> since;                  ///< opened at or after, Unix seconds
  bool open_only = false;
  int limit = 500;
};

/// Every statement the coordinator runs, on a bounded pool: the only place that knows its SQL
/// (besides the migrations). Answers come as JSON built by PostgreSQL. Event-loop only.
class Database {
 public:
  Database(boost::asio::io_context& io, io::PgPoolOptions pool, milliseconds timeout,
           milliseconds retention);

  /// One batch in one statement: the events (once each, whichever way they came), the node's
  /// record, its incidents' records (a newer batch's record wins) and the gaps it shows. A push
  /// is written only if `token_hash` (hex SHA-256) is a live node token of the batch's node.
  void ingest(PushBatch batch, Via via, const std::string& token_hash,
              std::function<void(Result<IngestResult>)> done);
  /// The subject of a live token of `role` ("node", "reader"), or empty.
  void tokenSubject(const std::string& token_hash, const std::string& role,
                    std::function<void(Result<std::string>)> done);

  void nodes(const std::map<std::string, std::string>& selector, milliseconds silent_after,
             std::function<void(Result<nlohmann::json>)> done);
  void incidents(const IncidentFilter& filter, std::function<void(Result<nlohmann::json>)> done);
  /// The incident and its whole timeline; null when there is none. `node` narrows an id two
  /// nodes use; without it such an id is an error that names them.
  void incident(const std::string& id, const std::string& node,
                std::function<void(Result<nlohmann::json>)> done);
  /// The fleet in figures: {nodes, silent: [ids], laggards: [{node, lag, depth}]} (the 100
  /// heard from longest ago).
  void summary(milliseconds silent_after, std::function<void(Result<nlohmann::json>)> done);
  /// This month's and next month's partitions exist; months past the retention are dropped.
  void upkeep(std::function<void(Result<std::string>)> done);

  /// Polling. Each configured node has a row (made or its URL updated).
  void registerPollTargets(const std::vector<std::pair<std::string, std::string>>& node_urls,
                           std::function<void(Result<void>)> done);
  struct Claimed {
    std::string node;
    int64_t after = 0;     ///< read from this seq: the cursor, or before the first unfilled gap
    std::string store_id;  ///< the store the cursor is of
    int failures = 0;
  };
  /// Claims up to `limit` of `nodes` whose poll is due and that no live lease holds, for `lease`
  /// (FOR UPDATE SKIP LOCKED: two coordinators never claim the same node).
  void claimPolls(const std::string& owner, milliseconds lease, int limit,
                  const std::vector<std::string>& nodes,
                  std::function<void(Result<std::vector<Claimed>>)> done);
  /// A poll is over: its cursor and store, when to poll next, and the lease given back; the gaps
  /// the node's events now cover are marked filled.
  void finishPoll(const std::string& node, const std::string& owner, bool ok, int64_t cursor,
                  const std::string& store_id, milliseconds next_in, const std::string& error,
                  std::function<void(Result<void>)> done);

  io::PgPoolStats poolStats() const { return pool_.stats(); }

 private:
  void ensurePartitions(std::set<std::string> months, std::function<void(Result<void>)> done);
  void write(std::shared_ptr<const PushBatch> batch, Via via, std::string token_hash, bool retry,
             std::function<void(Result<IngestResult>)> done);

  boost::asio::io_context& io_;
  io::PgPool pool_;
  milliseconds timeout_, retention_;
  std::set<std::string> partitions_;  ///< months (YYYY-MM-01) whose partition exists
};

}  // namespace novacron::coordinator
