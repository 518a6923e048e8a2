// Whatever comes down the process table's stream (the broker's BPF task iterator, or something
// posing as it): the reader must neither crash nor keep anything but well-formed processes, one
// per pid, in pid order, with names of at most 16 bytes. The first byte splits the input into
// two reads, as a stream arrives in pieces, and a second stream follows the first on the same
// reader, as scans follow each other.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "collectors/host/task_records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron::collectors;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = std::min<size_t>(static_cast<size_t>(data[0]) * 4, in.size());
  TaskRecords records(4096, 100);
  std::vector<ProcessInfo> out;
  for (int scan = 0; scan < 2; ++scan) {
    records.add(in.substr(0, cut));
    records.add(in.substr(cut));
    auto r = records.finish(out);
    if (r && in.size() % 64 != 0) std::abort();  // a cut record must be refused
    int last = 0;
    for (const auto& p : out) {
      if (p.pid <= last || p.name.size() > 16 || p.threads < 0) std::abort();
      last = p.pid;
    }
  }
  return 0;
}
