#include "io/resident_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace novacron::io {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kPages = 64;

// A file of kPages pages, each filled with its own number, mapped with `prot`.
class MappedFile {
 public:
  explicit MappedFile(int prot) {
    char path[] = "/tmp/novacron-resident-XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    ::unlink(path);
    std::string bytes;
    for (size_t i = 0; i < kPages; ++i)
      bytes += std::string(kPage, static_cast<char>('a' + i % 26));
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    data_ = static_cast<char*>(::mmap(nullptr, kPages * kPage, prot, MAP_PRIVATE, fd, 0));
    EXPECT_NE(data_, MAP_FAILED);
    ::close(fd);
  }
  ~MappedFile() { ::munmap(data_, kPages * kPage); }
  char* data() const { return data_; }

  // Pages mapped in this process now (/proc/self/pagemap's present bit, readable without root).
  size_t presentPages() const {
    int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    size_t present = 0;
    for (size_t i = 0; i < kPages; ++i) {
      std::uint64_t entry = 0;
      off_t at = static_cast<off_t>((reinterpret_cast<std::uintptr_t>(data_) / kPage + i) * 8);
      EXPECT_EQ(::pread(fd, &entry, 8, at), 8);
      present += (entry >> 63) & 1;
    }
    ::close(fd);
    return present;
  }

 private:
  char* data_ = nullptr;
};

int touchAll(const char* data) {
  int sum = 0;
  for (size_t i = 0; i < kPages; ++i) sum += static_cast<volatile const char*>(data)[i * kPage];
  return sum;
}

TEST(ResidentMemoryTest, ReadOnlyFilePagesAreUnmappedAndReadBackUnchanged) {
  MappedFile file(PROT_READ);
  int sum = touchAll(file.data());
  ASSERT_EQ(file.presentPages(), kPages);
  releaseStartupMemory();
  EXPECT_EQ(file.presentPages(), 0u);
  EXPECT_EQ(touchAll(file.data()), sum);  // mapped again from the page cache, the same bytes
  EXPECT_EQ(file.data()[5 * kPage + 17], 'f');
}

TEST(ResidentMemoryTest, PagesWrittenBeforeBecomingReadOnlyKeepWhatWasWritten) {
  // As the dynamic linker does with relocated data (RELRO): written, then made read-only. These
  // pages are copies; dropping them would bring back the file's bytes.
  MappedFile file(PROT_READ | PROT_WRITE);
  touchAll(file.data());
  file.data()[3 * kPage] = '!';
  ASSERT_EQ(::mprotect(file.data(), kPages * kPage, PROT_READ), 0);
  releaseStartupMemory();
  EXPECT_EQ(file.data()[3 * kPage], '!');
  EXPECT_EQ(file.presentPages(), kPages);
}

TEST(ResidentMemoryTest, WritableMappingsAreLeftAlone) {
  MappedFile file(PROT_READ | PROT_WRITE);
  touchAll(file.data());
  releaseStartupMemory();
  EXPECT_EQ(file.presentPages(), kPages);
  file.data()[9 * kPage] = '?';
  releaseStartupMemory();
  EXPECT_EQ(file.data()[9 * kPage], '?');
}

}  // namespace
}  // namespace novacron::io
