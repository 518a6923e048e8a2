#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

// Reads what a local application serves on its /metrics: the Prometheus text format 0.0.4 and
// OpenMetrics text 1.0. The text comes from another process and is hostile until read: every
// line is bounded, a bad line is counted and skipped (the first one's reason kept, escaped), and
// nothing in it can make the parser allocate without bound or read past the input.
namespace novacron::metrics {

/// Which text a body is, as Prometheus decides it from the Content-Type: OpenMetrics for
/// `application/openmetrics-text`, the text format 0.0.4 for anything else.
enum class ExpositionFormat { kText, kOpenMetrics };
ExpositionFormat formatOfContentType(std::string_view content_type);

/// A metric family's type, from its `# TYPE` line; kUnknown without one.
enum class FamilyType {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kSummary,
  kInfo,
  kStateSet,
  kGaugeHistogram
};

std::string_view familyTypeName(FamilyType t);

/// One sample, as the callback sees it: the views stay valid during the call only.
struct ParsedSample {
  std::string_view name;    ///< as written: http_requests_total, latency_seconds_bucket
  std::string_view family;  ///< the family its # TYPE named (latency_seconds), else the name
  FamilyType type = FamilyType::kUnknown;
  std::span<const std::pair<std::string_view, std::string_view>> labels;  ///< unescaped, as sent
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

struct ExpositionLimits {
  size_t max_line_bytes = 64 * 1024;
  size_t max_labels = 64;
  size_t max_label_value_bytes = 4096;
  size_t max_families = 10000;  ///< # TYPE lines remembered; later ones are ignored
};

struct ExpositionStats {
  size_t samples = 0;            ///< passed to the callback
  size_t bad_lines = 0;          ///< skipped
  std::string first_error;       ///< "line N: why", printable ASCII only; empty if none
  bool openmetrics_eof = false;  ///< OpenMetrics' "# EOF" was read; nothing after it is used
};

/// A parser keeps its buffers between calls: one per scrape target, reused every scrape.
class ExpositionParser {
 public:
  explicit ExpositionParser(ExpositionLimits limits = {}) : limits_(limits) {}

  /// Parses all of `text`, calling `on_sample` for each good sample line in order. Returning
  /// false from the callback stops the parse (a series cap reached). A line is kept or refused
  /// as Prometheus's own parser for `format` keeps or refuses it (model/textparse: promlex.l,
  /// openmetricslex.l): in the text format blanks may stand between a name and its '{' and
  /// need not stand between '}' and the value, timestamps are integer milliseconds, and
  /// "# EOF" is a comment; in OpenMetrics timestamps are seconds, "# EOF" ends the body and text
  /// after it, or a body without it, is an error. In both, an escape other than \\, \" and \n
  /// in a label value is kept as written.
  ExpositionStats parse(std::string_view text,
                        const std::function<bool(const ParsedSample&)>& on_sample,
                        ExpositionFormat format = ExpositionFormat::kText);

 private:
  // Why the line is bad, or empty when it was used.
  std::string_view sampleLine(std::string_view line, ParsedSample& out, ExpositionFormat format);
  std::string_view commentLine(std::string_view line, ExpositionStats& stats);
  void resolveFamily(ParsedSample& s);

  ExpositionLimits limits_;
  std::unordered_map<std::string, FamilyType> families_;
  std::string key_;          // the name being looked up, without an allocation per sample
  std::string last_family_;  // the family of the previous sample, whose type is in last_type_
  std::string_view last_name_;
  FamilyType last_type_ = FamilyType::kUnknown;
  std::vector<std::pair<std::string_view, std::string_view>> labels_;
  std::string unescaped_;  // label values that held escapes, back to back
};

}  // namespace novacron::metrics
