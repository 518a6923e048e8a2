#pragma once
// A source of samples as a plugin, in the manner of Fluent Bit's input plugins: one descriptor
// says everything about it — its name (its key under `collectors:`), its options declared once
// (key, type, bounds, default, one line of documentation), how to make it, and its metrics. The
// configuration reader, `--check-config`, the README's configuration reference, the registry,
// reload and `--list-metrics` loop over the descriptors in collectors/plugins.cpp and name none.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "collectors/source.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// One option of a plugin. Durations' bounds are in milliseconds.
struct OptionSpec {
  enum class Type { kDuration, kInteger, kBoolean, kString };
  std::string_view key;
  Type type;
  std::string_view default_value;  ///< as written in YAML: "30s", "10", "true"
  int64_t min = 0, max = 0;        ///< inclusive; for strings unused
  std::string_view doc;
};

/// An option's value once read: a duration, an integer, a boolean or a string.
using OptionValue = std::variant<std::chrono::milliseconds, int64_t, bool, std::string>;

/// A plugin's options as configured, every option present (the defaults filled in). Compared
/// with == on reload: an unchanged plugin keeps running as it is.
struct PluginSettings {
  std::map<std::string, OptionValue, std::less<>> values;
  std::chrono::milliseconds duration(std::string_view key) const;
  int64_t integer(std::string_view key) const;
  bool boolean(std::string_view key) const;
  const std::string& string(std::string_view key) const;
  friend bool operator==(const PluginSettings&, const PluginSettings&) = default;
};

/// What a plugin's source may use: the loop, the clock, where samples go, the host's programs.
struct PluginContext {
  using Sink = std::function<void(TimePoint, std::vector<metrics::Sample>)>;
  boost::asio::io_context& io;
  const Clock& clock;
  Sink sink;
  std::string systemctl;  ///< actions.systemctl: the path of systemctl
};

struct SourcePlugin {
  std::string_view name;     ///< its key under `collectors:` and its source's name
  std::string_view summary;  ///< one line for the configuration reference
  std::span<const OptionSpec> options;
  /// Its source, started at once on the loop.
  std::unique_ptr<Source> (*make)(const PluginContext& context, const PluginSettings& settings);
  /// Every metric it may serve.
  std::span<const metrics::MetricDef* const> (*metrics)();
};

struct SourceOptions;

/// A source whose instances the configuration lists (collectors.probes, .postgres, .redis,
/// .scrape): one descriptor says how to make it, to apply its list, to tell whether its list
/// changed, and what it may serve. The registry makes, reloads, lists and stops them by these
/// alone. Its keys are read from the configuration reader's table of them.
struct ListedSource {
  std::string_view name;  ///< its key under `collectors:` and its source's name
  std::unique_ptr<Source> (*make)(const PluginContext& context);
  /// Applies its part of `options` (start and reload): every instance starts again.
  void (*configure)(Source& source, const SourceOptions& options);
  /// Whether its part differs between two configurations: an unchanged one keeps running.
  bool (*changed)(const SourceOptions& before, const SourceOptions& after);
  std::span<const metrics::MetricDef* const> (*metrics)();
};

/// Every listed source, in status-matrix order (collectors/plugins.cpp).
std::span<const ListedSource* const> listedSources();

/// Every plugin, in status-matrix order (collectors/plugins.cpp: one line each).
std::span<const SourcePlugin* const> sourcePlugins();
const SourcePlugin* findSourcePlugin(std::string_view name);
/// The settings of `plugin` with every option at its default.
PluginSettings defaultSettings(const SourcePlugin& plugin);
/// Parses `text` as an option of `spec`'s type within its bounds, or says why not.
std::variant<OptionValue, std::string> parseOption(const OptionSpec& spec, std::string_view text);
/// The configuration reference of every plugin (Markdown): the README's, checked by the docs
/// test, and `novacron-agent --list-sources`.
std::string pluginReference();

}  // namespace novacron::collectors
