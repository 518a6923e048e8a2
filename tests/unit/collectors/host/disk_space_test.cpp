#include "collectors/host/disk_space.h"

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
#include <thread>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::fixtureRoot;
using testing::valueOf;

metrics::Labels fs(const char* device, const char* fstype, const char* mount) {
  return {{"device", device}, {"fstype", fstype}, {"mount", mount}};
}

struct statvfs sample(uint64_t blocks, uint64_t bfree, uint64_t bavail, uint64_t files,
                      uint64_t ffree) {
  struct statvfs st {};
  st.f_frsize = 4096;
  st.f_bsize = 4096;
  st.f_blocks = blocks;
  st.f_bfree = bfree;
  st.f_bavail = bavail;
  st.f_files = files;
  st.f_ffree = ffree;
  return st;
}

// A statvfs stand-in: "/mnt/nas" hangs until released, "/srv/my files" fails with EACCES.
class FakeFs {
 public:
  FakeFs() : release_(gate_.get_future().share()) {}
  ~FakeFs() { release(); }
  void release() {
    std::call_once(once_, [&] { gate_.set_value(); });
  }
  StatfsFn fn() {
    return [release = release_](const std::string& path, struct statvfs* out) {
      if (path == "/mnt/nas") release.wait();
      if (path == "/srv/my files") return EACCES;
      *out = sample(1000, 300, 200, 100, 25);
      return 0;
    };
  }

 private:
  std::promise<void> gate_;
  std::shared_future<void> release_;
  std::once_flag once_;
};

TEST(MountsParseTest, EscapesAndFields) {
  auto m = parseMounts("/dev/vdd1 /srv/my\\040files ext4 ro,relatime 0 0\n");
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].mountpoint, "/srv/my files");
  EXPECT_EQ((*m)[0].fstype, "ext4");
  EXPECT_TRUE((*m)[0].read_only);
  auto bad = parseMounts("justonefield\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kMalformed);
}

TEST(MountsParseTest, OptionsByName) {
  auto m = parseMounts("proc /proc proc rw,nosuid,hidepid=invisible,subset=pid 0 0\n");
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->size(), 1u);
  const std::string& o = (*m)[0].options;
  EXPECT_EQ(mountOption(o, "hidepid"), "invisible");
  EXPECT_EQ(mountOption(o, "subset"), "pid");
  EXPECT_EQ(mountOption(o, "nosuid"), "");
  EXPECT_FALSE(mountOption(o, "hide"));  // a prefix of a name is not the name
  EXPECT_FALSE(mountOption(o, "ro"));
  EXPECT_FALSE((*m)[0].read_only);
  EXPECT_FALSE(mountOption("", "ro"));
  EXPECT_EQ(mountOption("a=,b", "a"), "");
}

TEST(DiskSpaceCollectorTest, SpaceInodesAndAHungMountThatNeverStallsTheCaller) {
  FakeFs fake;
  DiskSpaceOptions opts;
  opts.statfs_timeout = 10ms;
  DiskSpaceCollector disk(fixtureRoot("t0"), opts, fake.fn());

  auto start = std::chrono::steady_clock::now();
  auto s = disk.collect(at(), 20ms);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_LT(took, 1s) << "a hung statvfs must cost at most the budget";

  auto root = fs("/dev/vda1", "ext4", "/");
  EXPECT_EQ(valueOf(*s, "novacron_disk_size_bytes", root), 4096000.0);
  EXPECT_EQ(valueOf(*s, "novacron_disk_free_bytes", root), 819200.0);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_disk_used_ratio", root), 700.0 / 900.0);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_disk_inodes_used_ratio", root), 0.75);
  EXPECT_EQ(valueOf(*s, "novacron_disk_up", root), 1.0);
  EXPECT_EQ(valueOf(*s, "novacron_disk_read_only", root), 0.0);
  // Mounted over: only the visible (last) filesystem of /mnt/data is reported.
  EXPECT_EQ(valueOf(*s, "novacron_disk_read_only", fs("/dev/vdc1", "xfs", "/mnt/data")), 1.0);
  EXPECT_FALSE(valueOf(*s, "novacron_disk_up", fs("/dev/vdb1", "ext4", "/mnt/data")).has_value());
  // Pseudo filesystems are skipped.
  EXPECT_FALSE(valueOf(*s, "novacron_disk_up", fs("proc", "proc", "/proc")).has_value());
  EXPECT_FALSE(valueOf(*s, "novacron_disk_up",
                       fs("overlay", "overlay", "/var/lib/docker/overlay2/abc/merged"))
                   .has_value());
  // A failing statvfs and a hung one are both reported down, without space figures.
  auto denied = fs("/dev/vdd1", "ext4", "/srv/my files");
  EXPECT_EQ(valueOf(*s, "novacron_disk_up", denied), 0.0);
  EXPECT_FALSE(valueOf(*s, "novacron_disk_size_bytes", denied).has_value());
  auto nas = fs("nas:/export", "nfs4", "/mnt/nas");
  EXPECT_EQ(valueOf(*s, "novacron_disk_up", nas), 0.0);
  EXPECT_FALSE(valueOf(*s, "novacron_disk_used_ratio", nas).has_value());

  // While it hangs, the mount is not asked again and costs nothing.
  start = std::chrono::steady_clock::now();
  auto again = disk.collect(at(1s), 20ms);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(valueOf(*again, "novacron_disk_up", nas), 0.0);
  EXPECT_EQ(valueOf(*again, "novacron_disk_up", root), 1.0);

  // When the server comes back, the mount is reported up again: as soon as the hung call has
  // returned on its thread, which a loaded machine may schedule late (bounded in time, not in
  // collections, which cost nothing while it hangs).
  fake.release();
  std::optional<double> up;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (int i = 0; up != 1.0 && std::chrono::steady_clock::now() < deadline; ++i) {
    auto r = disk.collect(at(2s + i * 1ms), 20ms);
    ASSERT_TRUE(r.has_value());
    up = valueOf(*r, "novacron_disk_up", nas);
    if (up != 1.0) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(up, 1.0);
}

TEST(DiskSpaceCollectorTest, ConfiguredExcludesReplaceTheDefaults) {
  FakeFs fake;
  fake.release();
  DiskSpaceOptions opts;
  opts.exclude_fstypes = {"tmpfs", "nfs4", "proc", "sysfs", "overlay"};
  DiskSpaceCollector disk(fixtureRoot("t0"), opts, fake.fn());
  auto s = disk.collect(at(), 500ms);
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(valueOf(*s, "novacron_disk_up", fs("tmpfs", "tmpfs", "/run")).has_value());
  EXPECT_FALSE(valueOf(*s, "novacron_disk_up", fs("nas:/export", "nfs4", "/mnt/nas")).has_value());
  EXPECT_EQ(valueOf(*s, "novacron_disk_up", fs("/dev/vda1", "ext4", "/")), 1.0);
}

TEST(DiskSpaceCollectorTest, RealStatfsOnThisHost) {
  DiskSpaceCollector disk("/", DiskSpaceOptions{});
  auto s = disk.collect(at(), 1s);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  bool root_seen = false;
  for (const auto& sample : *s) {
    if (sample.metric->name != "novacron_disk_size_bytes") continue;
    for (const auto& l : sample.labels)
      root_seen = root_seen || (l.name == "mount" && l.value == "/");
  }
  EXPECT_TRUE(root_seen);
}

// The mount table is read again only when the kernel says it changed: a mount made after the
// first collection is seen at the next, and one unmounted goes. In a child with a mount
// namespace of its own, so that nothing is left on the host whatever happens.
TEST(DiskSpaceCollectorTest, AMountMadeOrRemovedAfterStartIsSeenAtTheNextCollection) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a tmpfs mount)";
  testing::ScratchRoot scratch;
  const std::string dir = (scratch.path() / "later").string();
  std::filesystem::create_directories(dir);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      ::_exit(10);
    DiskSpaceCollector disk("/", DiskSpaceOptions{});
    auto seen = [&] {
      auto s = disk.collect(at(), 5s);
      if (!s) ::_exit(11);
      return valueOf(*s, "novacron_disk_up", fs("tmpfs", "tmpfs", dir.c_str())).has_value();
    };
    if (seen()) ::_exit(12);
    if (seen()) ::_exit(13);  // unchanged: the reading held
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m") != 0) ::_exit(14);
    if (!seen()) ::_exit(15);
    if (::umount(dir.c_str()) != 0) ::_exit(16);
    if (seen()) ::_exit(17);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 namespace, 11 collect, 12-13 seen before the mount, "
                                       "14 mount, 15 not seen after it, 16 umount, 17 still seen";
}

TEST(DiskSpaceCollectorTest, MissingAndMalformedMountsAreErrors) {
  DiskSpaceCollector missing(fixtureRoot("empty"), DiskSpaceOptions{});
  testing::expectCollectError(missing, ErrorCode::kNotFound);
  DiskSpaceCollector bad(fixtureRoot("malformed"), DiskSpaceOptions{});
  testing::expectCollectError(bad, ErrorCode::kMalformed);
}

TEST(StatfsWorkerTest, AStuckThreadGetsAReplacementUpToTheCap) {
  std::promise<void> gate;
  std::shared_future<void> released = gate.get_future().share();
  {
    StatfsWorker worker(
        [released](const std::string& path, struct statvfs* out) {
          if (path.starts_with("/stuck")) released.wait();
          *out = sample(10, 5, 5, 0, 0);
          return 0;
        },
        2);
    EXPECT_TRUE(worker.request("/stuck1"));
    EXPECT_FALSE(worker.request("/stuck1")) << "a path in flight is not asked twice";
    EXPECT_TRUE(worker.request("/ok"));
    worker.waitFor({"/ok"}, std::chrono::steady_clock::now() + 5s);
    EXPECT_FALSE(worker.state("/ok").in_flight);
    EXPECT_TRUE(worker.state("/ok").result.has_value());
    EXPECT_EQ(worker.threads(), 2u);

    // Both threads stuck: a third path waits in the queue rather than spawning past the cap.
    EXPECT_TRUE(worker.request("/stuck2"));
    EXPECT_TRUE(worker.request("/later"));
    worker.waitFor({"/later"}, std::chrono::steady_clock::now() + 50ms);
    EXPECT_EQ(worker.threads(), 2u);
    EXPECT_TRUE(worker.state("/later").in_flight);
    EXPECT_TRUE(worker.state("/stuck1").in_flight);
  }
  // The worker is gone with threads still stuck; releasing them must be safe.
  gate.set_value();
}

TEST(DiskSpaceCollectorTest, AMountPointThatIsNotTextIsStatedAsItIsAndLabelledAsText) {
  // A filesystem mounted at "donn\xe9es" (Latin-1), as the kernel shows it: raw bytes.
  testing::ScratchRoot root;
  root.load("empty");
  std::filesystem::create_directories(root.path() / "proc/self");
  std::ofstream(root.path() / "proc/self/mounts") << "/dev/loop9 /srv/donn\xe9"
                                                     "es ext4 rw,relatime 0 0\n";
  std::string stated;
  DiskSpaceCollector disk(root.path(), {}, [&](const std::string& path, struct statvfs* out) {
    stated = path;
    *out = sample(1000, 300, 200, 100, 25);
    return 0;
  });
  auto s = disk.collect(at(), 500ms);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(stated,
            "/srv/donn\xe9"
            "es")
      << "statvfs gets the real path";
  auto label = fs("/dev/loop9", "ext4",
                  "/srv/donn\xef\xbf\xbd"
                  "es");
  EXPECT_EQ(valueOf(*s, "novacron_disk_up", label), 1.0) << "the label is valid UTF-8";
}

}  // namespace
}  // namespace novacron::collectors
