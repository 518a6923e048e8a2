#include "policy/substitute.h"

#include <gtest/gtest.h>

namespace novacron::policy {
namespace {

const std::map<std::string, std::string> kValues = {
    {"incident.id", "db-01-20260101T000000-1"},
    {"labels.mount", "/srv/my files; rm -rf /"},
    {"labels.user", "mallory"},
};

TEST(SubstituteTest, FillsWholeArgumentsAndNeverSplits) {
  struct Case {
    const char* templ;
    const char* want;
  } cases[] = {{"{incident.id}", "db-01-20260101T000000-1"},
               {"--mount={labels.mount}", "--mount=/srv/my files; rm -rf /"},
               {"/var/lib/novacron/evidence/{incident.id}.tar.gz",
                "/var/lib/novacron/evidence/db-01-20260101T000000-1.tar.gz"},
               {"{{literal}}", "{literal}"},
               {"plain", "plain"},
               {"", ""}};
  for (const auto& c : cases) {
    auto r = substitute(c.templ, kValues);
    ASSERT_TRUE(r.has_value()) << c.templ << ": " << r.error().message;
    EXPECT_EQ(*r, c.want);
  }
}

TEST(SubstituteTest, MistakesAreErrorsNotEmptyArguments) {
  auto unknown = substitute("{labels.mnt}", kValues);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message, "unknown placeholder {labels.mnt} in '{labels.mnt}'");
  EXPECT_FALSE(substitute("{incident.id", kValues).has_value());
  EXPECT_FALSE(substitute("a}b", kValues).has_value());
  EXPECT_FALSE(placeholders("{labels.mount").has_value());
  EXPECT_TRUE(isIncidentPlaceholder("labels.mount"));
  EXPECT_FALSE(isIncidentPlaceholder("incident.idd"));
  EXPECT_EQ(*placeholders("x {a} {{b}} {labels.c}"), (std::vector<std::string>{"a", "labels.c"}));
}

}  // namespace
}  // namespace novacron::policy
