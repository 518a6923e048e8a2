#include <charconv>

#include "base/duration.h"
#include "collectors/plugin.h"
#include "collectors/plugins/systemd_units/systemd_units.h"
#include "collectors/postgres/postgres_set.h"
#include "collectors/probes/probe_set.h"
#include "collectors/redis/redis_set.h"
#include "collectors/scrape/scrape_set.h"

namespace novacron::collectors {

// The one list of plugins: a new source is its folder under collectors/plugins/ and one line here.
std::span<const SourcePlugin* const> sourcePlugins() {
  static const SourcePlugin* const kPlugins[] = {
      &kSystemdUnitsPlugin,
  };
  return kPlugins;
}

// The listed sources, in status-matrix order.
std::span<const ListedSource* const> listedSources() {
  static const ListedSource* const kListed[] = {
      &kProbeSource,
      &kPostgresSource,
      &kRedisSource,
      &kScrapeSource,
  };
  return kListed;
}

const SourcePlugin* findSourcePlugin(std::string_view name) {
  for (const SourcePlugin* p : sourcePlugins()) {
    if (p->name == name) return p;
  }
  return nullptr;
}

std::variant<OptionValue, std::string> parseOption(const OptionSpec& spec, std::string_view text) {
  const std::string what = std::string(spec.key);
  switch (spec.type) {
    case OptionSpec::Type::kDuration: {
      auto d = parseDuration(text);
      if (!d) return what + ": " + d.error().message;
      if (d->count() < spec.min || d->count() > spec.max)
        return what + " must be from " + formatDuration(milliseconds(spec.min)) + " to " +
               formatDuration(milliseconds(spec.max));
      return OptionValue(*d);
    }
    case OptionSpec::Type::kInteger: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) return what + " must be an integer";
      if (v < spec.min || v > spec.max)
        return what + " must be from " + std::to_string(spec.min) + " to " +
               std::to_string(spec.max);
      return OptionValue(v);
    }
    case OptionSpec::Type::kBoolean:
      if (text == "true") return OptionValue(true);
      if (text == "false") return OptionValue(false);
      return what + " must be true or false";
    case OptionSpec::Type::kString:
      return OptionValue(std::string(text));
  }
  return what + ": unknown type";
}

PluginSettings defaultSettings(const SourcePlugin& plugin) {
  PluginSettings s;
  for (const OptionSpec& o : plugin.options) {
    auto v = parseOption(o, o.default_value);
    // A default that does not parse is a bug in the descriptor, caught by the unit tests.
    if (auto* value = std::get_if<OptionValue>(&v)) s.values.emplace(std::string(o.key), *value);
  }
  return s;
}

std::chrono::milliseconds PluginSettings::duration(std::string_view key) const {
  return std::get<std::chrono::milliseconds>(values.find(key)->second);
}
int64_t PluginSettings::integer(std::string_view key) const {
  return std::get<int64_t>(values.find(key)->second);
}
bool PluginSettings::boolean(std::string_view key) const {
  return std::get<bool>(values.find(key)->second);
}
const std::string& PluginSettings::string(std::string_view key) const {
  return std::get<std::string>(values.find(key)->second);
}

std::string pluginReference() {
  std::string out = "| key | default | meaning | on `SIGHUP` |\n|---|---|---|---|\n";
  for (const SourcePlugin* p : sourcePlugins()) {
    const std::string key = "`collectors." + std::string(p->name);
    out += "| " + key + "` | off | " + std::string(p->summary) +
           "; a map turns it on (`{}` for the defaults), `enabled: false` off | applied |\n";
    for (const OptionSpec& o : p->options) {
      std::string bounds;
      if (o.type == OptionSpec::Type::kDuration)
        bounds = " (" + formatDuration(milliseconds(o.min)) + "–" +
                 formatDuration(milliseconds(o.max)) + ")";
      else if (o.type == OptionSpec::Type::kInteger)
        bounds = " (" + std::to_string(o.min) + "–" + std::to_string(o.max) + ")";
      out += "| " + key + "." + std::string(o.key) + "` | `" + std::string(o.default_value) +
             "` | " + std::string(o.doc) + bounds + " | applied |\n";
    }
  }
  return out;
}

}  // namespace novacron::collectors
