#include "io/memory_release.h"

namespace novacron::io {

void MemoryRelease::start(std::chrono::milliseconds first, std::chrono::milliseconds every) {
  every_ = every;
  wait(first);
}

void MemoryRelease::wait(std::chrono::milliseconds delay) {
  timer_.expires_after(delay);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // stopped, or started over
    release_();
    wait(every_);
  });
}

}  // namespace novacron::io
