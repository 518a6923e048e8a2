#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "agent/config/config.h"
#include "base/clock.h"
#include "collectors/plugin.h"
#include "collectors/plugins/systemd_units/systemctl_show.h"
#include "tests/support/fixture.h"
#include "tests/support/io_thread.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;

constexpr char kShow[] =
    "Id=nginx.service\n"
    "NRestarts=3\n"
    "LoadState=loaded\n"
    "ActiveState=active\n"
    "SubState=running\n"
    "\n"
    "Id=backup.service\n"
    "NRestarts=0\n"
    "LoadState=loaded\n"
    "ActiveState=failed\n"
    "SubState=failed\n"
    "\n"
    "Id=gone.service\n"
    "LoadState=not-found\n"
    "ActiveState=inactive\n"
    "SubState=dead\n";

TEST(SystemctlShowTest, ReadsEachUnitsBlock) {
  auto units = parseSystemctlShow(kShow, 100);
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].id, "nginx.service");
  EXPECT_EQ(units[0].active_state, "active");
  EXPECT_EQ(units[0].sub_state, "running");
  EXPECT_EQ(units[0].restarts, 3u);
  EXPECT_EQ(units[1].active_state, "failed");
  EXPECT_EQ(units[2].load_state, "not-found");
  EXPECT_FALSE(units[2].restarts.has_value());
}

// What systemctl prints is a unit's name and states as the host has them: bytes that are not
// text, a huge value, lines without '=', blocks without an Id, more units than allowed.
TEST(SystemctlShowTest, HostileOutputStaysBoundedText) {
  std::string text = "Id=x\xff\xfe.service\nActiveState=" + std::string(100'000, 'a') +
                     "\nno equals sign\nNRestarts=-1\n\nActiveState=active\n\n";
  for (int i = 0; i < 50; ++i) text += "Id=u" + std::to_string(i) + ".service\n\n";
  size_t dropped = 0;
  auto units = parseSystemctlShow(text, 10, &dropped);
  ASSERT_EQ(units.size(), 10u);
  EXPECT_EQ(dropped, 41u) << "the block without an Id is no unit; 51 units, 10 kept";
  EXPECT_EQ(units[0].id, "x\xef\xbf\xbd\xef\xbf\xbd.service");
  EXPECT_EQ(units[0].active_state.size(), 256u);
  EXPECT_FALSE(units[0].restarts.has_value()) << "a negative count is not one";
}

TEST(SourcePluginTest, EveryDescriptorsDefaultsParseAndItsMetricsAreNamed) {
  ASSERT_FALSE(sourcePlugins().empty());
  for (const SourcePlugin* p : sourcePlugins()) {
    PluginSettings s = defaultSettings(*p);
    EXPECT_EQ(s.values.size(), p->options.size()) << p->name << ": a default does not parse";
    EXPECT_FALSE(p->metrics().empty()) << p->name;
    for (const auto* m : p->metrics()) EXPECT_TRUE(m->name.starts_with("novacron_")) << m->name;
    EXPECT_EQ(findSourcePlugin(p->name), p);
  }
  const OptionSpec interval{"interval", OptionSpec::Type::kDuration, "30s", 1000, 3600000, ""};
  EXPECT_EQ(std::get<std::string>(parseOption(interval, "10ms")), "interval must be from 1s to 1h");
  EXPECT_EQ(std::get<std::string>(parseOption(interval, "soon")).rfind("interval: ", 0), 0u);
  const OptionSpec count{"max_units", OptionSpec::Type::kInteger, "5", 1, 10, ""};
  EXPECT_EQ(std::get<std::string>(parseOption(count, "5x")), "max_units must be an integer");
  EXPECT_EQ(std::get<std::string>(parseOption(count, "11")), "max_units must be from 1 to 10");
}

// The collector runs systemctl as a child on the loop: here a stand-in script that records its
// arguments and prints what systemctl would (the real one runs in the system test's container).
class FakeSystemctl {
 public:
  explicit FakeSystemctl(const std::string& out, int exit_code = 0) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "novacron_test_XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    std::ofstream(dir_ / "out") << out;
    std::ofstream(dir_ / "systemctl")
        << "#!/bin/sh\nprintf '%s\\n' \"$@\" > " << (dir_ / "argv").string() << "\ncat "
        << (dir_ / "out").string() << "\nexit " << exit_code << "\n";
    ::chmod((dir_ / "systemctl").c_str(), 0755);
  }
  ~FakeSystemctl() { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "systemctl").string(); }
  std::string argv() const {
    std::ifstream in(dir_ / "argv");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::filesystem::path dir_;
};

struct Collected {
  std::mutex mu;
  std::vector<metrics::Sample> last;
  int batches = 0;
};

double valueOf(const std::vector<metrics::Sample>& batch, std::string_view metric,
               std::string_view unit) {
  for (const auto& s : batch) {
    if (s.metric->name != metric) continue;
    for (const auto& l : s.labels) {
      if (l.name == "unit" && l.value == unit) return s.value;
    }
    if (unit.empty()) return s.value;
  }
  return -1;
}

// Waits (bounded, generously) for the first batch.
std::vector<metrics::Sample> firstBatch(Collected& got) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(got.mu);
      if (got.batches > 0) return got.last;
    }
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

std::unique_ptr<Source> start(testing::IoThread& loop, const Clock& clock, Collected& got,
                              const std::string& systemctl, PluginSettings settings) {
  const SourcePlugin* p = findSourcePlugin("systemd_units");
  PluginContext context{loop.io(), clock,
                        [&got](TimePoint, std::vector<metrics::Sample> s) {
                          std::lock_guard<std::mutex> lock(got.mu);
                          got.last = std::move(s);
                          ++got.batches;
                        },
                        systemctl};
  return loop.run([&] { return p->make(context, settings); });
}

TEST(SystemdUnitsTest, EveryUnitsStateFromSystemctlShow) {
  testing::IoThread loop;
  MonotonicWallClock clock;
  FakeSystemctl systemctl(kShow);
  Collected got;
  PluginSettings settings = defaultSettings(*findSourcePlugin("systemd_units"));
  settings.values["pattern"] =
      std::string("-H evil.example");  // an operator's pattern, not an option
  auto source = start(loop, clock, got, systemctl.path(), settings);
  auto batch = firstBatch(got);
  loop.run([&] { source->stop(); });
  ASSERT_FALSE(batch.empty());
  EXPECT_EQ(valueOf(batch, "novacron_systemd_up", ""), 1);
  EXPECT_EQ(valueOf(batch, "novacron_systemd_unit_active", "nginx.service"), 1);
  EXPECT_EQ(valueOf(batch, "novacron_systemd_unit_restarts_total", "nginx.service"), 3);
  EXPECT_EQ(valueOf(batch, "novacron_systemd_unit_failed", "backup.service"), 1);
  EXPECT_EQ(valueOf(batch, "novacron_systemd_unit_active", "gone.service"), -1)
      << "a unit that is not there has no series";
  EXPECT_EQ(valueOf(batch, "novacron_systemd_units_failed", ""), 1);
  EXPECT_EQ(systemctl.argv(),
            "show\n--property=Id,LoadState,ActiveState,SubState,NRestarts\n--\n-H evil.example\n");
  std::vector<SourceStatus> rows;
  loop.run([&] { source->status(rows); });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "ok");
}

TEST(SystemdUnitsTest, ASystemctlThatFailsIsDownWithItsReason) {
  testing::IoThread loop;
  MonotonicWallClock clock;
  FakeSystemctl systemctl("", 1);
  Collected got;
  auto source = start(loop, clock, got, systemctl.path(),
                      defaultSettings(*findSourcePlugin("systemd_units")));
  auto batch = firstBatch(got);
  std::vector<SourceStatus> rows;
  loop.run([&] {
    source->status(rows);
    source->stop();
  });
  EXPECT_EQ(valueOf(batch, "novacron_systemd_up", ""), 0);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "down");
  EXPECT_EQ(rows[0].detail, "systemctl show exited 1");
}

}  // namespace
}  // namespace novacron::collectors

namespace novacron::agent {
namespace {

// The configuration reader knows the plugin's options from its descriptor alone.
std::string configErrors(const std::string& yaml) {
  ConfigEnv env;
  auto r = parseConfig(yaml, "agent.yaml", env);
  std::string out;
  for (const auto& e : r.errors) out += e.str() + "\n";
  return out;
}

TEST(SourcePluginConfigTest, ItsOptionsAreReadByTheirDescriptor) {
  ConfigEnv env;
  auto on = parseConfig("collectors:\n  systemd_units: {interval: 10s}\n", "agent.yaml", env);
  ASSERT_TRUE(on.config.has_value());
  const auto& s = on.config->sources.plugins.at("systemd_units");
  EXPECT_EQ(s.duration("interval"), std::chrono::seconds(10));
  EXPECT_EQ(s.string("pattern"), "*.service") << "the rest at their defaults";
  auto off = parseConfig("collectors:\n  systemd_units: {enabled: false}\n", "agent.yaml", env);
  ASSERT_TRUE(off.config.has_value());
  EXPECT_FALSE(off.config->sources.plugins.count("systemd_units"));
  EXPECT_FALSE(defaultConfig(env).sources.plugins.count("systemd_units")) << "off by default";

  EXPECT_NE(configErrors("collectors:\n  systemd_units: {colour: red}\n").find("colour"),
            std::string::npos);
  EXPECT_NE(configErrors("collectors:\n  systemd_units: {interval: 10ms}\n")
                .find("collectors.systemd_units.interval must be from 1s to 1h"),
            std::string::npos);
  EXPECT_NE(configErrors("collectors:\n  systemd_units: {max_units: [1]}\n")
                .find("collectors.systemd_units.max_units must be a single value"),
            std::string::npos);
}

}  // namespace
}  // namespace novacron::agent
