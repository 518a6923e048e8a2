#include "broker/privileges.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "base/proc_file.h"

namespace novacron::broker {

namespace {

Error osError(std::string what) {
  return makeError(errno == EPERM ? ErrorCode::kPermission : ErrorCode::kIo,
                   "dropping privileges: " + what + ": " + std::strerror(errno));
}

// The value of "Key:\t..." in /proc/PID/status, or empty.
std::string_view field(std::string_view text, std::string_view key) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      line.remove_prefix(key.size() + 1);
      while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
      return line;
    }
    at = end + 1;
  }
  return {};
}

template <class T>
bool number(std::string_view& s, T& out, int base = 10) {
  while (!s.empty() && (s.front() == '\t' || s.front() == ' ')) s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  if (ec != std::errc() || p == s.data()) return false;
  s.remove_prefix(static_cast<size_t>(p - s.data()));
  return true;
}

}  // namespace

Result<Identity> lookupUserHere(std::string_view name) {
  std::string n(name);
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = ::getpwnam_r(n.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || !found) {
    return makeError(ErrorCode::kNotFound,
                     "user '" + n + "' does not exist" +
                         (rc ? std::string(": ") + std::strerror(rc) : std::string()));
  }
  if (pw.pw_uid == 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     "user '" + n + "' is root; the agent must drop to a user of its own");
  }
  Identity who{n, pw.pw_uid, pw.pw_gid, {}};
  int count = 64;
  who.groups.resize(static_cast<size_t>(count));
  if (::getgrouplist(n.c_str(), pw.pw_gid, who.groups.data(), &count) < 0) {
    who.groups.resize(static_cast<size_t>(count));  // count now says how many there are
    if (::getgrouplist(n.c_str(), pw.pw_gid, who.groups.data(), &count) < 0)
      return makeError(ErrorCode::kIo, "the groups of user '" + n + "' cannot be read");
  }
  who.groups.resize(static_cast<size_t>(count));
  return who;
}

// getgrouplist asks every group database of nsswitch.conf, which loads their modules
// (libnss_systemd, sssd, LDAP) into the process for good: 0.3 MB and more of a long-lived agent
// for a look-up made once. So it is made in a child, which sends the answer back in one line:
// "ok UID GID G1 G2 ..." or "error CODE MESSAGE".
Result<Identity> lookupUser(std::string_view name) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return lookupUserHere(name);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return lookupUserHere(name);
  }
  if (pid == 0) {
    ::close(fds[0]);
    auto who = lookupUserHere(name);
    std::string line;
    if (who) {
      line = "ok " + std::to_string(who->uid) + " " + std::to_string(who->gid);
      for (gid_t g : who->groups) line += " " + std::to_string(g);
    } else {
      line =
          "error " + std::to_string(static_cast<int>(who.error().code)) + " " + who.error().message;
    }
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(fds[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  std::istringstream in(answer);
  std::string kind;
  in >> kind;
  if (kind == "error") {
    int code = 0;
    in >> code;
    std::string message;
    std::getline(in >> std::ws, message);
    return makeError(static_cast<ErrorCode>(code), message);
  }
  Identity who{std::string(name), 0, 0, {}};
  if (kind != "ok" || !(in >> who.uid >> who.gid))
    return makeError(ErrorCode::kIo, "the look-up of user '" + std::string(name) + "' failed");
  for (gid_t g; in >> g;) who.groups.push_back(g);
  return who;
}

Result<Credentials> parseStatus(std::string_view text) {
  Credentials c;
  auto ids = [&](std::string_view key, auto& real, auto& eff, auto& saved) {
    std::string_view v = field(text, key);
    return number(v, real) && number(v, eff) && number(v, saved);
  };
  auto mask = [&](std::string_view key, uint64_t& out) {
    std::string_view v = field(text, key);
    return number(v, out, 16);
  };
  if (!ids("Uid", c.uid, c.euid, c.suid) || !ids("Gid", c.gid, c.egid, c.sgid) ||
      !mask("CapEff", c.cap_eff) || !mask("CapPrm", c.cap_prm) || !mask("CapInh", c.cap_inh))
    return makeError(ErrorCode::kMalformed, "status: no Uid, Gid or capability lines");
  // Older kernels have no CapAmb or NoNewPrivs line: then there is nothing of either.
  mask("CapAmb", c.cap_amb);
  std::string_view nnp = field(text, "NoNewPrivs");
  c.no_new_privs = nnp.starts_with("1");
  return c;
}

Result<Credentials> readCredentials(pid_t pid) {
  std::string path = pid ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status";
  auto text = readWholeFile(path);
  if (!text) return text.error();
  return parseStatus(*text);
}

Result<void> dropTo(const Identity& who) {
  if (who.uid == 0 || who.gid == 0)
    return makeError(ErrorCode::kInvalidArgument, "dropping privileges: to root is no drop");
  // Groups first, while we still may; then the gid, then the uid, which takes the rest.
  if (::setgroups(who.groups.size(), who.groups.data()) != 0) return osError("setgroups");
  if (::setresgid(who.gid, who.gid, who.gid) != 0) return osError("setresgid");
  if (::setresuid(who.uid, who.uid, who.uid) != 0) return osError("setresuid");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return osError("clearing ambient capabilities");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return osError("PR_SET_NO_NEW_PRIVS");
  auto c = readCredentials();
  if (!c) return c.error();
  if (c->uid == 0 || c->euid == 0 || c->suid == 0 || c->gid == 0 || c->egid == 0 || c->sgid == 0)
    return makeError(ErrorCode::kPermission, "dropping privileges: an id is still 0");
  if (c->cap_eff || c->cap_prm || c->cap_inh || c->cap_amb)
    return makeError(ErrorCode::kPermission, "dropping privileges: capabilities are left");
  if (!c->no_new_privs)
    return makeError(ErrorCode::kPermission, "dropping privileges: no_new_privs is not set");
  // The kernel's word, tested: a dropped process cannot become root again.
  if (::setuid(0) == 0)
    return makeError(ErrorCode::kPermission, "dropping privileges: root could be taken back");
  return {};
}

Result<void> canReach(const std::filesystem::path& path, const Identity& who) {
  std::filesystem::path dir;
  for (auto it = path.begin(); it != path.end(); ++it) {
    if (std::next(it) == path.end()) break;  // the last one is the agent's own, given to it
    dir /= *it;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) break;  // not made yet: made by root, reachable
    bool in_group = st.st_gid == who.gid ||
                    std::find(who.groups.begin(), who.groups.end(), st.st_gid) != who.groups.end();
    mode_t bit = st.st_uid == who.uid ? S_IXUSR : in_group ? S_IXGRP : S_IXOTH;
    if ((st.st_mode & bit) == 0) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return makeError(ErrorCode::kPermission, "the agent's user " + who.name + " cannot reach " +
                                                   path.string() + ": " + dir.string() + " is " +
                                                   mode + " and closed to it");
    }
  }
  return {};
}

}  // namespace novacron::broker
