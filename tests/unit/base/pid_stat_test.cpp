#include "base/pid_stat.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace novacron {
namespace {

TEST(PidStatTest, FieldsAreReadAfterTheLastParenthesisOfTheWholeText) {
  // The tail of a real /proc/PID/stat: state, ppid, pgrp, session, then 16 fields, starttime.
  const std::string tail =
      " S 1 4242 4242 0 -1 4194560 100 0 0 0 11 12 0 0 20 0 1 0 777 123 45 18446744073709551615\n";
  struct Case {
    std::string comm;
  } cases[] = {{"sleep"}, {"a b"}, {"x)"}, {"(("}, {"x) S 1 1 "}, {"x) S 1 99\n"}};
  for (const auto& c : cases) {
    auto st = parsePidStat("123 (" + c.comm + ")" + tail);
    ASSERT_TRUE(st.has_value()) << c.comm;
    EXPECT_EQ(st->comm, c.comm);
    EXPECT_EQ(st->state, 'S');
    EXPECT_EQ(st->ppid, 1);
    EXPECT_EQ(st->pgrp, 4242) << "a name cannot claim another group: " << c.comm;
    EXPECT_EQ(st->start_ticks, 777u);
    EXPECT_EQ(st->utime_ticks, 11u);
    EXPECT_EQ(st->stime_ticks, 12u);
    EXPECT_EQ(st->rss_pages, 45u);
  }
}

TEST(PidStatTest, MalformedTextIsNulloptNeverAnException) {
  // What made std::stol throw at start-up, and what steered a kill: a name with a newline that
  // forges a first line.
  for (const std::string text :
       {"123 (x) R 1 zz\n", "", "123 x S 1 2 3", "123 (x) S 1 2",
        "123 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5 1 2",
        "123 (x) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21"}) {
    EXPECT_FALSE(parsePidStat(text).has_value()) << text;
  }
  EXPECT_FALSE(parsePidStat("123 (x) R 1 zz\n) S 1 2 3").has_value());
}

TEST(PidStatTest, ReadsThisProcess) {
  auto st = readPidStat(::getpid());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ppid, ::getppid());
  EXPECT_EQ(st->pgrp, ::getpgrp());
  EXPECT_GT(st->start_ticks, 0u);
  EXPECT_FALSE(readPidStat(0x7ffffff0).has_value());
}

}  // namespace
}  // namespace novacron
