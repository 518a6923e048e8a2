// The process table as one stream of fixed-size records: a BPF task iterator the root broker
// loads once and the agent reads at each scan (one read() of the whole table instead of an
// open, read and close of /proc/PID/stat a process, which alone costs about 10 µs a process).
//
// No vmlinux.h: the few kernel types read are declared here with preserve_access_index, and
// libbpf relocates each field against the running kernel's BTF (CO-RE), so one object serves
// every kernel from 5.8 (task iterators) on; a field a kernel lacks fails the load, and the
// agent reads /proc instead.
#include <linux/types.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "collectors/host/task_record.h"

#define CORE __attribute__((preserve_access_index))

struct bpf_iter_meta {
  struct seq_file* seq;
} CORE;

struct sched_entity {
  __u64 sum_exec_runtime;
} CORE;

struct signal_struct {
  int nr_threads;
  __u64 sum_sched_runtime;
} CORE;

// Since 6.2 each RSS counter is a percpu_counter; its `count` is what /proc shows too.
struct percpu_counter {
  __s64 count;
} CORE;

struct mm_struct {
  struct percpu_counter rss_stat[4];
} CORE;

// Before 6.2: one atomic_long_t per counter.
typedef struct {
  __s64 counter;
} atomic_long_t___pre62;

struct mm_rss_stat {
  atomic_long_t___pre62 count[4];
} CORE;

struct mm_struct___pre62 {
  struct mm_rss_stat rss_stat;
} CORE;

struct task_struct {
  unsigned int __state;
  int exit_state;
  int pid;
  int tgid;
  char comm[NOVACRON_TASK_COMM];
  struct sched_entity se;
  struct signal_struct* signal;
  struct mm_struct* mm;
  __u64 start_boottime;
} CORE;

// Before 5.14 the state was a long named `state`.
struct task_struct___pre514 {
  long state;
} CORE;

struct bpf_iter__task {
  struct bpf_iter_meta* meta;
  struct task_struct* task;
} CORE;

// The counters the kernel's get_mm_rss() adds: MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES.
enum { kFilePages = 0, kAnonPages = 1, kShmemPages = 3 };

static __u64 rssPages(struct mm_struct* mm) {
  __s64 n;
  if (bpf_core_type_exists(struct mm_rss_stat)) {
    struct mm_struct___pre62* old = (void*)mm;
    n = old->rss_stat.count[kFilePages].counter + old->rss_stat.count[kAnonPages].counter +
        old->rss_stat.count[kShmemPages].counter;
  } else {
    n = mm->rss_stat[kFilePages].count + mm->rss_stat[kAnonPages].count +
        mm->rss_stat[kShmemPages].count;
  }
  return n > 0 ? (__u64)n : 0;
}

SEC("iter/task")
int novacron_tasks(struct bpf_iter__task* ctx) {
  struct task_struct* task = ctx->task;
  if (!task) return 0;  // the end of the walk
  struct novacron_task rec = {};
  rec.tgid = task->tgid;
  rec.pid = task->pid;
  if (bpf_core_field_exists(task->__state)) {
    rec.state = task->__state;
  } else {
    struct task_struct___pre514* old = (void*)task;
    rec.state = (__u32)old->state;
  }
  rec.state |= (__u32)task->exit_state;
  rec.runtime_ns = task->se.sum_exec_runtime;
  if (rec.pid == rec.tgid) {
    struct signal_struct* sig = task->signal;
    rec.threads = sig->nr_threads;
    rec.runtime_ns += sig->sum_sched_runtime;
    rec.start_ns = task->start_boottime;
    struct mm_struct* mm = task->mm;
    if (mm) rec.rss_pages = rssPages(mm);
    __builtin_memcpy(rec.comm, task->comm, sizeof rec.comm);
  }
  bpf_seq_write(ctx->meta->seq, &rec, sizeof rec);
  return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
