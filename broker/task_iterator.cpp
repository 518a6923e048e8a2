#include "broker/task_iterator.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "io/shared_library.h"

namespace novacron::broker {

namespace {

// libbpf and libelf are mapped only by a process that loads the iterator: the broker, at the
// agent's first scan. The agent never maps them.
// clang-format off
#define NOVACRON_BPF_FUNCTIONS(X) \
  X(libbpf_set_print) \
  X(bpf_object__open_mem) \
  X(bpf_object__load) \
  X(bpf_object__find_program_by_name) \
  X(bpf_object__close) \
  X(bpf_program__attach_iter) \
  X(bpf_link__fd) \
  X(bpf_link__destroy) \
  X(bpf_iter_create)
// clang-format on

struct Bpf {
#define NOVACRON_BPF_MEMBER(name) decltype(&::name) name = nullptr;
  NOVACRON_BPF_FUNCTIONS(NOVACRON_BPF_MEMBER)
#undef NOVACRON_BPF_MEMBER
  std::string error;
  bool ok = false;
};

Bpf loadBpf() {
  Bpf l;
  constexpr const char* kSoname = "libbpf.so.1";
  void* h = openLibrary(kSoname, "libbpf1", l.error);
  if (!h) return l;
  bool ok = true;
#define NOVACRON_BPF_LOAD(name) ok = ok && bindFunction(h, kSoname, #name, l.name, l.error);
  NOVACRON_BPF_FUNCTIONS(NOVACRON_BPF_LOAD)
#undef NOVACRON_BPF_LOAD
  l.ok = ok;
  return l;
}

// Loaded once, thread-safe; only called after load() has checked it loaded.
const Bpf& bpf() {
  static const Bpf loaded = loadBpf();
  return loaded;
}

// The initial pid namespace's inode number (PROC_PID_INIT_INO): a fixed constant of the kernel.
constexpr ino_t kInitialPidNamespace = 0xEFFFFFFCu;

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

Error unavailable(const std::string& what, int err) {
  std::string m = "BPF task iterator: " + what + ": " + std::strerror(err);
  if (!g_last_warning.empty()) m += " (" + g_last_warning + ")";
  return makeError(ErrorCode::kUnavailable, m);
}

struct ObjectCloser {
  void operator()(bpf_object* o) const { bpf().bpf_object__close(o); }
};
struct LinkCloser {
  void operator()(bpf_link* l) const { bpf().bpf_link__destroy(l); }
};

}  // namespace

Result<TaskIterator> TaskIterator::load() {
  struct stat ns {};
  if (::stat("/proc/self/ns/pid", &ns) != 0) return unavailable("/proc/self/ns/pid", errno);
  if (ns.st_ino != kInitialPidNamespace)
    return makeError(ErrorCode::kUnavailable, "BPF task iterator: not in the host's pid namespace");
  const Bpf& b = bpf();
  if (!b.ok) return makeError(ErrorCode::kUnavailable, "BPF task iterator: " + b.error);
  g_last_warning.clear();
  libbpf_print_fn_t previous = b.libbpf_set_print(keepWarning);
  struct Restore {
    libbpf_print_fn_t fn;
    ~Restore() { bpf().libbpf_set_print(fn); }
  } restore{previous};

  auto bytes = tasksBpfObject();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "novacron_tasks");
  std::unique_ptr<bpf_object, ObjectCloser> object(
      b.bpf_object__open_mem(bytes.data(), bytes.size(), &opts));
  if (!object) return unavailable("open", errno);
  if (b.bpf_object__load(object.get()) != 0) return unavailable("load", errno);
  bpf_program* program = b.bpf_object__find_program_by_name(object.get(), "novacron_tasks");
  if (!program) return unavailable("no program", ENOENT);
  std::unique_ptr<bpf_link, LinkCloser> link(b.bpf_program__attach_iter(program, nullptr));
  if (!link) return unavailable("attach", errno);
  // The kernel's link lives on in this descriptor: libbpf's objects (and the kernel BTF it
  // read to relocate the program, megabytes) are freed now.
  int fd = ::fcntl(b.bpf_link__fd(link.get()), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return unavailable("dup", errno);
  return TaskIterator(Fd(fd));
}

Result<Fd> TaskIterator::open() const {
  int fd = bpf().bpf_iter_create(link_.get());
  if (fd < 0) return unavailable("create", errno);
  return Fd(fd);
}

}  // namespace novacron::broker
