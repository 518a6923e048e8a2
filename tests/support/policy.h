#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "actions/registry.h"
#include "agent/catalog.h"
#include "policy/playbook_loader.h"

namespace novacron::testing {

/// A policy from playbook YAML, checked against the agent's metric catalog; a test fails on any
/// diagnostic.
inline policy::PolicyPtr policyFrom(const std::string& yaml) {
  Diagnostics errors;
  auto list = policy::parsePlaybooks(
      {"test.yaml", yaml, false}, [](std::string_view n) { return agent::findMetric(n); },
      actions::actionCatalog(), errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0].str());
  auto set = std::make_shared<policy::PolicySet>();
  set->playbooks = std::move(list);
  return set;
}

}  // namespace novacron::testing
