// SIGHUP: a new configuration and policy applied in place, or the running ones kept; and the
// options each part gets from the configuration.
#include "agent/agent_impl.h"
#include "io/url.h"

namespace novacron::agent {

std::vector<NamedToken> apiTokens(const agent::Config& c) {
  std::vector<NamedToken> out;
  if (c.http_token_file) out.push_back({"api", *c.http_token_file});
  for (const auto& t : c.http_tokens) out.push_back({t.name, t.file});
  return out;
}

void Agent::Impl::reloadConfig() {
  io::notifyReloading();
  if (!config_file) {
    logNotice("SIGHUP: running on embedded defaults; nothing to reload");
    io::notifyReady("sampling");
    return;
  }
  logInfo("SIGHUP: reloading " + config_file->string());
  // The broker reads the files itself: what it may run changes with them, or not at all.
  if (broker)
    broker->reload([](Result<std::string> r) {
      if (r)
        logInfo("the broker reloaded its policy (" + *r + ")");
      else
        logError("the broker kept its policy: " + r.error().message);
    });
  agent::ConfigResult loaded = agent::loadConfig(*config_file, env);
  if (!loaded.config) {
    for (const auto& d : loaded.errors) logError(d.str());
    logError("reload failed; keeping the running configuration");
    reload.successful = false;
    io::notifyReady("sampling; last reload failed");
    return;
  }
  agent::Config next = std::move(*loaded.config);
  policy::PolicyLoad next_policy = loadAgentPolicy(next, env);
  if (!next_policy.policy) {
    for (const auto& d : next_policy.errors) logError(d.str());
    logError(
        "reload failed: the playbooks have errors; keeping the running configuration and "
        "playbooks");
    reload.successful = false;
    io::notifyReady("sampling; last reload failed");
    return;
  }
  if (!(next.http_listen.host == config.http_listen.host &&
        next.http_listen.port == config.http_listen.port)) {
    logWarning("http.listen changed to " + next.http_listen.str() + "; it takes effect at restart");
    next.http_listen = config.http_listen;
  }
  if (next.http_tls_cert != config.http_tls_cert || next.http_tls_key != config.http_tls_key) {
    logWarning("http.tls changes take effect at restart");
    next.http_tls_cert = config.http_tls_cert;
    next.http_tls_key = config.http_tls_key;
  }
  if (next.state_dir != config.state_dir ||
      next.control_socket_path != config.control_socket_path) {
    logWarning("state_dir and control_socket.path changes take effect at restart");
    next.state_dir = config.state_dir;
    next.control_socket_path = config.control_socket_path;
  }
  bool reschedule = sources.configure(next.sources);
  store.setRetention(next.metrics_retention);
  setLogLevel(next.log_level);
  if (next.record_path != config.record_path || next.record_max_bytes != config.record_max_bytes) {
    recorder.reset();
    if (next.record_path) recorder.emplace(*next.record_path, next.record_max_bytes);
  }
  for (const auto& w : next_policy.warnings) logWarning(w.str());
  agent::Config previous = std::move(config);
  config = std::move(next);
  evaluator.setOptions(evaluatorOptions(config));
  evaluator.setPolicy(next_policy.policy);
  store.keepHistoryOf(metricsWithHistory(*next_policy.policy));
  if (manager) {
    manager->setPolicy(next_policy.policy);
    manager->setOptions(managerOptions());
  }
  delivery.reconfigure(playbookDescriptions());
  if (config.http_token_file != previous.http_token_file ||
      config.http_tokens != previous.http_tokens)
    api_token.setTokens(apiTokens(config));
  updatePolicyStats();
  if (reschedule) scheduleSweeps();
  reload = {true, clock.now()};
  ++sweeps;  // what /metrics shows may have changed with the sources
  logInfo("configuration reloaded: " + std::to_string(policy_stats.playbooks_enabled) +
          " playbooks enabled");
  io::notifyReady("sampling");
  memory_release.start();  // what only the reload used (its parsers, the policy compiler)
}

std::map<std::string, std::string> Agent::Impl::playbookDescriptions() const {
  std::map<std::string, std::string> out;
  for (const auto& p : evaluator.policy().playbooks) out[p.name] = p.description;
  return out;
}

incidents::ManagerOptions Agent::Impl::managerOptions() {
  incidents::ManagerOptions o;
  o.store_id = store_id;
  o.containment = &containment;
  o.node_id = config.node_id;
  o.dry_run = config.dry_run;
  o.approval_timeout = config.approval_timeout;
  o.limits.max_concurrent = config.max_concurrent_actions;
  o.limits.max_per_hour = config.max_actions_per_hour;
  o.observe = [this](const std::string& kind, const std::string& playbook, int severity,
                     double seconds) { events.incidentTime(kind, playbook, severity, seconds); };
  o.actions = actionSettings(config);
  if (broker) {
    o.broker = [this](actions::ActionRequest r, actions::ActionDone d) {
      broker->run(std::move(r), std::move(d));
    };
    o.end_run = [this](int64_t run) { broker->killRun(run); };
  }
  return o;
}

actions::ActionSettings actionSettings(const agent::Config& config) {
  actions::ActionSettings s;
  s.node_id = config.node_id;
  s.node_labels = config.node_labels;
  s.evidence_dir = config.evidenceDir();
  s.systemctl = config.systemctl;
  s.notify = {config.notify_url, config.notify_token_file, config.notify_timeout};
  s.postgres = config.sources.postgres;
  s.redis = config.sources.redis;
  std::vector<std::string> urls = config.coordinator_urls;
  urls.insert(urls.end(), {config.alertmanager_url, config.notify_url});
  for (const auto& url : urls) {
    if (auto u = io::parseUrl(url)) s.keep_hosts.push_back(u->host);
  }
  return s;
}

}  // namespace novacron::agent
