#include "io/state_dir.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "tests/support/fixture.h"
#include "tests/support/hostile_user.h"
#include "tests/support/name_swapper.h"

namespace novacron::io {
namespace {

namespace fs = std::filesystem;

using testing::contentOf;
using testing::hostileUser;

using testing::lstatOf;

using UsersState = testing::UsersDirectory;

TEST(StateDirTest, ItIsTheUsersAfterABootThatGaveItBackToRoot) {
  auto user = hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  UsersState s(*user);
  // What the old package's tmpfiles line did at every boot: the directory root's, the files in it
  // still the user's, the lock among them, where root without CAP_DAC_OVERRIDE cannot write.
  std::ofstream(s.dir / "agent.lock") << "123\n";
  ::chown((s.dir / "agent.lock").c_str(), user->uid, user->gid);
  ::chmod((s.dir / "agent.lock").c_str(), 0640);
  std::ofstream(s.dir / "agent.db") << "an older root agent's store";
  ::chown(s.dir.c_str(), 0, 0);
  auto dir = StateDir::open(s.dir, *user);
  ASSERT_TRUE(dir) << dir.error().message;
  struct stat st = lstatOf(s.dir);
  EXPECT_EQ(st.st_uid, user->uid);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(lstatOf(s.dir / "agent.db").st_uid, user->uid);
  EXPECT_EQ(lstatOf(s.dir / "agent.lock").st_uid, user->uid);
  // A second agent on the same directory is refused while the first holds it: a child tries
  // (record locks are a process's). Before anything here opens the lock file: closing any
  // descriptor of it would drop this process's lock.
  pid_t child = ::fork();
  if (child == 0) _exit(StateDir::open(s.dir, *user) ? 0 : 7);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(contentOf(s.dir / "agent.lock"), std::to_string(::getpid()) + "\n");
}

TEST(StateDirTest, APlantedLockSymlinkOrHardLinkNeverReachesRootsFile) {
  auto user = hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  UsersState s(*user);
  fs::create_symlink(s.victim, s.dir / "agent.lock");
  auto dir = StateDir::open(s.dir, *user);
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("symbolic link"), std::string::npos) << dir.error().message;
  s.victimUntouched();
  // A hard link is the user's to make only to a file they own (protected_hardlinks), but the
  // check does not lean on that sysctl.
  fs::remove(s.dir / "agent.lock");
  fs::path theirs = s.root.path() / "theirs";
  std::ofstream(theirs) << "x";
  ::chown(theirs.c_str(), user->uid, user->gid);
  fs::create_hard_link(theirs, s.dir / "agent.lock");
  auto again = StateDir::open(s.dir, *user);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("links"), std::string::npos) << again.error().message;
}

TEST(StateDirTest, ARenameRaceOnTheLockNeverReachesRootsFile) {
  auto user = hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  UsersState s(*user);
  // The user swaps the lock with a symbolic link to root's file while root opens it, again and
  // again (a restart is one exit 1 away for a compromised main process).
  std::ofstream(s.dir / "agent.lock") << "";
  ::chown((s.dir / "agent.lock").c_str(), user->uid, user->gid);
  fs::create_symlink(s.victim, s.dir / "bait");
  ::lchown((s.dir / "bait").c_str(), user->uid, user->gid);
  testing::NameSwapper racer(s.dir.string(), "agent.lock", "bait", user->uid, user->gid);
  ASSERT_TRUE(racer.racing());
  int opened = 0, refused = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (int i = 0; i < 2000 && std::chrono::steady_clock::now() < end; ++i) {
    auto dir = StateDir::open(s.dir, *user);
    (dir ? opened : refused)++;
  }
  racer.stop();
  EXPECT_GT(opened + refused, 0);
  s.victimUntouched();
  std::cout << "  " << opened << " opens, " << refused << " refused (a symbolic link)\n";
}

}  // namespace
}  // namespace novacron::io
