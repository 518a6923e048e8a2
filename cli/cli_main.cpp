// novacron: the operator's command, a client of the agent's control socket.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/defaults.h"
#include "base/duration.h"
#include "base/json_text.h"
#include "base/text.h"
#include "cli/cli_client.h"
#include "cli/cli_print.h"
#include "novacron/version.h"

namespace {

using json = nlohmann::json;

// Exit codes, documented in the README.
constexpr int kOk = 0;
constexpr int kCommandFailed = 1;
constexpr int kNoAgent = 2;
constexpr int kDenied = 3;
constexpr int kUsage = 64;

constexpr const char* kHelp =
    "usage: novacron [--socket PATH] [--json] [--timeout SECONDS] COMMAND [ARGS]\n"
    "\n"
    "commands (* needs root or the admin group):\n"
    "  status                    service status matrix, mode, kill switch, open incidents\n"
    "  health check [--verbose]  the same; exit 0 healthy, 1 degraded, 2 down\n"
    "  incidents [list] [--open] [--since DUR]   incidents, newest first\n"
    "  incidents show ID         one incident with its timeline and action runs\n"
    "  incidents postmortem ID   the post-mortem draft (Markdown)\n"
    "  trigger PLAYBOOK [--label NAME=VALUE]... [--dry-run] [--reason TEXT]\n"
    "                            open an incident by hand, with the labels it needs *\n"
    "  approve ID ACTION         approve the action the incident waits for *\n"
    "  deny ID ACTION [--reason TEXT]   deny it *\n"
    "  ack ID                    acknowledge: stops its escalation notices *\n"
    "  pause [--reason TEXT] | resume   the kill switch for automated actions *\n"
    "  diagnostics               the diagnostics report now (JSON)\n"
    "  db status [--detailed]    the PostgreSQL instances\n"
    "  cache status [--detailed] the Redis instances\n"
    "  validate [INCIDENT]       the recovery checklist now (exit 0 pass, 1 fail, 2 unknown)\n"
    "  logs [--errors] [--since DUR]   the agent's own recent log lines\n"
    "  metrics [PATTERN]         current values of metrics whose name contains PATTERN\n"
    "  playbooks                 the playbooks in force\n"
    "  firewall list             the addresses firewall_block holds, with their expiry\n"
    "  version                   the agent's and this command's versions\n"
    "\n"
    "The socket is --socket, else $NOVACRON_SOCKET, else $NOVACRON_STATE_DIR/agent.sock,\n"
    "else /run/novacron/agent.sock if it exists, else ./var/novacron/agent.sock.\n"
    "DUR is 30s, 15m, 1h, 2d. Exit status: 0 ok, 1 the agent refused the command (or\n"
    "health: degraded), 2 no agent running (or health: down), 3 permission denied,\n"
    "64 usage error.\n";

// What the agent sends is partly what the host's users chose (process names, labels, messages):
// before it reaches an operator's terminal, every control character becomes a visible escape,
// so that no name can move the cursor, clear the screen or fake a line. `keep_newlines` for the
// post-mortem's Markdown, whose lines are the agent's own.
json forTerminal(const json& j, bool keep_newlines = false) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (!keep_newlines) return novacron::escapeControl(s);
    std::string out;
    size_t start = 0;
    for (size_t nl = s.find('\n');; nl = s.find('\n', start)) {
      out += novacron::escapeControl(s.substr(start, nl - start));
      if (nl == std::string::npos) break;
      out += '\n';
      start = nl + 1;
    }
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items())
      out[novacron::escapeControl(k)] = forTerminal(v, keep_newlines);
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(forTerminal(v, keep_newlines));
    return out;
  }
  return j;
}

std::string defaultSocket() {
  if (const char* s = std::getenv("NOVACRON_SOCKET"); s && *s) return s;
  if (auto dir = novacron::stateDirFromEnvironment())
    return (std::filesystem::path(*dir) / novacron::kControlSocketName).string();
  std::error_code ec;
  if (std::filesystem::exists(novacron::kPackagedControlSocket, ec))
    return std::string(novacron::kPackagedControlSocket);
  return (std::filesystem::current_path(ec) / novacron::kDefaultStateDir /
          novacron::kControlSocketName)
      .string();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace novacron::cli;
  std::string socket = defaultSocket();
  bool raw = false, dry_run = false, open_only = false, errors = false, verbose = false,
       detailed = false;
  double timeout_s = 5;
  std::optional<double> since;
  std::optional<std::string> reason;
  json labels = json::object();
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        std::cerr << "novacron: " << a << " needs " << what << "\n";
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (a == "--socket") {
      auto v = value("a path");
      if (!v) return kUsage;
      socket = *v;
    } else if (a == "--timeout") {
      auto v = value("seconds");
      if (!v) return kUsage;
      timeout_s = std::atof(v->c_str());
    } else if (a == "--reason") {
      reason = value("a text");
      if (!reason) return kUsage;
    } else if (a == "--label") {
      auto v = value("NAME=VALUE");
      if (!v) return kUsage;
      size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "novacron: --label " << *v << ": write NAME=VALUE, e.g. user=mallory\n";
        return kUsage;
      }
      labels[v->substr(0, eq)] = v->substr(eq + 1);
    } else if (a == "--since") {
      auto v = value("a duration such as 1h");
      if (!v) return kUsage;
      // The daemon's own duration syntax: 30m, 1h, 2d, 1h30m.
      auto d = novacron::parseDuration(*v);
      if (!d) {
        std::cerr << "novacron: --since " << *v << ": write a duration such as 30m, 1h or 2d\n";
        return kUsage;
      }
      since = std::chrono::duration<double>(*d).count();
    } else if (a == "--json") {
      raw = true;
    } else if (a == "--dry-run") {
      dry_run = true;
    } else if (a == "--open") {
      open_only = true;
    } else if (a == "--errors") {
      errors = true;
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "--detailed") {
      detailed = true;
    } else if (a == "--help" || a == "-h" || a == "help") {
      std::cout << kHelp;
      return kOk;
    } else if (a.starts_with("-")) {
      std::cerr << "novacron: unknown option " << a << "\n" << kHelp;
      return kUsage;
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) {
    std::cerr << kHelp;
    return kUsage;
  }
  // Two-word commands become one request name.
  std::string cmd = words[0];
  std::vector<std::string> rest(words.begin() + 1, words.end());
  auto sub = [&](const char* second, const char* name) {
    if (cmd == words[0] && !rest.empty() && rest[0] == second) {
      cmd = name;
      rest.erase(rest.begin());
    }
  };
  if (words[0] == "incidents") {
    sub("list", "incidents");
    sub("show", "incident");
    sub("postmortem", "postmortem");
  }
  if (words[0] == "health") sub("check", "health");
  if (words[0] == "db") sub("status", "db_status");
  if (words[0] == "cache") sub("status", "cache_status");
  if (words[0] == "firewall") sub("list", "firewall_list");
  // The words a command must have after it, for the usage line when they are missing.
  for (auto [first, full, whole] :
       {std::tuple{"health", "health", "health check"}, std::tuple{"db", "db_status", "db status"},
        std::tuple{"cache", "cache_status", "cache status"},
        std::tuple{"firewall", "firewall_list", "firewall list"}}) {
    if (words[0] == first && cmd != full) {
      std::cerr << "novacron: usage: novacron " << whole << "\n";
      return kUsage;
    }
  }
  auto need = [&](size_t n, const char* what) {
    if (rest.size() != n) {
      std::cerr << "novacron: usage: novacron " << cmd << (*what ? " " : "") << what << "\n";
      return false;
    }
    return true;
  };
  json args = json::object();
  if (reason) args["reason"] = *reason;
  if (cmd == "incidents") {
    if (!need(0, "[list] [--open] [--since DUR]")) return kUsage;
    args["all"] = !open_only;
    if (since) args["since"] = *since;
  } else if (cmd == "logs") {
    if (!need(0, "[--errors] [--since DUR]")) return kUsage;
    args["errors"] = errors;
    args["since"] = since.value_or(3600);
  } else if (cmd == "pause" || cmd == "resume" || cmd == "status" || cmd == "version" ||
             cmd == "playbooks" || cmd == "health" || cmd == "diagnostics" || cmd == "db_status" ||
             cmd == "cache_status" || cmd == "firewall_list") {
    if (!need(0, "")) return kUsage;
  } else if (cmd == "validate") {
    if (rest.size() > 1) {
      std::cerr << "novacron: usage: novacron validate [INCIDENT] [--json]\n";
      return kUsage;
    }
    if (!rest.empty()) args["id"] = rest[0];
  } else if (cmd == "incident" || cmd == "postmortem" || cmd == "ack") {
    if (!need(1, "ID")) return kUsage;
    args["id"] = rest[0];
  } else if (cmd == "approve" || cmd == "deny") {
    if (!need(2, "ID ACTION")) return kUsage;
    args["id"] = rest[0];
    args["action"] = rest[1];
  } else if (cmd == "trigger") {
    if (!need(1, "PLAYBOOK [--label NAME=VALUE]... [--dry-run] [--reason TEXT]")) return kUsage;
    args["playbook"] = rest[0];
    args["dry_run"] = dry_run;
    if (!labels.empty()) args["labels"] = labels;
  } else if (cmd == "metrics") {
    if (rest.size() > 1) {
      std::cerr << "novacron: metrics takes at most one PATTERN\n";
      return kUsage;
    }
    args["match"] = rest.empty() ? "" : rest[0];
  } else {
    std::cerr << "novacron: unknown command '" << words[0] << "'\n" << kHelp;
    return kUsage;
  }
  json req = {{"cmd", cmd}, {"args", args}};
  auto reply =
      novacron::cli::roundTrip(socket, novacron::jsonText(req),
                               std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
  if (!reply) {
    const auto& e = reply.error();
    if (e.code == novacron::ErrorCode::kNotFound) {
      std::cerr
          << "novacron: no agent is running at " << socket << " (" << e.message
          << "); start it with 'make run' or 'systemctl start novacron-agent', or pass --socket\n";
      return kNoAgent;
    }
    if (e.code == novacron::ErrorCode::kPermission) {
      std::cerr << "novacron: permission denied on " << socket
                << "; ask an administrator to add you to the agent's group\n";
      return kDenied;
    }
    std::cerr << "novacron: " << socket << ": " << e.message << "\n";
    return kNoAgent;
  }
  json r = json::parse(*reply, nullptr, false);
  if (r.is_discarded() || !r.is_object()) {
    std::cerr << "novacron: the agent sent a reply that is not JSON\n";
    return kCommandFailed;
  }
  if (raw) {
    std::cout << novacron::jsonText(r) << "\n";
    if (!r.value("ok", false)) {
      return r["error"].value("code", "") == "permission_denied" ? kDenied : kCommandFailed;
    }
    if (cmd == "validate") return r["data"].value("exit_code", 2);
    if (cmd == "health") {
      int worst = 0;
      for (const auto& row : r["data"]["matrix"]) {
        std::string st = row.value("status", "");
        worst = std::max(worst, st == "down" ? 2 : st == "degraded" ? 1 : 0);
      }
      return worst;
    }
    return kOk;
  }
  if (!r.value("ok", false)) {
    const json e = forTerminal(r["error"]);
    std::cerr << "novacron: " << e.value("message", "error") << " (" << e.value("code", "?")
              << ")\n";
    return e.value("code", "") == "permission_denied" ? kDenied : kCommandFailed;
  }
  const json d = forTerminal(r["data"], cmd == "postmortem");
  // An agent of another version may answer with fields this command does not know or lacks
  // ones it expects: say so in one line rather than crash.
  try {
    if (cmd == "status") {
      printStatus(d, verbose);
    } else if (cmd == "health") {
      int worst = printStatus(d, verbose);
      std::cout << "\n" << (worst == 0 ? "healthy" : worst == 1 ? "degraded" : "down") << "\n";
      return worst;
    } else if (cmd == "logs") {
      printLogs(d);
    } else if (cmd == "diagnostics") {
      printDiagnostics(d);
    } else if (cmd == "db_status") {
      printDbStatus(d, detailed);
    } else if (cmd == "cache_status") {
      printCacheStatus(d, detailed);
    } else if (cmd == "validate") {
      printValidation(d);
      return d.value("exit_code", 2);
    } else if (cmd == "trigger") {
      std::cout << "incident " << d["id"].get<std::string>() << " opened by "
                << d["by"].get<std::string>() << (dry_run ? " (dry-run)" : "") << "\n";
    } else if (cmd == "firewall_list") {
      printBlocked(d);
    } else if (cmd == "metrics")
      printMetrics(d);
    else if (cmd == "playbooks")
      printPlaybooks(d);
    else if (cmd == "incidents")
      printIncidents(d);
    else if (cmd == "incident")
      printIncident(d);
    else if (cmd == "postmortem")
      std::cout << d["markdown"].get<std::string>();
    else if (cmd == "pause" || cmd == "resume")
      std::cout << (d["paused"].get<bool>() ? "automated actions paused"
                                            : "automated actions resumed")
                << "\n";
    else if (cmd == "approve" || cmd == "deny" || cmd == "ack")
      std::cout << cmd << " recorded for " << d["id"].get<std::string>() << " by "
                << d["by"].get<std::string>() << "\n";
    else
      std::cout << "agent    " << d["version"].get<std::string>() << "\nnovacron "
                << novacron::kVersion << "\n";
  } catch (const json::exception& e) {
    std::cout.flush();
    std::cerr << "novacron: the agent's reply has an unexpected shape (is it another version?); "
                 "use --json to see it\n";
    return kCommandFailed;
  }
  return kOk;
}
