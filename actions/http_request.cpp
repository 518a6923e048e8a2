#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cctype>

#include "actions/action_runners.h"
#include "base/secret.h"
#include "base/text.h"
#include "io/http_client.h"
#include "policy/substitute.h"

namespace novacron::actions {

using json = nlohmann::json;

namespace {

// Header values that commonly carry credentials are not shown even when written inline.
bool sensitiveHeader(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name == "authorization" || name == "proxy-authorization" || name == "cookie" ||
         name.find("token") != std::string::npos || name.find("key") != std::string::npos ||
         name.find("secret") != std::string::npos;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// How the body's placeholders are filled: escaped for JSON when the body is JSON (by its
// Content-Type or by its shape), percent-encoded for a form, as they are otherwise.
policy::Escape bodyEscape(const json& headers, const std::string& body) {
  std::string type;
  for (const auto& [name, value] : headers.items()) {
    if (lower(name) == "content-type" && value.is_string()) type = lower(value.get<std::string>());
  }
  if (type.find("json") != std::string::npos || policy::looksLikeJson(body))
    return policy::Escape::kJsonString;
  if (type.starts_with("application/x-www-form-urlencoded")) return policy::Escape::kFormValue;
  return policy::Escape::kNone;
}

}  // namespace

// The runbook's circuit-breaker reset and read-only switches: one request, its status checked.
// Header values read from files are secrets: they go on the wire and nowhere else.
void runHttpRequest(const ActionEnv& env, ActionRequest request, ActionDone done) {
  const json& with = request.spec.with;
  const json headers = with.value("headers", json::object());
  io::HttpClientRequest req;
  req.url = with.value("url", std::string());
  if (with.contains("body")) {
    std::string templ = with.value("body", std::string());
    auto body = policy::substitute(templ, request.values, bodyEscape(headers, templ));
    if (!body) return done(failed(body.error().message));
    req.body = std::move(*body);
  }
  req.method = with.value("method", std::string(req.body.empty() ? "GET" : "POST"));
  req.timeout = request.spec.timeout;
  json shown_headers = json::object();
  for (const auto& [name, value] : headers.items()) {
    auto v = policy::substitute(value.get<std::string>(), request.values);
    if (!v) return done(failed(v.error().message));
    // A line break in a value would end the header and start another: a database named
    // "y\r\nX-Injected: yes" must not add a header.
    if (auto why = io::headerProblem(name, *v)) {
      return done(failed("header " + quoteForMessage(name, 64) + ": " + *why +
                         "; the request was not sent"));
    }
    shown_headers[name] = sensitiveHeader(name) ? "<redacted>" : *v;
    req.headers.emplace_back(name, std::move(*v));
  }
  const json header_files = with.value("header_files", json::object());
  for (const auto& [name, file] : header_files.items()) {
    auto v = readSecret(file.get<std::string>());
    if (!v) return done(failed(v.error().message));
    shown_headers[name] = "<from " + file.get<std::string>() + ">";
    req.headers.emplace_back(name, std::move(*v));
  }
  int expect = with.value("expect_status", 0);
  auto url = io::parseUrl(req.url);
  json result = {{"method", req.method},
                 {"url", url ? url->str() : req.url},
                 {"headers", std::move(shown_headers)},
                 {"expect_status", expect ? json(expect) : json("2xx")}};
  io::httpRequest(env.io, std::move(req),
                  [done = std::move(done), result = std::move(result),
                   expect](io::HttpClientResponse r) mutable {
                    result["status"] = r.status;
                    result["duration_ms"] = r.duration.count();
                    result["response"] = truncateUtf8(r.body, 2048);
                    bool ok = expect ? r.status == expect : (r.status >= 200 && r.status < 300);
                    if (ok) return done({RunState::kDone, std::move(result)});
                    result["error"] =
                        r.status ? "unexpected status " + std::to_string(r.status) : r.error;
                    bool timeout = r.status == 0 && r.error.find("no answer") != std::string::npos;
                    done({timeout ? RunState::kTimedOut : RunState::kFailed, std::move(result)});
                  });
}

Result<void> checkHttpRequestValues(const nlohmann::json& with,
                                    const std::map<std::string, std::string>& values) {
  const nlohmann::json headers = with.value("headers", nlohmann::json::object());
  for (const auto& [name, value] : headers.items()) {
    if (!value.is_string()) continue;
    auto v = policy::substitute(value.get<std::string>(), values);
    if (!v) return v.error();
    if (auto why = io::headerProblem(name, *v))
      return makeError(ErrorCode::kInvalidArgument, "header " + name + ": " + *why);
  }
  return {};
}

}  // namespace novacron::actions
