#include "io/containment.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include "base/proc_file.h"
#include "base/text_parse.h"

namespace novacron::io {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> readFile(const fs::path& p) {
  auto text = readWholeFile(p);
  if (!text) return std::nullopt;
  return std::move(*text);
}

bool writeFile(const fs::path& p, std::string_view value) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  ::close(fd);
  return ok;
}

std::optional<uint64_t> number(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "key value" lines (cgroup.events, cpu.stat, memory.events, memory.oom_control).
std::optional<uint64_t> keyed(const fs::path& p, std::string_view key) {
  auto text = readFile(p);
  if (!text) return std::nullopt;
  LineCursor lines(*text);
  std::string_view line;
  while (lines.next(line)) {
    FieldCursor f(line);
    if (f.next() == key) return f.nextU64();
  }
  return std::nullopt;
}

std::string unescapeMount(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 3)).c_str(), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The cgroup hierarchies this process sees: "" for cgroup2, else each v1 controller, with its
// mount point (from /proc/self/mountinfo) and this process's path in it (/proc/self/cgroup).
struct Hierarchy {
  fs::path mount;
  std::string own;
};
std::map<std::string, Hierarchy> hierarchies() {
  std::map<std::string, Hierarchy> out;
  std::map<std::string, fs::path> mounts;
  if (auto text = readFile("/proc/self/mountinfo")) {
    LineCursor lines(*text);
    std::string_view line;
    while (lines.next(line)) {
      size_t sep = line.find(" - ");
      if (sep == std::string_view::npos) continue;
      FieldCursor after(line.substr(sep + 3));
      std::string_view type = after.next();
      after.next();  // source
      std::string_view opts = after.next();
      FieldCursor f(line);
      for (int i = 0; i < 4; ++i) f.next();
      fs::path mount = unescapeMount(f.next());
      if (type == "cgroup2") {
        mounts.emplace("", mount);
      } else if (type == "cgroup") {
        for (size_t b = 0; b < opts.size();) {
          size_t e = std::min(opts.find(',', b), opts.size());
          mounts.emplace(std::string(opts.substr(b, e - b)), mount);
          b = e + 1;
        }
      }
    }
  }
  if (auto text = readFile("/proc/self/cgroup")) {
    LineCursor lines(*text);
    std::string_view line;
    while (lines.next(line)) {
      size_t a = line.find(':'), b = line.find(':', a + 1);
      if (a == std::string_view::npos || b == std::string_view::npos) continue;
      std::string_view controllers = line.substr(a + 1, b - a - 1);
      std::string path(line.substr(b + 1));
      for (size_t s = 0; s <= controllers.size();) {
        size_t e = std::min(controllers.find(',', s), controllers.size());
        std::string c(controllers.substr(s, e - s));
        if (auto m = mounts.find(c); m != mounts.end()) out[c] = {m->second, path};
        s = e + 1;
      }
    }
  }
  return out;
}

bool makeDir(const fs::path& p) { return ::mkdir(p.c_str(), 0755) == 0 || errno == EEXIST; }
bool makeDirs(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  return !ec && fs::is_directory(p, ec);
}

bool hasController(const fs::path& dir, std::string_view name) {
  auto text = readFile(dir / "cgroup.controllers").value_or("");
  FieldCursor f(text);
  for (auto w = f.next(); !w.empty(); w = f.next()) {
    if (w == name) return true;
  }
  return false;
}

// Hands controller `name` down from `top` through each directory of `chain` in turn; true if
// the last of them passes it on to its children.
bool enableDown(const std::vector<fs::path>& chain, std::string_view name) {
  for (const auto& dir : chain) {
    if (!hasController(dir, name)) return false;
    if (!writeFile(dir / "cgroup.subtree_control", "+" + std::string(name))) return false;
  }
  return true;
}

// The processes in a cgroup.
std::vector<pid_t> pidsIn(const fs::path& dir) {
  std::vector<pid_t> out;
  auto text = readFile(dir / "cgroup.procs");
  if (!text) return out;
  LineCursor lines(*text);
  std::string_view line;
  while (lines.next(line)) {
    if (auto v = number(line); v && *v > 0) out.push_back(static_cast<pid_t>(*v));
  }
  return out;
}

}  // namespace

const char* containmentName(ContainmentMode mode) {
  switch (mode) {
    case ContainmentMode::kSystemd:
      return "systemd";
    case ContainmentMode::kCgroup:
      return "cgroup";
    case ContainmentMode::kProcessGroup:
      return "process_group";
  }
  return "process_group";
}

RunCgroup::~RunCgroup() {
  for (auto& [dir, fd] : dirs_) {
    if (fd >= 0) ::close(fd);
  }
  if (!removed_) remove();
}

std::vector<int> RunCgroup::procsFds() const {
  std::vector<int> out;
  for (const auto& [dir, fd] : dirs_) out.push_back(fd);
  return out;
}

std::vector<pid_t> RunCgroup::pids() const { return pidsIn(dir()); }

bool RunCgroup::populated() const {
  auto v = keyed(dir() / "cgroup.events", "populated");
  return v ? *v != 0 : !pids().empty();
}

void RunCgroup::signal(int sig) const {
  for (pid_t pid : pids()) ::kill(pid, sig);
}

size_t RunCgroup::kill() const {
  size_t n = pids().size();
  if (n == 0) return 0;
  if (writeFile(dir() / "cgroup.kill", "1")) return n;
  // Before Linux 5.14: frozen, nothing can fork while each process is killed.
  bool frozen = writeFile(dir() / "cgroup.freeze", "1");
  for (int i = 0; frozen && i < 100 && keyed(dir() / "cgroup.events", "frozen") != 1u; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  signal(SIGKILL);
  if (frozen) writeFile(dir() / "cgroup.freeze", "0");
  return n;
}

RunUsage RunCgroup::usage() const {
  RunUsage u;
  if (auto usec = keyed(dir() / "cpu.stat", "usage_usec")) u.cpu_seconds = *usec / 1e6;
  for (const auto& [d, fd] : dirs_) {
    if (auto peak = readFile(d / "memory.peak")) u.memory_peak = number(*peak);
    if (auto peak = readFile(d / "memory.max_usage_in_bytes")) u.memory_peak = number(*peak);
    u.oom_kills += keyed(d / "memory.events", "oom_kill").value_or(0);
    u.oom_kills += keyed(d / "memory.oom_control", "oom_kill").value_or(0);
    if (!u.cpu_seconds) {
      if (auto ns = readFile(d / "cpuacct.usage")) {
        if (auto v = number(*ns)) u.cpu_seconds = *v / 1e9;
      }
    }
  }
  return u;
}

bool RunCgroup::remove() {
  if (removed_) return true;
  bool all = true;
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    if (::rmdir(it->first.c_str()) != 0 && errno != ENOENT) all = false;
  }
  removed_ = all;
  return all;
}

Containment Containment::setUp(const std::string& instance) {
  Containment c;
  auto h = hierarchies();
  auto v2 = h.find("");
  if (v2 == h.end()) return c;
  if (::geteuid() != 0) {
    c.description_ = "process groups (not root: no cgroup to write)";
    return c;
  }
  const fs::path own = v2->second.mount / fs::path(v2->second.own).relative_path();
  // Under systemd, the unit's cgroup is ours when the unit delegates it (Delegate=yes): the
  // agent moves into a leaf of it, since a cgroup with processes cannot hand controllers down,
  // and the runs go next to it. By hand, as root: a subtree of our own, named for this agent's
  // state, below our cgroup.
  bool under_systemd =
      std::getenv("INVOCATION_ID") != nullptr &&
      (v2->second.own.ends_with(".service") || v2->second.own.ends_with(".service/agent"));
  std::vector<fs::path> chain;  // from our cgroup down to the actions directory
  std::string sub;              // the actions directory relative to our cgroup
  if (under_systemd) {
    fs::path unit = own.filename() == "agent" ? own.parent_path() : own;
    // Every process of the unit moves: the broker and the agent's main process both.
    auto moveAll = [&] {
      bool moved = false;
      for (pid_t pid : pidsIn(unit))
        moved |= writeFile(unit / "agent" / "cgroup.procs", std::to_string(pid));
      return moved || own.filename() == "agent";
    };
    if (makeDir(unit / "agent") && moveAll() && makeDir(unit / "actions")) {
      c.mode_ = ContainmentMode::kSystemd;
      c.actions_ = unit / "actions";
      chain = {unit, unit / "actions"};
      sub = "actions";
    }
  }
  if (c.mode_ == ContainmentMode::kProcessGroup && ::access(own.c_str(), W_OK) == 0) {
    fs::path mine = own / "novacron" / instance;
    if (makeDirs(mine / "actions")) {
      c.mode_ = ContainmentMode::kCgroup;
      c.actions_ = mine / "actions";
      chain = {own, own / "novacron", mine, mine / "actions"};
      sub = "novacron/" + instance;
      c.made_ = {mine / "actions", mine, own / "novacron"};
    }
  }
  if (c.mode_ == ContainmentMode::kProcessGroup) {
    c.description_ = "process groups (the cgroup v2 hierarchy is not writable)";
    return c;
  }
  // Each limit from the v2 hierarchy if it has the controller, else from cgroup v1 (a hybrid
  // host, where the controllers stay in v1), else none.
  auto pick = [&](const char* name, const char* v1_name) -> std::optional<Controller> {
    if (enableDown(chain, name)) return Controller{false, c.actions_};
    auto v1 = h.find(v1_name);
    if (v1 == h.end()) return std::nullopt;
    fs::path base = v1->second.mount / fs::path(v1->second.own).relative_path();
    if (::access(base.c_str(), W_OK) != 0) return std::nullopt;
    fs::path top = base;
    base /= sub;
    if (!makeDirs(base)) return std::nullopt;
    if (c.mode_ == ContainmentMode::kCgroup) {
      c.made_.insert(c.made_.begin(), {base, top / "novacron"});
    }
    return Controller{true, base};
  };
  c.memory_ = pick("memory", "memory");
  c.pids_ = pick("pids", "pids");
  c.cpu_ = pick("cpu", "cpu");
  std::string limits;
  auto add = [&](const std::optional<Controller>& ctl, const char* what) {
    if (!ctl) return;
    limits += (limits.empty() ? "" : ", ") + std::string(what) + (ctl->v1 ? " (v1)" : "");
  };
  add(c.memory_, "memory");
  add(c.pids_, "tasks");
  add(c.cpu_, "cpu");
  c.description_ =
      std::string(c.mode_ == ContainmentMode::kSystemd ? "systemd delegation" : "cgroup v2") +
      ": a cgroup per run in " + c.actions_.string() +
      "; limits: " + (limits.empty() ? "none (no controller available)" : limits);
  return c;
}

Result<RunCgroupPtr> Containment::create(const std::string& name, const ActionResources& r) const {
  if (mode_ == ContainmentMode::kProcessGroup) return RunCgroupPtr();
  std::vector<std::pair<fs::path, int>> dirs;
  auto fail = [&](const fs::path& what) -> Error {
    std::string why = "cannot make the cgroup " + what.string() + ": " + std::strerror(errno);
    RunCgroup cleanup(std::move(dirs));
    return makeError(ErrorCode::kIo, why);
  };
  auto dirFor = [&](const fs::path& base) -> std::optional<fs::path> {
    fs::path d = base / name;
    for (const auto& [existing, fd] : dirs) {
      if (existing == d) return d;
    }
    if (!makeDir(d)) return std::nullopt;
    int fd = ::open((d / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    dirs.emplace_back(d, fd);
    return d;
  };
  if (!dirFor(actions_)) return fail(actions_ / name);
  if (memory_) {
    auto d = dirFor(memory_->base);
    if (!d) return fail(memory_->base / name);
    if (memory_->v1) {
      writeFile(*d / "memory.limit_in_bytes", std::to_string(r.memory_max));
      // With swap accounting, swap counts too: over its limit the run is OOM-killed rather
      // than swapping the host out.
      writeFile(*d / "memory.memsw.limit_in_bytes", std::to_string(r.memory_max));
    } else {
      writeFile(*d / "memory.max", std::to_string(r.memory_max));
      writeFile(*d / "memory.swap.max", "0");
      writeFile(*d / "memory.oom.group", "1");
    }
  }
  if (pids_) {
    auto d = dirFor(pids_->base);
    if (!d) return fail(pids_->base / name);
    writeFile(*d / "pids.max", std::to_string(r.tasks_max));
  }
  if (cpu_) {
    auto d = dirFor(cpu_->base);
    if (!d) return fail(cpu_->base / name);
    auto quota = std::max<int64_t>(std::llround(r.cpu_max * 100000), 1000);
    if (cpu_->v1) {
      writeFile(*d / "cpu.cfs_period_us", "100000");
      writeFile(*d / "cpu.cfs_quota_us", std::to_string(quota));
    } else {
      writeFile(*d / "cpu.max", std::to_string(quota) + " 100000");
    }
  }
  return std::make_shared<RunCgroup>(std::move(dirs));
}

std::unique_ptr<RunCgroup> Containment::existing(const std::string& name) const {
  std::vector<std::pair<fs::path, int>> dirs = {{actions_ / name, -1}};
  for (const auto& ctl : {memory_, pids_, cpu_}) {
    if (ctl && ctl->v1) dirs.emplace_back(ctl->base / name, -1);
  }
  return std::make_unique<RunCgroup>(std::move(dirs));
}

size_t Containment::kill(const std::string& name) const {
  if (mode_ == ContainmentMode::kProcessGroup || name.find('/') != std::string::npos) return 0;
  return existing(name)->kill();
}

std::vector<std::pair<std::string, size_t>> Containment::endLeftovers() const {
  std::vector<std::pair<std::string, size_t>> out;
  if (mode_ == ContainmentMode::kProcessGroup) return out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(actions_, ec)) {
    if (!e.is_directory(ec)) continue;
    std::string name = e.path().filename().string();
    auto cg = existing(name);
    size_t n = cg->kill();
    // At start-up, before the loop runs: a bounded wait for the killed to be gone.
    for (int i = 0; i < 1000 && cg->populated(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    cg->remove();
    out.emplace_back(name, n);
  }
  return out;
}

void Containment::tearDown() const {
  endLeftovers();
  // Removing a directory still in use (another agent's "novacron") fails, as it should.
  for (const auto& dir : made_) ::rmdir(dir.c_str());
}

}  // namespace novacron::io
