// novacron: the operator's command, a client of the agent's control socket.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "base/defaults.h"
#include "base/duration.h"
#include "base/json_text.h"
#include "base/text.h"
#include "cli/cli_client.h"
#include "cli/cli_print.h"
#include "io/control_commands.h"
#include "novacron/version.h"

namespace {

using json = nlohmann::json;

// Exit codes, documented in the README.
constexpr int kOk = 0;
constexpr int kCommandFailed = 1;
constexpr int kNoAgent = 2;
constexpr int kDenied = 3;
constexpr int kUsage = 64;

// The help, from the command table: one line a command, `*` where it needs the admin role.
std::string helpText() {
  using novacron::io::CommandArg;
  std::string out =
      "usage: novacron [--socket PATH] [--json] [--timeout SECONDS] COMMAND [ARGS]\n"
      "\n"
      "commands (* needs root or the admin group):\n";
  for (const auto& c : novacron::io::kControlCommands) {
    std::string line = "  " + std::string(c.words);
    for (const CommandArg& a : c.args) line += " " + std::string(a.usage);
    std::string help =
        std::string(c.help) + (c.role == novacron::io::CommandRole::kAdmin ? " *" : "");
    out += line.size() < 28 ? line + std::string(28 - line.size(), ' ') + help + "\n"
                            : line + "\n" + std::string(28, ' ') + help + "\n";
  }
  return out +
         "\n"
         "The socket is --socket, else $NOVACRON_SOCKET, else $NOVACRON_STATE_DIR/agent.sock,\n"
         "else /run/novacron/agent.sock if it exists, else ./var/novacron/agent.sock.\n"
         "novacron fleet nodes|incidents|show ID: the fleet, from a coordinator (novacron fleet\n"
         "--help).\n"
         "DUR is 30s, 15m, 1h, 2d. Exit status: 0 ok, 1 the agent refused the command (or\n"
         "health: degraded), 2 no agent running (or health: down), 3 permission denied,\n"
         "64 usage error.\n";
}

// The command the words name: the longest match of a table entry's words, else the request's
// own name as the first word (`incidents` alone lists them).
const novacron::io::ControlCommand* commandOf(const std::vector<std::string>& words, size_t& used) {
  const novacron::io::ControlCommand* best = nullptr;
  used = 0;
  for (const auto& c : novacron::io::kControlCommands) {
    std::vector<std::string> w;
    for (std::string_view rest = c.words; !rest.empty();) {
      size_t sp = rest.find(' ');
      w.emplace_back(rest.substr(0, sp));
      rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    if (w.size() > words.size() || w.size() <= used) continue;
    if (std::equal(w.begin(), w.end(), words.begin())) {
      best = &c;
      used = w.size();
    }
  }
  if (best) return best;
  // The request's own name works as one word too: `novacron incident ID`, `postmortem ID`.
  if (!words.empty()) {
    if (const auto* c = novacron::io::findControlCommand(words[0])) {
      used = 1;
      return c;
    }
  }
  return best;
}

// `novacron fleet …` is novacron-fleet's: the program beside this one (or on PATH) is run with the
// same arguments, so that this one links no HTTP nor TLS.
int runFleet(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  args.push_back(nullptr);
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string beside = ec ? "" : (self.parent_path() / "novacron-fleet").string();
  static char name[] = "novacron-fleet";
  args[0] = name;
  if (!beside.empty() && ::access(beside.c_str(), X_OK) == 0) ::execv(beside.c_str(), args.data());
  ::execvp("novacron-fleet", args.data());
  std::cerr << "novacron: novacron fleet needs novacron-fleet (" << std::strerror(errno)
            << "); it comes with the novacron-agent package\n";
  return kNoAgent;
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
  using novacron::io::CommandArg;
  std::string socket = defaultSocket();
  bool raw = false, verbose = false, detailed = false;
  double timeout_s = 5;
  // The command's own options, by flag: the table says what each becomes.
  std::vector<std::pair<std::string, std::string>> options;
  json labels = json::object();
  std::vector<std::string> words;
  // What an option is, by its flag in the table; null for one no command has.
  auto argOf = [](std::string_view flag) -> const CommandArg* {
    for (const auto& c : novacron::io::kControlCommands) {
      for (const CommandArg& a : c.args) {
        if (a.flag == flag) return &a;
      }
    }
    return nullptr;
  };
  // `novacron fleet …` takes options of its own: handed over whole before they are parsed here.
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--socket" || a == "--timeout") {
      ++i;
    } else if (!a.starts_with("-")) {
      if (a == "fleet") return runFleet(argc, argv);
      break;
    }
  }
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
    } else if (a == "--json") {
      raw = true;
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "--detailed") {
      detailed = true;
    } else if (a == "--help" || a == "-h" || a == "help") {
      std::cout << helpText();
      return kOk;
    } else if (const CommandArg* arg = argOf(a)) {
      // What follows the flag, as its kind wants it (--verbose and flags take nothing).
      const char* wants = arg->kind == CommandArg::Kind::kLabel      ? "NAME=VALUE"
                          : arg->kind == CommandArg::Kind::kDuration ? "a duration such as 1h"
                          : arg->kind == CommandArg::Kind::kCount    ? "a whole number"
                          : arg->kind == CommandArg::Kind::kText     ? "a text"
                                                                     : nullptr;
      std::string v;
      if (wants) {
        auto got = value(wants);
        if (!got) return kUsage;
        v = *got;
      }
      options.emplace_back(a, v);
    } else if (a.starts_with("-")) {
      std::cerr << "novacron: unknown option " << a << "\n" << helpText();
      return kUsage;
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) {
    std::cerr << helpText();
    return kUsage;
  }
  size_t used = 0;
  const novacron::io::ControlCommand* command = commandOf(words, used);
  if (!command) {
    for (const auto& c : novacron::io::kControlCommands) {
      if (std::string_view(c.words).starts_with(words[0] + " ")) {
        std::cerr << "novacron: usage: novacron " << c.words << "\n";
        return kUsage;
      }
    }
    std::cerr << "novacron: unknown command '" << words[0] << "'\n" << helpText();
    return kUsage;
  }
  const std::string cmd(command->name);
  std::vector<std::string> rest(words.begin() + static_cast<long>(used), words.end());
  std::string usage = "novacron: usage: novacron " + std::string(command->words);
  size_t required = 0, optional = 0;
  for (const CommandArg& a : command->args) {
    usage += " " + std::string(a.usage);
    required += a.kind == CommandArg::Kind::kWord;
    optional += a.kind == CommandArg::Kind::kOptionalWord;
  }
  if (rest.size() < required || rest.size() > required + optional) {
    std::cerr << usage << "\n";
    return kUsage;
  }
  json args = json::object();
  size_t next_word = 0;
  bool dry_run = false;
  for (const CommandArg& a : command->args) {
    const std::string field(a.field);
    auto given = [&](std::string_view flag) {
      return std::any_of(options.begin(), options.end(),
                         [&](const auto& o) { return o.first == flag; });
    };
    switch (a.kind) {
      case CommandArg::Kind::kWord:
        args[field] = rest[next_word++];
        break;
      case CommandArg::Kind::kOptionalWord:
        if (next_word < rest.size()) args[field] = rest[next_word++];
        break;
      case CommandArg::Kind::kFlag:
        args[field] = given(a.flag);
        dry_run = dry_run || (field == "dry_run" && given(a.flag));
        break;
      case CommandArg::Kind::kNotFlag:
        args[field] = !given(a.flag);
        break;
      case CommandArg::Kind::kLocal:  // --verbose, --detailed: read above, for printing
        break;
      case CommandArg::Kind::kText:
      case CommandArg::Kind::kDuration:
      case CommandArg::Kind::kCount:
      case CommandArg::Kind::kLabel:
        for (const auto& [flag, v] : options) {
          if (flag != a.flag) continue;
          if (a.kind == CommandArg::Kind::kText) {
            args[field] = v;
          } else if (a.kind == CommandArg::Kind::kDuration) {
            // The daemon's own duration syntax: 30m, 1h, 2d, 1h30m.
            auto d = novacron::parseDuration(v);
            if (!d) {
              std::cerr << "novacron: " << flag << " " << v
                        << ": write a duration such as 30m, 1h or 2d\n";
              return kUsage;
            }
            args[field] = std::chrono::duration<double>(*d).count();
          } else if (a.kind == CommandArg::Kind::kCount) {
            int64_t n = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || end != v.data() + v.size()) {
              std::cerr << "novacron: " << flag << " " << v << ": write a whole number\n";
              return kUsage;
            }
            args[field] = n;
          } else {
            size_t eq = v.find('=');
            if (eq == std::string::npos || eq == 0) {
              std::cerr << "novacron: --label " << v << ": write NAME=VALUE, e.g. user=mallory\n";
              return kUsage;
            }
            labels[v.substr(0, eq)] = v.substr(eq + 1);
            args[field] = labels;
          }
        }
        break;
    }
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
    else if (cmd == "incidents_after")
      printFeed(d);
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
