#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/yaml/diagnostic.h"
#include "base/yaml/yaml_doc.h"

namespace novacron {

/// Reads typed values out of a parsed YAML document and records every problem, positioned, in
/// a Diagnostics list instead of stopping at the first: an operator fixes a file in one pass.
/// Built on policy/yaml_doc.h (libyaml), which keeps the position of every node.
class YamlReader {
 public:
  /// Errors go to `out`; warnings to `warnings`, or nowhere when it is null.
  YamlReader(std::string file, Diagnostics& out, Diagnostics* warnings = nullptr)
      : file_(std::move(file)), out_(out), warnings_(warnings) {}

  /// Parses `text`; a syntax error is recorded and yields nullopt.
  std::optional<yaml::Node> load(std::string_view text);

  void error(const yaml::Mark& at, std::string message);
  void error(const yaml::Node& at, std::string message) { error(at.mark(), std::move(message)); }
  /// A warning, positioned like an error; it does not make the file fail.
  void warn(const yaml::Node& at, std::string message);

  /// Checks that `node` is a map whose keys are all in `allowed` and appear once. Reports
  /// unknown and duplicate keys at their position. Returns false if `node` is not a map.
  bool checkMap(const yaml::Node& node, std::string_view what,
                std::initializer_list<std::string_view> allowed) {
    return checkMap(node, what, std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }
  bool checkMap(const yaml::Node& node, std::string_view what,
                std::span<const std::string_view> allowed);

  /// The value of `key` in a checked map (undefined node if absent). A null value (`key:` with
  /// nothing after it) is reported as an error at the key and treated as absent.
  yaml::Node get(const yaml::Node& map, std::string_view key, std::string_view what);

  std::optional<std::string> string(const yaml::Node& node, std::string_view what);
  std::optional<bool> boolean(const yaml::Node& node, std::string_view what);
  std::optional<int64_t> integer(const yaml::Node& node, std::string_view what, int64_t min,
                                 int64_t max);
  std::optional<milliseconds> duration(const yaml::Node& node, std::string_view what,
                                       milliseconds min, milliseconds max);
  std::optional<std::vector<std::string>> stringList(const yaml::Node& node, std::string_view what);
  std::optional<std::map<std::string, std::string>> stringMap(const yaml::Node& node,
                                                              std::string_view what);

  const std::string& file() const { return file_; }

 private:
  yaml::Mark keyMark(const yaml::Node& map, std::string_view key) const;
  std::string file_;
  Diagnostics& out_;
  Diagnostics* warnings_;
};

}  // namespace novacron
