#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "actions/action_runners.h"
#include "actions/diagnostics_report.h"
#include "base/guard.h"
#include "base/json_text.h"
#include "base/safe_dir.h"
#include "base/sha256.h"
#include "base/text.h"
#include "io/tar_gz.h"

namespace novacron::actions {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A log bigger than this contributes its last bytes, which is where an incident is.
constexpr uint64_t kMaxFileBytes = 64ull << 20;
constexpr uint64_t kMaxTotalBytes = 256ull << 20;
constexpr size_t kMaxFiles = 10000;
// How many directory entries one named path may have looked at, and how deep.
constexpr size_t kMaxScanned = 100000;
constexpr int kMaxDepth = 32;

struct Job {
  fs::path dir;
  std::string name;  // the bundle's base name, also the top directory inside it
  std::vector<std::string> paths;
  std::string diagnostics;
  std::chrono::steady_clock::time_point deadline;
};

std::string errnoText() { return std::strerror(errno); }

// The evidence directory: this process's alone (root's in the broker), opened without following a
// symbolic link, and the bundle made through its descriptor. The directory above it may be the
// agent's unprivileged user's (the state dir), who must not be able to swap the directory for
// another between this check and the write; if it was deleted, it is made again.
Result<SafeDir> evidenceDir(const fs::path& dir) {
  auto parent = SafeDir::open(dir.parent_path(), 0755);
  if (!parent) return makeError(parent.error().code, "the evidence dir: " + parent.error().message);
  return parent->privateSubdir(dir.filename().string());
}

// A regular file found under one named path: where it is relative to that path's descriptor.
struct Candidate {
  std::string rel;      // "" for the named path itself
  std::string display;  // the full path, as bytes
  int64_t mtime_ns = 0;
  uint64_t size = 0;
};

// One path the playbook names, opened once: everything under it is read through `root`, so a
// directory swapped for a symbolic link while the bundle is made leads nowhere.
struct Source {
  std::string path;
  Fd root;
  bool is_dir = false;
  std::vector<Candidate> files;  // newest first
  uint64_t share = 0;            // bytes it may contribute
};

void skip(json& skipped, const std::string& path, const std::string& reason) {
  skipped.push_back({{"path", validUtf8(path)}, {"reason", reason}});
}

// Regular files under the directory `dir` (at `rel` below the source's root), never through a
// symbolic link and never outside it.
void walk(int dir, const std::string& rel, const std::string& display, int depth, Source& src,
          size_t& scanned, json& skipped, std::chrono::steady_clock::time_point deadline) {
  int copy = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
  DIR* d = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (!d) {
    skip(skipped, display, errnoText());
    if (copy >= 0) ::close(copy);
    return;
  }
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (++scanned > kMaxScanned || std::chrono::steady_clock::now() > deadline) {
      skip(skipped, display,
           "more than " + std::to_string(kMaxScanned) +
               " entries, or out of time: the rest was not looked at");
      break;
    }
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    std::string child_display = display + "/" + name;
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      skip(skipped, child_display, errnoText());
    } else if (S_ISLNK(st.st_mode)) {
      skip(skipped, child_display, "a symbolic link: not followed");
    } else if (S_ISREG(st.st_mode)) {
      src.files.push_back({child_rel, child_display,
                           st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
                           static_cast<uint64_t>(st.st_size)});
    } else if (S_ISDIR(st.st_mode)) {
      if (depth >= kMaxDepth) {
        skip(skipped, child_display, "deeper than " + std::to_string(kMaxDepth) + " directories");
        continue;
      }
      Fd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) {
        skip(skipped, child_display, errnoText());
        continue;
      }
      walk(sub.get(), child_rel, child_display, depth + 1, src, scanned, skipped, deadline);
    }
  }
  ::closedir(d);  // closes `copy`
}

// Opens a named path and lists its files, newest first.
std::optional<Source> open(const std::string& path, json& skipped,
                           std::chrono::steady_clock::time_point deadline) {
  Source src;
  src.path = path;
  src.root = Fd(openNoSymlinks(AT_FDCWD, path, O_RDONLY | O_NONBLOCK, false));
  if (!src.root) {
    skip(skipped, path, errno == ELOOP ? "a symbolic link on the way: not followed" : errnoText());
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(src.root.get(), &st) != 0) {
    skip(skipped, path, errnoText());
    return std::nullopt;
  }
  if (S_ISREG(st.st_mode)) {
    src.files.push_back({"", path, st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
                         static_cast<uint64_t>(st.st_size)});
  } else if (S_ISDIR(st.st_mode)) {
    src.is_dir = true;
    size_t scanned = 0;
    walk(src.root.get(), "", path, 0, src, scanned, skipped, deadline);
  } else {
    skip(skipped, path, "not a regular file or directory");
    return std::nullopt;
  }
  // Newest first: the logs being written during the incident. A user who fills a directory
  // they can write with junk crowds out only that directory's share.
  std::stable_sort(src.files.begin(), src.files.end(),
                   [](const Candidate& a, const Candidate& b) { return a.mtime_ns > b.mtime_ns; });
  return src;
}

// Each named path gets an equal share of the bundle; what one does not need goes to the others.
void shareOut(std::vector<Source>& sources) {
  std::vector<std::pair<uint64_t, Source*>> demand;
  for (auto& s : sources) {
    uint64_t want = 0;
    for (const auto& f : s.files) want += std::min(f.size, kMaxFileBytes);
    demand.emplace_back(want, &s);
  }
  std::sort(demand.begin(), demand.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  uint64_t left = kMaxTotalBytes;
  for (size_t i = 0; i < demand.size(); ++i) {
    uint64_t fair = left / (demand.size() - i);
    demand[i].second->share = std::min(demand[i].first, fair);
    left -= demand[i].second->share;
  }
}

struct Member {
  std::string name, sha256;
  uint64_t bytes = 0;
  bool tail_only = false;
};

// Copies the file (or its last `budget` bytes) into the archive and hashes what it copied.
Result<Member> addFile(io::TarGzWriter& tar, const std::string& top, const Source& src,
                       const Candidate& file, uint64_t budget) {
  Fd fd(src.is_dir ? openNoSymlinks(src.root.get(), file.rel, O_RDONLY | O_NONBLOCK, true)
                   : ::fcntl(src.root.get(), F_DUPFD_CLOEXEC, 0));
  if (!fd) return makeError(ErrorCode::kIo, errnoText());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return makeError(ErrorCode::kIo, "not a regular file");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t take = std::min({size, kMaxFileBytes, budget});
  Member m{top + "/files" + file.display, "", take, take < size};
  if (::lseek(fd.get(), static_cast<off_t>(size - take), SEEK_SET) < 0)
    return makeError(ErrorCode::kIo, errnoText());
  if (auto r = tar.begin(m.name, take, st.st_mode & 0644, st.st_mtime); !r) return r.error();
  Sha256 sha;
  std::string buf(1 << 16, '\0');
  uint64_t left = take;
  while (left > 0) {
    ssize_t n = ::read(fd.get(), buf.data(), std::min<uint64_t>(buf.size(), left));
    if (n <= 0) break;  // the file shrank while it was read: zeros keep the declared size
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    sha.update(chunk);
    if (auto r = tar.write(chunk); !r) return r.error();
    left -= static_cast<uint64_t>(n);
  }
  if (left > 0) {
    std::string zeros(static_cast<size_t>(std::min<uint64_t>(left, 1 << 16)), '\0');
    while (left > 0) {
      std::string_view chunk(zeros.data(),
                             static_cast<size_t>(std::min<uint64_t>(left, zeros.size())));
      sha.update(chunk);
      if (auto r = tar.write(chunk); !r) return r.error();
      left -= chunk.size();
    }
  }
  if (auto r = tar.end(); !r) return r.error();
  m.sha256 = sha.hex();
  return m;
}

Result<void> addText(io::TarGzWriter& tar, const std::string& name, const std::string& text) {
  if (auto r = tar.begin(name, text.size(), 0600, std::time(nullptr)); !r) return r;
  if (auto r = tar.write(text); !r) return r;
  return tar.end();
}

std::string fileSha256(int dir, const std::string& name) {
  Sha256 sha;
  Fd fd(::openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return "";
  std::string buf(1 << 16, '\0');
  ssize_t n;
  while ((n = ::read(fd.get(), buf.data(), buf.size())) > 0) {
    sha.update({buf.data(), static_cast<size_t>(n)});
  }
  return sha.hex();
}

std::string manifestLine(const std::string& sha256, const std::string& name) {
  // As sha256sum writes it: a name holding a backslash or a line break is escaped and its line
  // starts with a backslash, so a file name can never forge a line of its own.
  if (name.find_first_of("\\\n\r") == std::string::npos) return sha256 + "  " + name + "\n";
  std::string escaped;
  for (char c : name) {
    if (c == '\\')
      escaped += "\\\\";
    else if (c == '\n')
      escaped += "\\n";
    else if (c == '\r')
      escaped += "\\r";
    else
      escaped += c;
  }
  return "\\" + sha256 + "  " + escaped + "\n";
}

ActionOutcome build(const Job& job) {
  auto dir = evidenceDir(job.dir);
  if (!dir) return failed(dir.error().message);
  const std::string file = job.name + ".tar.gz";
  fs::path out = job.dir / file;
  auto tar = io::TarGzWriter::create(dir->fd(), file, out.string());
  if (!tar) return failed(tar.error().message);
  auto fail = [&](const std::string& why, RunState state = RunState::kFailed) {
    ::unlinkat(dir->fd(), file.c_str(), 0);  // no half bundle that looks like evidence
    ActionOutcome o = failed(why);
    o.state = state;
    return o;
  };

  json skipped = json::array();
  std::vector<Source> sources;
  for (const auto& p : job.paths) {
    if (auto s = open(p, skipped, job.deadline)) sources.push_back(std::move(*s));
  }
  shareOut(sources);

  std::string manifest;
  std::string left_out;  // "# left out: ..." lines, which sha256sum -c passes over
  auto leaveOut = [&](const std::string& path, const std::string& reason) {
    skip(skipped, path, reason);
    left_out += "# left out: " + escapeControl(path) + ": " + reason + "\n";
  };
  uint64_t total = 0;
  size_t count = 0;
  json members = json::array();
  {
    Sha256 sha;
    sha.update(job.diagnostics);
    std::string name = job.name + "/diagnostics.json";
    if (auto r = addText(*tar, name, job.diagnostics); !r) return fail(r.error().message);
    manifest += manifestLine(sha.hex(), "diagnostics.json");
  }
  const size_t files_each = sources.empty() ? kMaxFiles : kMaxFiles / sources.size();
  for (const Source& src : sources) {
    uint64_t used = 0;
    size_t taken = 0;
    for (const Candidate& f : src.files) {
      if (std::chrono::steady_clock::now() > job.deadline) {
        return fail("the bundle was not complete within the action's timeout", RunState::kTimedOut);
      }
      if ((f.size > 0 && used >= src.share) || taken >= files_each || count >= kMaxFiles) {
        leaveOut(f.display, "older than what filled " + src.path + "'s share of the bundle");
        continue;
      }
      auto m = addFile(*tar, job.name, src, f, std::min(kMaxTotalBytes - total, src.share - used));
      if (!m) {
        // A read error on one file is noted; a write error means the archive is broken.
        if (m.error().message.starts_with("writing the archive")) return fail(m.error().message);
        skip(skipped, f.display, m.error().message);
        continue;
      }
      used += m->bytes;
      total += m->bytes;
      ++taken;
      ++count;
      manifest += manifestLine(m->sha256, m->name.substr(job.name.size() + 1));
      members.push_back({{"path", validUtf8(f.display)},
                         {"bytes", m->bytes},
                         {"sha256", m->sha256},
                         {"tail_only", m->tail_only}});
    }
  }
  if (auto r = addText(*tar, job.name + "/MANIFEST.sha256", manifest + left_out); !r)
    return fail(r.error().message);
  if (auto r = tar->finish(); !r) return fail(r.error().message);
  return {RunState::kDone,
          {{"bundle", out.string()},
           {"sha256", fileSha256(dir->fd(), file)},
           {"files", members},
           {"skipped", skipped},
           {"bytes", total}}};
}

}  // namespace

Result<Expectation> expectEvidenceBundle(const json& with,
                                         const std::map<std::string, std::string>& /*values*/) {
  Expected paths{"path", Expected::Compare::kSubset, {}};
  for (const auto& p : with.value("paths", json::array())) {
    if (p.is_string()) paths.items.push_back(p.get<std::string>());
  }
  return Expectation{std::move(paths)};
}

void prepareEvidenceBundle(const ActionEnv& env, ActionRequest& request) {
  request.diagnostics =
      jsonText(diagnosticsReport(env.metrics, request.now, request.incident_id), 2);
}

// The runbook's evidence preservation: the logs and the diagnostics report, hashed, in a
// root-only directory, before anyone starts changing the host.
void runEvidenceBundle(const ActionEnv& env, ActionRequest request, ActionDone done) {
  auto job = std::make_shared<Job>();
  job->dir = env.settings.evidence_dir;
  job->name = request.incident_id + "-run" + std::to_string(request.run_id);
  const json paths = request.spec.with.value("paths", json::array());
  for (const auto& p : paths) {
    job->paths.push_back(p.get<std::string>());
  }
  // The metric store belongs to the loop: the report is made here, the files are read there.
  // In the broker the report comes with the request, made by the main process, which has the
  // metrics.
  if (request.diagnostics.empty()) prepareEvidenceBundle(env, request);
  job->diagnostics = std::move(request.diagnostics);
  job->deadline = std::chrono::steady_clock::now() + request.spec.timeout;
  boost::asio::post(env.workers, [job, &io = env.io, done = std::move(done)]() mutable {
    // An exception on a worker thread would end the whole agent: it becomes a failed run.
    ActionOutcome outcome = failed("the bundle could not be made (an internal error; see the log)");
    guarded("evidence bundle " + job->name, [&] { outcome = build(*job); });
    boost::asio::post(io, [done = std::move(done), outcome = std::move(outcome)]() mutable {
      done(std::move(outcome));
    });
  });
}

}  // namespace novacron::actions
