#include "base/text.h"

#include <gtest/gtest.h>

#include "base/guard.h"
#include "base/json_text.h"
#include "base/log.h"

namespace novacron {
namespace {

using namespace std::chrono_literals;

TEST(TextTest, ValidUtf8KeepsTextAndReplacesEachIllFormedSequence) {
  struct Case {
    std::string in, want;
  } cases[] = {
      {"plain ascii", "plain ascii"},
      {"donn\xc3\xa9"
       "es",
       "donn\xc3\xa9"
       "es"},  // é stays
      {"A\xff"
       "B",
       "A\xef\xbf\xbd"
       "B"},  // a byte that starts nothing
      {"donn\xe9"
       "es",
       "donn\xef\xbf\xbd"
       "es"},                                                    // Latin-1 é
      {"\xe2\x82", "\xef\xbf\xbd"},                              // € cut short: one U+FFFD
      {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                  // overlong '/'
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // a surrogate
      {"\xf4\x90\x80\x80", std::string(4, '?')},                 // past U+10FFFF (4 of them)
      {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},                  // 😀 stays
      {std::string("a\0b", 3), std::string("a\0b", 3)},          // NUL is valid UTF-8
  };
  cases[7].want.clear();
  for (int i = 0; i < 4; ++i) cases[7].want += "\xef\xbf\xbd";
  for (const auto& c : cases) {
    EXPECT_EQ(validUtf8(c.in), c.want) << c.in;
    EXPECT_TRUE(isValidUtf8(validUtf8(c.in)));
    EXPECT_EQ(isValidUtf8(c.in), c.in == c.want);
  }
}

TEST(TextTest, TruncationCutsOnlyOnCharacterBoundaries) {
  std::string e_acute = "\xc3\xa9";
  std::string text = "a";
  for (int i = 0; i < 10; ++i) text += e_acute;  // 21 bytes: 'a' then ten 2-byte characters
  EXPECT_EQ(truncateUtf8(text, 4), "a" + e_acute) << "byte 4 is half an é: it goes";
  EXPECT_EQ(truncateUtf8(text, 5), "a" + e_acute + e_acute);
  EXPECT_EQ(truncateUtf8(text, 100), text);
  std::string emoji = "\xf0\x9f\x98\x80";
  EXPECT_EQ(truncateUtf8("x" + emoji, 3), "x");
  EXPECT_EQ(truncateUtf8("x" + emoji, 5), "x" + emoji);
  EXPECT_EQ(truncateUtf8("x\xff\xff\xff", 2), "x\xef\xbf\xbd") << "invalid bytes are replaced";
  for (size_t n = 0; n <= text.size(); ++n) EXPECT_TRUE(isValidUtf8(truncateUtf8(text, n))) << n;
}

TEST(TextTest, EscapingKeepsAMessageOnOneLine) {
  EXPECT_EQ(escapeControl("user\nX-Injected: yes"), "user\\nX-Injected: yes");
  EXPECT_EQ(escapeControl("a\r\n<0>b"), "a\\r\\n<0>b") << "no line can start with a priority";
  EXPECT_EQ(escapeControl("\x1b[31mred\t\x7f"), "\\x1b[31mred\\t\\x7f");
  EXPECT_EQ(escapeControl("r\xff"
                          "\xc3\xa9"),
            "r\\xff\xc3\xa9");
  EXPECT_EQ(quoteForMessage(std::string(300, 'x'), 10), std::string(10, 'x') + "\xe2\x80\xa6");
}

TEST(TextTest, JsonTextNeverThrowsOnBytesThatAreNotText) {
  nlohmann::json j = {{"stdout",
                       "A\xff"
                       "B"},
                      {"name", "r\xff"}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error) << "what used to kill the agent";
  std::string text = jsonText(j);
  EXPECT_EQ(text,
            "{\"name\":\"r\xef\xbf\xbd\",\"stdout\":\"A\xef\xbf\xbd"
            "B\"}");
  EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded());
}

TEST(GuardTest, AnExceptionIsCountedAndGoesNoFurther) {
  uint64_t before = internalErrors();
  bool ran_after = false;
  EXPECT_FALSE(guarded("a test handler", [] { throw std::runtime_error("a bug"); }));
  EXPECT_FALSE(guarded("a test handler", [] { throw 42; }));
  EXPECT_TRUE(guarded("a test handler", [&] { ran_after = true; }));
  EXPECT_TRUE(ran_after);
  EXPECT_EQ(internalErrors(), before + 2);
}

TEST(LogTest, AMessageIsOneLineWhateverItQuotes) {
  logWarning("label value: x\n<0>forged line\r\n\x1b[2J");
  auto recent = recentLogs(LogLevel::kWarning, std::chrono::system_clock::now() - 1h);
  ASSERT_FALSE(recent.empty());
  EXPECT_EQ(recent.back().message, "label value: x\\n<0>forged line\\r\\n\\x1b[2J");
}

}  // namespace
}  // namespace novacron
