#include "io/postgres/pg_connection.h"
#include "io/redis/redis_connection.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "tests/support/fixture.h"
#include "tests/support/hostile_user.h"
#include "tests/support/io_thread.h"
#include "tests/support/squatter.h"

namespace novacron::io {
namespace {

using namespace std::chrono_literals;

Result<void> connectTo(testing::IoThread& io, uint16_t port, const std::string& pw_file,
                       const std::string& server_user) {
  std::promise<Result<void>> done;
  auto conn = io.run([&] { return RedisConnection::create(io.io()); });
  RedisAddress address;
  address.host = "127.0.0.1";
  address.port = port;
  RedisCredentials creds;
  creds.password_file = pw_file;
  creds.server_user = server_user;
  io.run([&] {
    conn->connect(address, creds, "novacron-agent", 1500ms,
                  [&](Result<void> r) { done.set_value(std::move(r)); });
    return 0;
  });
  auto r = done.get_future().get();
  io.run([&] {
    conn->close();
    return 0;
  });
  return r;
}

// As reported: the password went to whatever listened on the configured port. A local user
// (nobody) who binds it first gets a connection and not one byte; the same squatter named as the
// expected user gets the AUTH, which shows the check is what kept it out.
TEST(SecretPeerTest, ARedisPasswordGoesOnlyToAServerOfTheExpectedUser) {
  auto user = testing::hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  const uid_t nobody = user->uid;
  const gid_t nogroup = user->gid;
  testing::ScratchRoot dir;
  std::string file = (dir.path() / "redis.pw").string();
  std::ofstream(file) << "s3cret-pass\n";
  ::chmod(file.c_str(), 0600);
  testing::IoThread io;
  {
    testing::Squatter squatter(nobody, nogroup);
    ASSERT_NE(squatter.port(), 0);
    auto r = connectTo(io, squatter.port(), file, "redis");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kPermission);
    EXPECT_NE(
        r.error().message.find("is nobody (uid " + std::to_string(nobody) + "), not redis or root"),
        std::string::npos)
        << r.error().message;
    EXPECT_EQ(squatter.received(), "") << "the squatter was sent something";
  }
  {
    testing::Squatter squatter(nobody, nogroup);
    auto r = connectTo(io, squatter.port(), file, "nobody");
    EXPECT_FALSE(r);  // it never answers
    EXPECT_NE(squatter.received().find("s3cret-pass"), std::string::npos);
  }
}

// The same for PostgreSQL, where libpq may send a password from the DSN, a passfile or the
// environment: a server on this host that is not the expected user's gets not even the startup
// packet.
TEST(SecretPeerTest, PostgreSQLTalksOnlyToAServerOfTheExpectedUser) {
  auto user = testing::hostileUser();
  if (!user) GTEST_SKIP() << "needs root and the user nobody";
  const uid_t nobody = user->uid;
  const gid_t nogroup = user->gid;
  testing::IoThread io;
  testing::Squatter squatter(nobody, nogroup);
  ASSERT_NE(squatter.port(), 0);
  std::promise<Result<void>> done;
  auto conn = io.run([&] { return io::PgConnection::create(io.io()); });
  io.run([&] {
    conn->connect(
        "host=127.0.0.1 port=" + std::to_string(squatter.port()) +
            " user=agent password=pg-s3cret dbname=postgres connect_timeout=2",
        1500ms, [&](Result<void> r) { done.set_value(std::move(r)); }, "postgres",
        "the PostgreSQL instance main");
    return 0;
  });
  auto r = done.get_future().get();
  io.run([&] {
    conn->close();
    return 0;
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermission) << r.error().message;
  EXPECT_NE(r.error().message.find("not postgres or root"), std::string::npos) << r.error().message;
  EXPECT_EQ(squatter.received(), "") << "libpq sent the squatter something";
}

}  // namespace
}  // namespace novacron::io
