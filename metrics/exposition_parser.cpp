#include "metrics/exposition_parser.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "base/text.h"

namespace novacron::metrics {

namespace {

bool nameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool nameChar(char c) { return nameStart(c) || (c >= '0' && c <= '9'); }
bool blank(char c) { return c == ' ' || c == '\t'; }

size_t skipBlanks(std::string_view s, size_t i) {
  while (i < s.size() && blank(s[i])) ++i;
  return i;
}

// A metric name (colons allowed) or, with `label`, a label name (no colons), from `i`.
size_t nameEnd(std::string_view s, size_t i, bool label) {
  if (i >= s.size() || !nameStart(s[i]) || (label && s[i] == ':')) return i;
  ++i;
  while (i < s.size() && nameChar(s[i]) && !(label && s[i] == ':')) ++i;
  return i;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// A value as Prometheus reads one (Go's strconv.ParseFloat, without hexadecimal or '_'): an
// optional sign, decimal digits with an optional fraction and exponent, or inf, infinity and
// nan in any case.
std::optional<double> parseValue(std::string_view t) {
  if (t.empty()) return std::nullopt;
  bool negative = t[0] == '-';
  if (t[0] == '+' || t[0] == '-') t.remove_prefix(1);
  if (equalsIgnoringCase(t, "inf") || equalsIgnoringCase(t, "infinity"))
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  if (equalsIgnoringCase(t, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (t.empty() || !((t[0] >= '0' && t[0] <= '9') || t[0] == '.')) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  // Out of range is Go's ±Inf (or 0 for an underflow), a value Prometheus keeps.
  if (ec == std::errc::result_out_of_range && end == t.data() + t.size()) {
    bool huge =
        t.find_first_of("eE") == std::string_view::npos || t[t.find_first_of("eE") + 1] != '-';
    v = huge ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (ec != std::errc() || end != t.data() + t.size()) {
    return std::nullopt;
  }
  return negative ? -v : v;
}

// The text format's timestamp: milliseconds since the epoch, digits only, within int64 (a sign,
// a fraction or more digits than int64 holds are refused, as promlex.l's {D}+ and
// strconv.ParseInt refuse them).
std::optional<int64_t> parseTextTimestamp(std::string_view t) {
  if (t.empty()) return std::nullopt;
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ms);
  if (ec != std::errc() || end != t.data() + t.size() || t[0] == '-') return std::nullopt;
  return ms;
}

// OpenMetrics' timestamp: seconds as a float, finite. Prometheus keeps any finite one, however
// far beyond int64 milliseconds it lies; it is kept here too, saturated.
std::optional<int64_t> parseOpenMetricsTimestamp(std::string_view t) {
  auto seconds = parseValue(t);
  if (!seconds || !std::isfinite(*seconds)) return std::nullopt;
  double ms = *seconds * 1000;
  if (ms >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (ms <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(ms);
}

// Which suffixes a family of each type gives its samples.
bool suffixOf(FamilyType t, std::string_view suffix) {
  switch (t) {
    case FamilyType::kCounter:
      return suffix == "_total" || suffix == "_created";
    case FamilyType::kHistogram:
      return suffix == "_bucket" || suffix == "_sum" || suffix == "_count" || suffix == "_created";
    case FamilyType::kGaugeHistogram:
      return suffix == "_bucket" || suffix == "_gsum" || suffix == "_gcount";
    case FamilyType::kSummary:
      return suffix == "_sum" || suffix == "_count" || suffix == "_created";
    case FamilyType::kInfo:
      return suffix == "_info";
    default:
      return false;
  }
}

std::optional<FamilyType> typeNamed(std::string_view s) {
  static constexpr std::pair<std::string_view, FamilyType> kTypes[] = {
      {"counter", FamilyType::kCounter},
      {"gauge", FamilyType::kGauge},
      {"histogram", FamilyType::kHistogram},
      {"summary", FamilyType::kSummary},
      {"untyped", FamilyType::kUnknown},
      {"unknown", FamilyType::kUnknown},
      {"info", FamilyType::kInfo},
      {"stateset", FamilyType::kStateSet},
      {"gaugehistogram", FamilyType::kGaugeHistogram}};
  for (const auto& [name, t] : kTypes)
    if (name == s) return t;
  return std::nullopt;
}

// The reason for a bad line, kept short and printable: the text may be anything.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 160)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

ExpositionFormat formatOfContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && blank(media.back())) media.remove_suffix(1);
  while (!media.empty() && blank(media.front())) media.remove_prefix(1);
  return equalsIgnoringCase(media, "application/openmetrics-text") ? ExpositionFormat::kOpenMetrics
                                                                   : ExpositionFormat::kText;
}

std::string_view familyTypeName(FamilyType t) {
  switch (t) {
    case FamilyType::kCounter:
      return "counter";
    case FamilyType::kGauge:
      return "gauge";
    case FamilyType::kHistogram:
      return "histogram";
    case FamilyType::kSummary:
      return "summary";
    case FamilyType::kInfo:
      return "info";
    case FamilyType::kStateSet:
      return "stateset";
    case FamilyType::kGaugeHistogram:
      return "gaugehistogram";
    case FamilyType::kUnknown:
      break;
  }
  return "unknown";
}

ExpositionStats ExpositionParser::parse(std::string_view text,
                                        const std::function<bool(const ParsedSample&)>& on_sample,
                                        ExpositionFormat format) {
  ExpositionStats stats;
  families_.clear();
  last_name_ = {};
  size_t line_no = 0;
  size_t pos = 0;
  const bool om = format == ExpositionFormat::kOpenMetrics;
  auto bad = [&](std::string_view why) {
    if (stats.bad_lines++ == 0)
      stats.first_error = "line " + std::to_string(line_no) + ": " + printable(why);
  };
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view why;
    if (line.size() > limits_.max_line_bytes) {
      why = "line too long";
    } else if (size_t i = skipBlanks(line, 0); i == line.size()) {
      continue;
    } else if (line[i] == '#') {
      why = commentLine(line.substr(i), stats);
      if (stats.openmetrics_eof && !om) stats.openmetrics_eof = false;  // a comment in 0.0.4
      if (stats.openmetrics_eof) {
        // Nothing may follow OpenMetrics' end but the line break that ends it.
        if (text.find_first_not_of("\r\n", pos) != std::string_view::npos) {
          ++line_no;
          bad("text after # EOF");
        }
        break;
      }
    } else {
      ParsedSample s;
      why = sampleLine(line.substr(i), s, format);
      if (why.empty()) {
        ++stats.samples;
        if (!on_sample(s)) return stats;
      }
    }
    if (!why.empty()) bad(why);
  }
  if (om && !stats.openmetrics_eof) {
    ++line_no;
    bad("an OpenMetrics body must end with # EOF");
  }
  return stats;
}

std::string_view ExpositionParser::commentLine(std::string_view line, ExpositionStats& stats) {
  size_t i = skipBlanks(line, 1);
  size_t word_end = i;
  while (word_end < line.size() && !blank(line[word_end])) ++word_end;
  std::string_view word = line.substr(i, word_end - i);
  if (word == "EOF" && skipBlanks(line, word_end) == line.size()) {
    stats.openmetrics_eof = true;
    return {};
  }
  if (word != "TYPE") return {};  // HELP, UNIT and free comments carry nothing we use
  size_t n = skipBlanks(line, word_end);
  size_t n_end = nameEnd(line, n, false);
  if (n_end == n) return "# TYPE without a metric name";
  size_t t = skipBlanks(line, n_end);
  size_t t_end = t;
  while (t_end < line.size() && !blank(line[t_end])) ++t_end;
  auto type = typeNamed(line.substr(t, t_end - t));
  if (!type || skipBlanks(line, t_end) != line.size()) return "# TYPE with an unknown type";
  if (families_.size() < limits_.max_families)
    families_.emplace(std::string(line.substr(n, n_end - n)), *type);
  return {};
}

std::string_view ExpositionParser::sampleLine(std::string_view line, ParsedSample& out,
                                              ExpositionFormat format) {
  const bool text_format = format == ExpositionFormat::kText;
  size_t i = nameEnd(line, 0, false);
  if (i == 0) return "a sample line must start with a metric name";
  out.name = line.substr(0, i);
  // The text format's lexer skips blanks between any two tokens: `name {a="b"}` is a series.
  if (text_format && skipBlanks(line, i) < line.size() && line[skipBlanks(line, i)] == '{')
    i = skipBlanks(line, i);
  labels_.clear();
  unescaped_.clear();
  // Unescaped values are never longer than the line: views into this buffer stay valid.
  unescaped_.reserve(line.size());
  if (i < line.size() && line[i] == '{') {
    ++i;
    for (;;) {
      i = skipBlanks(line, i);
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      size_t ln_end = nameEnd(line, i, true);
      if (ln_end == i) return "a label name is expected";
      std::string_view name = line.substr(i, ln_end - i);
      i = skipBlanks(line, ln_end);
      if (i >= line.size() || line[i] != '=') return "'=' is expected after a label name";
      i = skipBlanks(line, i + 1);
      if (i >= line.size() || line[i] != '"') return "a label value must be quoted";
      ++i;
      size_t start = i;
      bool escaped = false;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          escaped = true;
          if (++i >= line.size()) break;
        }
        ++i;
      }
      if (i >= line.size()) return "a label value is not closed";
      std::string_view raw = line.substr(start, i - start);
      ++i;
      if (raw.size() > limits_.max_label_value_bytes) return "a label value is too long";
      std::string_view value = raw;
      if (escaped) {
        size_t from = unescaped_.size();
        for (size_t k = 0; k < raw.size(); ++k) {
          char c = raw[k];
          if (c == '\\') {
            if (++k >= raw.size()) return "a label value ends in a lone backslash";
            char e = raw[k];
            if (e == 'n') {
              c = '\n';
            } else if (e == '\\' || e == '"') {
              c = e;
            } else {
              // Prometheus replaces \\, \" and \n only: any other escape stays as written.
              unescaped_.push_back('\\');
              c = e;
            }
          }
          unescaped_.push_back(c);
        }
        value = std::string_view(unescaped_).substr(from);
      }
      if (!isValidUtf8(value)) return "a label value is not UTF-8";
      for (const auto& l : labels_)
        if (l.first == name) return "a label is repeated";
      if (labels_.size() >= limits_.max_labels) return "too many labels";
      labels_.emplace_back(name, value);
      i = skipBlanks(line, i);
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return "',' or '}' is expected after a label";
    }
  }
  // After '}', the text format's value may follow at once (`name{a="b"}1`); after a bare name,
  // or in OpenMetrics, a blank separates them.
  bool after_labels = i > 0 && line[i - 1] == '}';
  if (i >= line.size() || (!blank(line[i]) && !(text_format && after_labels)))
    return "a value is expected after the series";
  i = skipBlanks(line, i);
  size_t v_end = i;
  while (v_end < line.size() && !blank(line[v_end])) ++v_end;
  auto value = parseValue(line.substr(i, v_end - i));
  if (!value) return "the value is not a number";
  out.value = *value;
  i = skipBlanks(line, v_end);
  if (i < line.size() && line[i] != '#') {
    size_t t_end = i;
    while (t_end < line.size() && !blank(line[t_end])) ++t_end;
    out.timestamp_ms = text_format ? parseTextTimestamp(line.substr(i, t_end - i))
                                   : parseOpenMetricsTimestamp(line.substr(i, t_end - i));
    if (!out.timestamp_ms)
      return text_format ? "the timestamp is not integer milliseconds within int64"
                         : "the timestamp is not a finite number of seconds";
    i = skipBlanks(line, t_end);
  }
  // What follows '#' is an OpenMetrics exemplar: not used.
  if (i < line.size() && line[i] != '#') return "unexpected text after the value";
  out.labels = labels_;
  resolveFamily(out);
  return {};
}

void ExpositionParser::resolveFamily(ParsedSample& s) {
  if (s.name == last_name_) {
    s.family = last_family_;
    s.type = last_type_;
    return;
  }
  last_name_ = s.name;
  s.family = s.name;
  s.type = FamilyType::kUnknown;
  if (!families_.empty()) {
    key_.assign(s.name);
    if (auto it = families_.find(key_); it != families_.end()) {
      s.type = it->second;
    } else if (size_t cut = s.name.rfind('_'); cut != std::string_view::npos && cut > 0) {
      key_.resize(cut);
      auto base = families_.find(key_);
      if (base != families_.end() && suffixOf(base->second, s.name.substr(cut))) {
        s.family = base->first;
        s.type = base->second;
      }
    }
  }
  last_family_ = s.family;
  last_type_ = s.type;
  s.family = last_family_;
}

}  // namespace novacron::metrics
