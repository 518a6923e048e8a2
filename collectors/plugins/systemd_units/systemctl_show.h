#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace novacron::collectors {

/// One unit as `systemctl show` describes it.
struct UnitState {
  std::string id;            ///< nginx.service
  std::string load_state;    ///< loaded, not-found, masked, ...
  std::string active_state;  ///< active, reloading, inactive, failed, activating, deactivating
  std::string sub_state;     ///< running, exited, dead, failed, auto-restart, ...
  std::optional<uint64_t> restarts;  ///< NRestarts: automatic restarts since the unit started
};

/// Reads `systemctl show -p Id,LoadState,ActiveState,SubState,NRestarts PATTERN`: blocks of
/// KEY=VALUE lines, one block a unit, separated by an empty line. What is not a unit (a block
/// without an Id, a line without '=') is skipped; values are made valid UTF-8 and cut to 256
/// bytes; at most `max_units` units are kept (the caller reports the rest as cut).
std::vector<UnitState> parseSystemctlShow(std::string_view text, size_t max_units,
                                          size_t* dropped = nullptr);

}  // namespace novacron::collectors
