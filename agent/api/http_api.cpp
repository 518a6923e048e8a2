#include "agent/api/http_api.h"

#include <charconv>

#include "base/json_text.h"
#include "base/log.h"
#include "base/text.h"

namespace novacron::agent {

using json = nlohmann::json;

namespace {

io::HttpResponse jsonResponse(int status, const json& body) {
  return {status, "application/json", jsonText(body) + "\n", {}};
}

io::HttpResponse apiError(int status, const std::string& code, const std::string& message) {
  return jsonResponse(status, {{"error", code}, {"message", message}});
}

io::HttpResponse fromReply(const incidents::CommandReply& r) {
  if (r.ok()) return jsonResponse(200, r.data);
  int status = r.code == "bad_request"         ? 400
               : r.code == "not_found"         ? 404
               : r.code == "permission_denied" ? 403
               : r.code == "invalid"           ? 409
               : r.code == "unavailable"       ? 503
                                               : 500;
  return apiError(status, r.code, r.message);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::optional<std::string> queryValue(const std::string& query, std::string_view key) {
  for (const auto& pair : split(query, '&')) {
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string::npos ? "" : pair.substr(eq + 1);
  }
  return std::nullopt;
}

std::optional<int64_t> parseInt(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Incident and action ids, and the names of people, as the agent makes and records them.
bool validName(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-' && c != '@') return false;
  }
  return true;
}

io::HttpResponse methodNotAllowed(const char* allow) {
  io::HttpResponse r = apiError(405, "method_not_allowed", std::string("use ") + allow);
  r.headers.push_back({"Allow", allow});
  return r;
}

// The body of a changing request: {"by": NAME, "reason": TEXT}; "approver" is taken for "by".
struct Decision {
  std::string by, reason;
};
std::optional<Decision> readDecision(const io::HttpRequest& r, std::string& why) {
  json body = r.body.empty() ? json::object() : json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    why = "the body must be a JSON object such as {\"by\": \"alice\", \"reason\": \"...\"}";
    return std::nullopt;
  }
  Decision d;
  const char* key = body.contains("approver") ? "approver" : "by";
  if (!body.contains(key) || !body[key].is_string() ||
      !validName(body[key].get<std::string>(), 64)) {
    why =
        "\"by\" (or \"approver\") must name who decides: 1-64 letters, digits, '.', '_', '-' or "
        "'@'";
    return std::nullopt;
  }
  d.by = body[key].get<std::string>();
  if (body.contains("reason")) {
    if (!body["reason"].is_string() || body["reason"].get<std::string>().size() > 1000) {
      why = "\"reason\" must be a string of at most 1000 bytes";
      return std::nullopt;
    }
    d.reason = body["reason"].get<std::string>();
  }
  return d;
}

}  // namespace

io::HttpResponse handleApi(const io::HttpRequest& r, ApiContext& c) {
  std::string token_name;
  switch (c.token.check(r.headers.count("authorization") ? r.headers.at("authorization") : "",
                        &token_name)) {
    case BearerToken::Check::kOk:
      break;
    case BearerToken::Check::kDisabled:
      return apiError(404, "disabled", "the /v1 API is disabled: set http.token_file");
    case BearerToken::Check::kUnavailable: {
      io::HttpResponse res =
          apiError(401, "unauthorized", "the agent cannot read its token file; nobody is admitted");
      res.headers.push_back({"WWW-Authenticate", "Bearer realm=\"novacron\""});
      return res;
    }
    case BearerToken::Check::kMissing:
    case BearerToken::Check::kWrong: {
      io::HttpResponse res =
          apiError(401, "unauthorized", "a valid Authorization: Bearer <token> is required");
      res.headers.push_back({"WWW-Authenticate", "Bearer realm=\"novacron\""});
      return res;
    }
  }
  // The caller is its token: that is the identity the agent vouches for; "by" in a body is the
  // caller's own words, recorded beside it.
  const std::string identity = "token " + token_name;
  auto parts = split(std::string_view(r.path).substr(std::string_view("/v1/").size()), '/');
  bool get = r.method == "GET", post = r.method == "POST";
  const incidents::IncidentContext& ic = c.incidents;

  if (parts.size() == 1 && parts[0] == "status") {
    if (!get) return methodNotAllowed("GET");
    return jsonResponse(200, c.status());
  }
  if (parts.size() == 1 && parts[0] == "validate") {
    if (!get) return methodNotAllowed("GET");
    if (!c.validate) return apiError(404, "not_found", "validation is not available here");
    auto id = queryValue(r.query, "incident");
    if (id && !validName(*id, 200)) return apiError(404, "not_found", "no incident " + *id);
    return fromReply(c.validate(id));
  }
  if (parts.size() == 1 && (parts[0] == "pause" || parts[0] == "resume")) {
    if (!post) return methodNotAllowed("POST");
    std::string why;
    auto d = readDecision(r, why);
    if (!d) return apiError(400, "bad_request", why);
    logWarning("http api: " + parts[0] + " by " + d->by + " (" + identity + ")");
    return fromReply(incidents::setPaused(ic, parts[0] == "pause", d->by, d->reason));
  }
  if (parts.size() == 1 && parts[0] == "incidents") {
    if (!get) return methodNotAllowed("GET");
    auto after = parseInt(queryValue(r.query, "after").value_or("0"));
    auto limit = parseInt(queryValue(r.query, "limit").value_or("100"));
    if (!after || *after < 0 || !limit || *limit < 1 || *limit > 1000) {
      return apiError(400, "bad_request",
                      "after is an event sequence number (>= 0), limit 1-1000 (default 100)");
    }
    return fromReply(incidents::incidentsAfter(ic, *after, static_cast<size_t>(*limit)));
  }
  if (parts.size() >= 2 && parts[0] == "incidents") {
    const std::string& id = parts[1];
    if (!validName(id, 200)) return apiError(404, "not_found", "no incident " + id);
    if (parts.size() == 2) {
      if (!get) return methodNotAllowed("GET");
      auto format = queryValue(r.query, "format");
      if (format && *format == "postmortem") {
        incidents::CommandReply pm = incidents::postmortem(ic, id);
        if (!pm.ok()) return fromReply(pm);
        return {200, "text/markdown; charset=utf-8", pm.data["markdown"].get<std::string>(), {}};
      }
      if (format && *format != "json")
        return apiError(400, "bad_request", "format is json (default) or postmortem");
      return fromReply(incidents::showIncident(ic, id));
    }
    bool ack = parts.size() == 3 && parts[2] == "ack";
    bool decision =
        parts.size() == 5 && parts[2] == "actions" && (parts[4] == "approve" || parts[4] == "deny");
    if (ack || decision) {
      if (!post) return methodNotAllowed("POST");
      if (decision && !validName(parts[3], 200))
        return apiError(404, "not_found", "no action " + parts[3]);
      std::string why;
      auto d = readDecision(r, why);
      if (!d) return apiError(400, "bad_request", why);
      std::string cmd = ack ? "ack" : parts[4];
      logWarning("http api: " + cmd + " " + id + (decision ? " " + parts[3] : "") + " by " + d->by +
                 " (" + identity + ")");
      return fromReply(
          incidents::decide(ic, cmd, id, decision ? parts[3] : "", {identity, d->by}, d->reason));
    }
  }
  if (parts.size() == 3 && parts[0] == "playbooks" && parts[2] == "trigger") {
    if (!post) return methodNotAllowed("POST");
    json body = r.body.empty() ? json::object() : json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || body.contains("playbook")) {
      return apiError(400, "bad_request",
                      "the body must be a JSON object such as {\"by\": \"alice\", \"labels\": "
                      "{\"address\": \"203.0.113.9\"}, \"reason\": \"...\"}");
    }
    std::string by = identity;
    if (body.contains("by")) {
      if (!body["by"].is_string() || !validName(body["by"].get<std::string>(), 64))
        return apiError(400, "bad_request",
                        "\"by\" must be 1-64 letters, digits, '.', '_', '-' "
                        "or '@'");
      by = body["by"].get<std::string>();
      body.erase("by");
    }
    std::string why;
    auto t = incidents::readTrigger(body, why);
    if (!t) return apiError(400, "bad_request", why);
    t->playbook = parts[1];
    logWarning("http api: trigger " + quoteForMessage(parts[1], 64) + " by " + identity);
    return fromReply(incidents::trigger(ic, *t, {identity, by}));
  }
  return apiError(
      404, "not_found",
      "no such endpoint: " + quoteForMessage(r.method, 16) + " " + quoteForMessage(r.path, 200));
}

}  // namespace novacron::agent
