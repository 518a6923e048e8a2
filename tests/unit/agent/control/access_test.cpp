#include "agent/control/access.h"

#include <gtest/gtest.h>

namespace novacron::agent {
namespace {

TEST(AccessTest, RolesFollowUidAndGroupsAsTheKernelReportsThem) {
  AccessPolicy p{/*agent_uid=*/900, /*reader_gid=*/500, /*admin_gid=*/501};
  EXPECT_EQ(p.roleOf({1, 0, 0, {}}), Role::kAdmin) << "root";
  EXPECT_EQ(p.roleOf({1, 900, 900, {}}), Role::kAdmin) << "the agent's own user";
  EXPECT_EQ(p.roleOf({1, 1000, 1000, {500}}), Role::kReader) << "supplementary reader group";
  EXPECT_EQ(p.roleOf({1, 1000, 500, {}}), Role::kReader) << "primary reader group";
  EXPECT_EQ(p.roleOf({1, 1001, 1001, {500, 501}}), Role::kAdmin);
  EXPECT_EQ(p.roleOf({1, 1002, 1002, {20, 27}}), Role::kNone);
  EXPECT_EQ(p.roleOf({1, static_cast<uid_t>(-1), static_cast<gid_t>(-1), {}}), Role::kNone)
      << "unreadable credentials are nobody";
  AccessPolicy no_admin{900, 500, std::nullopt};
  EXPECT_EQ(no_admin.roleOf({1, 1001, 1001, {500, 501}}), Role::kReader);
}

TEST(AccessTest, WhatChangesState) {
  for (const char* c : {"approve", "deny", "ack", "pause", "resume", "trigger"})
    EXPECT_TRUE(changesState(c)) << c;
  for (const char* c :
       {"status", "health", "incidents", "incident", "postmortem", "logs", "diagnostics",
        "db_status", "cache_status", "metrics", "playbooks", "version"})
    EXPECT_FALSE(changesState(c)) << c;
  EXPECT_EQ(peerName(0), "root (uid 0)");
  EXPECT_EQ(peerName(54321), "uid 54321");
}

}  // namespace
}  // namespace novacron::agent
