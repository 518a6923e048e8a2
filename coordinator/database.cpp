#include "coordinator/database.h"

#include <nlohmann/json.hpp>

#include <ctime>

#include "base/json_text.h"
#include "base/log.h"

namespace novacron::coordinator {

using json = nlohmann::json;

namespace {

// One batch, one statement (one transaction, one round trip). `ok` is empty unless the batch may
// be written: a poll ($10) or a push whose token ($9) is a live token of the batch's node ($1).
// The node's row is locked first (`prev`), so that two coordinators given batches of one node
// write them one after the other.
constexpr const char* kIngest = R"sql(
WITH tok AS (
  SELECT subject FROM tokens
  WHERE hash = decode($9, 'hex') AND role = 'node' AND revoked_at IS NULL),
ok AS (SELECT 1 WHERE $10::boolean OR EXISTS (SELECT 1 FROM tok WHERE subject = $1)),
prev AS (
  SELECT CASE WHEN store_id = $2 THEN max_seq ELSE 0 END AS max_seq
  FROM nodes WHERE id = $1 AND EXISTS (SELECT 1 FROM ok) FOR UPDATE),
batch AS (
  SELECT (e->>'seq')::bigint AS seq, e->>'incident' AS incident,
         to_timestamp((e->>'at_ms')::bigint / 1000.0) AS at, e->>'kind' AS kind, e->'data' AS data
  FROM jsonb_array_elements($3::jsonb) AS e WHERE EXISTS (SELECT 1 FROM ok)),
kept AS (SELECT * FROM batch WHERE at >= $12::timestamptz),
node AS (
  INSERT INTO nodes AS n (id, labels, agent_version, store_id, max_seq, outbox_depth,
                          policy_digest, paused, playbooks, last_seen, last_via)
  SELECT $1, $5::jsonb, $6, $2, COALESCE((SELECT max(seq) FROM batch), 0), $7::bigint, $8,
         $13::boolean, $14::integer, now(), $11
  FROM ok
  ON CONFLICT (id) DO UPDATE SET
    labels = EXCLUDED.labels, agent_version = EXCLUDED.agent_version,
    store_id = EXCLUDED.store_id,
    max_seq = CASE WHEN n.store_id = EXCLUDED.store_id
                   THEN GREATEST(n.max_seq, EXCLUDED.max_seq) ELSE EXCLUDED.max_seq END,
    outbox_depth = EXCLUDED.outbox_depth, policy_digest = EXCLUDED.policy_digest,
    paused = EXCLUDED.paused, playbooks = EXCLUDED.playbooks, last_seen = now(),
    last_via = EXCLUDED.last_via
  RETURNING 1),
ins AS (
  INSERT INTO events (node, store_id, seq, incident, at, kind, data, via)
  SELECT $1, $2, seq, incident, at, kind, data, $11 FROM kept ORDER BY seq
  ON CONFLICT DO NOTHING RETURNING 1),
inc AS (
  INSERT INTO incidents AS i (node, id, playbook, category, severity, state, labels, dry_run,
                              triggered_by, opened_at, acknowledged_at, resolved_at, as_of_seq)
  SELECT $1, r->>'id', r->>'playbook', r->>'category', (r->>'severity')::smallint, r->>'state',
         r->'labels', (r->>'dry_run')::boolean, r->>'triggered_by',
         to_timestamp((r->>'opened_at')::float8), to_timestamp((r->>'acknowledged_at')::float8),
         to_timestamp((r->>'resolved_at')::float8), COALESCE((SELECT max(seq) FROM batch), 0)
  FROM jsonb_array_elements($4::jsonb) AS r WHERE EXISTS (SELECT 1 FROM ok)
  ON CONFLICT (node, id) DO UPDATE SET
    playbook = EXCLUDED.playbook, category = EXCLUDED.category, severity = EXCLUDED.severity,
    state = EXCLUDED.state, labels = EXCLUDED.labels, dry_run = EXCLUDED.dry_run,
    triggered_by = EXCLUDED.triggered_by, opened_at = EXCLUDED.opened_at,
    acknowledged_at = EXCLUDED.acknowledged_at, resolved_at = EXCLUDED.resolved_at,
    as_of_seq = EXCLUDED.as_of_seq, updated_at = now()
  WHERE i.as_of_seq <= EXCLUDED.as_of_seq
  RETURNING 1),
gap AS (
  INSERT INTO gaps (node, store_id, first_seq, last_seq)
  SELECT $1, $2, p + 1, seq - 1 FROM (
    SELECT seq, lag(seq, 1, COALESCE((SELECT max_seq FROM prev), 0)) OVER (ORDER BY seq) AS p
    FROM batch WHERE seq > COALESCE((SELECT max_seq FROM prev), 0)) AS s
  WHERE seq > p + 1
  ON CONFLICT DO NOTHING RETURNING 1)
SELECT (SELECT subject FROM tok LIMIT 1) AS token_node, EXISTS (SELECT 1 FROM ok) AS accepted,
       (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM kept) AS kept,
       (SELECT count(*) FROM gap) AS gaps, (SELECT count(*) FROM node) AS node_rows,
       (SELECT count(*) FROM inc) AS incident_rows
)sql";

// The node list, built as JSON by PostgreSQL: contract/coordinator.schema.json#/$defs/node.
constexpr const char* kNodes = R"sql(
SELECT COALESCE(json_agg(x ORDER BY x.id), '[]'::json)::text FROM (
  SELECT n.id, n.labels, n.agent_version, n.store_id AS store, n.max_seq, n.outbox_depth,
         n.policy_digest, n.paused, n.playbooks,
         extract(epoch FROM n.registered_at)::float8 AS registered_at,
         extract(epoch FROM n.last_seen)::float8 AS last_seen, n.last_via,
         COALESCE(n.last_seen, n.registered_at) < now() - $2::interval AS silent,
         (SELECT count(*) FROM incidents i WHERE i.node = n.id AND i.resolved_at IS NULL)
           AS open_incidents,
         (SELECT count(*) FROM gaps g WHERE g.node = n.id AND g.filled_at IS NULL) AS open_gaps
  FROM nodes n WHERE n.labels @> $1::jsonb) AS x
)sql";

constexpr const char* kIncidentColumns = R"sql(
  i.node, i.id, i.playbook, i.category, i.severity, i.state, i.labels, i.dry_run,
  i.triggered_by, extract(epoch FROM i.opened_at)::float8 AS opened_at,
  extract(epoch FROM i.acknowledged_at)::float8 AS acknowledged_at,
  extract(epoch FROM i.resolved_at)::float8 AS resolved_at,
  extract(epoch FROM i.updated_at)::float8 AS updated_at
)sql";

std::string interval(milliseconds d) { return std::to_string(d.count()) + " milliseconds"; }

std::string monthOf(int64_t at_ms) {
  std::time_t t = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-01", tm.tm_year + 1900, tm.tm_mon + 1);
  return buf;
}

std::string labelsJson(const std::map<std::string, std::string>& labels) {
  return jsonText(json(labels));
}

int64_t integerOf(const std::optional<std::string>& v) {
  return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
}

// The one JSON text cell of a statement's first result.
Result<json> jsonCell(const Result<std::vector<io::PgResult>>& r) {
  if (!r) return r.error();
  if (r->empty() || r->front().rows.empty() || r->front().rows[0].empty() || !r->front().rows[0][0])
    return json(nullptr);
  json j = json::parse(*r->front().rows[0][0], nullptr, false);
  if (j.is_discarded()) return makeError(ErrorCode::kMalformed, "the database answered not JSON");
  return j;
}

}  // namespace

Database::Database(boost::asio::io_context& io, io::PgPoolOptions pool, milliseconds timeout,
                   milliseconds retention)
    : io_(io), pool_(io, std::move(pool)), timeout_(timeout), retention_(retention) {}

void Database::ingest(PushBatch batch, Via via, const std::string& token_hash,
                      std::function<void(Result<IngestResult>)> done) {
  // Moved, not copied: a batch may hold thousands of events.
  auto b = std::make_shared<const PushBatch>(std::move(batch));
  std::set<std::string> months;
  auto cutoff = std::chrono::duration_cast<milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()) -
                retention_;
  for (const auto& e : b->events) {
    if (e.at_ms >= cutoff.count()) months.insert(monthOf(e.at_ms));
  }
  for (auto it = months.begin(); it != months.end();) {
    it = partitions_.count(*it) ? months.erase(it) : std::next(it);
  }
  ensurePartitions(std::move(months),
                   [this, b, via, token_hash, done = std::move(done)](Result<void> r) mutable {
                     if (!r) return done(r.error());
                     write(b, via, token_hash, true, std::move(done));
                   });
}

void Database::ensurePartitions(std::set<std::string> months,
                                std::function<void(Result<void>)> done) {
  if (months.empty()) return done({});
  std::string month = *months.begin();
  months.erase(months.begin());
  pool_.query("SELECT novacron_events_partition($1::date)", {month}, timeout_,
              [this, month, months = std::move(months),
               done = std::move(done)](Result<std::vector<io::PgResult>> r) mutable {
                if (!r) return done(r.error());
                partitions_.insert(month);
                ensurePartitions(std::move(months), std::move(done));
              });
}

void Database::write(std::shared_ptr<const PushBatch> b, Via via, std::string token_hash,
                     bool retry, std::function<void(Result<IngestResult>)> done) {
  // Events older than the retention are acknowledged and not kept, as if already dropped.
  std::time_t cutoff =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - retention_);
  std::tm tm{};
  ::gmtime_r(&cutoff, &tm);
  char cutoff_text[32];
  std::strftime(cutoff_text, sizeof(cutoff_text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  io::PgParams params = {b->node,
                         b->store,
                         b->eventsJson(),
                         b->incidentsJson(),
                         labelsJson(b->labels),
                         b->agent_version,
                         std::to_string(b->outbox_depth),
                         b->policy_digest,
                         token_hash.empty() ? std::string(64, '0') : token_hash,
                         via == Via::kPoll ? "true" : "false",
                         via == Via::kPoll ? "poll" : "push",
                         std::string(cutoff_text),
                         b->paused ? "true" : "false",
                         std::to_string(b->playbooks)};
  pool_.query(
      kIngest, std::move(params), timeout_,
      [this, b, via, token_hash, retry,
       done = std::move(done)](Result<std::vector<io::PgResult>> r) mutable {
        if (!r) {
          // A month's partition dropped by another coordinator's retention since we
          // last looked: forget what we know and make sure again, once.
          if (retry && r.error().message.find("no partition of relation") != std::string::npos) {
            partitions_.clear();
            std::set<std::string> months;
            for (const auto& e : b->events) months.insert(monthOf(e.at_ms));
            return ensurePartitions(
                std::move(months),
                [this, b, via, token_hash, done = std::move(done)](Result<void> e) mutable {
                  if (!e) return done(e.error());
                  write(b, via, token_hash, false, std::move(done));
                });
          }
          return done(r.error());
        }
        const io::PgResult& row = r->front();
        IngestResult out;
        out.token_node = row.get(0, "token_node").value_or("");
        out.accepted = row.get(0, "accepted").value_or("f") == "t";
        out.inserted = integerOf(row.get(0, "inserted"));
        out.duplicates = integerOf(row.get(0, "kept")) - out.inserted;
        out.gaps = integerOf(row.get(0, "gaps"));
        done(out);
      });
}

void Database::tokenSubject(const std::string& token_hash, const std::string& role,
                            std::function<void(Result<std::string>)> done) {
  pool_.query(
      "SELECT subject FROM tokens WHERE hash = decode($1, 'hex') AND role = $2 AND "
      "revoked_at IS NULL",
      {token_hash, role}, timeout_, [done = std::move(done)](Result<std::vector<io::PgResult>> r) {
        if (!r) return done(r.error());
        done(r->empty() || r->front().rows.empty() ? std::string()
                                                   : r->front().get(0, "subject").value_or(""));
      });
}

void Database::nodes(const std::map<std::string, std::string>& selector, milliseconds silent_after,
                     std::function<void(Result<json>)> done) {
  pool_.query(kNodes, {labelsJson(selector), interval(silent_after)}, timeout_,
              [done = std::move(done)](Result<std::vector<io::PgResult>> r) { done(jsonCell(r)); });
}

void Database::incidents(const IncidentFilter& f, std::function<void(Result<json>)> done) {
  std::string sql = std::string(
                        "SELECT COALESCE(json_agg(x ORDER BY x.opened_at DESC, x.node, x.id), "
                        "'[]'::json)::text FROM (SELECT ") +
                    kIncidentColumns +
                    " FROM incidents i JOIN nodes n ON n.id = i.node"
                    " WHERE ($1::text IS NULL OR i.state = $1)"
                    " AND ($2::smallint IS NULL OR i.severity = $2)"
                    " AND ($3::text IS NULL OR i.playbook = $3)"
                    " AND n.labels @> $4::jsonb"
                    " AND ($5::float8 IS NULL OR i.opened_at >= to_timestamp($5))"
                    " AND (NOT $6::boolean OR i.resolved_at IS NULL)"
                    " ORDER BY i.opened_at DESC, i.node, i.id LIMIT $7) AS x";
  auto opt = [](const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  };
  io::PgParams params = {
      opt(f.state),
      f.severity ? std::optional<std::string>(std::to_string(f.severity)) : std::nullopt,
      opt(f.playbook),
      labelsJson(f.selector),
      f.since ? std::optional<std::string>(std::to_string(*f.since)) : std::nullopt,
      f.open_only ? "true" : "false",
      std::to_string(f.limit)};
  pool_.query(sql, std::move(params), timeout_,
              [done = std::move(done)](Result<std::vector<io::PgResult>> r) { done(jsonCell(r)); });
}

void Database::incident(const std::string& id, const std::string& node,
                        std::function<void(Result<json>)> done) {
  // The record and its timeline in one statement; several rows when two nodes use the id.
  std::string sql =
      std::string(
          "SELECT COALESCE(json_agg(x), '[]'::json)::text FROM (SELECT json_build_object(") +
      "'incident', (SELECT row_to_json(r) FROM (SELECT " + kIncidentColumns +
      ") AS r), 'events', (SELECT COALESCE(json_agg(json_build_object('seq', e.seq, 'at', "
      "extract(epoch FROM e.at)::float8, 'kind', e.kind, 'data', e.data, 'via', e.via) ORDER BY "
      "e.seq), '[]'::json) FROM events e WHERE e.node = i.node AND e.incident = i.id)) AS x "
      "FROM incidents i WHERE i.id = $1 AND ($2::text IS NULL OR i.node = $2) LIMIT 10) AS y";
  pool_.query(sql, {id, node.empty() ? std::nullopt : std::optional<std::string>(node)}, timeout_,
              [done = std::move(done)](Result<std::vector<io::PgResult>> r) { done(jsonCell(r)); });
}

void Database::summary(milliseconds silent_after, std::function<void(Result<json>)> done) {
  constexpr const char* kSummary = R"sql(
SELECT json_build_object(
  'nodes', (SELECT count(*) FROM nodes),
  'silent', (SELECT COALESCE(json_agg(id ORDER BY id), '[]'::json) FROM nodes
             WHERE COALESCE(last_seen, registered_at) < now() - $1::interval),
  'laggards', (SELECT COALESCE(json_agg(json_build_object('node', id, 'lag', lag,
                                                          'depth', COALESCE(outbox_depth, 0))),
                               '[]'::json)
               FROM (SELECT id, outbox_depth,
                            extract(epoch FROM now() - COALESCE(last_seen, registered_at))::float8
                              AS lag
                     FROM nodes ORDER BY lag DESC, id LIMIT 100) AS l))::text
)sql";
  pool_.query(kSummary, {interval(silent_after)}, timeout_,
              [done = std::move(done)](Result<std::vector<io::PgResult>> r) { done(jsonCell(r)); });
}

void Database::registerPollTargets(const std::vector<std::pair<std::string, std::string>>& targets,
                                   std::function<void(Result<void>)> done) {
  json list = json::array();
  for (const auto& [node, url] : targets) list.push_back({{"node", node}, {"url", url}});
  constexpr const char* kRegister = R"sql(
WITH t AS (SELECT x->>'node' AS node, x->>'url' AS url FROM jsonb_array_elements($1::jsonb) x),
n AS (INSERT INTO nodes (id) SELECT node FROM t ON CONFLICT DO NOTHING RETURNING 1)
INSERT INTO poll_targets (node, url) SELECT node, url FROM t
ON CONFLICT (node) DO UPDATE SET url = EXCLUDED.url
)sql";
  pool_.query(kRegister, {jsonText(list)}, timeout_,
              [done = std::move(done)](Result<std::vector<io::PgResult>> r) {
                if (!r) return done(r.error());
                done({});
              });
}

void Database::claimPolls(const std::string& owner, milliseconds lease, int limit,
                          const std::vector<std::string>& nodes,
                          std::function<void(Result<std::vector<Claimed>>)> done) {
  // The first unfilled gap of the node's current store moves the start back: polling fills it.
  constexpr const char* kClaim = R"sql(
WITH due AS (
  SELECT node FROM poll_targets
  WHERE node = ANY ($4::text[]) AND next_poll <= now()
    AND (lease_until IS NULL OR lease_until < now())
  ORDER BY next_poll LIMIT $3 FOR UPDATE SKIP LOCKED)
UPDATE poll_targets p SET lease_owner = $1, lease_until = now() + $2::interval
FROM due WHERE p.node = due.node
RETURNING p.node, p.store_id, p.failures,
  LEAST(p.cursor, COALESCE((SELECT min(g.first_seq) - 1 FROM gaps g
                            WHERE g.node = p.node AND g.store_id = p.store_id
                              AND g.filled_at IS NULL), p.cursor)) AS after
)sql";
  std::string array = "{";
  for (size_t i = 0; i < nodes.size(); ++i) array += (i ? "," : "") + nodes[i];
  array += "}";
  pool_.query(kClaim, {owner, interval(lease), std::to_string(limit), array}, timeout_,
              [done = std::move(done)](Result<std::vector<io::PgResult>> r) {
                if (!r) return done(r.error());
                std::vector<Claimed> out;
                if (!r->empty()) {
                  const auto& res = r->front();
                  for (size_t i = 0; i < res.rows.size(); ++i) {
                    out.push_back({res.get(i, "node").value_or(""), integerOf(res.get(i, "after")),
                                   res.get(i, "store_id").value_or(""),
                                   static_cast<int>(integerOf(res.get(i, "failures")))});
                  }
                }
                done(out);
              });
}

void Database::finishPoll(const std::string& node, const std::string& owner, bool ok,
                          int64_t cursor, const std::string& store_id, milliseconds next_in,
                          const std::string& error, std::function<void(Result<void>)> done) {
  constexpr const char* kFinish = R"sql(
WITH p AS (
  UPDATE poll_targets SET
    cursor = CASE WHEN $3::boolean THEN $4::bigint ELSE cursor END,
    store_id = CASE WHEN $3::boolean THEN $5 ELSE store_id END,
    failures = CASE WHEN $3::boolean THEN 0 ELSE failures + 1 END,
    last_error = CASE WHEN $3::boolean THEN NULL ELSE $7 END,
    last_polled = CASE WHEN $3::boolean THEN now() ELSE last_polled END,
    polled_by = CASE WHEN $3::boolean THEN $2 ELSE polled_by END,
    next_poll = now() + $6::interval, lease_owner = NULL, lease_until = NULL
  WHERE node = $1 AND lease_owner = $2
  RETURNING 1)
UPDATE gaps g SET filled_at = now()
WHERE $3::boolean AND g.node = $1 AND g.filled_at IS NULL
  AND (SELECT count(*) FROM events e WHERE e.node = g.node AND e.store_id = g.store_id
         AND e.seq BETWEEN g.first_seq AND g.last_seq) = g.last_seq - g.first_seq + 1
)sql";
  pool_.query(kFinish,
              {node, owner, ok ? "true" : "false", std::to_string(cursor), store_id,
               interval(next_in), error},
              timeout_, [done = std::move(done)](Result<std::vector<io::PgResult>> r) {
                if (!r) return done(r.error());
                done({});
              });
}

void Database::upkeep(std::function<void(Result<std::string>)> done) {
  // Months: this one and the next exist before events need them; those wholly before the
  // retention go (a DROP of a partition, not a DELETE of rows).
  auto now = std::chrono::system_clock::now();
  int64_t now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::set<std::string> months = {monthOf(now_ms), monthOf(now_ms + 32LL * 86400 * 1000)};
  std::string cutoff = monthOf(now_ms - retention_.count());
  ensurePartitions(std::move(months), [this, cutoff, done = std::move(done)](Result<void> r) {
    if (!r) return done(r.error());
    // Partitions named events_YYYYMM whose month ends on or before the cutoff's month start.
    std::string sql = R"sql(
SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits h
JOIN pg_class c ON c.oid = h.inhrelid
WHERE h.inhparent = 'events'::regclass AND c.relname ~ '^events_[0-9]{6}$'
  AND to_date(substr(c.relname, 8), 'YYYYMM') < $1::date
)sql";
    pool_.query(sql, {cutoff}, timeout_, [this, done](Result<std::vector<io::PgResult>> names) {
      if (!names) return done(names.error());
      auto list = names->front().get(0, "string_agg");
      if (!list || list->empty()) return done(std::string());
      // The names matched ^events_[0-9]{6}$ above: nothing else is in them.
      std::string dropped = *list, drop = "DROP TABLE IF EXISTS ";
      for (char c : dropped) drop += c == ' ' ? std::string(", ") : std::string(1, c);
      pool_.query(drop, {}, timeout_, [this, dropped, done](Result<std::vector<io::PgResult>> d) {
        if (!d) return done(d.error());
        partitions_.clear();
        done(dropped);
      });
    });
  });
}

}  // namespace novacron::coordinator
