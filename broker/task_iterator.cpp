#include "broker/task_iterator.h"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "base/proc_file.h"
#include "collectors/host/disk_space.h"
#include "io/shared_library.h"

namespace novacron::broker {

namespace {

// The initial pid namespace's inode number (PROC_PID_INIT_INO): a fixed constant of the kernel.
constexpr ino_t kInitialPidNamespace = 0xEFFFFFFCu;

// libbpf and libelf are mapped only while the broker loads the iterator, at the agent's first
// scan: the streams after it are one bpf() call each, made here. The agent never maps them.
// clang-format off
#define NOVACRON_BPF_FUNCTIONS(X) \
  X(libbpf_set_print) \
  X(bpf_object__open_mem) \
  X(bpf_object__load) \
  X(bpf_object__find_program_by_name) \
  X(bpf_object__close) \
  X(bpf_program__attach_iter) \
  X(bpf_link__fd) \
  X(bpf_link__destroy)
// clang-format on

struct Bpf {
#define NOVACRON_BPF_MEMBER(name) decltype(&::name) name = nullptr;
  NOVACRON_BPF_FUNCTIONS(NOVACRON_BPF_MEMBER)
#undef NOVACRON_BPF_MEMBER
  std::string error;
  void* library = nullptr;
  bool ok = false;
  Bpf() = default;
  Bpf(const Bpf&) = delete;
  Bpf& operator=(const Bpf&) = delete;
  ~Bpf() { io::closeLibrary(library); }
};

void loadBpf(Bpf& l) {
  constexpr const char* kSoname = "libbpf.so.1";
  l.library = io::openLibrary(kSoname, "libbpf1", l.error);
  if (!l.library) return;
  bool ok = true;
#define NOVACRON_BPF_LOAD(name) \
  ok = ok && io::bindFunction(l.library, kSoname, #name, l.name, l.error);
  NOVACRON_BPF_FUNCTIONS(NOVACRON_BPF_LOAD)
#undef NOVACRON_BPF_LOAD
  l.ok = ok;
}

// libbpf explains a failed load only on its print callback: the last warning is kept for the
// reason given to the agent (and the log), and nothing is printed.
thread_local std::string g_last_warning;

int keepWarning(enum libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_WARN) return 0;
  char line[256];
  int n = std::vsnprintf(line, sizeof line, format, args);
  if (n <= 0) return 0;
  std::string text(line, std::min(static_cast<size_t>(n), sizeof line - 1));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  g_last_warning = std::move(text);
  return 0;
}

// hidepid= keeps other users' processes out of the agent's /proc; the iterator would not, so
// it is refused there (and when the mount table cannot be read, rather than guessed at).
Result<void> procHidesProcesses() {
  auto text = readWholeFile("/proc/self/mounts");
  if (!text)
    return makeError(ErrorCode::kUnavailable, "BPF task iterator: " + text.error().message);
  auto mounts = collectors::parseMounts(*text);
  if (!mounts)
    return makeError(ErrorCode::kUnavailable, "BPF task iterator: " + mounts.error().message);
  std::optional<std::string_view> hide;
  for (const auto& m : *mounts) {  // the last mount on /proc is the one seen
    if (m.mountpoint == "/proc" && m.fstype == "proc")
      hide = collectors::mountOption(m.options, "hidepid");
  }
  if (hide && *hide != "0" && *hide != "off")
    return makeError(ErrorCode::kUnavailable,
                     "BPF task iterator: /proc is mounted with hidepid=" + std::string(*hide) +
                         ", which the iterator would not honour");
  return {};
}

Error unavailable(const std::string& what, int err) {
  std::string m = "BPF task iterator: " + what + ": " + std::strerror(err);
  if (!g_last_warning.empty()) m += " (" + g_last_warning + ")";
  return makeError(ErrorCode::kUnavailable, m);
}

}  // namespace

Result<TaskIterator> TaskIterator::load() {
  struct stat ns {};
  if (::stat("/proc/self/ns/pid", &ns) != 0) return unavailable("/proc/self/ns/pid", errno);
  if (ns.st_ino != kInitialPidNamespace)
    return makeError(ErrorCode::kUnavailable, "BPF task iterator: not in the host's pid namespace");
  if (auto hidden = procHidesProcesses(); !hidden) return hidden.error();
  Bpf b;  // declared first: unmapped last, after everything of libbpf's below is freed
  loadBpf(b);
  if (!b.ok) return makeError(ErrorCode::kUnavailable, "BPF task iterator: " + b.error);
  g_last_warning.clear();
  b.libbpf_set_print(keepWarning);
  auto close_object = [&b](bpf_object* o) { b.bpf_object__close(o); };
  auto close_link = [&b](bpf_link* l) { b.bpf_link__destroy(l); };

  auto bytes = tasksBpfObject();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "novacron_tasks");
  std::unique_ptr<bpf_object, decltype(close_object)> object(
      b.bpf_object__open_mem(bytes.data(), bytes.size(), &opts), close_object);
  if (!object) return unavailable("open", errno);
  if (b.bpf_object__load(object.get()) != 0) return unavailable("load", errno);
  bpf_program* program = b.bpf_object__find_program_by_name(object.get(), "novacron_tasks");
  if (!program) return unavailable("no program", ENOENT);
  std::unique_ptr<bpf_link, decltype(close_link)> link(b.bpf_program__attach_iter(program, nullptr),
                                                       close_link);
  if (!link) return unavailable("attach", errno);
  // The kernel's link lives on in this descriptor: libbpf's objects (and the kernel BTF it
  // read to relocate the program, megabytes) are freed now.
  int fd = ::fcntl(b.bpf_link__fd(link.get()), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return unavailable("dup", errno);
  return TaskIterator(Fd(fd));
}

Result<Fd> TaskIterator::open() const {
  // Asked again for every stream: a /proc mounted (or remounted) with hidepid= after the load
  // must hide from the agent what it hides from everyone else. A read of the mount table, a
  // few microseconds every scan.
  if (auto hidden = procHidesProcesses(); !hidden) return hidden.error();
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.iter_create.link_fd = static_cast<__u32>(link_.get());
  long fd = ::syscall(SYS_bpf, BPF_ITER_CREATE, &attr, sizeof attr);  // close-on-exec
  if (fd < 0) return unavailable("create", errno);
  return Fd(static_cast<int>(fd));
}

}  // namespace novacron::broker
