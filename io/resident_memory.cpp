#include "io/resident_memory.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace novacron::io {

namespace {

struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;
  bool read_only_file = false;  // a file's pages, mapped without write permission
  bool anonymous_pages = true;  // some page was copied on write (relocations, a debugger)
};

void release(const Mapping& m) {
  // Only a read-only file mapping none of whose pages was ever copied: MADV_DONTNEED there drops
  // page table entries and nothing else, and the next access maps the file's page again. On a
  // copied page it would put back the file's bytes (unrelocated pointers) instead of ours.
  if (!m.read_only_file || m.anonymous_pages || m.end <= m.start) return;
  ::madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED);
}

}  // namespace

void releaseStartupMemory() {
  // Whole lines, however long a path is: a line cut in two could read as a range of its own.
  std::ifstream smaps("/proc/self/smaps");
  Mapping current;
  for (std::string line; std::getline(smaps, line);) {
    Mapping next;
    char perms[8] = {};
    char path[2] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %*s %1s", &next.start, &next.end, perms,
                    path) >= 3) {
      release(current);
      next.read_only_file = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && path[0] == '/';
      current = next;
    } else if (line.starts_with("Anonymous:")) {
      unsigned long kb = 1;
      current.anonymous_pages = std::sscanf(line.c_str(), "Anonymous: %lu", &kb) != 1 || kb != 0;
    }
  }
  release(current);
  ::malloc_trim(0);
}

}  // namespace novacron::io
