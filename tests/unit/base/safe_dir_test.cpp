#include "base/safe_dir.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/fixture.h"
#include "tests/support/hostile_user.h"

namespace novacron {
namespace {

namespace fs = std::filesystem;

using testing::contentOf;
using testing::hostileUser;

using testing::lstatOf;

using UsersDir = testing::UsersDirectory;

TEST(SafeDirTest, OpenNeverFollowsASymlinkAtItsName) {
  testing::ScratchRoot root;
  fs::create_directories(root.path() / "real");
  fs::create_symlink(root.path() / "real", root.path() / "link");
  auto d = SafeDir::open(root.path() / "link");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(d.error().message.find("symbolic link"), std::string::npos) << d.error().message;
  EXPECT_TRUE(SafeDir::open(root.path() / "real"));
  // Made when missing, parents too.
  auto made = SafeDir::open(root.path() / "a" / "b", 0750);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(lstatOf(root.path() / "a" / "b").st_mode & 07777, 0750u);
  EXPECT_EQ(SafeDir::open(root.path() / "missing").error().code, ErrorCode::kNotFound);
}

TEST(SafeDirTest, OpenFileRefusesASymlinkAHardLinkAndAnotherOwner) {
  testing::ScratchRoot root;
  fs::path victim = root.path() / "victim";
  std::ofstream(victim) << "secret\n";
  fs::create_directories(root.path() / "d");
  fs::create_symlink(victim, root.path() / "d" / "link");
  fs::create_hard_link(victim, root.path() / "d" / "hard");
  auto d = SafeDir::open(root.path() / "d");
  ASSERT_TRUE(d);
  auto l = d->openFile("link", O_RDWR | O_CREAT | O_TRUNC, 0600, std::nullopt);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("symbolic link"), std::string::npos) << l.error().message;
  auto h = d->openFile("hard", O_RDWR, 0600, std::nullopt);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("2 links"), std::string::npos) << h.error().message;
  EXPECT_EQ(contentOf(victim), "secret\n");
  for (const char* bad : {"", ".", "..", "../victim", "a/b"}) {
    auto r = d->openFile(bad, O_RDONLY, 0, std::nullopt);
    EXPECT_FALSE(r) << bad;
  }
  auto mine = d->openFile("mine", O_RDWR | O_CREAT, 0640, ::geteuid());
  ASSERT_TRUE(mine) << mine.error().message;
  auto theirs = d->openFile("mine", O_RDWR, 0, ::geteuid() + 1);
  ASSERT_FALSE(theirs);
  EXPECT_NE(theirs.error().message.find("belongs to uid"), std::string::npos);
}

TEST(ActingAsTest, RootReachesFilesWithTheUsersRightsOnly) {
  auto user = hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  testing::ScratchRoot root;
  ::chmod(root.path().c_str(), 0755);  // root's, open to read only
  {
    ActingAs as(*user);
    ASSERT_TRUE(as.ok());
    EXPECT_LT(::open((root.path() / "f").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600), 0);
    EXPECT_EQ(errno, EACCES);
  }
  int fd = ::open((root.path() / "f").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0) << "root again once the scope ends";
  if (fd >= 0) ::close(fd);
}

TEST(SafeDirTest, APrivateSubdirIsMadeByTheOwnerTakenAndMadeAgainWhenDeleted) {
  auto user = hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  UsersDir users(*user);
  auto d = SafeDir::open(users.dir);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->rootOnly());
  for (int round = 0; round < 2; ++round) {
    auto sub = d->privateSubdir("evidence");
    ASSERT_TRUE(sub) << sub.error().message;
    struct stat st = lstatOf(users.dir / "evidence");
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    // Deleted by hand (its owner may): made again, never failed on forever.
    fs::remove_all(users.dir / "evidence");
  }
}

TEST(SafeDirTest, APrivateSubdirNeverFollowsNorTakesWhatTheOwnerPlanted) {
  auto user = hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  UsersDir users(*user);
  auto d = SafeDir::open(users.dir);
  ASSERT_TRUE(d);
  // A symbolic link to a directory of root's.
  fs::path roots = users.root.path() / "roots";
  fs::create_directories(roots);
  ::chmod(roots.c_str(), 0755);
  fs::create_symlink(roots, users.dir / "evidence");
  auto r = d->privateSubdir("evidence");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
  EXPECT_EQ(lstatOf(roots).st_mode & 07777, 0755u);
  // A directory of the user's with a link inside, ready for root's writes.
  fs::remove(users.dir / "evidence");
  fs::create_directories(users.dir / "evidence");
  fs::create_symlink(users.victim, users.dir / "evidence" / "bundle.tar.gz");
  ::lchown((users.dir / "evidence").c_str(), user->uid, user->gid);
  r = d->privateSubdir("evidence");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not empty"), std::string::npos) << r.error().message;
  EXPECT_EQ(lstatOf(users.dir / "evidence").st_uid, user->uid) << "refused, not taken";
  // A directory of a third user's.
  fs::remove_all(users.dir / "evidence");
  fs::create_directories(users.dir / "evidence");
  ::chown((users.dir / "evidence").c_str(), user->uid + 1, user->gid);
  r = d->privateSubdir("evidence");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("belongs to uid"), std::string::npos) << r.error().message;
  users.victimUntouched();
}

TEST(SafeDirTest, GiveRootFilesGivesOnlyRootsOwnSingleLinkFiles) {
  auto user = hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  UsersDir users(*user);
  std::ofstream(users.dir / "agent.db") << "store";
  fs::create_symlink(users.victim, users.dir / "link");
  fs::create_hard_link(users.victim, users.dir / "hard");
  ::mkfifo((users.dir / "fifo").c_str(), 0600);
  auto d = SafeDir::open(users.dir);
  ASSERT_TRUE(d);
  auto given = d->giveRootFiles(*user);
  ASSERT_TRUE(given) << given.error().message;
  EXPECT_EQ(*given, 1);
  EXPECT_EQ(lstatOf(users.dir / "agent.db").st_uid, user->uid);
  EXPECT_EQ(lstatOf(users.dir / "fifo").st_uid, 0u);
  fs::remove(users.dir / "hard");
  users.victimUntouched();
}

}  // namespace
}  // namespace novacron
