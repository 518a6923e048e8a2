#include "broker/privileges.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "tests/support/fixture.h"

namespace novacron::broker {
namespace {

// What a child that dropped to `user` found, or why it could not drop.
struct Dropped {
  std::string error;
  Credentials creds;
};

Dropped dropInChild(const Identity& who) {
  int p[2];
  if (::pipe(p) != 0) return {"pipe failed", {}};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    std::string out;
    if (auto r = dropTo(who); !r) {
      out = "E" + r.error().message;
    } else if (auto c = readCredentials(); !c) {
      out = "E" + c.error().message;
    } else {
      out.assign(reinterpret_cast<const char*>(&*c), sizeof(Credentials));
      out.insert(0, "C");
    }
    (void)!::write(p[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(p[1]);
  std::string got;
  char buf[512];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof(buf))) > 0;)
    got.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (got.empty()) return {"the child said nothing", {}};
  if (got[0] == 'E') return {got.substr(1), {}};
  Dropped d;
  std::memcpy(&d.creds, got.data() + 1, std::min(sizeof(Credentials), got.size() - 1));
  return d;
}

TEST(PrivilegesTest, ADroppedProcessHasNoRootAndNoCapabilityLeft) {
  if (::geteuid() != 0) GTEST_SKIP() << "dropping root needs root";
  auto who = lookupUser("nobody");
  ASSERT_TRUE(who.has_value()) << who.error().message;
  Dropped d = dropInChild(*who);
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(d.creds.uid, who->uid);
  EXPECT_EQ(d.creds.euid, who->uid);
  EXPECT_EQ(d.creds.suid, who->uid);
  EXPECT_EQ(d.creds.egid, who->gid);
  EXPECT_EQ(d.creds.cap_eff, 0u);
  EXPECT_EQ(d.creds.cap_prm, 0u);
  EXPECT_EQ(d.creds.cap_amb, 0u);
  EXPECT_TRUE(d.creds.no_new_privs);
  // This process, root, still has its capabilities: the kernel's account is read right.
  auto mine = readCredentials();
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(mine->euid, 0u);
  EXPECT_NE(mine->cap_eff, 0u);
}

TEST(PrivilegesTest, RootAndUnknownUsersAreRefusedByName) {
  auto root = lookupUser("root");
  ASSERT_FALSE(root.has_value());
  EXPECT_EQ(root.error().message, "user 'root' is root; the agent must drop to a user of its own");
  auto none = lookupUser("no-such-user-novacron");
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().message, "user 'no-such-user-novacron' does not exist");
  EXPECT_FALSE(dropTo(Identity{"root", 0, 0, {}}).has_value());
}

TEST(PrivilegesTest, StatusLinesAreReadAsTheKernelWritesThem) {
  auto c = parseStatus(
      "Name:\tnovacron-agent\nUmask:\t0027\nState:\tS (sleeping)\nUid:\t998\t998\t998\t998\n"
      "Gid:\t997\t997\t997\t997\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
      "CapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
      "NoNewPrivs:\t1\n");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->uid, 998u);
  EXPECT_EQ(c->sgid, 997u);
  EXPECT_EQ(c->cap_eff, 0u);
  EXPECT_TRUE(c->no_new_privs);
  auto root = parseStatus(
      "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapInh:\t0\nCapPrm:\t1ffffffffff\n"
      "CapEff:\t000001ffffffffff\n");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->cap_eff, 0x1ffffffffffu);
  EXPECT_FALSE(root->no_new_privs);
  // A process name is not a line of its own, even when it looks like one.
  EXPECT_FALSE(parseStatus("Name:\tUid:\t0\t0\t0\nCapEff:\t0\n").has_value());
}

// As root the agent opens its store after the drop: a state dir under /root (0700) is out of
// its user's reach, and start-up says which directory stops it.
TEST(PrivilegesTest, WhatTheUserCannotReachIsNamed) {
  if (::geteuid() != 0) GTEST_SKIP() << "the directories' owners are changed";
  novacron::testing::ScratchRoot dir;
  Identity who{"someone", 4242, 4242, {}};
  auto closed = dir.path() / "closed";
  std::filesystem::create_directories(closed / "inside");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(closed.c_str(), 0700), 0);
  EXPECT_TRUE(canReach(dir.path() / "state", who).has_value());
  auto r = canReach(closed / "inside" / "state", who);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "the agent's user someone cannot reach " +
                                   (closed / "inside" / "state").string() + ": " + closed.string() +
                                   " is 0700 and closed to it");
  // Its group's search permission is enough, as is owning the directory.
  ASSERT_EQ(::chmod(closed.c_str(), 0710), 0);
  EXPECT_FALSE(canReach(closed / "inside" / "state", who).has_value());
  ASSERT_EQ(::chown(closed.c_str(), 0, 4242), 0);
  EXPECT_TRUE(canReach(closed / "inside" / "state", who).has_value());
  ASSERT_EQ(::chmod(closed.c_str(), 0700), 0);
  ASSERT_EQ(::chown(closed.c_str(), 4242, 0), 0);
  EXPECT_TRUE(canReach(closed / "inside" / "state", who).has_value());
}

}  // namespace
}  // namespace novacron::broker
