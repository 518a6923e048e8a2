#include "agent/control/control_socket.h"

#include <gtest/gtest.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <thread>

#include <cstring>
#include <fstream>
#include <memory>

#include "cli/cli_client.h"
#include "tests/support/fixture.h"
#include "tests/support/io_thread.h"
#include "tests/support/name_swapper.h"
#include "tests/support/raw_socket.h"

namespace novacron::agent {
namespace {

using namespace std::chrono_literals;
using testing::RawSocket;

class ControlSocketTest : public ::testing::Test {
 protected:
  void start(ControlLimits limits = {}) {
    path_ = (root_.path() / "agent.sock").string();
    socket_ = std::make_unique<ControlSocket>(
        io_.io(),
        [this](std::string_view line, const PeerCredentials& p, ControlReply reply) {
          // "later" is answered when another connection sends "release"; "throw" throws.
          if (line == "later") return void(pending_ = std::move(reply));
          if (line == "throw") throw std::runtime_error("from the handler");
          if (line == "release" && pending_) pending_("{\"released\":true}");
          reply("{\"echo\":\"" + std::string(line) + "\",\"uid\":" + std::to_string(p.uid) +
                ",\"pid\":" + std::to_string(p.pid) + "}");
        },
        limits);
    auto r = io_.run([&] { return socket_->listen(path_, 0660); });
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  void TearDown() override {
    if (socket_) io_.run([&] { socket_.reset(); });
  }

  testing::ScratchRoot root_;
  testing::IoThread io_;
  std::unique_ptr<ControlSocket> socket_;
  std::string path_;
  ControlReply pending_;  // used on the event loop only
};

TEST_F(ControlSocketTest, OneLineInOneLineOutWithTheKernelsCredentials) {
  start();
  auto reply = cli::roundTrip(path_, "hello", 5s);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(*reply, "{\"echo\":\"hello\",\"uid\":" + std::to_string(::getuid()) +
                        ",\"pid\":" + std::to_string(::getpid()) + "}");
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(ControlSocketTest, SeveralRequestsOnOneConnectionAndCrLf) {
  start();
  auto s = RawSocket::unix(path_);
  ASSERT_TRUE(s.connected());
  s.send("a\nb\r\n");
  std::string got = s.receive(5s, "\"b\"");
  EXPECT_NE(got.find("\"echo\":\"a\""), std::string::npos);
  EXPECT_NE(got.find("\"echo\":\"b\""), std::string::npos);
}

TEST_F(ControlSocketTest, AReplyGivenLaterReachesItsClientAndOthersAreServedMeanwhile) {
  start();
  auto waiting = RawSocket::unix(path_);
  ASSERT_TRUE(waiting.connected());
  waiting.send("later\n");
  // The waiting request must not hold the loop: another connection is answered, and its
  // request lets the first one's reply go. The handler has the first request once the second's
  // "release" finds it, so send again until it does.
  std::string released;
  for (int i = 0; i < 300 && released.empty(); ++i) {
    EXPECT_TRUE(cli::roundTrip(path_, "release", 5s).has_value());
    released = waiting.receive(100ms, "released");
  }
  EXPECT_NE(released.find("{\"released\":true}"), std::string::npos);
  // The connection goes on with its next request.
  waiting.send("next\n");
  EXPECT_NE(waiting.receive(5s, "next").find("\"echo\":\"next\""), std::string::npos);
}

TEST_F(ControlSocketTest, AHandlerThatThrowsIsAnsweredWithAnInternalError) {
  start();
  auto reply = cli::roundTrip(path_, "throw", 5s);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_NE(reply->find("\"internal\""), std::string::npos) << *reply;
  EXPECT_TRUE(cli::roundTrip(path_, "after", 5s).has_value());
}

TEST_F(ControlSocketTest, OversizedLinesIdleClientsAndCrowdsAreRefused) {
  ControlLimits limits;
  limits.max_request_bytes = 1024;
  limits.idle_timeout = 200ms;
  limits.max_connections = 2;
  start(limits);

  auto big = RawSocket::unix(path_);
  big.send(std::string(5000, 'x'));
  EXPECT_NE(big.receive(5s, "\n").find("request_too_large"), std::string::npos);

  auto half = RawSocket::unix(path_);
  half.send("{\"cmd\":");
  EXPECT_NE(half.receive(5s, "\n").find("idle_timeout"), std::string::npos);

  auto a = RawSocket::unix(path_);
  auto b = RawSocket::unix(path_);
  a.send("1\n");
  b.send("2\n");
  ASSERT_NE(a.receive(5s, "\n").find("echo"), std::string::npos);
  ASSERT_NE(b.receive(5s, "\n").find("echo"), std::string::npos);
  auto c = RawSocket::unix(path_);
  EXPECT_NE(c.receive(5s, "\n").find("\"busy\""), std::string::npos);
}

TEST_F(ControlSocketTest, TwoHundredIdleConnectionsFromOneUserAreCappedPerUser) {
  start();  // the defaults: 256 in all, 16 per uid
  std::vector<RawSocket> idle;
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(RawSocket::unix(path_));
    ASSERT_TRUE(idle.back().connected());
  }
  for (auto& s : idle) {
    std::string got = s.receive(100ms, "\n");
    if (got.find("\"busy\"") != std::string::npos) {
      EXPECT_NE(got.find("uid " + std::to_string(::getuid()) + " already has 16"),
                std::string::npos)
          << got;
      ++refused;
    }
  }
  EXPECT_EQ(refused, 200 - 16) << "each refused with a clear error";
  // The held ones still work, and once they go, the user gets a slot again.
  idle.front().send("still here\n");
  EXPECT_NE(idle.front().receive(5s, "\n").find("still here"), std::string::npos);
  idle.clear();
  std::string got;
  for (int i = 0; i < 100 && got.find("echo") == std::string::npos; ++i) {
    auto again = RawSocket::unix(path_);
    again.send("back\n");
    got = again.receive(2s, "\n");
  }
  EXPECT_NE(got.find("\"echo\":\"back\""), std::string::npos) << got;
}

TEST_F(ControlSocketTest, AStaleSocketIsReplacedButAFileIsNot) {
  start();
  io_.run([&] {
    socket_.reset();
    return 0;
  });
  EXPECT_FALSE(std::filesystem::exists(path_)) << "stop() removes the socket";

  // A socket file left by a crash (bound, never unlinked) is replaced.
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof(a.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ::close(fd);
  }
  ASSERT_TRUE(std::filesystem::is_socket(path_));
  start();
  EXPECT_TRUE(cli::roundTrip(path_, "x", 5s).has_value());

  std::string file = (root_.path() / "not-a-socket").string();
  std::ofstream(file) << "precious";
  ControlSocket other(
      io_.io(), [](std::string_view, const PeerCredentials&, ControlReply reply) { reply("{}"); });
  auto r = io_.run([&] { return other.listen(file, 0660); });
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("is not a socket"), std::string::npos);
  std::ifstream in(file);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

// make run's default: the socket in the state directory, which belongs to the agent's user. The
// user swaps the socket's name with a symbolic link to root's file (renameat2 RENAME_EXCHANGE)
// while root, about to drop to it, makes the socket again and again: root's file keeps its
// owner and mode (the old chmod and chown by name gave it to the user on the first try).
TEST(ControlSocketRaceTest, ARenameRaceInTheUsersDirectoryNeverGivesRootsFileAway) {
  struct passwd* pw = ::getpwnam("nobody");
  if (!pw || ::geteuid() != 0) GTEST_SKIP() << "needs root and the user nobody";
  testing::ScratchRoot root;
  ::chmod(root.path().c_str(), 0755);
  auto dir = root.path() / "state";
  std::filesystem::create_directories(dir);
  ::chown(dir.c_str(), pw->pw_uid, pw->pw_gid);
  auto victim = root.path() / "shadow";
  std::ofstream(victim) << "root:secret";
  ::chmod(victim.c_str(), 0600);
  std::filesystem::create_symlink(victim, dir / "bait");
  ::lchown((dir / "bait").c_str(), pw->pw_uid, pw->pw_gid);
  testing::IoThread io;
  auto handler = [](std::string_view, const PeerCredentials&, ControlReply reply) { reply("{}"); };
  {
    // A socket left by a crash, so that both names exist for the racer.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, (dir / "agent.sock").c_str(), sizeof(a.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ::close(fd);
  }
  testing::NameSwapper racer(dir.string(), "agent.sock", "bait", pw->pw_uid, pw->pw_gid);
  ASSERT_TRUE(racer.racing());
  int made = 0, refused = 0;
  auto end = std::chrono::steady_clock::now() + 3s;
  // On one core the racer runs only when this loop gives the core up: 500 tries may all see the
  // names as it left them. The loop goes on (bounded in time) until a listen has succeeded too.
  for (int i = 0; (i < 500 || made == 0) && std::chrono::steady_clock::now() < end; ++i) {
    ControlSocket s(io.io(), handler);
    auto r = io.run([&] { return s.listen(dir / "agent.sock", 0660, pw->pw_gid, pw->pw_uid); });
    (r ? made : refused)++;
    io.run([&] { s.stop(); });
    if (!r) std::this_thread::yield();
  }
  racer.stop();
  EXPECT_GT(made, 0);
  struct stat st {};
  ASSERT_EQ(::lstat(victim.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u) << made << " made, " << refused << " refused";
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  std::ifstream in(victim);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "root:secret");
}

TEST(CliClientTest, NoAgentIsNotFound) {
  auto r = cli::roundTrip("/nonexistent/agent.sock", "{}", 1s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace novacron::agent
