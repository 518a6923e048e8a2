// collectors.postgres: the PostgreSQL instances.
#include "agent/config/config_fields.h"

namespace novacron::agent {

using namespace std::chrono_literals;
using collectors::PgQueryConfig;
using collectors::PostgresConfig;

namespace {

bool readName(FieldContext& c, const Field<PostgresConfig>& f, const yaml::Node& v,
              PostgresConfig& e) {
  auto s = c.r.string(v, c.at(f.key));
  if (!s) return false;
  e.name = *s;
  if (s->empty() || !c.names.insert(*s).second) {
    c.r.error(v, c.at(f.key) + " '" + *s + "' is empty or used twice");
    return false;
  }
  return true;
}

constexpr Field<PgQueryConfig> kQueryFields[] = {
    {"name", "string", 0, 0, "", "its `query` label", &readValue<&PgQueryConfig::name>, true},
    {"sql", "string", 0, 0, "", "read-only SQL returning one number",
     &readValue<&PgQueryConfig::sql>, true},
    {"interval", "duration", 1000, 86400000, "1m", "how often it runs",
     &readValue<&PgQueryConfig::interval>},
};

const MapSpec<PgQueryConfig> kQuerySpec = {"queries",        "",      "{name, sql, interval}",
                                           "a name and sql", "query", kQueryFields};

bool readQueries(FieldContext& c, const Field<PostgresConfig>& f, const yaml::Node& v,
                 PostgresConfig& e) {
  if (!v.IsSequence()) {
    c.r.error(v, c.at(f.key) + " must be a list of {name, sql, interval}");
    return false;
  }
  bool ok = true;
  std::set<std::string> names;  // a query's name is its label: the server decides the rest
  for (size_t j = 0; j < v.items().size(); ++j) {
    FieldContext qc{c.r,   c.env,  c.config, c.at(f.key) + "[" + std::to_string(j) + "]",
                    names, "query"};
    PgQueryConfig q;
    if (readMap(qc, kQuerySpec, v.items()[j], q))
      e.queries.push_back(std::move(q));
    else
      ok = false;
  }
  return ok;
}

constexpr Field<PostgresConfig> kPostgresFields[] = {
    {"name", "string", 0, 0, "", "the `instance` label", &readName, true},
    {"dsn_file", "secret file", 0, 0, "",
     "a libpq connection string (0640 root:novacron; read at each connection, never logged)",
     &readSecretField<&PostgresConfig::dsn_file>, true},
    {"server_user", "name", 0, 0, "postgres",
     "a server on this host (a Unix socket's peer, a TCP socket in the kernel's table) must run "
     "as this user or root before libpq sends it anything, a password included",
     &readUserField<&PostgresConfig::server_user>},
    {"interval", "duration", 1000, 3600000, "5s", "how often it is read",
     &readValue<&PostgresConfig::interval>},
    {"timeout", "duration", 100, 60000, "2s",
     "bounds every connection and query, also as `statement_timeout`; at most the interval",
     &readValue<&PostgresConfig::timeout>},
    {"long_query_threshold", "duration", 1000, 7 * 86400000LL, "5m",
     "a query running longer is a long query", &readValue<&PostgresConfig::long_query_threshold>},
    {"queries", kListOfMaps, 0, 0, "none",
     "custom SQL metrics, `[{name, sql, interval: 1m}]`, served as "
     "`novacron_pg_query_value{instance, query}`",
     &readQueries},
};

}  // namespace

const MapSpec<PostgresConfig> kPostgresSpec = {
    "collectors.postgres",
    "PostgreSQL instances: connections by state, long queries, lock waits, replication lag",
    "instances",
    "a name and a dsn_file",
    "instance",
    kPostgresFields,
    &checkTimeoutWithinInterval<PostgresConfig>};

}  // namespace novacron::agent
