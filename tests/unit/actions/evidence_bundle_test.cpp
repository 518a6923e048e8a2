#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "base/json_text.h"
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
  ASSERT_EQ(o.state, actions::RunState::kDone) << o.result.dump();

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
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_NE(o.result["error"].get<std::string>().find("not-a-dir"), std::string::npos);

  // An existing directory open to others is closed before anything goes in.
  fs::path open = dir.path() / "open";
  fs::create_directories(open);
  ::chmod(open.c_str(), 0777);
  runner.settings.evidence_dir = open;
  o = runner.run("evidence_bundle", {{"paths", json::array()}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
  struct stat st {};
  ::stat(open.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(EvidenceBundleTest, NamesThatAreNotTextOrForgeManifestLinesStayData) {
  testing::ScratchRoot dir;
  dir.load("empty");
  fs::path logs = dir.path() / "logs";
  fs::create_directories(logs);
  std::ofstream(logs / "r\xff") << "left by an unprivileged user\n";
  // A name that would add a line claiming diagnostics.json has another hash.
  std::string forged = "x\n" + std::string(64, '0') + "  diagnostics.json";
  std::ofstream(logs / forged) << "forged\n";
  testing::ActionRunner runner;
  runner.settings.evidence_dir = dir.path() / "evidence";
  auto o = runner.run("evidence_bundle", {{"paths", {logs.string()}}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result);
  EXPECT_NO_THROW((void)o.result.dump()) << "the result reaches the timeline";
  EXPECT_EQ(o.result["files"].size(), 2u);

  fs::path bundle = o.result["bundle"].get<std::string>();
  fs::path out = dir.path() / "out";
  fs::create_directories(out);
  ASSERT_EQ(sh("tar -xzf " + bundle.string() + " -C " + out.string()), 0);
  fs::path top = out / bundle.stem().stem();
  EXPECT_TRUE(fs::exists(top / "files" / logs.relative_path() / "r\xff")) << "the real name";
  std::ifstream manifest(top / "MANIFEST.sha256");
  std::string line;
  int lines = 0, escaped = 0;
  while (std::getline(manifest, line)) {
    ++lines;
    escaped += line.starts_with("\\");
    EXPECT_FALSE(line.starts_with(std::string(64, '0'))) << "a forged line: " << line;
  }
  EXPECT_EQ(lines, 3) << "diagnostics.json and the two files";
  EXPECT_EQ(escaped, 1);
  EXPECT_EQ(sh("cd " + top.string() + " && sha256sum --strict --quiet -c MANIFEST.sha256"), 0);
}

TEST(EvidenceBundleTest, ASwapOfADirectoryAndASymlinkNeverLetsAFileFromElsewhereIn) {
  testing::ScratchRoot dir;
  dir.load("empty");
  fs::path logs = dir.path() / "logs";
  fs::create_directories(logs / "app");
  std::ofstream(logs / "app" / "app.log") << "ordinary log line\n";
  fs::create_directories(dir.path() / "secret");
  std::ofstream(dir.path() / "secret" / "app.log") << "root-only-secret\n";
  ::chmod((dir.path() / "secret" / "app.log").c_str(), 0600);
  fs::create_symlink(dir.path() / "secret", logs / "swap");
  // A user's loop exchanging the directory and the symlink, as fast as it can.
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    std::string a = (logs / "app").string(), b = (logs / "swap").string();
    for (int i = 0; i < 2000000 && !stop; ++i) {
      ::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
    }
  });
  testing::ActionRunner runner;
  runner.settings.evidence_dir = dir.path() / "evidence";
  int bundles = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (int i = 0; i < 200 && std::chrono::steady_clock::now() < until; ++i, ++bundles) {
    auto o = runner.run("evidence_bundle", {{"paths", {logs.string()}}});
    ASSERT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result);
    std::string bundle = o.result["bundle"];
    ASSERT_EQ(sh("zcat " + bundle + " | grep -q root-only-secret"), 1)
        << "the secret got in on bundle " << i;
    fs::remove(bundle);
  }
  stop = true;
  swapper.join();
  EXPECT_GT(bundles, 10);
}

TEST(EvidenceBundleTest, JunkInOnePathCannotCrowdOutTheOthers) {
  testing::ScratchRoot dir;
  dir.load("empty");
  fs::path junk = dir.path() / "tmp";  // a directory any user could fill
  fs::create_directories(junk);
  for (int i = 0; i <= 10000; ++i) std::ofstream(junk / ("junk" + std::to_string(i)));
  fs::path logs = dir.path() / "logs";
  fs::create_directories(logs);
  std::ofstream(logs / "old.log") << "yesterday\n";
  ::utimensat(AT_FDCWD, (logs / "old.log").c_str(), nullptr, 0);
  std::ofstream(logs / "syslog") << "the incident is here\n";
  testing::ActionRunner runner;
  runner.settings.evidence_dir = dir.path() / "evidence";
  auto o = runner.run("evidence_bundle", {{"paths", {junk.string(), logs.string()}}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result).substr(0, 500);
  std::string files = jsonText(o.result["files"]);
  EXPECT_NE(files.find(logs.string() + "/syslog"), std::string::npos) << "the real log is in";
  EXPECT_NE(files.find(logs.string() + "/old.log"), std::string::npos);
  EXPECT_LE(o.result["files"].size(), 10000u);
  // What was left out is said in the manifest, where sha256sum -c passes over it.
  fs::path bundle = o.result["bundle"].get<std::string>();
  EXPECT_EQ(sh("zcat " + bundle.string() + " | grep -a -c '^# left out: " + junk.string() +
               "/junk' | grep -q '^50'"),
            0);
}

}  // namespace
}  // namespace novacron::actions
