#include "actions/registry.h"

#include <vector>

#include "actions/action_runners.h"

namespace novacron::actions {

namespace {

using policy::Check;
using policy::Param;

const std::vector<ActionType>& table() {
  static const std::vector<ActionType> kTypes = {
      {{"exec",
        R"(runs a program, never through a shell (below))",
        {{"argv", Param::kStringList, true, Check::kProgram},
         {"user", Param::kString, false},
         {"cwd", Param::kString, false},
         {"env", Param::kStringMap, false, Check::kTemplate}},
        true},
       runExec,
       checkExecValues,
       expectExec},
      {{"systemd_restart",
        R"(`systemctl restart UNIT`, then `systemctl is-active` every 500 ms until `active` (done), `failed` (failed) or the timeout (timed_out))",
        {{"unit", Param::kString, true, Check::kUnit}},
        true},
       runSystemdRestart,
       checkSystemdRestartValues,
       expectSystemdRestart},
      {{"http_request",
        R"(one request with the action's timeout, for the runbook's circuit-breaker reset and read-only switches. Values from `header_files` are secrets: sent, never recorded or logged; `Authorization`, cookies and `*token*`/`*key*`/`*secret*` headers are shown as `<redacted>`; the URL is recorded without its query)",
        {{"method", Param::kString, false, Check::kNone, R"(GET, or POST with a body)"},
         {"url", Param::kString, true, Check::kUrl},
         {"headers", Param::kStringMap, false, Check::kHeaders},
         {"header_files", Param::kStringMap, false, Check::kSecretFiles,
          R"(header → file holding its value)"},
         {"body", Param::kString, false, Check::kJsonBody},
         {"expect_status", Param::kInt, false, Check::kNone, R"(default any 2xx)"}}},
       runHttpRequest,
       checkHttpRequestValues},
      {{"diagnostics_report", R"(records the diagnostics report)", {}}, runDiagnosticsReport},
      {{"evidence_bundle",
        R"(writes `<evidence_dir>/<incident>-run<N>.tar.gz` (0600) with `diagnostics.json`, the files under `files/` and `MANIFEST.sha256` (`sha256sum -c` checks it; names are escaped as `sha256sum` escapes them). Each named path is opened once and everything under it read through that descriptor (`openat2` with `RESOLVE_NO_SYMLINKS`/`RESOLVE_BENEATH`): no symbolic link is followed anywhere on the way, even one swapped in while the bundle is made. Newest files first; each named path gets an equal share of the bundle (256 MiB, 10,000 files; a share one path does not need goes to the others), so junk in a directory a user can write crowds out only that directory; a file over 64 MiB contributes its last 64 MiB; what was left out is listed in the manifest as `# left out:` lines and in the result; the result records each file's SHA-256 and the bundle's)",
        {{"paths", Param::kStringList, false, Check::kNone, R"(files and directories)"}}},
       runEvidenceBundle,
       nullptr,
       expectEvidenceBundle,
       prepareEvidenceBundle},
      {{"firewall_block",
        R"(the runbook's "block suspicious IPs": adds the addresses or CIDRs (at most /16 for IPv4, /48 for IPv6) to the set of nftables table `inet novacron`, each with the timeout; the kernel removes them when it expires. Never blocked: loopback, link-local, multicast, the host's own addresses, the coordinator, Alertmanager and notify endpoints. All or none: one address refused refuses the run)",
        {{"addresses", Param::kStringList, true, Check::kTemplate},
         {"timeout", Param::kDuration, false, Check::kNone, R"(1h; 1s to 30d)"}}},
       runFirewallBlock,
       checkBlockValues,
       expectBlock},
      {{"firewall_unblock",
        R"(removes addresses or CIDRs from the block set; one not there is not an error)",
        {{"addresses", Param::kStringList, true, Check::kTemplate}}},
       runFirewallUnblock,
       checkFirewallValues,
       expectUnblock},
      {{"notify",
        R"(POSTs `{"subject", "text", "incident": {...}, "node"}` as JSON)",
        {{"template", Param::kString, false, Check::kNotifyTemplate,
          R"(`initial_alert`, `update`, `resolution`, `escalation`; default `initial_alert`)"},
         {"webhook", Param::kString, false, Check::kUrl, R"(default `notify.url`)"},
         {"text", Param::kString, false, Check::kTemplate}}},
       runNotify},
      {{"escalate",
        R"(hands the incident to people: it ends `escalated`)",
        {{"reason", Param::kString, false}},
        false,
        true},
       runEscalate},
      {{"pg_cancel_long_queries",
        R"(the runbook's emergency query termination: `pg_cancel_backend` on active queries older than `older_than`, then `pg_terminate_backend` on those still running `terminate_after` later; never the agent's own sessions (`application_name` `novacron-agent*`) nor monitoring ones (non-superuser members of `pg_monitor`); records pid, user, database, age and the first 200 characters of each query)",
        {{"instance", Param::kString, false, Check::kNone,
          R"(default: the first of `collectors.postgres`)"},
         {"older_than", Param::kDuration, false, Check::kNone, R"(5m)"},
         {"terminate_after", Param::kDuration, false},
         {"databases", Param::kStringList, false},
         {"users", Param::kStringList, false}}},
       runPgCancelLongQueries},
      {{"pg_terminate_idle_in_transaction",
        R"(ends sessions idle inside a transaction for longer than `older_than`, recorded as above)",
        {{"instance", Param::kString, false},
         {"older_than", Param::kDuration, false, Check::kNone, R"(5m)"},
         {"databases", Param::kStringList, false},
         {"users", Param::kStringList, false}}},
       runPgTerminateIdleInTransaction},
      {{"pg_readonly",
        R"(the runbook's "stop writes": `ALTER SYSTEM SET default_transaction_read_only` (or `RESET`) and `pg_reload_conf()`)",
        {{"instance", Param::kString, false}, {"enable", Param::kBool, true}}},
       runPgReadonly},
      {{"pg_vacuum_analyze",
        R"(`VACUUM (ANALYZE)`, bounded by the action's timeout as `statement_timeout`)",
        {{"instance", Param::kString, false},
         {"table", Param::kString, false, Check::kNone,
          R"(`schema.table`; none: the whole database)"}}},
       runPgVacuumAnalyze},
      {{"redis_command",
        R"(one of the runbook's cache recovery commands on a Redis instance, over its own connection within the action's timeout; never another command: `FLUSHDB ASYNC`, `FLUSHALL ASYNC`, `MEMORY PURGE`, `CLIENT KILL TYPE normal|pubsub` (sent with `SKIPME yes`), `CONFIG SET maxmemory-policy POLICY`; records the server's reply)",
        {{"instance", Param::kString, false, Check::kNone,
          R"(default: the first of `collectors.redis`)"},
         {"command", Param::kString, true, Check::kRedisCommand},
         {"db", Param::kInt, false, Check::kNone, R"(the database FLUSHDB empties; default 0)"}}},
       runRedisCommand},
  };
  return kTypes;
}

}  // namespace

std::span<const ActionType> actionTypes() { return table(); }

const ActionType* findActionType(std::string_view type) {
  for (const auto& t : table()) {
    if (t.schema.type == type) return &t;
  }
  return nullptr;
}

policy::ActionCatalog actionCatalog() {
  static const std::vector<policy::ActionSchema> kSchemas = [] {
    std::vector<policy::ActionSchema> out;
    for (const auto& t : table()) out.push_back(t.schema);
    return out;
  }();
  return kSchemas;
}

std::string actionReference() {
  std::string out = "| type | parameters | what it does |\n|---|---|---|\n";
  for (const auto& t : table()) {
    std::string params;
    for (const auto& p : t.schema.params) {
      std::string note = p.required ? "required" : std::string(p.note);
      params += (params.empty() ? "`" : ", `") + std::string(p.name) + "`" +
                (note.empty() ? "" : " (" + note + ")");
    }
    out += "| `" + std::string(t.schema.type) + "` | " + (params.empty() ? "—" : params) + " | " +
           std::string(t.schema.summary) + " |\n";
  }
  return out;
}

}  // namespace novacron::actions
