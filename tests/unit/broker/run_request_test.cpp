#include "broker/run_request.h"

#include <gtest/gtest.h>

namespace novacron::broker {
namespace {

using json = nlohmann::json;

policy::ActionSpec action(std::string id, std::string type, json with) {
  policy::ActionSpec a;
  a.id = std::move(id);
  a.type = std::move(type);
  a.with = std::move(with);
  return a;
}

// The broker's own copy of the policy.
policy::PolicySet brokerPolicy() {
  policy::Playbook p;
  p.name = "disk_full";
  p.actions = {
      action("clean", "exec", {{"argv", {"/usr/bin/find", "{labels.mount}/tmp", "-delete"}}}),
      action("restart", "systemd_restart", {{"unit", "{labels.unit}"}}),
      action("evidence", "evidence_bundle", {{"paths", {"/var/log/syslog", "/var/log/app"}}}),
      action("block", "firewall_block", {{"addresses", {"{labels.address}"}}, {"timeout", "2h"}}),
      action("notify", "notify", json::object()),
      action("mark", "exec", {{"argv", {"/usr/bin/touch", "/srv/out/{labels.file}"}}}),
      action("kill", "exec", {{"argv", {"/usr/bin/pkill", "--uid={labels.user}"}}})};
  p.label_types["file"].kind = policy::LabelKind::kPathComponent;
  p.label_types["user"].kind = policy::LabelKind::kUser;
  policy::PolicySet set;
  set.playbooks.push_back(p);
  return set;
}

actions::ActionRequest request(const std::string& id) {
  const auto set = brokerPolicy();
  actions::ActionRequest r;
  r.playbook = "disk_full";
  for (const auto& a : set.playbooks[0].actions)
    if (a.id == id) r.spec = a;
  r.incident_id = "vm-20261127T000000Z-1";
  r.run_id = 7;
  r.values = {{"labels.mount", "/srv"},
              {"labels.unit", "nginx.service"},
              {"labels.address", "203.0.113.7"}};
  r.marker = "0123abcd/7";
  return r;
}

std::string why(const Message& m) {
  auto r = authorize(brokerPolicy(), m);
  return r ? "accepted" : r.error().message;
}

TEST(BrokerRunRequestTest, WhatTheAgentAsksIsWhatTheBrokerRuns) {
  for (const char* id : {"clean", "restart", "evidence", "block"}) {
    auto m = runRequest(request(id));
    ASSERT_TRUE(m.has_value()) << id << ": " << m.error().message;
    auto bytes = encode(*m);  // it travels
    ASSERT_TRUE(bytes.has_value()) << bytes.error().message;
    auto r = authorize(brokerPolicy(), *decode(*bytes));
    ASSERT_TRUE(r.has_value()) << id << ": " << r.error().message;
    EXPECT_EQ(r->spec.id, id);
    EXPECT_EQ(r->run_id, 7);
    EXPECT_EQ(r->values.at("labels.mount"), "/srv");
  }
  EXPECT_EQ(runRequest(request("clean"))->list(Tag::kExpect),
            (std::vector<std::string>{"argv=/usr/bin/find", "argv=/srv/tmp", "argv=-delete"}));
  EXPECT_EQ(runRequest(request("block"))->list(Tag::kExpect).back(), "timeout_ms=7200000");
  // The main process runs notify itself: it never travels.
  EXPECT_FALSE(runRequest(request("notify")).has_value());
}

TEST(BrokerRunRequestTest, EveryRefusalSaysWhy) {
  Message m = *runRequest(request("clean"));
  m.text[Tag::kPlaybook] = "disk_fool";
  EXPECT_EQ(why(m), "the broker's policy has no playbook disk_fool");
  m = *runRequest(request("clean"));
  m.text[Tag::kAction] = "wipe";
  EXPECT_EQ(why(m), "playbook disk_full has no action wipe");
  // An argv the policy does not hold: the agent's copy differs, or was forged.
  m = *runRequest(request("clean"));
  m.lists[Tag::kExpect] = {"argv=/bin/sh", "argv=-c", "argv=id"};
  EXPECT_EQ(why(m),
            "argv [\"/bin/sh\", \"-c\", \"id\"] differs from the policy's [\"/usr/bin/find\", "
            "\"/srv/tmp\", \"-delete\"]");
  // A value that would make an option of an argument is refused by the broker's own check.
  m = *runRequest(request("clean"));
  for (auto& v : m.lists[Tag::kValue])
    if (v.starts_with("labels.mount=")) v = "labels.mount=-exec";
  EXPECT_NE(why(m).find("the values cannot fill disk_full/clean"), std::string::npos) << why(m);
  m = *runRequest(request("restart"));
  m.lists[Tag::kExpect] = {"unit=sshd.service"};
  EXPECT_EQ(why(m), "unit sshd.service is not the one the action names (nginx.service)");
  m = *runRequest(request("evidence"));
  m.lists[Tag::kExpect].push_back("path=/etc/shadow");
  EXPECT_EQ(why(m), "path /etc/shadow is not in the action's list");
  m = *runRequest(request("block"));
  m.lists[Tag::kExpect] = {"addresses=198.51.100.0/24", "timeout_ms=7200000"};
  EXPECT_EQ(why(m), "addresses [\"198.51.100.0/24\"] differs from the policy's [\"203.0.113.7\"]");
  // The type must be the action's: an exec action cannot pass as a restart.
  m = *runRequest(request("clean"));
  m.text[Tag::kType] = "systemd_restart";
  m.lists[Tag::kExpect] = {"unit=nginx.service"};
  EXPECT_EQ(why(m), "action disk_full/clean is of type exec, not systemd_restart");
  // Something the action does not do, beside what it does: refused, not ignored.
  m = *runRequest(request("restart"));
  m.lists[Tag::kExpect].push_back("argv=/bin/sh");
  EXPECT_EQ(why(m), "the request expects something the action does not do");
  // A type the main process runs itself never runs as root, whatever the request says.
  m = *runRequest(request("clean"));
  m.text[Tag::kAction] = "notify";
  m.text[Tag::kType] = "notify";
  EXPECT_EQ(why(m),
            "action disk_full/notify is of type notify, which the main process runs itself");
  // The incident id names the evidence bundle's file: never a path.
  m = *runRequest(request("evidence"));
  m.text[Tag::kIncident] = "../../etc/cron.d/x";
  EXPECT_EQ(why(m), "incident id '../../etc/cron.d/x' is not a plain name");
  m = *runRequest(request("clean"));
  m.number[Tag::kRun] = 0;
  EXPECT_EQ(why(m), "run id must be positive");
}

TEST(BrokerRunRequestTest, ADisabledPlaybookRunsNothing) {
  auto set = brokerPolicy();
  set.playbooks[0].enabled = false;
  auto r = authorize(set, *runRequest(request("clean")));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "playbook disk_full is disabled in the broker's policy");
}

// A compromised main process asks the broker directly, past every check of the agent's: the
// broker checks the labels against its own copy of the playbook's types.
TEST(BrokerRunRequestTest, LabelsThatDoNotFitTheirTypesAreRefusedByTheBroker) {
  struct Case {
    const char* action;
    std::map<std::string, std::string> values;
    const char* why;
  } cases[] = {
      {"mark",
       {{"labels.file", "../pwned_by_label"}},
       "label file '../pwned_by_label' is not one file name"},
      {"kill", {{"labels.user", "mallory,root"}}, "label user 'mallory,root' is not one user name"},
      {"kill", {{"labels.user", "root"}}, "is not a user other than root"},
      {"clean", {{"labels.mount", "/srv/../etc"}}, "no '..' component"},
      {"block", {{"labels.address", "198.51.100.0/24"}}, "accepted"},
  };
  for (const auto& k : cases) {
    auto r = request("notify");
    const auto set = brokerPolicy();
    for (const auto& a : set.playbooks[0].actions)
      if (a.id == k.action) r.spec = a;
    r.values = k.values;
    auto m = runRequest(r);
    ASSERT_TRUE(m.has_value()) << k.action << ": " << m.error().message;
    std::string got = why(*m);
    EXPECT_NE(got.find(k.why), std::string::npos) << k.action << ": " << got;
  }
  auto r = request("notify");
  r.spec = brokerPolicy().playbooks[0].actions[5];
  r.values = {{"labels.file", "report.txt"}};
  EXPECT_EQ(why(*runRequest(r)), "accepted");
}

}  // namespace
}  // namespace novacron::broker
