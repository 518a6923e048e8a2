#include "cli/cli_print.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>
#include "base/clock.h"
#include "base/json_text.h"
#include "base/text.h"

namespace novacron::cli {

// What the agent sends is partly what the host's users chose (process names, labels, messages):
// before it reaches an operator's terminal, every control character becomes a visible escape,
// so that no name can move the cursor, clear the screen or fake a line. `keep_newlines` for the
// post-mortem's Markdown, whose lines are the agent's own.
json forTerminal(const json& j, bool keep_newlines) {
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

// The runbook's service status matrix, then the agent's own state; fits 80 columns.
int printStatus(const json& d, bool verbose) {
  std::cout << "node " << d["node_id"].get<std::string>() << "  novacron-agent "
            << d["version"].get<std::string>() << "  pid " << d["pid"] << "  up "
            << fmtDuration(d["uptime_seconds"].get<double>()) << "\n"
            << "mode " << d.value("mode", std::string("?")) << "  kill switch "
            << (d.value("paused", false) ? "ON (automated actions paused)" : "off") << "  "
            << d.value("open_incidents", 0) << " open incident(s)  config "
            << (d["config"]["last_reload_successful"].get<bool>() ? "ok" : "LAST RELOAD FAILED")
            << "\n";
  // How action processes are held: an operator should know before trusting the agent with root.
  if (d.contains("containment") && d["containment"].is_object()) {
    std::string line = "containment " + d["containment"].value("mode", std::string("?")) + ": " +
                       d["containment"].value("description", std::string());
    std::cout << (verbose || line.size() <= 80 ? line : line.substr(0, 79) + "~") << "\n";
  }
  std::cout << "\n";
  std::cout << pad("CHECK", 18) << pad("KIND", 14) << pad("STATUS", 9) << pad("LATENCY", 10)
            << pad("ERR%", 7) << "DETAIL\n";
  int worst = 0;
  for (const auto& row : d["matrix"]) {
    std::string status = row["status"];
    worst = std::max(worst, status == "down" ? 2 : status == "degraded" ? 1 : 0);
    char lat[32], err[16];
    std::snprintf(lat, sizeof(lat), "%.1f ms", row["latency_seconds"].get<double>() * 1e3);
    std::snprintf(err, sizeof(err), "%.0f", row["error_ratio"].get<double>() * 100);
    std::string detail = row["detail"];
    std::cout << pad(row["name"], 18) << pad(row["kind"], 14) << pad(status, 9) << pad(lat, 10)
              << pad(err, 7)
              << (verbose || detail.size() <= 22 ? detail : detail.substr(0, 21) + "~") << "\n";
  }
  if (d.contains("policy")) {
    for (const auto& o : d["policy"]["open"]) {
      std::string labels;
      for (const auto& [k, v] : o["labels"].items())
        labels += (labels.empty() ? "" : ",") + k + "=" + v.get<std::string>();
      std::cout << "\nopen: SEV-" << o["severity"] << " " << o["playbook"].get<std::string>()
                << (labels.empty() ? "" : "{" + labels + "}")
                << (o["flapping"].get<bool>() ? " (flapping)" : "");
    }
    if (!d["policy"]["open"].empty()) std::cout << "\n";
  }
  return worst;
}

std::string when(double unix_seconds) {
  auto ms = std::chrono::milliseconds(static_cast<int64_t>(unix_seconds) * 1000);
  return formatUtc(TimePoint(ms), "%Y-%m-%d %H:%M:%SZ");
}

void printIncidents(const json& d) {
  if (d.empty()) {
    std::cout << "no incidents\n";
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
            << jsonText(d["labels"]) << "\nopened  " << when(d["opened_at"].get<double>())
            << "\n\n";
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

void printLogs(const json& d) {
  for (const auto& l : d) {
    std::cout << when(l["at"].get<double>()) << "  " << pad(l["level"], 8)
              << l["message"].get<std::string>() << "\n";
  }
  if (d.empty()) std::cout << "no log lines in that time\n";
}

void printFeed(const json& d) {
  for (const auto& e : d["events"]) {
    std::cout << pad(std::to_string(e["seq"].get<int64_t>()), 8) << when(e["at"].get<double>())
              << "  " << pad(e["incident"], 28) << e["kind"].get<std::string>() << "\n";
  }
  std::cout << "next: " << d["next"].get<int64_t>() << "\n";
}

void printBlocked(const json& d) {
  if (d.empty()) {
    std::cout << "no address is blocked\n";
    return;
  }
  std::cout << pad("ADDRESS", 44) << pad("EXPIRES IN", 12) << "TIMEOUT\n";
  for (const auto& b : d) {
    std::cout << pad(b["address"], 44) << pad(fmtDuration(b["expires_s"].get<double>()), 12)
              << fmtDuration(b["timeout_s"].get<double>()) << "\n";
  }
}

void printDiagnostics(const json& d) { std::cout << jsonText(d, 2) << "\n"; }

void printDbStatus(const json& d, bool detailed) {
  if (d["instances"].empty()) {
    std::cout << d.value("message", std::string("no PostgreSQL instance")) << "\n";
    return;
  }
  std::cout << pad("INSTANCE", 16) << pad("UP", 5) << pad("CONNS", 7) << pad("USED", 7)
            << pad("LONGEST Q", 11) << pad("LOCKWAIT", 9) << "LAG\n";
  for (const auto& i : d["instances"]) {
    const json& m = i["metrics"];
    auto v = [&](const char* k) { return m.contains(k) ? m[k].get<double>() : 0.0; };
    double conns = 0;
    for (const auto& [k, val] : m.items()) {
      if (k.starts_with("connections{state=")) conns += val.get<double>();
    }
    char used[16], longest[16], lag[32];
    std::snprintf(used, sizeof(used), "%.0f%%", v("connections_used_ratio") * 100);
    std::snprintf(longest, sizeof(longest), "%.1fs", v("longest_query_seconds"));
    std::snprintf(lag, sizeof(lag), "%.0f B", v("replication_lag_bytes"));
    std::cout << pad(i["name"], 16) << pad(i["up"].get<bool>() ? "yes" : "NO", 5)
              << pad(std::to_string(static_cast<long>(conns)), 7) << pad(used, 7)
              << pad(longest, 11) << pad(std::to_string(static_cast<long>(v("lock_waits"))), 9)
              << lag << "\n";
    if (!i["up"].get<bool>()) std::cout << "  " << i["error"].get<std::string>() << "\n";
    if (detailed) {
      for (const auto& [k, val] : m.items())
        std::cout << "  " << pad(k, 52) << fmtValue(val.get<double>()) << "\n";
    }
  }
}

void printCacheStatus(const json& d, bool detailed) {
  if (d["instances"].empty()) {
    std::cout << d.value("message", std::string("no Redis instance")) << "\n";
    return;
  }
  std::cout << pad("INSTANCE", 16) << pad("UP", 5) << pad("ROLE", 9) << pad("MEMORY", 18)
            << pad("HIT", 7) << pad("CLIENTS", 9) << pad("OPS/S", 9) << "KEYS\n";
  for (const auto& i : d["instances"]) {
    const json& m = i["metrics"];
    auto has = [&](const char* k) { return m.contains(k); };
    auto v = [&](const char* k) { return has(k) ? m[k].get<double>() : 0.0; };
    double keys = 0;
    for (const auto& [k, val] : m.items()) {
      if (k.starts_with("keys{")) keys += val.get<double>();
    }
    char memory[32] = "-", hit[16] = "-";
    if (has("memory_used_bytes")) {
      std::snprintf(memory, sizeof(memory), "%.1f MiB", v("memory_used_bytes") / (1 << 20));
      if (has("memory_used_ratio"))
        std::snprintf(memory, sizeof(memory), "%.1f MiB %.0f%%", v("memory_used_bytes") / (1 << 20),
                      v("memory_used_ratio") * 100);
    }
    if (has("hit_ratio")) std::snprintf(hit, sizeof(hit), "%.1f%%", v("hit_ratio") * 100);
    bool up = i["up"].get<bool>();
    std::string role = !has("replica") ? "-" : v("replica") > 0 ? "replica" : "primary";
    std::cout << pad(i["name"], 16) << pad(up ? "yes" : "NO", 5) << pad(role, 9) << pad(memory, 18)
              << pad(hit, 7)
              << pad(up ? std::to_string(static_cast<long>(v("connected_clients"))) : "-", 9)
              << pad(has("ops_per_second") ? fmtValue(v("ops_per_second")) : "-", 9)
              << (up ? std::to_string(static_cast<long>(keys)) : "-") << "\n";
    if (!up) std::cout << "  " << i["error"].get<std::string>() << "\n";
    if (detailed) {
      for (const auto& [k, val] : m.items())
        std::cout << "  " << pad(k, 52) << fmtValue(val.get<double>()) << "\n";
      if (i.contains("info") && !i["info"].empty()) {
        std::cout << "  INFO (" << i.value("address", std::string()) << ")\n";
        for (const auto& [k, val] : i["info"].items())
          std::cout << "    " << pad(k, 50) << val.get<std::string>() << "\n";
      }
    }
  }
}

void printValidation(const json& d) {
  if (d["incident"].is_string()) {
    std::cout << "incident " << d["incident"].get<std::string>() << " ("
              << d.value("playbook", std::string("?")) << ", " << d.value("state", std::string("?"))
              << ")\n";
  } else {
    std::cout << "host recovery checklist\n";
  }
  if (d.contains("message")) std::cout << d["message"].get<std::string>() << "\n";
  std::cout << "  " << pad("CRITERION", 30) << pad("NOW", 12) << pad("NEEDS", 22) << "KIND\n";
  for (const auto& c : d["criteria"]) {
    std::string state = c.value("state", std::string("unknown"));
    const char* mark = state == "pass" ? "\u2713" : state == "fail" ? "\u2717" : "?";
    std::string value = c.value("value", std::string());
    std::string threshold = c.value("threshold", std::string());
    if (threshold.empty()) threshold = c.value("condition", std::string());
    std::cout << mark << " " << pad(c.value("name", std::string()), 30)
              << pad(value.empty() ? "-" : value, 12) << pad(threshold, 22)
              << (c.value("mandatory", true) ? "mandatory" : "recommended") << "\n";
  }
  std::string verdict = d.value("verdict", std::string("unknown"));
  std::cout << "\n"
            << (verdict == "pass"   ? "PASS: every mandatory criterion holds"
                : verdict == "fail" ? "FAIL: a mandatory criterion does not hold"
                                    : "UNKNOWN: a mandatory criterion has no data")
            << "\n";
}

}  // namespace novacron::cli
