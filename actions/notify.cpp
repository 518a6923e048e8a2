#include <boost/asio/io_context.hpp>

#include "actions/action_runners.h"
#include "base/json_text.h"
#include "base/secret.h"
#include "base/text.h"
#include "io/http_client.h"
#include "policy/notify_templates.h"
#include "policy/substitute.h"

namespace novacron::actions {

using json = nlohmann::json;

Result<Notice> renderNotice(const std::string& templ,
                            const std::map<std::string, std::string>& values) {
  auto text = policy::substitute(templ, values);
  if (!text) return text.error();
  Notice n;
  if (text->starts_with("Subject: ")) {
    size_t eol = text->find('\n');
    n.subject = text->substr(9, eol == std::string::npos ? std::string::npos : eol - 9);
    n.text = eol == std::string::npos ? "" : text->substr(eol + 1);
    while (n.text.starts_with("\n")) n.text.erase(0, 1);
  } else {
    n.subject = "[NovaCron] " + values.at("incident.playbook") + " on " + values.at("node.id");
    n.text = *text;
  }
  return n;
}

void sendNotice(const ActionEnv& env, const std::string& templ,
                const std::map<std::string, std::string>& values, const std::string& url,
                ActionDone done) {
  auto notice = renderNotice(templ, values);
  if (!notice) return done(failed(notice.error().message));
  json result = {{"subject", notice->subject}};
  if (url.empty()) {
    result["delivered"] = false;
    result["reason"] = "no notify.url is configured: the notice is on the timeline only";
    result["text"] = notice->text;
    return done({RunState::kSkipped, std::move(result)});
  }
  io::HttpClientRequest req;
  req.method = "POST";
  req.url = url;
  req.timeout = env.settings.notify.timeout;
  req.headers.emplace_back("Content-Type", "application/json");
  if (env.settings.notify.token_file) {
    auto token = readSecret(*env.settings.notify.token_file);
    if (!token) return done(failed(token.error().message));
    req.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  auto get = [&](const std::string& k) {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  };
  req.body = jsonText(json{{"subject", notice->subject},
                           {"text", notice->text},
                           {"incident",
                            {{"id", get("incident.id")},
                             {"playbook", get("incident.playbook")},
                             {"severity", get("incident.severity")},
                             {"state", get("incident.state")}}},
                           {"node", get("node.id")}});
  std::string shown = io::parseUrl(url) ? io::parseUrl(url)->str() : url;
  io::httpRequest(env.io, std::move(req),
                  [done = std::move(done), result, shown](io::HttpClientResponse r) mutable {
                    result["url"] = shown;
                    result["duration_ms"] = r.duration.count();
                    if (r.status >= 200 && r.status < 300) {
                      result["delivered"] = true;
                      result["status"] = r.status;
                      return done({RunState::kDone, std::move(result)});
                    }
                    result["delivered"] = false;
                    result["status"] = r.status;
                    result["error"] =
                        r.status ? "the webhook answered " + std::to_string(r.status) : r.error;
                    result["response"] = truncateUtf8(r.body, 512);
                    done({RunState::kFailed, std::move(result)});
                  });
}

void runNotify(const ActionEnv& env, ActionRequest request, ActionDone done) {
  const json& with = request.spec.with;
  std::string templ;
  if (with.contains("text")) {
    templ = with.value("text", std::string());
  } else {
    auto t = policy::notifyTemplate(with.value("template", std::string("initial_alert")));
    if (!t) return done(failed("unknown notification template"));
    templ = std::string(*t);
  }
  std::string url = with.value("webhook", env.settings.notify.url);
  sendNotice(env, templ, request.values, url, std::move(done));
}

}  // namespace novacron::actions
