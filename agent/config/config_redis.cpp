// collectors.redis: the Redis instances on this host.
#include <set>

#include "agent/config/config_readers.h"
#include "io/endpoint.h"

namespace novacron::agent {

using namespace std::chrono_literals;
using collectors::RedisConfig;

void readRedis(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  if (!n.IsSequence()) {
    r.error(n, "collectors.redis must be a list of {name, address or unix, ...}");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < n.items().size(); ++i) {
    const yaml::Node& t = n.items()[i];
    std::string where = "collectors.redis[" + std::to_string(i) + "]";
    if (!r.checkMap(t, where,
                    {"name", "address", "unix", "user", "password_file", "server_user", "interval",
                     "timeout"}))
      continue;
    RedisConfig rc;
    bool ok = true;
    auto name = r.get(t, "name", where + ".name");
    auto address = r.get(t, "address", where + ".address");
    auto unix_socket = r.get(t, "unix", where + ".unix");
    if (!name.IsDefined() || address.IsDefined() == unix_socket.IsDefined()) {
      r.error(t, where + " needs a name and one of address (IP:PORT) or unix (a socket path)");
      continue;
    }
    if (auto s = readEntryName(r, name, where, names, "instance"))
      rc.name = *s;
    else
      ok = false;
    if (address.IsDefined()) {
      if (auto s = r.string(address, where + ".address")) {
        std::string why;
        if (auto e = io::parseEndpoint(*s, why)) {
          rc.address.host = e->host;
          rc.address.port = e->port;
        } else {
          r.error(address, where + ".address: " + why);
          ok = false;
        }
      } else {
        ok = false;
      }
    } else if (auto p = readPath(r, unix_socket, where + ".unix", env)) {
      if (p->string().size() > 107) {  // sockaddr_un.sun_path
        r.error(unix_socket, where + ".unix: a socket path must be at most 107 bytes");
        ok = false;
      }
      rc.address.unix_socket = *p;
    } else {
      ok = false;
    }
    if (auto u = r.get(t, "user", where + ".user"); u.IsDefined()) {
      if (auto s = r.string(u, where + ".user"); s && plainName(*s)) {
        rc.credentials.user = *s;
      } else {
        if (s) r.error(u, where + ".user '" + *s + "' must be letters, digits, '.', '_' or '-'");
        ok = false;
      }
    }
    if (auto pw = r.get(t, "password_file", where + ".password_file"); pw.IsDefined()) {
      if (auto file = readSecretPath(r, pw, where + ".password_file", env, c.user))
        rc.credentials.password_file = *file;
      else
        ok = false;
    } else if (!rc.credentials.user.empty()) {
      r.error(t, where + ": a user needs a password_file");
      ok = false;
    }
    if (auto u = r.get(t, "server_user", where + ".server_user"); u.IsDefined()) {
      if (auto s = r.string(u, where + ".server_user"); s && plainName(*s)) {
        rc.credentials.server_user = *s;
      } else {
        if (s)
          r.error(u, where + ".server_user '" + *s + "' must be letters, digits, '.', '_' or '-'");
        ok = false;
      }
    }
    ok = readIntervalTimeout(r, t, where, rc.interval, rc.timeout) && ok;
    if (ok) c.sources.redis.push_back(std::move(rc));
  }
}

}  // namespace novacron::agent
