#pragma once
// One task (a thread) as the broker's BPF task iterator writes it (broker/bpf/tasks.bpf.c) and
// the agent reads it (collectors/host/task_records.h). Plain C with fixed-size fields, so that
// the BPF program and the reader share one layout; the static assertions below keep it so.
#include <linux/types.h>

#define NOVACRON_TASK_COMM 16

struct novacron_task {
  __s32 tgid;       /* the process */
  __s32 pid;        /* the thread: tgid for the process's leader */
  __u32 state;      /* __state | exit_state: the bits /proc/PID/stat's state letter comes from */
  __s32 threads;    /* the process's threads (leader only) */
  __u64 runtime_ns; /* CPU time of this thread; the leader's adds its exited threads' */
  __u64 start_ns;   /* start after boot, suspend included (leader only) */
  __u64 rss_pages;  /* file + anon + shmem resident pages (leader only; 0 for kernel threads) */
  __u64 reserved;
  char comm[NOVACRON_TASK_COMM]; /* NUL-terminated unless all 16 bytes are used */
};

#ifdef __cplusplus
static_assert(sizeof(novacron_task) == 64, "the BPF program writes 64-byte records");
#endif
