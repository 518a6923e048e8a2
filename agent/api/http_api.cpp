#include "agent/api/http_api.h"

#include <charconv>

#include "base/json_text.h"
#include "base/log.h"
#include "base/text.h"
#include "io/control_commands.h"

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

std::vector<std::string_view> splitView(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::optional<std::string> queryValue(const std::string& query, std::string_view key) {
  for (std::string_view pair : splitView(query, '&')) {
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
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

// A route of the command table, taken apart: "POST /v1/incidents/{id}/ack".
struct Route {
  std::string_view method;
  std::vector<std::string_view> segments;                            // after /v1/
  std::vector<std::pair<std::string_view, std::string_view>> query;  // name, "{field}" or value
};

Route parseRoute(std::string_view text) {
  Route r;
  size_t space = text.find(' ');
  r.method = text.substr(0, space);
  std::string_view target = text.substr(space + 1);
  size_t q = target.find('?');
  r.segments = splitView(target.substr(0, q).substr(std::string_view("/v1/").size()), '/');
  if (q != std::string_view::npos) {
    for (std::string_view pair : splitView(target.substr(q + 1), '&')) {
      size_t eq = pair.find('=');
      r.query.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
  }
  return r;
}

bool isField(std::string_view s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }
std::string fieldOf(std::string_view s) { return std::string(s.substr(1, s.size() - 2)); }
// What a path's value names, in "no incident X".
std::string nounOf(const std::string& field) { return field == "id" ? "incident" : field; }

bool pathMatches(const Route& route, const std::vector<std::string_view>& parts) {
  if (route.segments.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!isField(route.segments[i]) && route.segments[i] != parts[i]) return false;
  }
  return true;
}

// A query value as its argument's kind wants it. A count that does not parse is passed on as
// text, for the command to refuse with the message that says what it takes.
json queryArg(const io::ControlCommand& c, const std::string& field, const std::string& text) {
  for (const io::CommandArg& a : c.args) {
    if (a.field == field && a.kind == io::CommandArg::Kind::kCount) {
      if (auto n = parseInt(text)) return *n;
    }
  }
  return text;
}

// The command whose route answers this method, path and query; `allow` the methods the path
// has when none does; `formats` the answers it has besides JSON.
struct Match {
  const io::ControlCommand* command = nullptr;
  const Route* route = nullptr;
  int fixed = -1;  // fixed query values it matched: the most specific route wins
  std::string allow, formats = "json";
};
// The table's routes, taken apart once: views into its constant strings.
const std::vector<std::pair<const io::ControlCommand*, Route>>& routes() {
  static const auto* kRoutes = [] {
    auto* out = new std::vector<std::pair<const io::ControlCommand*, Route>>;
    for (const io::ControlCommand& c : io::kControlCommands) {
      if (!c.route.empty()) out->emplace_back(&c, parseRoute(c.route));
    }
    return out;
  }();
  return *kRoutes;
}

Match findRoute(const io::HttpRequest& r, const std::vector<std::string_view>& parts) {
  Match m;
  for (const auto& [command, route] : routes()) {
    if (!pathMatches(route, parts)) continue;
    int fixed = 0;
    bool matches = true;
    for (const auto& [name, value] : route.query) {
      if (isField(value)) continue;
      if (name == "format") m.formats += " or " + std::string(value);
      ++fixed;
      matches = matches && queryValue(r.query, name) == std::string(value);
    }
    if (route.method != r.method) {
      if (m.allow.find(route.method) == std::string::npos)
        m.allow += (m.allow.empty() ? "" : ", ") + std::string(route.method);
      continue;
    }
    if (matches && fixed > m.fixed) {
      m.command = command;
      m.route = &route;
      m.fixed = fixed;
    }
  }
  return m;
}

const char* const kByRule =
    "\"by\" (or \"approver\") must name who decides: 1-64 letters, digits, '.', '_', '-' or '@'";

// A POST's body into `args`; "by" (or "approver") into `who`. Empty when it is well formed, else
// why not.
std::string readBody(const io::HttpRequest& r, const io::ControlCommand& c, json& args,
                     incidents::Requester& who) {
  json body = r.body.empty() ? json::object() : json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return "the body must be a JSON object such as {\"by\": \"alice\", \"reason\": \"...\"}";
  const char* key = body.contains("approver") ? "approver" : "by";
  if (body.contains(key)) {
    if (!body[key].is_string() || !validName(body[key].get<std::string>(), 64)) return kByRule;
    who.name = body[key].get<std::string>();
  } else if (c.decider == io::Decider::kRequired) {
    return kByRule;
  }
  body.erase("by");
  body.erase("approver");
  for (auto& [name, value] : body.items()) {
    if (args.contains(name)) return "\"" + quoteForMessage(name, 64) + "\" is given by the path";
    args[name] = std::move(value);
  }
  return "";
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
  incidents::Requester who{"token " + token_name, "token " + token_name};
  auto parts = splitView(std::string_view(r.path).substr(std::string_view("/v1/").size()), '/');
  Match m = findRoute(r, parts);
  if (!m.command) {
    if (!m.allow.empty()) return methodNotAllowed(m.allow.c_str());
    return apiError(
        404, "not_found",
        "no such endpoint: " + quoteForMessage(r.method, 16) + " " + quoteForMessage(r.path, 200));
  }
  const io::ControlCommand& command = *m.command;
  auto format = queryValue(r.query, "format");
  if (m.fixed == 0 && format && *format != "json")
    return apiError(400, "bad_request", "format is " + m.formats);
  // The arguments: the path's values, the query's, then a POST's body.
  json args = json::object();
  std::string described;  // the path's values, for the log
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!isField(m.route->segments[i])) continue;
    std::string field = fieldOf(m.route->segments[i]);
    const std::string value(parts[i]);
    if (!validName(value, 200))
      return apiError(404, "not_found", "no " + nounOf(field) + " " + quoteForMessage(value, 64));
    args[field] = value;
    described += " " + value;
  }
  for (const auto& [name, value] : m.route->query) {
    if (!isField(value)) continue;
    auto given = queryValue(r.query, name);
    if (!given) continue;
    std::string field = fieldOf(value);
    if (field == "id" && !validName(*given, 200))
      return apiError(404, "not_found", "no incident " + quoteForMessage(*given, 64));
    args[field] = queryArg(command, field, *given);
  }
  if (r.method == "POST") {
    if (std::string why = readBody(r, command, args, who); !why.empty())
      return apiError(400, "bad_request", why);
    logWarning("http api: " + std::string(command.name) + described + " by " + who.name + " (" +
               who.identity + ")");
  }
  incidents::CommandReply reply;
  if (command.name == "status") {
    reply.data = c.status();
  } else if (command.name == "validate") {
    if (!c.validate) return apiError(404, "not_found", "validation is not available here");
    std::optional<std::string> id;
    if (args.contains("id")) id = args["id"].get<std::string>();
    reply = c.validate(id);
  } else if (auto answered = incidents::runIncidentCommand(c.incidents, command.name, args, who)) {
    reply = std::move(*answered);
  } else {
    return apiError(500, "internal", std::string(command.name) + " has a route and no handler");
  }
  // A second answer at the same path (?format=postmortem) is the command's Markdown.
  if (m.fixed > 0 && reply.ok() && reply.data.contains("markdown"))
    return {200, "text/markdown; charset=utf-8", reply.data["markdown"].get<std::string>(), {}};
  return fromReply(reply);
}

}  // namespace novacron::agent
