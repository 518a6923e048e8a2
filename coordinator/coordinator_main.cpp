// novacron-coordinator: the fleet's coordinator. Serves the agents' pushes and the fleet view, its
// state in PostgreSQL; also applies the schema and manages the tokens.
#include <iostream>
#include <string>
#include <vector>

#include "base/log.h"
#include "coordinator/config.h"
#include "coordinator/coordinator.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/migrations.h"
#include "coordinator/sync_db.h"
#include "coordinator/tokens.h"
#include "metrics/exposition.h"
#include "novacron/version.h"

namespace {

using namespace novacron;
using namespace novacron::coordinator;

constexpr const char* kUsage =
    "usage: novacron-coordinator [--config FILE] [serve]\n"
    "       novacron-coordinator [--config FILE] migrate [--check]\n"
    "       novacron-coordinator [--config FILE] token create NAME [--reader]\n"
    "       novacron-coordinator [--config FILE] token list\n"
    "       novacron-coordinator [--config FILE] token revoke NAME\n"
    "       novacron-coordinator [--config FILE] --check-config\n"
    "       novacron-coordinator --list-metrics | --version\n"
    "\n"
    "serve (the default) applies pending schema migrations and serves the API until SIGTERM;\n"
    "SIGHUP reads the TLS certificate and key again. migrate --check exits 0 when the schema is\n"
    "current, 1 when migrations are pending. token create prints a new token once: a node's (it\n"
    "may push that node's events) or with --reader a reader's (it may read the fleet view).\n"
    "The configuration is --config, else /etc/novacron/coordinator.yaml if it exists.\n"
    "Exit status: 0 ok, 1 failure, 64 usage error.\n";

constexpr int kUsageError = 64;

int withDb(const Config& config, const std::function<int(SyncDb&)>& f) {
  auto dsn = io::readDsn(config.dsn_file);
  if (!dsn) {
    std::cerr << "novacron-coordinator: database.dsn_file: " << dsn.error().message << "\n";
    return 1;
  }
  SyncDb db;
  if (auto c = db.connect(*dsn, config.db_timeout); !c) {
    std::cerr << "novacron-coordinator: cannot connect to PostgreSQL: " << c.error().message
              << "\n";
    return 1;
  }
  return f(db);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_file = "/etc/novacron/coordinator.yaml";
  bool config_given = false, check_config = false;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config") {
      if (++i >= argc) {
        std::cerr << "novacron-coordinator: --config needs a file\n";
        return kUsageError;
      }
      config_file = argv[i];
      config_given = true;
    } else if (a == "--version") {
      std::cout << "novacron-coordinator " << kVersion << "\n";
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--list-metrics") {
      std::cout << metrics::metricReferenceTable(coordinatorMetricDefs());
      return 0;
    } else if (a == "--check-config") {
      check_config = true;
    } else {
      words.push_back(a);
    }
  }
  auto loaded = loadConfig(config_file, config_given);
  if (auto* diags = std::get_if<Diagnostics>(&loaded)) {
    for (const auto& d : *diags) std::cerr << d.str() << "\n";
    return 1;
  }
  Config config = std::get<Config>(std::move(loaded));
  if (check_config) {
    if (auto why = servingProblem(config)) {
      std::cerr << config_file << ": " << *why << "\n";
      return 1;
    }
    std::cout << config_file << ": ok\n";
    return 0;
  }
  if (words.empty() || words == std::vector<std::string>{"serve"}) {
    return Coordinator(std::move(config)).run();
  }
  if (words[0] == "migrate") {
    bool check = words.size() == 2 && words[1] == "--check";
    if (words.size() > 2 || (words.size() == 2 && !check)) {
      std::cerr << kUsage;
      return kUsageError;
    }
    return withDb(config, [check](SyncDb& db) {
      auto st = check ? checkSchema(db) : migrate(db);
      if (!st) {
        std::cerr << "novacron-coordinator: schema: " << st.error().message << "\n";
        return 1;
      }
      if (check) {
        std::cout << "schema version " << st->applied << "; "
                  << (st->pending.empty() ? "current" : "pending:");
        for (const auto& m : st->pending) std::cout << " " << m.version << " (" << m.name << ")";
        std::cout << "\n";
        return st->pending.empty() ? 0 : 1;
      }
      std::cout << "schema version " << st->applied << "\n";
      return 0;
    });
  }
  if (words[0] == "token" && words.size() >= 2) {
    const std::string& verb = words[1];
    if (verb == "create" && (words.size() == 3 || (words.size() == 4 && words[3] == "--reader"))) {
      std::string role = words.size() == 4 ? "reader" : "node";
      return withDb(config, [&](SyncDb& db) {
        if (auto st = migrate(db); !st) {
          std::cerr << "novacron-coordinator: schema: " << st.error().message << "\n";
          return 1;
        }
        auto t = createToken(db, role, words[2]);
        if (!t) {
          std::cerr << "novacron-coordinator: " << t.error().message << "\n";
          return 1;
        }
        std::cout << *t << "\n";
        std::cerr << "a " << role << " token for " << words[2]
                  << "; it is shown only now (the database keeps its hash)\n";
        return 0;
      });
    }
    if (verb == "list" && words.size() == 2) {
      return withDb(config, [](SyncDb& db) {
        auto rows = listTokens(db);
        if (!rows) {
          std::cerr << "novacron-coordinator: " << rows.error().message << "\n";
          return 1;
        }
        std::printf("%-6s %-7s %-30s %-21s %s\n", "ID", "ROLE", "NAME", "CREATED", "REVOKED");
        for (const auto& r : *rows) {
          std::printf("%-6lld %-7s %-30s %-21s %s\n", static_cast<long long>(r.id), r.role.c_str(),
                      r.subject.c_str(), r.created_at.c_str(),
                      r.revoked_at.empty() ? "-" : r.revoked_at.c_str());
        }
        return 0;
      });
    }
    if (verb == "revoke" && words.size() == 3) {
      return withDb(config, [&](SyncDb& db) {
        auto n = revokeTokens(db, words[2]);
        if (!n) {
          std::cerr << "novacron-coordinator: " << n.error().message << "\n";
          return 1;
        }
        std::cout << "revoked " << *n << " token(s) of " << words[2] << "\n";
        return *n > 0 ? 0 : 1;
      });
    }
  }
  std::cerr << kUsage;
  return kUsageError;
}
