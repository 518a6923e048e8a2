// The process table channel end to end: the broker's TaskService on a real SOCK_SEQPACKET pair,
// served on a real event loop, and the agent's TaskChannel asking it from another thread.
#include "broker/task_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "broker/channel.h"
#include "broker/task_channel.h"
#include "collectors/host/task_records.h"

namespace novacron::broker {
namespace {

using namespace std::chrono_literals;

bool iteratorExpected() {
  struct stat st {};
  return ::geteuid() == 0 && ::stat("/sys/kernel/btf/vmlinux", &st) == 0 &&
         ::stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == 0xEFFFFFFCu;
}

class TaskServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { start(0ms); }
  void start(std::chrono::milliseconds spacing) {
    auto pair = channelPair();
    ASSERT_TRUE(pair) << pair.error().message;
    agent_end_ = std::move(pair->first);
    service_ = std::make_unique<TaskService>(io_, std::move(pair->second), spacing);
    service_->start();
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    boost::asio::post(io_, [this] { service_->stop(); });
    if (loop_.joinable()) loop_.join();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::unique_ptr<TaskService> service_;
  Fd agent_end_;
  std::thread loop_;
};

TEST_F(TaskServiceTest, AStreamOfTheWholeTableOrWhyNot) {
  TaskChannel channel(std::move(agent_end_));
  auto stream = channel.open(60s);
  if (!iteratorExpected()) {
    ASSERT_FALSE(stream);
    EXPECT_EQ(stream.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(stream.error().message.find("BPF task iterator"), std::string::npos)
        << stream.error().message;
    GTEST_SKIP() << "no BPF task iterator here: " << stream.error().message;
  }
  ASSERT_TRUE(stream) << stream.error().message;
  collectors::TaskRecords records(4096, 100);
  std::vector<collectors::ProcessInfo> procs;
  ASSERT_TRUE(records.read(stream->get(), procs));
  bool self = false;
  for (const auto& p : procs) self |= p.pid == ::getpid();
  EXPECT_TRUE(self) << "this test's process is in the table";

  // A scan after a scan gets a stream of its own.
  auto again = channel.open(60s);
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_TRUE(records.read(again->get(), procs));
  EXPECT_FALSE(procs.empty());
}

// A peer asking faster than any scan would is refused until the spacing has passed.
class TaskServiceSpacedTest : public TaskServiceTest {
 protected:
  void SetUp() override { start(std::chrono::hours(1)); }
};

TEST_F(TaskServiceSpacedTest, AskedAgainTooSoonIsRefused) {
  TaskChannel channel(std::move(agent_end_));
  auto first = channel.open(60s);
  if (!iteratorExpected()) GTEST_SKIP() << "no BPF task iterator here";
  ASSERT_TRUE(first) << first.error().message;
  auto again = channel.open(60s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kTimeout) << "asking later may help";
  EXPECT_EQ(again.error().message, "process table: asked again too soon");
}

TEST_F(TaskServiceTest, AnythingButARequestForTheTableIsRefused) {
  Message m;
  m.verb = Verb::kReload;
  m.id = 7;
  ASSERT_TRUE(send(agent_end_.get(), m));
  auto r = receive(agent_end_.get());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->message.verb, Verb::kReply);
  EXPECT_EQ(r->message.id, 7u);
  EXPECT_EQ(r->message.num(Tag::kOk), 0u);
  EXPECT_EQ(r->message.get(Tag::kError), "reload is not asked on the process table channel");
  EXPECT_TRUE(r->fds.empty());
  // Garbage is logged and dropped; the channel still serves.
  ASSERT_EQ(::send(agent_end_.get(), "garbage", 7, 0), 7);
  ASSERT_TRUE(send(agent_end_.get(), m));
  r = receive(agent_end_.get());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->message.id, 7u);
}

TEST_F(TaskServiceTest, NoAnswerInTimeIsATimeout) {
  // The loop is held busy, so the service cannot answer within the channel's bound. The hold is
  // shared with the handler, which outlives this body if the loop is slow to reach it; the
  // request goes only once the loop is held.
  struct Hold {
    std::promise<void> entered, release;
  };
  auto hold = std::make_shared<Hold>();
  std::shared_future<void> released = hold->release.get_future().share();
  boost::asio::post(io_, [hold, released] {
    hold->entered.set_value();
    released.wait();
  });
  ASSERT_EQ(hold->entered.get_future().wait_for(60s), std::future_status::ready);
  TaskChannel channel(std::move(agent_end_));
  auto stream = channel.open(50ms);
  hold->release.set_value();
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().code, ErrorCode::kTimeout);
}

}  // namespace
}  // namespace novacron::broker
