#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "base/safe_dir.h"

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

}  // namespace novacron::testing
