#include "collectors/plugins/systemd_units/systemctl_show.h"

#include <charconv>

#include "base/text.h"

namespace novacron::collectors {

namespace {

constexpr size_t kMaxValueBytes = 256;

std::string value(std::string_view v) {
  return validUtf8(v.substr(0, std::min(v.size(), kMaxValueBytes)));
}

}  // namespace

std::vector<UnitState> parseSystemctlShow(std::string_view text, size_t max_units,
                                          size_t* dropped) {
  std::vector<UnitState> out;
  size_t cut = 0;
  UnitState unit;
  auto end = [&] {
    if (!unit.id.empty()) {
      if (out.size() < max_units)
        out.push_back(std::move(unit));
      else
        ++cut;
    }
    unit = UnitState{};
  };
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) {
      end();
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq), v = line.substr(eq + 1);
    if (key == "Id") {
      unit.id = value(v);
    } else if (key == "LoadState") {
      unit.load_state = value(v);
    } else if (key == "ActiveState") {
      unit.active_state = value(v);
    } else if (key == "SubState") {
      unit.sub_state = value(v);
    } else if (key == "NRestarts") {
      uint64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec == std::errc() && p == v.data() + v.size()) unit.restarts = n;
    }
  }
  end();
  if (dropped) *dropped = cut;
  return out;
}

}  // namespace novacron::collectors
