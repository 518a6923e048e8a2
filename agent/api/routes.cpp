#include "agent/api/routes.h"

#include "agent/api/http_api.h"
#include "base/json_text.h"
#include "io/gzip.h"
#include "novacron/version.h"

namespace novacron::agent {

io::HttpResponse HttpRoutes::handle(const io::HttpRequest& r) const {
  io::HttpResponse res;
  std::string handler = "other";
  if (r.path == "/metrics" || r.path == "/healthz") {
    handler = r.path.substr(1);
    if (r.method != "GET") {
      res = {405, "text/plain; charset=utf-8", "method not allowed; use GET\n", {{"Allow", "GET"}}};
    } else if (r.path == "/metrics") {
      auto ae = r.headers.find("accept-encoding");
      bool gzipped = ae != r.headers.end() && io::acceptsGzip(ae->second);
      res = {200,
             "text/plain; version=0.0.4; charset=utf-8",
             view_.metrics_text(gzipped),
             {{"Vary", "Accept-Encoding"}}};
      if (gzipped) res.headers.emplace_back("Content-Encoding", "gzip");
    } else {
      nlohmann::json h = view_.health();
      res = {h["status"] == "stalled" ? 503 : 200, "application/json", jsonText(h) + "\n", {}};
    }
  } else if (r.path.starts_with("/v1/")) {
    handler = "v1";
    ApiContext api{token_, view_.incidents(), view_.status, view_.validate};
    res = handleApi(r, api);
  } else if (r.path == "/") {
    res.body = "novacron-agent " + std::string(kVersion) +
               "\n/metrics  Prometheus metrics\n/healthz  health as JSON\n/v1/      the "
               "coordinator's API (bearer token)\n";
  } else {
    res = {404, "text/plain; charset=utf-8", "not found: " + r.path + "\n", {}};
  }
  events_.httpRequest(handler, res.status);
  return res;
}

}  // namespace novacron::agent
