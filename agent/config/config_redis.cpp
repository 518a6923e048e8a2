// collectors.redis: the Redis instances on this host.
#include "agent/config/config_fields.h"
#include "io/endpoint.h"

namespace novacron::agent {

using collectors::RedisConfig;

namespace {

bool readAddress(FieldContext& c, const Field<RedisConfig>& f, const yaml::Node& v,
                 RedisConfig& e) {
  auto s = c.r.string(v, c.at(f.key));
  if (!s) return false;
  std::string why;
  auto endpoint = io::parseEndpoint(*s, why);
  if (!endpoint) {
    c.r.error(v, c.at(f.key) + ": " + why);
    return false;
  }
  e.address.host = endpoint->host;
  e.address.port = endpoint->port;
  return true;
}

bool readUnixSocket(FieldContext& c, const Field<RedisConfig>& f, const yaml::Node& v,
                    RedisConfig& e) {
  auto p = readPath(c.r, v, c.at(f.key), c.env);
  if (!p) return false;
  e.address.unix_socket = *p;
  if (p->string().size() > 107) {  // sockaddr_un.sun_path
    c.r.error(v, c.at(f.key) + ": a socket path must be at most 107 bytes");
    return false;
  }
  return true;
}

constexpr Field<RedisConfig> kRedisFields[] = {
    {"name", "name", 0, 0, "", "the `instance` label (letters, digits, `.`, `_`, `-`)",
     &readNameField<&RedisConfig::name>, true},
    {"address", "IP:PORT", 0, 0, "", "its TCP address (one of `address` and `unix`)", &readAddress},
    {"unix", "path", 0, 0, "",
     "its Unix socket (the better way in: the socket's directory keeps others out)",
     &readUnixSocket},
    {"user", "name", 0, 0, "", "an ACL user (needs a password_file)",
     &readUserField<&RedisConfig::credentials, &io::RedisCredentials::user>},
    {"password_file", "secret file", 0, 0, "",
     "0640 root:novacron, read at each connection, never logged; sent only to a server that runs "
     "as `server_user` or root when it is on this host",
     &readSecretField<&RedisConfig::credentials, &io::RedisCredentials::password_file>},
    {"server_user", "name", 0, 0, "redis", "who a server on this host must run as",
     &readUserField<&RedisConfig::credentials, &io::RedisCredentials::server_user>},
    {"interval", "duration", 1000, 3600000, "5s", "one `INFO` per interval",
     &readValue<&RedisConfig::interval>},
    {"timeout", "duration", 100, 60000, "2s",
     "a frozen, refusing or vanished server is `novacron_redis_up 0` within this; at most the "
     "interval",
     &readValue<&RedisConfig::timeout>},
};

bool checkRedis(FieldContext& c, const yaml::Node& map, RedisConfig& e) {
  auto given = [&](std::string_view key) { return hasKey(map, key); };
  if (given("address") == given("unix")) {
    c.r.error(map, c.where + " needs a name and one of address (IP:PORT) or unix (a socket path)");
    return false;
  }
  bool ok = true;
  if (!e.credentials.user.empty() && !given("password_file")) {
    c.r.error(map, c.where + ": a user needs a password_file");
    ok = false;
  }
  return checkTimeoutWithinInterval(c, map, e) && ok;
}

}  // namespace

const MapSpec<RedisConfig> kRedisSpec = {
    "collectors.redis",
    "Redis instances, each read with one `INFO` per interval on one connection named "
    "`novacron-agent`",
    "{name, address or unix, ...}",
    "a name and one of address (IP:PORT) or unix (a socket path)",
    "instance",
    kRedisFields,
    &checkRedis};

}  // namespace novacron::agent
