#include "collectors/host/disk_space.h"

#include <unordered_set>

#include "base/text.h"
#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr std::string_view kLabels = "device,fstype,mount";
constexpr metrics::MetricDef kSize{"novacron_disk_size_bytes", metrics::MetricType::kGauge, kLabels,
                                   "Size of the filesystem, bytes."};
constexpr metrics::MetricDef kFree{"novacron_disk_free_bytes", metrics::MetricType::kGauge, kLabels,
                                   "Space available to unprivileged users (f_bavail), bytes."};
constexpr metrics::MetricDef kUsed{
    "novacron_disk_used_ratio", metrics::MetricType::kGauge, kLabels,
    "Share of the space usable by unprivileged users that is used, 0-1 "
    "(what df shows as Use%)."};
constexpr metrics::MetricDef kInodes{
    "novacron_disk_inodes_used_ratio", metrics::MetricType::kGauge, kLabels,
    "Share of inodes in use, 0-1 (absent on filesystems without a fixed "
    "inode table)."};
constexpr metrics::MetricDef kReadOnly{"novacron_disk_read_only", metrics::MetricType::kGauge,
                                       kLabels, "1 if the filesystem is mounted read-only."};
constexpr metrics::MetricDef kUp{
    "novacron_disk_up", metrics::MetricType::kGauge, kLabels,
    "1 if statvfs answered for this mount within the timeout, 0 if it hangs "
    "or fails (dead network mount, vanished mountpoint)."};
constexpr const metrics::MetricDef* kMetrics[] = {&kSize,   &kFree,     &kUsed,
                                                  &kInodes, &kReadOnly, &kUp};

std::string unescapeMountField(std::string_view s) {
  auto oct = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) && oct(s[i + 3])) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::optional<std::string_view> mountOption(std::string_view options, std::string_view name) {
  while (!options.empty()) {
    size_t comma = options.find(',');
    std::string_view opt = options.substr(0, comma);
    if (opt == name) return std::string_view();
    if (opt.size() > name.size() && opt.starts_with(name) && opt[name.size()] == '=')
      return opt.substr(name.size() + 1);
    if (comma == std::string_view::npos) break;
    options.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

const std::set<std::string>& defaultExcludedFstypes() {
  static const std::set<std::string> kTypes = {
      "autofs",    "binfmt_misc", "bpf",      "cgroup",     "cgroup2", "configfs",   "debugfs",
      "devpts",    "devtmpfs",    "efivarfs", "fuse.lxcfs", "fusectl", "hugetlbfs",  "mqueue",
      "nsfs",      "overlay",     "proc",     "pstore",     "ramfs",   "rpc_pipefs", "securityfs",
      "selinuxfs", "squashfs",    "sysfs",    "tracefs"};
  return kTypes;
}

Result<std::vector<Mount>> parseMounts(std::string_view text) {
  std::vector<Mount> out;
  LineCursor lines(text);
  std::string_view line;
  int lineno = 0;
  while (lines.next(line)) {
    ++lineno;
    if (line.empty()) continue;
    FieldCursor f(line);
    std::string_view device = f.next(), mountpoint = f.next(), fstype = f.next(), opts = f.next();
    if (opts.empty()) {
      return makeError(ErrorCode::kMalformed,
                       "mounts line " + std::to_string(lineno) + ": fewer than four fields");
    }
    out.push_back({unescapeMountField(device), unescapeMountField(mountpoint), std::string(fstype),
                   std::string(opts), mountOption(opts, "ro").has_value()});
  }
  return out;
}

DiskSpaceCollector::DiskSpaceCollector(const std::filesystem::path& root, DiskSpaceOptions options,
                                       StatfsFn statfs)
    : mounts_(root / "proc/self/mounts"),
      options_(std::move(options)),
      worker_(std::move(statfs), options_.max_threads) {}

std::span<const metrics::MetricDef* const> DiskSpaceCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> DiskSpaceCollector::collect(TimePoint /*now*/,
                                                                 milliseconds budget) {
  // The kernel says when the mount table changes: until it does, the last reading holds
  // (generating /proc/self/mounts was most of an idle sweep's kernel time).
  if (mounts_.changed() || !visible_) {
    visible_.reset();
    auto text = mounts_.read();
    if (!text) return text.error();
    auto all = parseMounts(*text);
    if (!all) return all.error();
    // A mountpoint mounted over keeps only its last (visible) entry.
    std::vector<Mount> visible;
    std::unordered_set<std::string> seen;
    for (auto it = all->rbegin(); it != all->rend(); ++it) {
      if (options_.exclude_fstypes.count(it->fstype)) continue;
      if (seen.insert(it->mountpoint).second) visible.push_back(std::move(*it));
    }
    paths_.clear();
    for (const Mount& m : visible) paths_.push_back(m.mountpoint);
    visible_ = std::move(visible);
  }
  const std::vector<Mount>& mounts = *visible_;

  std::vector<std::string> asked = worker_.request(paths_);
  auto start = std::chrono::steady_clock::now();
  worker_.waitFor(asked, start + budget);

  std::vector<metrics::Sample> out;
  out.reserve(mounts.size() * std::size(kMetrics));
  auto now = std::chrono::steady_clock::now();
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    const Mount& m = *it;
    // The mount point stays raw for statvfs; its label is text (a mount point is any bytes).
    metrics::Labels labels{{"device", validUtf8(m.device)},
                           {"fstype", validUtf8(m.fstype)},
                           {"mount", validUtf8(m.mountpoint)}};
    StatfsWorker::State st = worker_.state(m.mountpoint);
    bool hung = st.in_flight && now - st.since >= options_.statfs_timeout;
    bool failed = !st.in_flight && st.error != 0;
    out.push_back({&kReadOnly, labels, m.read_only ? 1.0 : 0.0});
    if (hung || failed || !st.result) {
      // A slow first answer is not yet a failure; only a timeout or an error is.
      if (hung || failed) out.push_back({&kUp, std::move(labels), 0.0});
      continue;
    }
    const struct statvfs& s = *st.result;
    double frsize = static_cast<double>(s.f_frsize ? s.f_frsize : s.f_bsize);
    double size = static_cast<double>(s.f_blocks) * frsize;
    double avail = static_cast<double>(s.f_bavail) * frsize;
    double used = static_cast<double>(s.f_blocks - std::min(s.f_blocks, s.f_bfree)) * frsize;
    out.push_back({&kSize, labels, size});
    out.push_back({&kFree, labels, avail});
    if (used + avail > 0) out.push_back({&kUsed, labels, used / (used + avail)});
    if (s.f_files > 0) {
      double inodes_used = static_cast<double>(s.f_files - std::min(s.f_files, s.f_ffree));
      out.push_back({&kInodes, labels, inodes_used / static_cast<double>(s.f_files)});
    }
    out.push_back({&kUp, std::move(labels), 1.0});
  }
  return out;
}

}  // namespace novacron::collectors
