// novacron: the operator's command, a client of the agent's control socket.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "agent/cli_client.h"
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
    "commands:\n"
    "  status             the agent, its collectors and their health\n"
    "  metrics [PATTERN]  current values of every metric whose name contains PATTERN\n"
    "  playbooks          the playbooks in force: severity, state, open incidents\n"
    "  incidents          the open incidents\n"
    "  incident ID        one incident with its timeline and action runs\n"
    "  postmortem ID      the post-mortem draft (Markdown)\n"
    "  approve ID ACTION  approve the action the incident waits for (root)\n"
    "  deny ID ACTION     deny it; --reason TEXT (root)\n"
    "  ack ID             acknowledge the incident: stops its escalation notices (root)\n"
    "  pause | resume     the kill switch for every automated action; --reason TEXT (root)\n"
    "  version            the agent's and this command's versions\n"
    "\n"
    "The socket is --socket, else $NOVACRON_SOCKET, else $NOVACRON_STATE_DIR/agent.sock,\n"
    "else /run/novacron/agent.sock if it exists, else ./var/novacron/agent.sock.\n"
    "Exit status: 0 ok, 1 the agent refused the command, 2 no agent running,\n"
    "3 permission denied, 64 usage error.\n";

std::string defaultSocket() {
  if (const char* s = std::getenv("NOVACRON_SOCKET"); s && *s) return s;
  if (const char* d = std::getenv("NOVACRON_STATE_DIR"); d && *d)
    return std::string(d) + "/agent.sock";
  std::error_code ec;
  if (std::filesystem::exists("/run/novacron/agent.sock", ec)) return "/run/novacron/agent.sock";
  return (std::filesystem::current_path(ec) / "var/novacron/agent.sock").string();
}

std::string fmtValue(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string fmtDuration(double seconds) {
  long s = static_cast<long>(seconds);
  char buf[64];
  if (s >= 86400)
    std::snprintf(buf, sizeof(buf), "%ldd%ldh", s / 86400, s % 86400 / 3600);
  else if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%ldh%ldm", s / 3600, s % 3600 / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof(buf), "%ldm%lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof(buf), "%lds", s);
  return buf;
}

std::string pad(std::string s, size_t width) {
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  s.resize(width, ' ');
  return s;
}

void printStatus(const json& d) {
  std::cout << "node     " << d["node_id"].get<std::string>() << "  (novacron-agent "
            << d["version"].get<std::string>() << ", pid " << d["pid"] << ", up "
            << fmtDuration(d["uptime_seconds"].get<double>()) << ")\n"
            << "health   " << d["health"].get<std::string>() << "\n"
            << "http     " << d["http_listen"].get<std::string>() << "\n"
            << "config   " << d["config"]["source"].get<std::string>()
            << (d["config"]["last_reload_successful"].get<bool>() ? "" : "  (last reload FAILED)")
            << "\n"
            << "store    " << d["store"]["series"] << " series, " << d["store"]["points"]
            << " points\n\n";
  std::cout << pad("COLLECTOR", 14) << pad("GROUP", 11) << pad("STATUS", 8) << pad("LAST RUN", 11)
            << pad("RUNS", 9) << "ERRORS\n";
  std::vector<std::string> problems;
  for (const auto& c : d["collectors"]) {
    char ms[32];
    std::snprintf(ms, sizeof(ms), "%.2f ms", c["last_duration_seconds"].get<double>() * 1e3);
    std::cout << pad(c["name"], 14) << pad(c["group"], 11)
              << pad(c["ok"].get<bool>() ? "ok" : "DOWN", 8) << pad(ms, 11)
              << pad(std::to_string(c["runs"].get<uint64_t>()), 9) << c["errors"] << "\n";
    if (!c["last_error"].get<std::string>().empty()) {
      problems.push_back(c["name"].get<std::string>() + ": " + c["last_error"].get<std::string>());
    }
  }
  if (!problems.empty()) {
    std::cout << "\nlast errors:\n";
    for (const auto& p : problems) std::cout << "  " << p << "\n";
  }
  if (!d.contains("policy")) return;  // an agent from before the policy engine
  const json& pol = d["policy"];
  std::cout << "\npolicy   " << pol["mode"].get<std::string>() << ", " << pol["playbooks_enabled"]
            << " playbooks enabled, " << pol["open"].size() << " open\n";
  for (const auto& o : pol["open"]) {
    std::string labels;
    for (const auto& [k, v] : o["labels"].items())
      labels += (labels.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    std::cout << "  SEV-" << o["severity"] << "  " << o["playbook"].get<std::string>()
              << (labels.empty() ? "" : "{" + labels + "}")
              << (o["flapping"].get<bool>() ? "  (flapping)" : "") << "\n";
  }
}

std::string when(double unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

void printIncidents(const json& d) {
  if (d.empty()) {
    std::cout << "no open incidents\n";
    return;
  }
  std::cout << pad("INCIDENT", 34) << pad("SEV", 5) << pad("PLAYBOOK", 20) << "STATE\n";
  for (const auto& i : d) {
    std::cout << pad(i["id"], 34) << pad(std::to_string(i["severity"].get<int>()), 5)
              << pad(i["playbook"], 20) << i["state"].get<std::string>()
              << (i["dry_run"].get<bool>() ? " (dry-run)" : "") << "\n";
  }
}

void printIncident(const json& d) {
  std::cout << d["id"].get<std::string>() << "  " << d["playbook"].get<std::string>() << "  SEV-"
            << d["severity"] << "  " << d["state"].get<std::string>() << "\nlabels  "
            << d["labels"].dump() << "\nopened  " << when(d["opened_at"].get<double>()) << "\n\n";
  for (const auto& e : d["timeline"]) {
    std::string detail;
    const json& data = e["data"];
    for (const char* key : {"reason", "action", "template", "state", "to"}) {
      if (data.is_object() && data.contains(key) && data[key].is_string()) {
        detail += (detail.empty() ? "" : "  ") + data[key].get<std::string>();
      }
    }
    if (data.is_object() && data.contains("series") && data["series"].is_array()) {
      detail = std::to_string(data["series"].size()) + " series over " +
               data.value("window", std::string("?"));
    }
    std::cout << when(e["at"].get<double>()) << "  " << pad(e["kind"], 22) << detail.substr(0, 60)
              << "\n";
  }
}

void printPlaybooks(const json& d) {
  std::cout << pad("PLAYBOOK", 26) << pad("SEV", 5) << pad("CATEGORY", 16) << pad("STATE", 10)
            << "OPEN\n";
  for (const auto& p : d) {
    std::string state = !p["enabled"].get<bool>()              ? "off"
                        : p["when"].get<std::string>().empty() ? "manual"
                                                               : "on";
    std::cout << pad(p["name"], 26) << pad(std::to_string(p["severity"].get<int>()), 5)
              << pad(p["category"], 16) << pad(state, 10) << p["firing"] << "\n";
  }
}

void printMetrics(const json& d) {
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  for (const auto& m : d) {
    std::string name = m["name"];
    if (!m["labels"].empty()) {
      name += "{";
      bool first = true;
      for (const auto& [k, v] : m["labels"].items()) {
        name += (first ? "" : ",") + k + "=\"" + v.get<std::string>() + "\"";
        first = false;
      }
      name += "}";
    }
    width = std::max(width, name.size());
    rows.emplace_back(std::move(name), fmtValue(m["value"].get<double>()));
  }
  std::sort(rows.begin(), rows.end());
  for (const auto& [name, value] : rows) std::cout << pad(name, width + 2) << value << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket = defaultSocket();
  bool raw = false;
  double timeout_s = 5;
  std::vector<std::string> words;
  std::string reason;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--socket" && i + 1 < argc)
      socket = argv[++i];
    else if (a == "--json")
      raw = true;
    else if (a == "--timeout" && i + 1 < argc)
      timeout_s = std::atof(argv[++i]);
    else if (a == "--reason" && i + 1 < argc)
      reason = argv[++i];
    else if (a == "--help" || a == "-h" || a == "help") {
      std::cout << kHelp;
      return kOk;
    } else if (a.starts_with("--")) {
      std::cerr << "novacron: unknown option " << a << "\n" << kHelp;
      return kUsage;
    } else
      words.push_back(a);
  }
  if (words.empty()) {
    std::cerr << kHelp;
    return kUsage;
  }
  json req;
  const std::string& cmd = words[0];
  auto need = [&](size_t n, const char* what) {
    if (words.size() != n + 1) {
      std::cerr << "novacron: usage: novacron " << cmd << " " << what << "\n";
      return false;
    }
    return true;
  };
  if (cmd == "incidents" || cmd == "resume" || cmd == "pause") {
    if (!need(0, "")) return kUsage;
    req = {{"cmd", cmd}, {"args", {{"reason", reason}}}};
  } else if (cmd == "incident" || cmd == "postmortem" || cmd == "ack") {
    if (!need(1, "ID")) return kUsage;
    req = {{"cmd", cmd}, {"args", {{"id", words[1]}}}};
  } else if (cmd == "approve" || cmd == "deny") {
    if (!need(2, "ID ACTION")) return kUsage;
    req = {{"cmd", cmd}, {"args", {{"id", words[1]}, {"action", words[2]}, {"reason", reason}}}};
  } else if (cmd == "status" || cmd == "version" || cmd == "playbooks") {
    if (words.size() != 1) {
      std::cerr << "novacron: " << cmd << " takes no arguments\n";
      return kUsage;
    }
    req = {{"cmd", cmd}};
  } else if (cmd == "metrics") {
    if (words.size() > 2) {
      std::cerr << "novacron: metrics takes at most one PATTERN\n";
      return kUsage;
    }
    req = {{"cmd", "metrics"}, {"args", {{"match", words.size() == 2 ? words[1] : ""}}}};
  } else {
    std::cerr << "novacron: unknown command '" << cmd << "'\n" << kHelp;
    return kUsage;
  }

  auto reply = novacron::cli::roundTrip(
      socket, req.dump(), std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
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
    std::cout << r.dump() << "\n";
    return r.value("ok", false) ? kOk : kCommandFailed;
  }
  if (!r.value("ok", false)) {
    const json& e = r["error"];
    std::cerr << "novacron: " << e.value("message", "error") << " (" << e.value("code", "?")
              << ")\n";
    return e.value("code", "") == "permission_denied" ? kDenied : kCommandFailed;
  }
  const json& d = r["data"];
  // An agent of another version may answer with fields this command does not know or lacks
  // ones it expects: say so in one line rather than crash.
  try {
    if (cmd == "status")
      printStatus(d);
    else if (cmd == "metrics")
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
