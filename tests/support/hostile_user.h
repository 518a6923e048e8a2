#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "base/safe_dir.h"
#include "tests/support/fixture.h"

namespace novacron::testing {

/// The hostile local user of the tests that plant names for root: nobody. nullopt unless the
/// test runs as root (it must be able to act as another user) and nobody exists.
inline std::optional<Owner> hostileUser() {
  struct passwd* pw = ::getpwnam("nobody");
  if (!pw || ::geteuid() != 0) return std::nullopt;
  return Owner{pw->pw_uid, pw->pw_gid};
}

/// A file's whole content ("" if it cannot be read).
inline std::string contentOf(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// lstat of a path: the name itself, never what a symbolic link points at.
inline struct stat lstatOf(const std::filesystem::path& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st;
}

/// What a planted name would send root to: a scratch directory (`dir`) that `user` owns, in one
/// only root may change, beside a file of root's (`victim`, 0600) that nothing may touch.
struct UsersDirectory {
  Owner user;
  ScratchRoot root;
  std::filesystem::path dir, victim;
  explicit UsersDirectory(Owner u) : user(u) {
    ::chmod(root.path().c_str(), 0755);
    dir = root.path() / "state";
    std::filesystem::create_directories(dir);
    if (::chown(dir.c_str(), user.uid, user.gid) != 0) ADD_FAILURE() << "chown " << dir;
    ::chmod(dir.c_str(), 0750);
    victim = root.path() / "victim";
    std::ofstream(victim) << "root's own\n";
    ::chmod(victim.c_str(), 0600);
  }
  /// Its content, owner and mode as made: not truncated, written, given away or opened up.
  void victimUntouched() const {
    EXPECT_EQ(contentOf(victim), "root's own\n") << "truncated or written through a planted name";
    struct stat st = lstatOf(victim);
    EXPECT_EQ(st.st_uid, 0u);
    EXPECT_EQ(st.st_gid, 0u);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
  }
};

}  // namespace novacron::testing
