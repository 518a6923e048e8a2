#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstring>
#include <memory>

#include "actions/action_runners.h"
#include "actions/diagnostics_report.h"
#include "actions/tar_gz.h"

namespace novacron::actions {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A log bigger than this contributes its last bytes, which is where an incident is.
constexpr uint64_t kMaxFileBytes = 64ull << 20;
constexpr uint64_t kMaxTotalBytes = 256ull << 20;
constexpr size_t kMaxFiles = 10000;

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

struct Job {
  fs::path dir;
  std::string name;  // the bundle's base name, also the top directory inside it
  std::vector<std::string> paths;
  std::string diagnostics;
  std::chrono::steady_clock::time_point deadline;
};

std::string errnoText() { return std::strerror(errno); }

// The evidence directory exists, is a directory owned by us, and nobody else may look inside.
Result<void> secureDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return makeError(ErrorCode::kIo, dir.string() + " is not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    return makeError(ErrorCode::kPermission,
                     "the evidence dir " + dir.string() + " belongs to another user");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return makeError(ErrorCode::kPermission,
                     "the evidence dir " + dir.string() + " is open to others: " + errnoText());
  }
  return {};
}

// Regular files under `path` (itself if it is one), never through a symbolic link: a link in a
// log directory others can write must not smuggle /etc/shadow into the bundle.
void collect(const std::string& path, std::vector<fs::path>& files, json& skipped) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    skipped.push_back({{"path", path}, {"reason", errnoText()}});
    return;
  }
  if (S_ISLNK(st.st_mode)) {
    skipped.push_back({{"path", path}, {"reason", "a symbolic link: not followed"}});
  } else if (S_ISREG(st.st_mode)) {
    files.emplace_back(path);
  } else if (S_ISDIR(st.st_mode)) {
    std::error_code ec;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec),
        end;
    for (; !ec && it != end; it.increment(ec)) {
      if (files.size() >= kMaxFiles) {
        skipped.push_back({{"path", path}, {"reason", "more than 10000 files"}});
        return;
      }
      if (it->is_symlink(ec)) {
        skipped.push_back(
            {{"path", it->path().string()}, {"reason", "a symbolic link: not followed"}});
        continue;
      }
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) skipped.push_back({{"path", path}, {"reason", ec.message()}});
  } else {
    skipped.push_back({{"path", path}, {"reason", "not a regular file or directory"}});
  }
}

struct Member {
  std::string name, sha256;
  uint64_t bytes = 0;
  bool tail_only = false;
};

// Copies the file (or its tail) into the archive and hashes what it copied.
Result<Member> addFile(TarGzWriter& tar, const std::string& top, const fs::path& file,
                       uint64_t budget) {
  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return makeError(ErrorCode::kIo, errnoText());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(ErrorCode::kIo, "not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t take = std::min({size, kMaxFileBytes, budget});
  Member m{top + "/files" + file.string(), "", take, take < size};
  if (take < size) ::lseek(fd, static_cast<off_t>(size - take), SEEK_SET);
  if (auto r = tar.begin(m.name, take, st.st_mode & 0644, st.st_mtime); !r) {
    ::close(fd);
    return r.error();
  }
  Sha256 sha;
  std::string buf(1 << 16, '\0');
  uint64_t left = take;
  while (left > 0) {
    ssize_t n = ::read(fd, buf.data(), std::min<uint64_t>(buf.size(), left));
    if (n <= 0) break;  // the file shrank while it was read: zeros keep the declared size
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    sha.update(chunk);
    if (auto r = tar.write(chunk); !r) {
      ::close(fd);
      return r.error();
    }
    left -= static_cast<uint64_t>(n);
  }
  ::close(fd);
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

Result<void> addText(TarGzWriter& tar, const std::string& name, const std::string& text) {
  if (auto r = tar.begin(name, text.size(), 0600, std::time(nullptr)); !r) return r;
  if (auto r = tar.write(text); !r) return r;
  return tar.end();
}

std::string fileSha256(const fs::path& file) {
  Sha256 sha;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string buf(1 << 16, '\0');
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
    sha.update({buf.data(), static_cast<size_t>(n)});
  }
  ::close(fd);
  return sha.hex();
}

ActionOutcome build(const Job& job) {
  if (auto r = secureDir(job.dir); !r) return failed(r.error().message);
  fs::path out = job.dir / (job.name + ".tar.gz");
  auto tar = TarGzWriter::create(out);
  if (!tar) return failed(tar.error().message);
  auto fail = [&](const std::string& why, const char* state = "failed") {
    std::error_code ec;
    fs::remove(out, ec);  // no half bundle that looks like evidence
    ActionOutcome o = failed(why);
    o.state = state;
    return o;
  };

  json skipped = json::array();
  std::vector<fs::path> files;
  for (const auto& p : job.paths) collect(p, files, skipped);

  std::string manifest;
  uint64_t total = 0;
  json members = json::array();
  {
    Sha256 sha;
    sha.update(job.diagnostics);
    std::string name = job.name + "/diagnostics.json";
    if (auto r = addText(*tar, name, job.diagnostics); !r) return fail(r.error().message);
    manifest += sha.hex() + "  diagnostics.json\n";
  }
  for (const auto& f : files) {
    if (std::chrono::steady_clock::now() > job.deadline) {
      return fail("the bundle was not complete within the action's timeout", "timed_out");
    }
    if (total >= kMaxTotalBytes) {
      skipped.push_back({{"path", f.string()}, {"reason", "the bundle reached 256 MiB"}});
      continue;
    }
    auto m = addFile(*tar, job.name, f, kMaxTotalBytes - total);
    if (!m) {
      // A read error on one file is noted; a write error means the archive is broken.
      if (m.error().message.starts_with("writing the archive")) return fail(m.error().message);
      skipped.push_back({{"path", f.string()}, {"reason", m.error().message}});
      continue;
    }
    total += m->bytes;
    manifest += m->sha256 + "  " + m->name.substr(job.name.size() + 1) + "\n";
    members.push_back({{"path", f.string()},
                       {"bytes", m->bytes},
                       {"sha256", m->sha256},
                       {"tail_only", m->tail_only}});
  }
  if (auto r = addText(*tar, job.name + "/MANIFEST.sha256", manifest); !r)
    return fail(r.error().message);
  if (auto r = tar->finish(); !r) return fail(r.error().message);
  return {"done",
          {{"bundle", out.string()},
           {"sha256", fileSha256(out)},
           {"files", members},
           {"skipped", skipped},
           {"bytes", total}}};
}

}  // namespace

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
  job->diagnostics = diagnosticsReport(env.metrics, request.now, request.incident_id).dump(2);
  job->deadline = std::chrono::steady_clock::now() + request.spec.timeout;
  boost::asio::post(env.workers, [job, &io = env.io, done = std::move(done)]() mutable {
    ActionOutcome outcome = build(*job);
    boost::asio::post(io, [done = std::move(done), outcome = std::move(outcome)]() mutable {
      done(std::move(outcome));
    });
  });
}

}  // namespace novacron::actions
