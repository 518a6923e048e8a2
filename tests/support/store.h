#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "incidents/store.h"
#include "tests/support/fixture.h"

namespace novacron::testing {

/// A fresh incident store in `root`.
inline std::unique_ptr<incidents::Store> openStore(const ScratchRoot& root) {
  auto opened = incidents::Store::open(root.path() / "agent.db");
  EXPECT_TRUE(opened.has_value()) << (opened ? "" : opened.error().message);
  return opened ? std::move(opened).value() : nullptr;
}

/// An open disk_full incident with these labels (JSON), opened at `at`.
inline incidents::IncidentRecord openIncident(const std::string& id, TimePoint at,
                                              const std::string& labels = "{}") {
  incidents::IncidentRecord r;
  r.id = id;
  r.playbook = "disk_full";
  r.labels = labels;
  r.category = "infrastructure";
  r.state = incidents::IncidentState::kOpen;
  r.opened_at = at;
  return r;
}

}  // namespace novacron::testing
