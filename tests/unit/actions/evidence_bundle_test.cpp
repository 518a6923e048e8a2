#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/action_run.h"
#include "tests/support/fixture.h"

namespace novacron::actions {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The exit status of a shell command.
int sh(const std::string& command) { return WEXITSTATUS(std::system(command.c_str())); }

TEST(EvidenceBundleTest, ArchivesLogsAndDiagnosticsWithAManifestSha256sumAccepts) {
  testing::ScratchRoot dir;
  dir.load("empty");
  fs::path logs = dir.path() / "logs";
  fs::create_directories(logs / "app");
  std::ofstream(logs / "syslog") << "Nov 26 disk full\n";
  std::ofstream(logs / "app" / "error.log") << std::string(300000, 'x');
  std::string long_name(120, 'n');
  std::ofstream(logs / "app" / long_name) << "a long name needs a pax header\n";
  std::ofstream(dir.path() / "shadow") << "root:secret\n";
  fs::create_symlink(dir.path() / "shadow", logs / "innocent.log");

  testing::ActionRunner runner;
  runner.settings.evidence_dir = dir.path() / "evidence";
  auto o = runner.run("evidence_bundle", {{"paths", {logs.string(), "/nonexistent/log"}}});
  ASSERT_EQ(o.state, "done") << o.result.dump();

  fs::path bundle = o.result["bundle"].get<std::string>();
  EXPECT_EQ(bundle.parent_path(), dir.path() / "evidence");
  struct stat st {};
  ASSERT_EQ(::stat(bundle.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() / "evidence").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "only root may read evidence";
  EXPECT_EQ(o.result["files"].size(), 3u);
  EXPECT_EQ(o.result["bytes"], 17 + 300000 + 31);

  // The real tar and sha256sum agree with the archive and its manifest.
  fs::path out = dir.path() / "out";
  fs::create_directories(out);
  ASSERT_EQ(sh("tar -xzf " + bundle.string() + " -C " + out.string()), 0);
  fs::path top = out / bundle.stem().stem();
  EXPECT_TRUE(fs::exists(top / "diagnostics.json"));
  EXPECT_TRUE(fs::exists(top / "files" / logs.relative_path() / "app" / long_name));
  EXPECT_EQ(sh("cd " + top.string() + " && sha256sum --quiet -c MANIFEST.sha256"), 0);
  EXPECT_EQ(sh("echo '" + o.result["sha256"].get<std::string>() + "  " + bundle.string() +
               "' | sha256sum --quiet -c"),
            0);
  json diagnostics = json::parse(std::ifstream(top / "diagnostics.json"));
  EXPECT_EQ(diagnostics["incident_id"], "node-1-20260101T000000Z-1");

  // A symbolic link is not followed: the secret it points at stays out.
  EXPECT_FALSE(fs::exists(top / "files" / logs.relative_path() / "innocent.log"));
  std::string skipped = o.result["skipped"].dump();
  EXPECT_NE(skipped.find("innocent.log"), std::string::npos) << skipped;
  EXPECT_NE(skipped.find("/nonexistent/log"), std::string::npos) << skipped;
  EXPECT_EQ(sh("zcat " + bundle.string() + " | grep -q root:secret"), 1);
}

TEST(EvidenceBundleTest, RefusesAnEvidenceDirItCannotKeepPrivate) {
  testing::ScratchRoot dir;
  dir.load("empty");
  testing::ActionRunner runner;
  fs::path file = dir.path() / "not-a-dir";
  std::ofstream(file) << "x";
  runner.settings.evidence_dir = file;
  auto o = runner.run("evidence_bundle", {{"paths", json::array()}});
  EXPECT_EQ(o.state, "failed");
  EXPECT_NE(o.result["error"].get<std::string>().find("not-a-dir"), std::string::npos);

  // An existing directory open to others is closed before anything goes in.
  fs::path open = dir.path() / "open";
  fs::create_directories(open);
  ::chmod(open.c_str(), 0777);
  runner.settings.evidence_dir = open;
  o = runner.run("evidence_bundle", {{"paths", json::array()}});
  ASSERT_EQ(o.state, "done") << o.result.dump();
  struct stat st {};
  ::stat(open.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace novacron::actions
