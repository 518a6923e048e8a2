#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace novacron::collectors {

/// A service probe (collectors.probes): `target` is the URL (http), HOST:PORT (tcp) or unit
/// (systemd).
struct ProbeConfig {
  std::string name;
  std::string type;
  std::string target;
  int expect_status = 200;  ///< http only
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds interval{std::chrono::seconds(10)};
  std::chrono::milliseconds window{std::chrono::minutes(5)};  ///< of the error ratio
  friend bool operator==(const ProbeConfig&, const ProbeConfig&) = default;
};

}  // namespace novacron::collectors
