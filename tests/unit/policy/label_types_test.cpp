#include "policy/label_types.h"

#include <gtest/gtest.h>

#include "actions/action.h"
#include "actions/registry.h"
#include "agent/catalog.h"
#include "policy/playbook_loader.h"

namespace novacron::policy {
namespace {

LabelType typed(LabelKind kind) {
  LabelType t;
  t.kind = kind;
  t.declared = true;
  return t;
}

// What each type takes and refuses, with the hostile values of the issue as data: a list in a
// user (`mallory,root`), a way out of a directory (`../x`), an option (`-F`), a line break,
// bytes that are not UTF-8, sizes far past any real value, a network wider than allowed.
TEST(LabelTypesTest, EachTypeTakesWhatItSaysAndRefusesTheRest) {
  LabelType address = typed(LabelKind::kAddress);
  LabelType wide = typed(LabelKind::kAddress);
  wide.widest_v4 = 24;
  wide.widest_v6 = 64;
  LabelType root_ok = typed(LabelKind::kUser);
  root_ok.allow_root = true;
  LabelType code = typed(LabelKind::kPattern);
  code.pattern_text = "[A-Z]{3}-[0-9]+";
  code.pattern = *Pattern::compile(code.pattern_text);
  struct Case {
    LabelType type;
    std::string value;
    bool ok;
  } cases[] = {
      {LabelType{}, "/", true},
      {LabelType{}, "/var/lib/postgresql", true},
      {LabelType{}, "mallory", true},
      {LabelType{}, "mallory,root", false},
      {LabelType{}, "../pwned_by_label", false},
      {LabelType{}, "/srv/../etc", false},
      {LabelType{}, "..", false},
      {LabelType{}, "-F/etc/x", false},
      {LabelType{}, "a\nb", false},
      {LabelType{}, "", false},
      {LabelType{}, std::string(1025, 'a'), false},
      {typed(LabelKind::kName), "orders-db_1.eu", true},
      {typed(LabelKind::kName), "a/b", false},
      {typed(LabelKind::kName), ".hidden", false},
      {typed(LabelKind::kName), "caf\xc3\xa9", false},
      {typed(LabelKind::kName), "\xff\xfe", false},
      {typed(LabelKind::kUser), "mallory", true},
      {typed(LabelKind::kUser), "mallory,root", false},
      {typed(LabelKind::kUser), "root", false},
      {root_ok, "root", true},
      {typed(LabelKind::kUser), "-1", false},
      {typed(LabelKind::kUser), "../../etc", false},
      {typed(LabelKind::kUser), std::string(33, 'u'), false},
      {typed(LabelKind::kPid), "4242", true},
      {typed(LabelKind::kPid), "1", false},
      {typed(LabelKind::kPid), "0", false},
      {typed(LabelKind::kPid), "-1", false},
      {typed(LabelKind::kPid), "0042", false},
      {typed(LabelKind::kPid), "42 43", false},
      {typed(LabelKind::kPid), "99999999999999999999", false},
      {typed(LabelKind::kUnit), "nginx.service", true},
      {typed(LabelKind::kUnit), "nginx.service --now", false},
      {typed(LabelKind::kUnit), "../x.service", false},
      {address, "203.0.113.7", true},
      {address, "198.51.100.0/24", false},
      {address, "2001:db8::1", true},
      {wide, "198.51.100.0/24", true},
      {wide, "198.51.0.0/16", false},
      {wide, "2001:db8::/64", true},
      {wide, "2001:db8::/48", false},
      {address, "203.0.113.7,10.0.0.1", false},
      {address, "--flush", false},
      {typed(LabelKind::kPathComponent), "report.txt", true},
      {typed(LabelKind::kPathComponent), "../pwned_by_label", false},
      {typed(LabelKind::kPathComponent), "a/b", false},
      {typed(LabelKind::kPathComponent), "..", false},
      {typed(LabelKind::kPathComponent), "-rf", false},
      {typed(LabelKind::kPathComponent), std::string(256, 'f'), false},
      {typed(LabelKind::kPath), "/var/log/app", true},
      {typed(LabelKind::kPath), "/", true},
      {typed(LabelKind::kPath), "var/log", false},
      {typed(LabelKind::kPath), "/var/../etc", false},
      {typed(LabelKind::kPath), "/var//log", false},
      {typed(LabelKind::kPath), "/var/./log", false},
      {typed(LabelKind::kText), "disk full, again", true},
      {typed(LabelKind::kText), "a\x1b[2J", false},
      {code, "ABC-42", true},
      {code, "ABC-42,DEF-1", false},
      {code, "xABC-42", false},
  };
  for (const auto& k : cases) {
    auto r = checkLabelValue("l", k.type, k.value);
    EXPECT_EQ(r.has_value(), k.ok) << labelKindName(k.type.kind) << " '" << k.value.substr(0, 40)
                                   << "': " << (r ? "taken" : r.error().message);
  }
  auto undeclared = checkLabelValue("file", LabelType{}, "../x");
  ASSERT_FALSE(undeclared);
  EXPECT_NE(undeclared.error().message.find("declare one under label_types"), std::string::npos);
}

TEST(LabelTypesTest, TheLabelsAnActionUsesAreFoundAnywhereInItsParameters) {
  auto used = labelsUsed(nlohmann::json{{"argv", {"/usr/bin/touch", "out/{labels.file}"}},
                                        {"env", {{"WHO", "{labels.user}-{incident.id}"}}},
                                        {"n", 3}});
  EXPECT_EQ(used, (std::set<std::string>{"file", "user"}));
}

std::vector<std::string> load(const std::string& yaml, Diagnostics& warnings,
                              std::vector<Playbook>* out = nullptr) {
  Diagnostics errors;
  auto list = parsePlaybooks(
      {"t.yaml", yaml, false}, [](std::string_view n) { return agent::findMetric(n); },
      actions::actionCatalog(), errors, &warnings);
  if (out) *out = std::move(list);
  std::vector<std::string> got;
  for (const auto& e : errors) got.push_back(e.str());
  return got;
}

TEST(LabelTypesTest, TheLoaderReadsTheTypesAndSaysWhereOneIsMissingOrWrong) {
  Diagnostics warnings;
  std::vector<Playbook> list;
  auto errors = load(R"(name: t
severity: 3
category: security
label_types:
  user: user
  address: {type: address, widest_v4: 24}
  code: {pattern: "[A-Z]+", from_scrape: true}
  root_user: {type: user, allow_root: true}
actions:
  - {id: a, type: exec, automated: false, with: {argv: ["/usr/bin/pkill", "--uid={labels.user}", "--", "{labels.code}", "{labels.root_user}"]}}
  - {id: b, type: firewall_block, automated: false, with: {addresses: ["{labels.address}"]}}
  - {id: c, type: exec, automated: false, with: {argv: ["/usr/bin/touch", "/srv/out/{labels.file}"]}}
)",
                     warnings, &list);
  ASSERT_TRUE(errors.empty()) << errors[0];
  ASSERT_EQ(list.size(), 1u);
  const LabelTypes& t = list[0].label_types;
  EXPECT_EQ(t.at("user").kind, LabelKind::kUser);
  EXPECT_EQ(t.at("address").widest_v4, 24);
  EXPECT_EQ(t.at("code").kind, LabelKind::kPattern);
  EXPECT_TRUE(t.at("code").from_scrape);
  EXPECT_TRUE(t.at("root_user").allow_root);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].str().find("label file is used by its actions but has no type"),
            std::string::npos)
      << warnings[0].str();
  EXPECT_FALSE(list[0].application_labels);

  warnings.clear();
  errors = load(R"(name: t
severity: 3
category: security
label_types:
  a: teleport
  b: {type: user, pattern: "x"}
  c: {pattern: "("}
  d: {type: address, widest_v4: 8}
  e: {type: user, colour: red}
actions:
  - {id: a, type: exec, automated: false, with: {argv: ["/bin/echo", "{labels.a}"]}}
)",
                warnings);
  std::vector<std::string> want = {
      "t.yaml:5:6: playbook t: label_types.a: 'teleport' is not a label type",
      "t.yaml:6:6: playbook t: label_types.b needs a type or a pattern, not both",
      "t.yaml:7:16: playbook t: label_types.c.pattern: ",
      "t.yaml:8:33: playbook t: label_types.d.widest_v4 must be between 16 and 32, not 8",
      "t.yaml:9:19: unknown key 'colour' in playbook t: label_types.e",
  };
  ASSERT_EQ(errors.size(), want.size()) << ::testing::PrintToString(errors);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_TRUE(errors[i].starts_with(want[i])) << errors[i] << "\n  want: " << want[i];
}

// The checks the agent makes before a run and the broker makes again: the types, a user that
// exists and is not root, and an application's label kept from what needs root.
TEST(LabelTypesTest, ActionsCheckUsersAndWhatAnApplicationsLabelsMayReach) {
  Diagnostics warnings;
  std::vector<Playbook> list;
  auto errors = load(R"(name: t
severity: 3
category: security
label_types:
  user: user
  address: {type: address, from_scrape: true}
actions:
  - {id: kill, type: exec, automated: false, with: {argv: ["/usr/bin/pkill", "--uid={labels.user}"]}}
  - {id: block, type: firewall_block, automated: false, with: {addresses: ["{labels.address}"]}}
  - {id: tell, type: notify, automated: true, with: {text: "Subject: about {labels.user}"}}
)",
                     warnings, &list);
  ASSERT_TRUE(errors.empty()) << errors[0];
  const Playbook& p = list.at(0);
  auto check = [&](size_t action, std::map<std::string, std::string> values, bool app) {
    auto r = actions::checkLabels(p, p.actions.at(action), values, app);
    return r ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(check(0, {{"labels.user", "nobody"}}, false), "ok");
  EXPECT_EQ(check(0, {{"labels.user", "root"}}, false),
            "label user 'root' is not a user other than root (the playbook does not allow root)");
  EXPECT_EQ(check(0, {{"labels.user", "no-such-user-nc"}}, false),
            "label user: no user 'no-such-user-nc' on this host");
  EXPECT_EQ(check(0, {{"labels.user", "mallory,root"}}, false),
            "label user 'mallory,root' is not one user name");
  // From an application's series: `user` may not reach the root exec, `address` (from_scrape)
  // may reach the block; a notify needs no root.
  EXPECT_EQ(check(0, {{"labels.user", "nobody"}}, true),
            "label user comes from an application's series, and kill needs root: only a label "
            "declared from_scrape: true may reach it");
  EXPECT_EQ(check(1, {{"labels.address", "203.0.113.7"}}, true), "ok");
  EXPECT_EQ(check(1, {{"labels.address", "198.51.100.0/24"}}, true),
            "label address '198.51.100.0/24' is not an address or a network of at most /32 (one "
            "address)");
  EXPECT_EQ(check(2, {{"labels.user", "nobody"}}, true), "ok");
}

}  // namespace
}  // namespace novacron::policy
