#include "agent/config/config.h"

#include <grp.h>
#include <pwd.h>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "base/yaml/file_trust.h"
#include "tests/support/fixture.h"

namespace novacron::agent {
namespace {

using namespace std::chrono_literals;

ConfigEnv testEnv() {
  ConfigEnv env;
  env.hostname = "db-01.example";
  env.cwd = "/work";
  return env;
}

std::vector<std::string> messages(const ConfigResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.errors) out.push_back(d.str());
  return out;
}

TEST(ConfigTest, EmbeddedDefaults) {
  Config c = defaultConfig(testEnv());
  EXPECT_EQ(c.node_id, "db-01.example");
  EXPECT_EQ(c.state_dir, "/work/var/novacron");
  EXPECT_EQ(c.control_socket_path, "/work/var/novacron/agent.sock");
  EXPECT_EQ(c.http_listen.str(), "127.0.0.1:9810");
  EXPECT_EQ(c.sources.host_interval, 1s);
  EXPECT_EQ(c.sources.processes_interval, 5s);
  EXPECT_EQ(c.sources.processes.top, 5u);
  EXPECT_EQ(c.metrics_retention, 15min);
  EXPECT_TRUE(c.sources.host.disk_exclude_fstypes.count("proc"));
  EXPECT_EQ(c.log_level, LogLevel::kInfo);
}

TEST(ConfigTest, StateDirFromEnvironmentAndOddHostNames) {
  ConfigEnv env = testEnv();
  env.state_dir = "/var/lib/novacron";
  env.hostname = "weird host!";
  Config c = defaultConfig(env);
  EXPECT_EQ(c.state_dir, "/var/lib/novacron");
  EXPECT_EQ(c.control_socket_path, "/var/lib/novacron/agent.sock");
  EXPECT_EQ(c.node_id, "weird-host-");
}

TEST(ConfigTest, EmptyAndCommentOnlyFilesAreDefaults) {
  for (const char* text : {"", "# nothing here\n"}) {
    auto r = parseConfig(text, "agent.yaml", testEnv());
    ASSERT_TRUE(r.config.has_value()) << text;
    EXPECT_EQ(r.config->source, "agent.yaml");
    EXPECT_EQ(r.config->sources.host_interval, 1s);
  }
}

TEST(ConfigTest, EveryKey) {
  const char* text = R"(node:
  id: web-7
  labels: {region: eu-west-1, role: web}
state_dir: state
http:
  listen: "[::1]:9900"
control_socket:
  path: /run/novacron/agent.sock
collectors:
  root: /host
  host: {interval: 500ms}
  processes: {interval: 10s, top: 10}
  disk:
    exclude_fstypes: [tmpfs, nfs4]
    statfs_timeout: 3s
metrics:
  retention: 30m
  max_series: 20000
log:
  level: debug
mode: dry-run
playbooks_dir: /etc/novacron/playbooks.d
store: {retention: 7d, max_size_mib: 64}
policy:
  lookback: 1m
  flapping: {window: 1h, threshold: 6}
actions:
  evidence_dir: evidence
  systemctl: /bin/true
  approval_timeout: 2h
  max_concurrent: 4
notify: {url: "https://hooks.example.com/x?k=1", timeout: 3s}
)";
  auto r = parseConfig(text, "agent.yaml", testEnv());
  ASSERT_TRUE(r.config.has_value()) << ::testing::PrintToString(messages(r));
  const Config& c = *r.config;
  EXPECT_EQ(c.node_id, "web-7");
  EXPECT_EQ(c.node_labels.at("region"), "eu-west-1");
  EXPECT_EQ(c.state_dir, "/work/state");
  EXPECT_EQ(c.http_listen.host, "::1");
  EXPECT_EQ(c.http_listen.port, 9900);
  EXPECT_EQ(c.control_socket_path, "/run/novacron/agent.sock");
  EXPECT_EQ(c.sources.host.root, "/host");
  EXPECT_EQ(c.sources.host_interval, 500ms);
  EXPECT_EQ(c.sources.processes_interval, 10s);
  EXPECT_EQ(c.sources.processes.top, 10u);
  EXPECT_EQ(c.sources.host.disk_exclude_fstypes, (std::set<std::string>{"tmpfs", "nfs4"}));
  EXPECT_EQ(c.sources.host.disk_statfs_timeout, 3s);
  EXPECT_EQ(c.metrics_retention, 30min);
  EXPECT_EQ(c.metrics_max_series, 20000u);
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
  EXPECT_TRUE(c.dry_run);
  EXPECT_EQ(c.playbooks_dir, std::filesystem::path("/etc/novacron/playbooks.d"));
  EXPECT_EQ(c.policy_lookback, 1min);
  EXPECT_EQ(c.flap_window, 1h);
  EXPECT_EQ(c.flap_threshold, 6);
  EXPECT_EQ(c.evidenceDir(), "/work/evidence");
  EXPECT_EQ(c.systemctl, "/bin/true");
  EXPECT_EQ(c.approval_timeout, 2h);
  EXPECT_EQ(c.max_concurrent_actions, 4);
  EXPECT_EQ(c.notify_url, "https://hooks.example.com/x?k=1");
  EXPECT_EQ(c.notify_timeout, 3s);
  EXPECT_FALSE(c.notify_token_file.has_value());
  EXPECT_EQ(c.store_retention, 7 * 24h);
  EXPECT_EQ(c.store_max_bytes, 64ull << 20);
}

TEST(ConfigTest, RecordAsPathOrMap) {
  auto a = parseConfig("collectors: {record: rec.jsonl}\n", "x.yaml", testEnv());
  ASSERT_TRUE(a.config.has_value());
  EXPECT_EQ(a.config->record_path, std::filesystem::path("/work/rec.jsonl"));
  auto b = parseConfig("collectors: {record: {path: /r.jsonl, max_size_mib: 8}}\nmode: test\n",
                       "x.yaml", testEnv());
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0].str(), "x.yaml:2:7: mode 'test' must be enforce or dry-run");
  auto c =
      parseConfig("collectors: {record: {path: /r.jsonl, max_size_mib: 8}}\n", "x.yaml", testEnv());
  ASSERT_TRUE(c.config.has_value());
  EXPECT_EQ(c.config->record_max_bytes, 8u << 20);
}

TEST(ConfigTest, EveryProblemAtOnceWithLineAndColumn) {
  const char* text = R"(node:
  id: "bad id"
  colour: blue
http:
  listen: localhost:80
collectors:
  host: {interval: 5}
  processes: {top: many}
  disk: {exclude_fstypes: tmpfs}
log: {level: loud}
log: {level: info}
metrics: {retention: 10s}
bogus: 1
)";
  auto r = parseConfig(text, "/etc/novacron/agent.yaml", testEnv());
  EXPECT_FALSE(r.config.has_value());
  std::vector<std::string> want = {
      "/etc/novacron/agent.yaml:2:7: node.id 'bad id' must be 1-63 letters, digits, '.', '_' or "
      "'-'",
      "/etc/novacron/agent.yaml:3:3: unknown key 'colour' in node (expected one of: id, labels)",
      "/etc/novacron/agent.yaml:5:11: http.listen 'localhost:80': the host must be an IP address "
      "such as 127.0.0.1 or [::1] (no name lookups)",
      "/etc/novacron/agent.yaml:7:20: collectors.host.interval: bad duration '5': missing unit "
      "(write a number and a unit: 500ms, 10s, 5m, 1h, 1d)",
      "/etc/novacron/agent.yaml:8:20: collectors.processes.top must be a whole number, not 'many'",
      "/etc/novacron/agent.yaml:9:27: collectors.disk.exclude_fstypes must be a list, not 'tmpfs'",
      "/etc/novacron/agent.yaml:11:1: duplicate key 'log' in the configuration",
      "/etc/novacron/agent.yaml:13:1: unknown key 'bogus' in the configuration (expected one of: "
      "node, state_dir, http, control_socket, collectors, metrics, log, mode, playbooks_dir, "
      "policy, store, actions, notify, coordinator, alertmanager, user, validation)",
      "/etc/novacron/agent.yaml:10:14: log.level 'loud' must be debug, info, notice, warning or "
      "error",
      "/etc/novacron/agent.yaml:12:22: metrics.retention must be between 1m and 1d, not 10s",
  };
  auto got = messages(r);
  for (const auto& w : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << "missing: " << w << "\ngot:\n"
                                                               << ::testing::PrintToString(got);
  }
  EXPECT_EQ(got.size(), want.size()) << ::testing::PrintToString(got);
}

TEST(ConfigTest, SyntaxErrorIsPositioned) {
  auto r = parseConfig("a: 1\nb: [1, 2\nc: 3\n", "x.yaml", testEnv());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].file, "x.yaml");
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("YAML syntax"), std::string::npos);
}

TEST(ConfigTest, WrongTypesAndEmptyValues) {
  auto r = parseConfig("node: web\nhttp:\n  listen:\ncollectors: []\n", "x.yaml", testEnv());
  auto got = messages(r);
  ASSERT_EQ(got.size(), 3u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "x.yaml:1:7: node must be a map, not 'web'");
  EXPECT_EQ(got[1], "x.yaml:3:3: http.listen has no value");
  EXPECT_EQ(got[2], "x.yaml:4:13: collectors must be a map, not a list");
}

TEST(ConfigTest, SocketPathTooLongForUnixSockets) {
  std::string path(200, 'x');
  auto r = parseConfig("control_socket: {path: /" + path + "}\n", "x.yaml", testEnv());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("longer than 107 bytes"), std::string::npos);
}

TEST(EndpointTest, Parses) {
  std::string why;
  EXPECT_EQ(parseEndpoint("0.0.0.0:0", why)->port, 0);
  EXPECT_EQ(parseEndpoint("[::]:9810", why)->host, "::");
  EXPECT_FALSE(parseEndpoint("256.1.1.1:80", why));
  EXPECT_FALSE(parseEndpoint("127.0.0.1:65536", why));
  EXPECT_FALSE(parseEndpoint("::1:80", why));
  EXPECT_FALSE(parseEndpoint("127.0.0.1", why));
}

class TrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "ownership checks need root to chown";
    root_.load("empty");
    file_ = root_.path() / "agent.yaml";
    std::ofstream(file_) << "log: {level: info}\n";
    ::chmod(root_.path().c_str(), 0755);
    ::chmod(file_.c_str(), 0644);
  }
  testing::ScratchRoot root_;
  std::filesystem::path file_;
};

TEST_F(TrustTest, RootOwnedAndNotWritableByOthersIsTrusted) {
  EXPECT_FALSE(untrustedReason(file_).has_value());
  ConfigEnv env = testEnv();
  env.enforce_ownership = true;
  EXPECT_TRUE(loadConfig(file_, env).config.has_value());
}

TEST_F(TrustTest, GroupWritableFileIsRefused) {
  ::chmod(file_.c_str(), 0664);
  ConfigEnv env = testEnv();
  env.enforce_ownership = true;
  auto r = loadConfig(file_, env);
  ASSERT_FALSE(r.config.has_value());
  EXPECT_NE(r.errors[0].message.find("writable by group or others"), std::string::npos);
  env.enforce_ownership = false;
  EXPECT_TRUE(loadConfig(file_, env).config.has_value());
}

TEST_F(TrustTest, FileOwnedBySomeoneElseIsRefused) {
  ASSERT_EQ(::chown(file_.c_str(), 65534, 65534), 0);
  auto why = untrustedReason(file_);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("owned by uid 65534"), std::string::npos);
}

TEST_F(TrustTest, WorldWritableDirectoryIsRefused) {
  ::chmod(root_.path().c_str(), 0777);
  auto why = untrustedReason(file_);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("directory"), std::string::npos);
}

TEST_F(TrustTest, EveryDirectoryUpToTheRootIsChecked) {
  // The parent is fine; its parent is not: whoever may write there can swap the whole tree.
  auto open = root_.path() / "open";
  auto dir = open / "novacron";
  std::filesystem::create_directories(dir);
  ::chmod(open.c_str(), 0777);
  ::chmod(dir.c_str(), 0755);
  auto file = dir / "agent.yaml";
  std::ofstream(file) << "log: {level: info}\n";
  ::chmod(file.c_str(), 0644);
  auto why = untrustedReason(file);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find(open.string() + " is writable by group or others"), std::string::npos)
      << *why;
  ConfigEnv env = testEnv();
  env.enforce_ownership = true;
  auto r = loadConfig(file, env);
  ASSERT_FALSE(r.config.has_value());
  EXPECT_NE(r.errors[0].message.find("refusing to load"), std::string::npos);
  ::chmod(open.c_str(), 01777);  // sticky, like /tmp: fine
  EXPECT_TRUE(loadConfig(file, env).config.has_value());
}

TEST(ConfigTest, MissingFileIsOneClearError) {
  auto r = loadConfig("/nonexistent/agent.yaml", testEnv());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].str(),
            "/nonexistent/agent.yaml:1:1: /nonexistent/agent.yaml: No such file or directory");
}

TEST(ConfigTest, ActionAndNotifySettingsAreChecked) {
  auto r = parseConfig(R"(actions:
  systemctl: systemctl
  max_concurrent: 0
notify:
  url: "ftp://x"
  token_file: /nonexistent/token
)",
                       "a.yaml", testEnv());
  auto got = messages(r);
  std::vector<std::string> want = {
      "a.yaml:2:14: actions.systemctl 'systemctl' must be an absolute path",
      "a.yaml:3:19: actions.max_concurrent must be between 1 and 64, not 0",
      "a.yaml:5:8: notify.url: 'ftp://x' is not an http:// or https:// URL",
      "a.yaml:6:15: notify.token_file /nonexistent/token is missing or unreadable"};
  EXPECT_EQ(got, want);
  r = parseConfig("notify: {url: \"http://user:pw@hooks/x\"}\n", "b.yaml", testEnv());
  EXPECT_EQ(messages(r), std::vector<std::string>{"b.yaml:1:15: notify.url: credentials do not "
                                                  "belong in a URL: use a header from a file"});
}

// Started as root, the agent reads its secrets after it has become `user`: --check-config says
// which file that user cannot read and how to fix it, and refuses a file others may read.
TEST(ConfigTest, SecretFilesMustSuitTheUserTheAgentBecomes) {
  if (::geteuid() != 0 || !::getpwnam("nobody") || !::getgrnam("nogroup")) GTEST_SKIP();
  testing::ScratchRoot dir;
  auto token = dir.path() / "api.token";
  std::ofstream(token) << "s3cret\n";
  ::chmod(token.c_str(), 0600);
  ConfigEnv env = testEnv();
  env.enforce_ownership = true;
  std::string text = "user: nobody\nhttp:\n  token_file: " + token.string() + "\n";
  auto r = parseConfig(text, "c.yaml", env);
  EXPECT_EQ(messages(r),
            std::vector<std::string>{"c.yaml:3:15: http.token_file " + token.string() +
                                     " cannot be read by the agent's user nobody: "
                                     "chgrp nogroup " +
                                     token.string() + " && chmod 0640 " + token.string()});
  ASSERT_EQ(::chown(token.c_str(), 0, ::getgrnam("nogroup")->gr_gid), 0);
  ::chmod(token.c_str(), 0640);
  EXPECT_TRUE(parseConfig(text, "c.yaml", env).config.has_value());
  ::chmod(token.c_str(), 0644);
  EXPECT_EQ(messages(parseConfig(text, "c.yaml", env)),
            std::vector<std::string>{"c.yaml:3:15: http.token_file " + token.string() +
                                     " is mode 0644: others may use it; chmod 0640 (group: the "
                                     "agent user's) or 0600"});
  EXPECT_EQ(messages(parseConfig("user: root\n", "c.yaml", env)),
            std::vector<std::string>{"c.yaml:1:7: user 'root' must name the unprivileged user the "
                                     "agent runs as, not root"});
}

TEST(ConfigTest, ApiCoordinatorAndAlertmanager) {
  testing::ScratchRoot dir;
  auto token = dir.path() / "api.token";
  std::ofstream(token) << "s3cret\n";
  // The packaged layout: root's, read by the agent's user through its group.
  if (struct group* g = ::getgrnam("novacron")) {
    EXPECT_EQ(::chown(token.c_str(), 0, g->gr_gid), 0);
  }
  ::chmod(token.c_str(), 0640);
  std::string text =
      "http:\n  token_file: " + token.string() + "\n  tls: {cert: " + token.string() +
      ", key: " + token.string() +
      "}\ncoordinator:\n  url: https://coord.example/v1/events\n  token_file: " + token.string() +
      "\n  timeout: 3s\n  batch_size: 200\n  outbox_max_events: 5000\n  "
      "backoff_max: 30s\nalertmanager: {url: \"http://127.0.0.1:9093\", "
      "resend_interval: 30s, timeout: 2s}\n";
  ConfigEnv env = testEnv();
  env.enforce_ownership = true;
  auto r = parseConfig(text, "c.yaml", env);
  ASSERT_TRUE(r.config.has_value()) << ::testing::PrintToString(messages(r));
  const Config& c = *r.config;
  EXPECT_EQ(c.http_token_file, token);
  EXPECT_EQ(c.http_tls_cert, token);
  EXPECT_EQ(c.http_tls_key, token);
  EXPECT_EQ(c.coordinator_urls, std::vector<std::string>{"https://coord.example/v1/events"});
  EXPECT_EQ(c.coordinator_token_file, token);
  EXPECT_EQ(c.coordinator_timeout, 3s);
  EXPECT_EQ(c.coordinator_batch_size, 200u);
  EXPECT_EQ(c.outbox_max_events, 5000u);
  EXPECT_EQ(c.coordinator_backoff_max, 30s);
  EXPECT_EQ(c.alertmanager_url, "http://127.0.0.1:9093");
  EXPECT_EQ(c.alertmanager_resend_interval, 30s);
  EXPECT_EQ(c.alertmanager_timeout, 2s);

  // A token others can read is refused when the agent runs as root; so are the usual mistakes.
  ::chmod(token.c_str(), 0644);
  r = parseConfig("http: {token_file: " + token.string() +
                      ", tls: {cert: /x}}\ncoordinator: {url: \"ftp://c\", batch_size: 0, "
                      "outbox_max_events: 10}\nalertmanager: {url: \"http://a:b@am/\"}\n",
                  "d.yaml", env);
  std::vector<std::string> want = {
      "d.yaml:1:20: http.token_file " + token.string() +
          " is mode 0644: others may use it; chmod 0640 (group: the agent user's) or 0600",
      "d.yaml:1:" + std::to_string(27 + token.string().size()) +
          ": http.tls needs both cert and key",
      "d.yaml:2:20: coordinator.url: 'ftp://c' is not an http:// or https:// URL",
      "d.yaml:2:43: coordinator.batch_size must be between 1 and 5000, not 0",
      "d.yaml:2:65: coordinator.outbox_max_events must be between 100 and 100000000, not 10",
      "d.yaml:3:21: alertmanager.url: credentials do not belong in a URL: use a header from a "
      "file"};
  EXPECT_EQ(messages(r), want);
}

TEST(ConfigTest, PostgresInstancesAndTheirMistakes) {
  auto r = parseConfig(R"(collectors:
  postgres:
    - name: main
      dsn_file: /etc/hostname
      interval: 10s
      long_query_threshold: 1m
      queries:
        - {name: users_15m, sql: "SELECT 1"}
    - name: main
      dsn_file: /nonexistent/dsn
      timeout: 20s
      interval: 5s
      queries: [{name: x}]
)",
                       "p.yaml", testEnv());
  auto got = messages(r);
  std::vector<std::string> want = {
      "p.yaml:9:13: collectors.postgres[1].name 'main' is empty or used twice",
      "p.yaml:10:17: collectors.postgres[1].dsn_file /nonexistent/dsn is missing or unreadable",
      "p.yaml:9:7: collectors.postgres[1]: the timeout must not exceed the interval",
      "p.yaml:13:17: collectors.postgres[1].queries[0] needs a name and sql"};
  EXPECT_EQ(got, want);
  r = parseConfig(R"(collectors:
  postgres:
    - {name: main, dsn_file: /etc/hostname, queries: [{name: n, sql: "SELECT 2", interval: 30s}]}
)",
                  "p.yaml", testEnv());
  ASSERT_TRUE(r.config.has_value()) << ::testing::PrintToString(messages(r));
  const PostgresConfig& pg = r.config->sources.postgres.at(0);
  EXPECT_EQ(pg.interval, 5s);
  EXPECT_EQ(pg.timeout, 2s);
  EXPECT_EQ(pg.long_query_threshold, 5min);
  EXPECT_EQ(pg.queries.at(0).interval, 30s);
}

}  // namespace
}  // namespace novacron::agent

namespace novacron::agent {
namespace {

// The lists of `collectors` are read from their tables (agent/config/config_fields.h): every
// key checked, every mistake told with its position, the good entries kept.
TEST(ConfigTest, ProbesScrapeTargetsAndRedisInstancesAndTheirMistakes) {
  auto r = parseConfig(R"(collectors:
  probes:
    - {name: api, type: http, url: "http://127.0.0.1:8080/health", interval: 5s}
    - {name: api, type: tcp, address: "127.0.0.1:5432"}
    - {name: db, type: tcp, address: nowhere, url: "http://x/"}
    - {name: web, type: systemd, unit: "nginx.service", expect_status: 200}
    - {name: q, type: smtp}
    - {name: t, type: http}
    - {name: slow, type: http, url: "http://127.0.0.1/", timeout: 20s, interval: 10s}
  scrape:
    - {name: app, url: "http://127.0.0.1:9100/metrics", metrics: ["http_.*"], max_size_mib: 2}
    - {name: bad, url: "ftp://x", metrics: ["(unclosed"], max_series: 0}
    - {url: "http://127.0.0.1:1/"}
  redis:
    - {name: cache, address: "127.0.0.1:6379"}
    - {name: both, address: "127.0.0.1:6379", unix: /run/redis.sock}
    - {name: acl, unix: /run/redis/redis.sock, user: app}
)",
                       "c.yaml", testEnv());
  std::vector<std::string> want = {
      "c.yaml:4:14: collectors.probes[1]: a second probe named 'api'",
      "c.yaml:5:38: collectors.probes[2].address 'nowhere' must be HOST:PORT",
      "c.yaml:5:52: collectors.probes[2]: a tcp probe has no 'url'",
      "c.yaml:6:72: collectors.probes[3]: only http probes take expect_status",
      "c.yaml:7:23: collectors.probes[4].type 'smtp' must be http, tcp or systemd",
      "c.yaml:8:7: collectors.probes[5] needs 'url'",
      "c.yaml:9:7: collectors.probes[6]: the timeout must not exceed the interval",
      "c.yaml:12:24: collectors.scrape[1].url: 'ftp://x' is not an http:// or https:// URL",
      "c.yaml:12:45: collectors.scrape[1].metrics: '(unclosed' is not a regular expression: "
      "Unmatched ( or \\(",
      "c.yaml:12:71: collectors.scrape[1].max_series must be between 1 and 50000, not 0",
      "c.yaml:13:7: collectors.scrape[2] needs a name and a url",
      "c.yaml:16:7: collectors.redis[1] needs a name and one of address (IP:PORT) or unix (a "
      "socket path)",
      "c.yaml:17:7: collectors.redis[2]: a user needs a password_file",
  };
  auto got = messages(r);
  for (const auto& w : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << "missing: " << w << "\ngot:\n"
                                                               << ::testing::PrintToString(got);
  }
  EXPECT_EQ(got.size(), want.size()) << ::testing::PrintToString(got);

  r = parseConfig(R"(collectors:
  probes:
    - {name: api, type: http, url: "http://127.0.0.1:8080/health", interval: 1s}
  scrape:
    - {name: app, url: "http://127.0.0.1:9100/metrics", metrics: ["http_.*"], max_size_mib: 2}
  redis:
    - {name: cache, address: "127.0.0.1:6379", interval: 1s}
)",
                  "c.yaml", testEnv());
  ASSERT_TRUE(r.config.has_value()) << ::testing::PrintToString(messages(r));
  const auto& s = r.config->sources;
  ASSERT_EQ(s.probes.size(), 1u);
  EXPECT_EQ(s.probes[0].target, "http://127.0.0.1:8080/health");
  EXPECT_EQ(s.probes[0].timeout, 1s) << "a timeout left out is capped at the interval";
  ASSERT_EQ(s.scrape.size(), 1u);
  EXPECT_EQ(s.scrape[0].max_bytes, 2u << 20);
  EXPECT_EQ(s.scrape[0].metrics, std::vector<std::string>{"http_.*"});
  ASSERT_EQ(s.redis.size(), 1u);
  EXPECT_EQ(s.redis[0].address.port, 6379);
  EXPECT_EQ(s.redis[0].timeout, 1s);
  EXPECT_EQ(s.redis[0].credentials.server_user, "redis");
}

}  // namespace
}  // namespace novacron::agent
