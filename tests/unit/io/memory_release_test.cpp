#include "io/memory_release.h"

#include <gtest/gtest.h>

#include <chrono>

namespace novacron::io {
namespace {

using namespace std::chrono_literals;

// Runs the loop until `done` holds, for at most a generous 30 s of wall time.
template <typename F>
bool runUntil(boost::asio::io_context& io, F done) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(100ms);
  }
  return done();
}

TEST(MemoryReleaseTest, ReleasesOnceStartUpSettlesThenOverAndOver) {
  boost::asio::io_context io;
  int releases = 0;
  MemoryRelease release(io, [&] { ++releases; });
  release.start(0ms, 1ms);
  EXPECT_TRUE(runUntil(io, [&] { return releases >= 3; })) << releases;
  release.stop();
  int stopped_at = releases;
  io.restart();
  io.poll();  // the cancelled wait completes, and releases nothing
  EXPECT_EQ(releases, stopped_at);
  EXPECT_TRUE(io.stopped());  // nothing left waiting: no release comes later
}

TEST(MemoryReleaseTest, StartingOverPutsTheNextReleaseOff) {
  boost::asio::io_context io;
  int releases = 0;
  MemoryRelease release(io, [&] { ++releases; });
  release.start(0ms, 1h);
  EXPECT_TRUE(runUntil(io, [&] { return releases == 1; }));
  // A reload starts over: the wait for the hour is cancelled, and the first release of the new
  // start comes after its own delay.
  release.start(1h, 1h);
  io.restart();
  io.poll();
  EXPECT_EQ(releases, 1);
  release.start(0ms, 1h);
  EXPECT_TRUE(runUntil(io, [&] { return releases == 2; }));
  release.stop();
}

}  // namespace
}  // namespace novacron::io
