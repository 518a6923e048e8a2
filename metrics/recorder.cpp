#include "metrics/recorder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "metrics/sample_json.h"

namespace novacron::metrics {

Recorder::Recorder(std::filesystem::path path, uint64_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {}

Recorder::~Recorder() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> Recorder::open() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0)
    return makeError(ErrorCode::kIo,
                     "record: cannot open " + path_.string() + ": " + std::strerror(errno));
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return {};
}

Result<void> Recorder::append(TimePoint t, std::span<const metrics::Sample> samples) {
  if (fd_ < 0) {
    if (auto r = open(); !r) return r;
  }
  std::string batch;
  for (const auto& s : samples) batch += sampleJsonLine(t, s);
  if (size_ + batch.size() > max_bytes_ && size_ > 0) {
    ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    std::filesystem::rename(path_, path_.string() + ".1", ec);
    if (auto r = open(); !r) return r;
  }
  size_t off = 0;
  while (off < batch.size()) {
    ssize_t n = ::write(fd_, batch.data() + off, batch.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(ErrorCode::kIo,
                       "record: write " + path_.string() + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  size_ += batch.size();
  return {};
}

}  // namespace novacron::metrics
