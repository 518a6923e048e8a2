#include "collectors/host/network.h"

#include "base/text.h"
#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kRxBytes{"novacron_network_receive_bytes_per_second",
                                      metrics::MetricType::kGauge, "interface",
                                      "Bytes received per second since the previous sample."};
constexpr metrics::MetricDef kRxPackets{"novacron_network_receive_packets_per_second",
                                        metrics::MetricType::kGauge, "interface",
                                        "Packets received per second since the previous sample."};
constexpr metrics::MetricDef kRxErrors{"novacron_network_receive_errors_per_second",
                                       metrics::MetricType::kGauge, "interface",
                                       "Receive errors per second since the previous sample."};
constexpr metrics::MetricDef kRxDrops{
    "novacron_network_receive_drops_per_second", metrics::MetricType::kGauge, "interface",
    "Received packets dropped per second since the previous sample."};
constexpr metrics::MetricDef kTxBytes{"novacron_network_transmit_bytes_per_second",
                                      metrics::MetricType::kGauge, "interface",
                                      "Bytes sent per second since the previous sample."};
constexpr metrics::MetricDef kTxPackets{"novacron_network_transmit_packets_per_second",
                                        metrics::MetricType::kGauge, "interface",
                                        "Packets sent per second since the previous sample."};
constexpr metrics::MetricDef kTxErrors{"novacron_network_transmit_errors_per_second",
                                       metrics::MetricType::kGauge, "interface",
                                       "Transmit errors per second since the previous sample."};
constexpr metrics::MetricDef kTxDrops{
    "novacron_network_transmit_drops_per_second", metrics::MetricType::kGauge, "interface",
    "Outgoing packets dropped per second since the previous sample."};
// Same order as InterfaceCounters::Field.
constexpr const metrics::MetricDef* kMetrics[] = {&kRxBytes, &kRxPackets, &kRxErrors, &kRxDrops,
                                                  &kTxBytes, &kTxPackets, &kTxErrors, &kTxDrops};

// Column of each Field among the 16 counters after "iface:".
constexpr int kColumns[InterfaceCounters::kFields] = {0, 1, 2, 3, 8, 9, 10, 11};

}  // namespace

Result<std::vector<InterfaceCounters>> parseNetDev(std::string_view text) {
  std::vector<InterfaceCounters> out;
  LineCursor lines(text);
  std::string_view line;
  int lineno = 0;
  while (lines.next(line)) {
    if (++lineno <= 2 || line.empty()) continue;  // two header lines
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return makeError(ErrorCode::kMalformed,
                       "/proc/net/dev line " + std::to_string(lineno) + ": no interface name");
    }
    FieldCursor name_field(line.substr(0, colon));
    InterfaceCounters ifc;
    ifc.name = std::string(name_field.next());
    FieldCursor fields(line.substr(colon + 1));
    uint64_t cols[16];
    for (uint64_t& c : cols) {
      auto v = fields.nextU64();
      if (!v) {
        return makeError(ErrorCode::kMalformed, "/proc/net/dev line " + std::to_string(lineno) +
                                                    ": bad counters for " + ifc.name);
      }
      c = *v;
    }
    for (int f = 0; f < InterfaceCounters::kFields; ++f) ifc.counters[f] = cols[kColumns[f]];
    out.push_back(std::move(ifc));
  }
  return out;
}

NetworkCollector::NetworkCollector(const std::filesystem::path& root)
    : netdev_(root / "proc/net/dev") {}

std::span<const metrics::MetricDef* const> NetworkCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> NetworkCollector::collect(TimePoint now,
                                                               milliseconds /*budget*/) {
  auto text = netdev_.read();
  if (!text) return text.error();
  auto parsed = parseNetDev(*text);
  if (!parsed) return parsed.error();
  std::vector<metrics::Sample> out;
  out.reserve(parsed->size() * InterfaceCounters::kFields);
  for (const InterfaceCounters& ifc : *parsed) {
    auto rates = history_.update(ifc.name, ifc.counters, now);
    for (int f = 0; f < InterfaceCounters::kFields; ++f) {
      if (rates[f]) out.push_back({kMetrics[f], {{"interface", validUtf8(ifc.name)}}, *rates[f]});
    }
  }
  history_.prune(now);
  return out;
}

}  // namespace novacron::collectors
