#include "collectors/host/disk_io.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::countOf;
using testing::fixtureRoot;
using testing::valueOf;

metrics::Labels dev(const char* name) { return {{"device", name}}; }

TEST(DiskstatsParseTest, RealCapture) {
  auto text = readWholeFile(fixtureRoot("real") / "proc/diskstats");
  ASSERT_TRUE(text.has_value());
  auto disks = parseDiskstats(*text);
  ASSERT_TRUE(disks.has_value()) << disks.error().message;
  ASSERT_EQ(disks->size(), 10u);
  EXPECT_EQ((*disks)[8].device, "vda");
  EXPECT_EQ((*disks)[8].counters[DiskCounters::kSectorsRead], 2730570u);
  EXPECT_EQ((*disks)[8].counters[DiskCounters::kIoMillis], 7204u);
}

TEST(DiskIoCollectorTest, WholeDevicesOnlyWithRates) {
  testing::ScratchRoot root;
  root.load("t0");
  DiskIoCollector io(root.path());
  ASSERT_TRUE(io.collect(at(), 100ms).has_value());
  root.load("t1");
  auto s = io.collect(at(1s), 100ms);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(valueOf(*s, "novacron_disk_read_bytes_per_second", dev("vda")), 1024.0 * 1024);
  EXPECT_EQ(valueOf(*s, "novacron_disk_written_bytes_per_second", dev("vda")), 2048.0 * 1024);
  EXPECT_EQ(valueOf(*s, "novacron_disk_reads_per_second", dev("vda")), 100.0);
  EXPECT_EQ(valueOf(*s, "novacron_disk_writes_per_second", dev("vda")), 200.0);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_disk_io_time_ratio", dev("vda")), 0.5);
  // sda's io_ticks is a 32-bit counter that wrapped: 392 ms of I/O in one second.
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_disk_io_time_ratio", dev("sda")), 0.392);
  // vda1 is a partition and loop0 a loop device: neither is reported.
  EXPECT_FALSE(valueOf(*s, "novacron_disk_reads_per_second", dev("vda1")).has_value());
  EXPECT_FALSE(valueOf(*s, "novacron_disk_reads_per_second", dev("loop0")).has_value());
  EXPECT_EQ(countOf(*s, "novacron_disk_reads_per_second"), 2u);
}

TEST(DiskIoCollectorTest, MissingAndMalformedAreErrors) {
  DiskIoCollector missing(fixtureRoot("empty"));
  testing::expectCollectError(missing, ErrorCode::kNotFound);
  DiskIoCollector bad(fixtureRoot("malformed"));
  testing::expectCollectError(bad, ErrorCode::kMalformed);
}

}  // namespace
}  // namespace novacron::collectors
