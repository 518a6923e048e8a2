#include "collectors/redis/redis.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "base/secret.h"
#include "collectors/redis/redis_set.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fixture.h"
#include "tests/support/io_thread.h"
#include "tests/support/redis_server.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

// A server that speaks no Redis: it answers every connection's first bytes with `reply` (or
// never, when empty), then holds the connection until the test ends.
class HostileServer {
 public:
  explicit HostileServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 16);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HostileServer() {
    stop_ = true;
    thread_.join();
    for (int c : clients_) ::close(c);
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      clients_.push_back(c);
      char buf[4096];
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 2000) > 0 && ::recv(c, buf, sizeof(buf), 0) > 0 && !reply_.empty())
        ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    }
  }
  std::string reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<int> clients_;
  std::thread thread_;
};

RedisConfig instance(std::string name, uint16_t port) {
  RedisConfig c;
  c.name = std::move(name);
  c.address = {"127.0.0.1", port, {}};
  c.interval = 1s;
  c.timeout = 300ms;
  return c;
}

struct Harness {
  testing::IoThread io;
  testing::FakeClock clock{testing::at()};
  std::unique_ptr<RedisSet> set;
  std::vector<RedisConfig> configs;

  explicit Harness(std::vector<RedisConfig> instances) : configs(std::move(instances)) {
    io.run([&] {
      set = std::make_unique<RedisSet>(io.io(), clock, nullptr);
      set->configure(configs);
      return 0;
    });
  }
  ~Harness() {
    io.run([&] {
      set.reset();
      return 0;
    });
  }
  nlohmann::json describe() {
    return io.run([&] { return set->describe(); });
  }
  std::vector<SourceStatus> rows() {
    return io.run([&] {
      std::vector<SourceStatus> r;
      set->status(r);
      return r;
    });
  }
  // Waits (bounded, generously) until `done` holds for the status rows.
  template <class F>
  bool waitFor(F done) {
    for (int i = 0; i < 3000; ++i) {
      if (done(rows())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  bool waitStatus(const std::string& name, const std::string& status) {
    return waitFor([&](const std::vector<SourceStatus>& rows) {
      for (const auto& r : rows)
        if (r.name == name && r.status == status) return true;
      return false;
    });
  }
  std::string detail(const std::string& name) {
    for (const auto& r : rows())
      if (r.name == name) return r.detail;
    return "?";
  }
};

TEST(RedisCollectorTest, ARealServerOverTcpAndItsUnixSocketWithAPassword) {
  RedisServer redis("s3cret-pass");
  ASSERT_NE(redis.command("SET greeting hello"), "");
  auto pw = redis.dir() / "password";
  testing::writeSecret(pw, "s3cret-pass\n");
  RedisConfig tcp = instance("tcp", redis.port());
  tcp.credentials.password_file = pw;
  RedisConfig unix_socket = instance("unix", 0);
  unix_socket.address = {"", 0, redis.socketPath()};
  unix_socket.credentials.password_file = pw;
  RedisConfig nopass = instance("nopass", redis.port());
  RedisConfig wrong = instance("wrong", redis.port());
  auto wrong_pw = redis.dir() / "wrong";
  testing::writeSecret(wrong_pw, "guess\n");
  wrong.credentials.password_file = wrong_pw;
  Harness h({tcp, unix_socket, nopass, wrong});
  ASSERT_TRUE(h.waitStatus("tcp", "ok")) << h.detail("tcp");
  ASSERT_TRUE(h.waitStatus("unix", "ok")) << h.detail("unix");
  ASSERT_TRUE(h.waitStatus("nopass", "down"));
  EXPECT_NE(h.detail("nopass").find("NOAUTH"), std::string::npos) << h.detail("nopass");
  ASSERT_TRUE(h.waitStatus("wrong", "down"));
  EXPECT_NE(h.detail("wrong").find("authentication refused"), std::string::npos)
      << h.detail("wrong");
  EXPECT_EQ(h.detail("wrong").find("guess"), std::string::npos) << "a password is never shown";
  auto d = h.describe();
  const auto& one = d["instances"][0];
  EXPECT_EQ(one["name"], "tcp");
  EXPECT_EQ(one["metrics"]["keys{db=db0}"], 1);
  EXPECT_EQ(one["metrics"]["up"], 1);
  EXPECT_EQ(one["info"]["redis_version"].get<std::string>().substr(0, 1), "7");
  // The agent names its connection, so an operator (and CLIENT KILL) can tell it apart.
  EXPECT_NE(redis.command("CLIENT LIST").find("name=novacron-agent"), std::string::npos);
}

TEST(RedisCollectorTest, FrozenVanishedAndKilledConnectionsAreBoundedAndReported) {
  RedisServer redis;
  Harness h({instance("cache", redis.port())});
  ASSERT_TRUE(h.waitStatus("cache", "ok")) << h.detail("cache");

  // Its connections killed (as the CLIENT KILL action does): re-made in the same collection.
  // Each collection after it must still succeed: the uptime it reads moves on, and no
  // collection in between was down.
  auto uptime = [&] { return h.describe()["instances"][0]["metrics"]["uptime_seconds"]; };
  for (int i = 0; i < 2; ++i) {
    ASSERT_NE(redis.command("CLIENT KILL TYPE normal SKIPME yes"), "");
    auto before = uptime();
    ASSERT_TRUE(h.waitFor([&](const auto&) { return uptime() != before; }));
    EXPECT_EQ(h.rows()[0].status, "ok") << h.detail("cache");
    EXPECT_FALSE(uptime().is_null()) << h.detail("cache");
  }

  // Frozen: the collection ends within its timeout, down, and the loop goes on.
  redis.freeze(true);
  ASSERT_TRUE(h.waitStatus("cache", "down"));
  EXPECT_NE(h.detail("cache").find("no "), std::string::npos) << h.detail("cache");
  auto started = std::chrono::steady_clock::now();
  h.io.run([] { return 0; });
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "the loop is not blocked";
  redis.freeze(false);
  ASSERT_TRUE(h.waitStatus("cache", "ok")) << h.detail("cache");

  // Vanished: refused, down, and back off.
  redis.vanish();
  ASSERT_TRUE(h.waitStatus("cache", "down"));
  EXPECT_NE(h.detail("cache").find("onnect"), std::string::npos) << h.detail("cache");
}

TEST(RedisCollectorTest, ServersThatSpeakNoRedisAreBoundedAndReported) {
  HostileServer silent(""), garbage("?what is this\r\n"),
      huge("$99999999\r\n" + std::string(1 << 20, 'x')), not_info(":1\r\n");
  Harness h({instance("silent", silent.port()), instance("garbage", garbage.port()),
             instance("huge", huge.port()), instance("not_info", not_info.port())});
  for (const char* name : {"silent", "garbage", "huge", "not_info"})
    ASSERT_TRUE(h.waitStatus(name, "down")) << name << ": " << h.detail(name);
  EXPECT_NE(h.detail("silent").find("within"), std::string::npos) << h.detail("silent");
  EXPECT_NE(h.detail("garbage").find("not the Redis protocol"), std::string::npos)
      << h.detail("garbage");
  EXPECT_NE(h.detail("huge").find("larger than"), std::string::npos) << h.detail("huge");
  for (const auto& r : h.rows()) {
    for (char c : r.detail) EXPECT_TRUE(c >= 0x20 || c < 0) << r.name << ": " << r.detail;
  }
}

}  // namespace
}  // namespace novacron::collectors
