// collectors.probes: the service probes (http, tcp, systemd).
#include <charconv>

#include "agent/config/config_fields.h"
#include "policy/action_schema.h"

namespace novacron::agent {

using collectors::ProbeConfig;

namespace {

bool readType(FieldContext& c, const Field<ProbeConfig>& f, const yaml::Node& v, ProbeConfig& e) {
  auto s = c.r.string(v, c.at(f.key));
  if (!s) return false;
  e.type = *s;
  if (*s == "http" || *s == "tcp" || *s == "systemd") return true;
  c.r.error(v, c.at(f.key) + " '" + *s + "' must be http, tcp or systemd");
  return false;
}

// The target of its type: each key checks its own form; checkProbe that it is its type's.
bool readAddress(FieldContext& c, const Field<ProbeConfig>& f, const yaml::Node& v,
                 ProbeConfig& e) {
  auto s = c.r.string(v, c.at(f.key));
  if (!s) return false;
  e.target = *s;
  size_t colon = s->rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    auto [end, ec] = std::from_chars(s->data() + colon + 1, s->data() + s->size(), port);
    if (ec != std::errc() || end != s->data() + s->size()) port = 0;
  }
  if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535) {
    c.r.error(v, c.at(f.key) + " '" + *s + "' must be HOST:PORT");
    return false;
  }
  return true;
}

bool readUnit(FieldContext& c, const Field<ProbeConfig>& f, const yaml::Node& v, ProbeConfig& e) {
  auto s = c.r.string(v, c.at(f.key));
  if (!s) return false;
  e.target = *s;
  if (policy::isUnitName(*s)) return true;
  c.r.error(v, c.at(f.key) + " '" + *s + "' is not a systemd unit name");
  return false;
}

constexpr Field<ProbeConfig> kProbeFields[] = {
    {"name", "name", 0, 0, "", "the `probe` label (letters, digits, `.`, `_`, `-`)",
     &readNameField<&ProbeConfig::name>, true},
    {"type", "string", 0, 0, "", "`http`, `tcp` or `systemd`", &readType, true},
    {"url", "URL", 0, 0, "", "an http probe's URL; up when it answers `expect_status`",
     &readUrlField<&ProbeConfig::target>},
    {"address", "HOST:PORT", 0, 0, "", "a tcp probe's address; up when it accepts a connection",
     &readAddress},
    {"unit", "unit", 0, 0, "", "a systemd probe's unit; up when it is active", &readUnit},
    {"expect_status", "integer", 100, 599, "200", "the status an http probe expects",
     &readValue<&ProbeConfig::expect_status>},
    {"timeout", "duration", 10, 60000, "2s",
     "a check not done within this fails; at most the interval", &readValue<&ProbeConfig::timeout>},
    {"interval", "duration", 1000, 3600000, "10s", "how often it is checked",
     &readValue<&ProbeConfig::interval>},
    {"window", "duration", 10000, 3600000, "5m", "the window of its error ratio",
     &readValue<&ProbeConfig::window>},
};

bool checkProbe(FieldContext& c, const yaml::Node& map, ProbeConfig& e) {
  static constexpr std::pair<std::string_view, std::string_view> kTargets[] = {
      {"http", "url"}, {"tcp", "address"}, {"systemd", "unit"}};
  bool ok = true;
  std::string_view own;
  for (const auto& [type, key] : kTargets) {
    if (type == e.type) {
      own = key;
    } else if (const yaml::Node* v = valueOf(map, key); v && !e.type.empty()) {
      c.r.error(*v, c.where + ": a " + e.type + " probe has no '" + std::string(key) + "'");
      ok = false;
    }
  }
  if (own.empty()) return false;  // an unknown type, already reported
  if (!hasKey(map, own)) {
    c.r.error(map, c.where + " needs '" + std::string(own) + "'");
    return false;
  }
  if (const yaml::Node* v = valueOf(map, "expect_status"); v && e.type != "http") {
    c.r.error(*v, c.where + ": only http probes take expect_status");
    ok = false;
  }
  return checkTimeoutWithinInterval(c, map, e) && ok;
}

}  // namespace

const MapSpec<ProbeConfig> kProbeSpec = {
    "collectors.probes",
    "service probes: they feed `novacron_probe_*`, the status matrix and the `service_down` "
    "playbook",
    "probes",
    "",
    "probe",
    kProbeFields,
    &checkProbe};

}  // namespace novacron::agent
