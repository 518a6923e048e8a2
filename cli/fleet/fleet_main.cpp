// novacron-fleet: `novacron fleet …`, the coordinator's fleet view on a terminal. A program of its
// own (the novacron command runs it), so that the node-local command stays a small static client
// of the socket and only this one links HTTP and TLS.
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/duration.h"
#include "base/json_text.h"
#include "base/secret.h"
#include "cli/cli_print.h"
#include "io/http_client.h"
#include "novacron/version.h"

namespace {

using json = nlohmann::json;
using novacron::cli::fmtDuration;
using novacron::cli::pad;

constexpr int kOk = 0, kFailed = 1, kUnreachable = 2, kDenied = 3, kUsage = 64;

constexpr const char* kHelp =
    "usage: novacron fleet nodes [--selector LABELS]\n"
    "       novacron fleet incidents [--selector LABELS] [--state STATE] [--severity N]\n"
    "                                [--playbook NAME] [--open] [--since DUR] [--limit N]\n"
    "       novacron fleet show ID [--node NODE]\n"
    "options: --coordinator URL (else $NOVACRON_COORDINATOR), --token-file FILE (a reader's\n"
    "token; else $NOVACRON_FLEET_TOKEN_FILE), --ca-file FILE (the coordinator's CA), --json,\n"
    "--timeout SECONDS. LABELS is region=eu,role=db. Exit status: 0 ok, 1 the coordinator\n"
    "refused, 2 unreachable, 3 the token was refused, 64 usage error.\n";

std::string percentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '=' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string ago(const json& t) {
  if (!t.is_number()) return "never";
  double age = static_cast<double>(std::time(nullptr)) - t.get<double>();
  return fmtDuration(std::max(0.0, age)) + " ago";
}

std::string when(const json& t) {
  if (!t.is_number()) return "-";
  return novacron::formatTimestamp(
      novacron::TimePoint(std::chrono::milliseconds(static_cast<int64_t>(t.get<double>() * 1000))));
}

bool flag(const json& j, const char* key) {
  return j.contains(key) && j[key].is_boolean() && j[key].get<bool>();
}

int64_t count(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

std::string str(const json& j, const char* key, const char* none = "-") {
  if (!j.contains(key) || j[key].is_null()) return none;
  return j[key].is_string() ? j[key].get<std::string>() : novacron::jsonText(j[key]);
}

void printNodes(const json& d) {
  std::cout << pad("NODE", 20) << pad("SEEN", 11) << pad("VERSION", 9) << pad("OUTBOX", 7)
            << pad("OPEN", 5) << pad("POLICY", 9) << "STATE\n";
  size_t silent = 0;
  for (const auto& n : d["nodes"]) {
    std::string state = flag(n, "silent") ? "SILENT" : "ok";
    if (flag(n, "paused")) state += ",paused";
    if (count(n, "open_gaps") > 0) state += ",gaps";
    silent += flag(n, "silent");
    std::string digest = str(n, "policy_digest");
    if (digest.starts_with("sha256:")) digest = digest.substr(7, 8);
    std::cout << pad(n["id"].get<std::string>(), 20) << pad(ago(n["last_seen"]), 11)
              << pad(str(n, "agent_version"), 9) << pad(str(n, "outbox_depth"), 7)
              << pad(std::to_string(count(n, "open_incidents")), 5) << pad(digest, 9) << state
              << "\n";
  }
  std::cout << "\n"
            << d["nodes"].size() << " node(s), " << silent << " silent (not heard from for "
            << fmtDuration(d["silent_after_seconds"].get<double>()) << ")\n";
}

void printIncidents(const json& d) {
  std::cout << pad("INCIDENT", 30) << pad("NODE", 14) << pad("SEV", 4) << pad("STATE", 13)
            << "PLAYBOOK\n";
  for (const auto& i : d["incidents"]) {
    std::cout << pad(i["id"].get<std::string>(), 30) << pad(i["node"].get<std::string>(), 14)
              << pad(std::to_string(count(i, "severity")), 4)
              << pad(i["state"].get<std::string>(), 13) << i["playbook"].get<std::string>() << "\n";
  }
  std::cout << "\n" << d["incidents"].size() << " incident(s)\n";
}

void printIncident(const json& d) {
  const json& i = d["incident"];
  std::cout << "incident " << i["id"].get<std::string>() << " on " << i["node"].get<std::string>()
            << "\n"
            << "playbook " << i["playbook"].get<std::string>() << "  SEV-" << count(i, "severity")
            << "  " << i["state"].get<std::string>() << "  " << str(i, "category") << "\n"
            << "opened   " << when(i["opened_at"]) << "\n"
            << "acked    " << when(i["acknowledged_at"]) << "\n"
            << "ended    " << when(i["resolved_at"]) << "\n\n";
  std::cout << pad("SEQ", 7) << pad("AT", 25) << pad("KIND", 22) << "DETAIL\n";
  for (const auto& e : d["events"]) {
    const json& data = e["data"];
    std::string detail;
    for (const char* k : {"action", "reason", "by", "state", "window", "subject"}) {
      if (data.contains(k) && data[k].is_string() && !data[k].get<std::string>().empty())
        detail += (detail.empty() ? "" : " ") + std::string(k) + "=" + data[k].get<std::string>();
    }
    std::string line = pad(std::to_string(count(e, "seq")), 7) + pad(when(e["at"]), 25) +
                       pad(e["kind"].get<std::string>(), 22) + detail;
    std::cout << (line.size() > 80 ? line.substr(0, 79) + "~" : line) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string coordinator, token_file, ca_file, node;
  if (const char* c = std::getenv("NOVACRON_COORDINATOR")) coordinator = c;
  if (const char* t = std::getenv("NOVACRON_FLEET_TOKEN_FILE")) token_file = t;
  bool raw = false;
  double timeout_s = 10;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) {
        std::cerr << "novacron fleet: " << a << " needs a value\n";
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      return kOk;
    } else if (a == "--json") {
      raw = true;
    } else if (a == "--open") {
      query.emplace_back("open", "true");
    } else if (a == "--coordinator" || a == "--token-file" || a == "--ca-file" || a == "--node" ||
               a == "--selector" || a == "--state" || a == "--severity" || a == "--playbook" ||
               a == "--since" || a == "--limit" || a == "--timeout") {
      auto v = value();
      if (!v) return kUsage;
      if (a == "--coordinator") {
        coordinator = *v;
      } else if (a == "--token-file") {
        token_file = *v;
      } else if (a == "--ca-file") {
        ca_file = *v;
      } else if (a == "--node") {
        node = *v;
      } else if (a == "--timeout") {
        timeout_s = std::atof(v->c_str());
      } else if (a == "--since") {
        auto d = novacron::parseDuration(*v);
        if (!d) {
          std::cerr << "novacron fleet: --since " << *v << ": write a duration such as 1h\n";
          return kUsage;
        }
        query.emplace_back(
            "since", std::to_string(std::time(nullptr) -
                                    std::chrono::duration_cast<std::chrono::seconds>(*d).count()));
      } else {
        query.emplace_back(a.substr(2), *v);
      }
    } else if (a.starts_with("-")) {
      std::cerr << "novacron fleet: unknown option " << a << "\n" << kHelp;
      return kUsage;
    } else {
      words.push_back(a);
    }
  }
  if (!words.empty() && words[0] == "fleet") words.erase(words.begin());
  std::string path;
  if (words == std::vector<std::string>{"nodes"}) {
    path = "/v1/fleet/nodes";
  } else if (words == std::vector<std::string>{"incidents"}) {
    path = "/v1/fleet/incidents";
  } else if (words.size() == 2 && words[0] == "show") {
    path = "/v1/fleet/incidents/" + percentEncode(words[1]);
    if (!node.empty()) query.emplace_back("node", node);
  } else {
    std::cerr << kHelp;
    return kUsage;
  }
  if (coordinator.empty()) {
    std::cerr << "novacron fleet: which coordinator? --coordinator URL or $NOVACRON_COORDINATOR\n";
    return kUsage;
  }
  while (!coordinator.empty() && coordinator.back() == '/') coordinator.pop_back();
  novacron::io::HttpClientRequest req;
  req.url = coordinator + path;
  for (size_t i = 0; i < query.size(); ++i) {
    req.url += (i ? "&" : "?") + query[i].first + "=" + percentEncode(query[i].second);
  }
  req.timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  req.max_response = 64 << 20;
  req.ca_file = ca_file;
  req.headers.emplace_back("User-Agent", std::string("novacron-fleet/") + novacron::kVersion);
  if (!token_file.empty()) {
    auto token = novacron::readSecret(token_file);
    if (!token) {
      std::cerr << "novacron fleet: " << token.error().message << "\n";
      return kUsage;
    }
    req.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  boost::asio::io_context io;
  novacron::io::HttpClientResponse res;
  novacron::io::httpRequest(io, req,
                            [&](novacron::io::HttpClientResponse r) { res = std::move(r); });
  io.run();
  if (res.status == 0) {
    std::cerr << "novacron fleet: " << coordinator << ": " << res.error << "\n";
    return kUnreachable;
  }
  json d = json::parse(res.body, nullptr, false);
  if (d.is_discarded() || !d.is_object()) {
    std::cerr << "novacron fleet: HTTP " << res.status << " and an answer that is not JSON\n";
    return kFailed;
  }
  if (raw) {
    std::cout << novacron::jsonText(d) << "\n";
    return res.status == 200 ? kOk : res.status == 401 || res.status == 403 ? kDenied : kFailed;
  }
  d = novacron::cli::forTerminal(d);
  if (res.status != 200) {
    std::cerr << "novacron fleet: " << d.value("message", std::string("error")) << " ("
              << d.value("error", std::string("?")) << ", HTTP " << res.status << ")\n";
    return res.status == 401 || res.status == 403 ? kDenied : kFailed;
  }
  try {
    if (words[0] == "nodes")
      printNodes(d);
    else if (words[0] == "incidents")
      printIncidents(d);
    else
      printIncident(d);
  } catch (const json::exception&) {
    std::cerr << "novacron fleet: the coordinator's answer has an unexpected shape (another "
                 "version?); use --json to see it\n";
    return kFailed;
  }
  return kOk;
}
