#include "coordinator/api.h"

#include <nlohmann/json.hpp>

#include <charconv>

#include "base/json_text.h"
#include "base/log.h"
#include "base/text.h"
#include "coordinator/tokens.h"

namespace novacron::coordinator {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

io::HttpResponse jsonAnswer(int status, json body) {
  body["schema_version"] = std::string(kSchemaVersion);
  return {status, "application/json", jsonText(body) + "\n", {}};
}

// A query string's value for `name`, percent-decoded; nullopt when absent.
std::optional<std::string> queryValue(const std::string& query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string_view part(query.data() + start,
                          (amp == std::string::npos ? query.size() : amp) - start);
    size_t eq = part.find('=');
    if (part.substr(0, eq) == name) {
      std::string out;
      std::string_view v = eq == std::string_view::npos ? "" : part.substr(eq + 1);
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') {
          out += ' ';
        } else if (v[i] == '%') {
          int c = 0;
          if (i + 2 >= v.size()) return std::nullopt;
          auto [p, ec] = std::from_chars(v.data() + i + 1, v.data() + i + 3, c, 16);
          if (ec != std::errc() || p != v.data() + i + 3) return std::nullopt;
          out += static_cast<char>(c);
          i += 2;
        } else {
          out += v[i];
        }
      }
      return out;
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return std::nullopt;
}

// `region=eu,role=db`: label names as the agent's, values free of ',' and '='.
std::optional<std::map<std::string, std::string>> parseSelector(const std::string& text,
                                                                std::string& why) {
  std::map<std::string, std::string> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = part.find('=');
    std::string name = part.substr(0, eq);
    bool ok =
        eq != std::string::npos && !name.empty() &&
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
            std::string::npos &&
        !(name[0] >= '0' && name[0] <= '9');
    if (!ok) {
      why = "selector: write NAME=VALUE[,NAME=VALUE...], e.g. region=eu,role=db";
      return std::nullopt;
    }
    out[name] = part.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The status and reason for a database failure: busy or down is 503 (retry later); a statement
// that failed on its own is our bug, 500.
std::pair<int, std::string> databaseFailure(const Error& e) {
  if (e.message.find("pool is busy") != std::string::npos) return {503, "busy"};
  if (e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kTimeout)
    return {503, "unavailable"};
  return {500, "internal"};
}

}  // namespace

io::HttpResponse errorAnswer(int status, const std::string& code, const std::string& message) {
  // The agent's /v1 shape, so that one client reads both.
  io::HttpResponse r = jsonAnswer(status, {{"error", code}, {"message", message}});
  if (status == 503 || status == 429) r.headers.emplace_back("Retry-After", "1");
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

void Api::handle(const io::HttpRequest& r, io::HttpResponder respond) {
  std::string handler = r.path == "/v1/events"             ? "events"
                        : r.path.starts_with("/v1/fleet/") ? "fleet"
                        : r.path == "/metrics"             ? "metrics"
                        : r.path == "/healthz"             ? "healthz"
                                                           : "other";
  auto counted = [this, handler, respond = std::move(respond)](io::HttpResponse out) {
    metrics_.request(handler, out.status);
    respond(std::move(out));
  };
  if (r.path == "/v1/events") {
    if (r.method != "POST") {
      auto out = errorAnswer(405, "method", "POST only");
      out.headers.emplace_back("Allow", "POST");
      return counted(std::move(out));
    }
    return push(r, std::move(counted));
  }
  if (r.path.starts_with("/v1/fleet/")) {
    if (r.method != "GET") {
      auto out = errorAnswer(405, "method", "GET only");
      out.headers.emplace_back("Allow", "GET");
      return counted(std::move(out));
    }
    return fleet(r, std::move(counted));
  }
  if (r.path == "/metrics" && r.method == "GET") {
    return counted(
        {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render(db_.poolStats()), {}});
  }
  if (r.path == "/healthz" && r.method == "GET") {
    auto pool = db_.poolStats();
    if (!pool.reachable && pool.queries > 0)
      return counted(errorAnswer(503, "unavailable", "PostgreSQL: " + pool.last_error));
    return counted(jsonAnswer(200, {{"status", "ok"}}));
  }
  counted(errorAnswer(404, "not_found", "no such path: " + quoteForMessage(r.path, 100)));
}

void Api::push(const io::HttpRequest& r, io::HttpResponder respond) {
  auto started = Clock::now();
  auto refuse = [this, &respond, started](int status, const std::string& code,
                                          const std::string& message) {
    metrics_.refused(code);
    metrics_.pushed(status, std::chrono::duration<double>(Clock::now() - started).count(), 0, 0, 0);
    respond(errorAnswer(status, code, message));
  };
  auto auth = r.headers.find("authorization");
  std::string token = auth == r.headers.end() ? "" : bearerToken(auth->second);
  if (token.empty()) return refuse(401, "unauthorized", "no bearer token (the node's token)");
  auto ct = r.headers.find("content-type");
  if (ct == r.headers.end() || !ct->second.starts_with("application/json"))
    return refuse(415, "invalid", "Content-Type must be application/json");
  DecodeLimits limits;
  limits.max_events = config_.max_events;
  auto decoded = decodePush(r.body, limits);
  if (auto* e = std::get_if<PushError>(&decoded)) return refuse(400, e->code, e->message);
  auto batch = std::get<PushBatch>(std::move(decoded));
  std::string node = batch.node;
  // With client certificates (tls.client_ca), the certificate names the node too.
  if (config_.tls_client_ca && r.client_name != node) {
    return refuse(403, "forbidden",
                  "the client certificate names " + quoteForMessage(r.client_name, 64) +
                      ", not node " + node);
  }
  db_.ingest(
      std::move(batch), Via::kPush, tokenHash(token),
      [this, respond = std::move(respond), started, node](Result<IngestResult> res) {
        double took = std::chrono::duration<double>(Clock::now() - started).count();
        if (!res) {
          auto [status, code] = databaseFailure(res.error());
          if (status == 500) logError("ingest of a batch of " + node + ": " + res.error().message);
          metrics_.refused(code);
          metrics_.pushed(status, took, 0, 0, 0);
          return respond(errorAnswer(status, code,
                                     status == 503 ? "the database cannot take the batch now: retry"
                                                   : "the batch could not be written"));
        }
        if (!res->accepted) {
          int status = res->token_node.empty() ? 401 : 403;
          std::string code = status == 401 ? "unauthorized" : "forbidden";
          metrics_.refused(code);
          metrics_.pushed(status, took, 0, 0, 0);
          return respond(errorAnswer(status, code,
                                     status == 401 ? "the token is not a live node token"
                                                   : "this token belongs to node " +
                                                         res->token_node + ", not to " + node));
        }
        metrics_.pushed(200, took, res->inserted, res->duplicates, res->gaps);
        respond(jsonAnswer(200, {{"accepted", res->inserted + res->duplicates},
                                 {"inserted", res->inserted},
                                 {"duplicates", res->duplicates},
                                 {"gaps", res->gaps}}));
      });
}

void Api::fleet(const io::HttpRequest& r, io::HttpResponder respond) {
  auto auth = r.headers.find("authorization");
  std::string token = auth == r.headers.end() ? "" : bearerToken(auth->second);
  if (token.empty())
    return respond(errorAnswer(401, "unauthorized", "no bearer token (a reader's token)"));
  db_.tokenSubject(tokenHash(token), "reader",
                   [this, r, respond = std::move(respond)](Result<std::string> who) mutable {
                     if (!who) {
                       auto [status, code] = databaseFailure(who.error());
                       return respond(errorAnswer(status, code, "cannot check the token now"));
                     }
                     if (who->empty())
                       return respond(errorAnswer(401, "unauthorized", "not a live reader token"));
                     fleetRead(r, std::move(respond));
                   });
}

void Api::fleetRead(const io::HttpRequest& r, io::HttpResponder respond) {
  auto answered = [respond](const char* field) {
    return [respond, field](Result<json> res) {
      if (!res) {
        auto [status, code] = databaseFailure(res.error());
        return respond(errorAnswer(status, code, res.error().message));
      }
      respond(jsonAnswer(200, {{field, *res}}));
    };
  };
  std::string why;
  auto selector = parseSelector(queryValue(r.query, "selector").value_or(""), why);
  if (!selector) return respond(errorAnswer(400, "invalid", why));
  if (r.path == "/v1/fleet/nodes") {
    return db_.nodes(*selector, config_.silent_after,
                     [respond, silent = config_.silent_after](Result<json> res) {
                       if (!res) {
                         auto [status, code] = databaseFailure(res.error());
                         return respond(errorAnswer(status, code, res.error().message));
                       }
                       respond(jsonAnswer(200, {{"nodes", *res},
                                                {"silent_after_seconds",
                                                 std::chrono::duration<double>(silent).count()}}));
                     });
  }
  if (r.path == "/v1/fleet/incidents") {
    IncidentFilter f;
    f.selector = *selector;
    f.state = queryValue(r.query, "state").value_or("");
    f.playbook = queryValue(r.query, "playbook").value_or("");
    f.open_only = queryValue(r.query, "open").value_or("") == "true";
    auto number = [&](const char* name, double min, double max) -> std::optional<double> {
      auto v = queryValue(r.query, name);
      if (!v) return std::nullopt;
      double d = 0;
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
      if (ec != std::errc() || p != v->data() + v->size() || d < min || d > max) {
        why = std::string(name) + ": a number from " + jsonText(json(min)) + " to " +
              jsonText(json(max));
        return std::nullopt;
      }
      return d;
    };
    if (auto s = number("severity", 1, 4)) f.severity = static_cast<int>(*s);
    if (auto s = number("since", 0, 7258118400.0)) f.since = *s;
    if (auto s = number("limit", 1, 10000)) f.limit = static_cast<int>(*s);
    if (!why.empty()) return respond(errorAnswer(400, "invalid", why));
    return db_.incidents(f, answered("incidents"));
  }
  constexpr std::string_view kOne = "/v1/fleet/incidents/";
  if (r.path.starts_with(kOne) && r.path.size() > kOne.size()) {
    std::string id = r.path.substr(kOne.size());
    if (id.size() > 200 || id.find('/') != std::string::npos)
      return respond(errorAnswer(404, "not_found", "no such incident"));
    std::string node = queryValue(r.query, "node").value_or("");
    return db_.incident(id, node, [respond, id](Result<json> res) {
      if (!res) {
        auto [status, code] = databaseFailure(res.error());
        return respond(errorAnswer(status, code, res.error().message));
      }
      if (!res->is_array() || res->empty())
        return respond(errorAnswer(404, "not_found", "no incident " + quoteForMessage(id, 100)));
      if (res->size() > 1) {
        std::string nodes;
        for (const auto& x : *res)
          nodes += (nodes.empty() ? "" : ", ") + x["incident"]["node"].get<std::string>();
        return respond(errorAnswer(409, "ambiguous",
                                   "nodes " + nodes + " each have an incident " +
                                       quoteForMessage(id, 100) + ": add ?node=NODE"));
      }
      json one = (*res)[0];
      respond(jsonAnswer(200, {{"incident", one["incident"]}, {"events", one["events"]}}));
    });
  }
  respond(errorAnswer(404, "not_found", "no such path: " + quoteForMessage(r.path, 100)));
}

}  // namespace novacron::coordinator
