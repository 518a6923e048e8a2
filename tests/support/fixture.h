#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "collectors/collector.h"
#include "metrics/sample.h"

namespace novacron::testing {

/// tests/fixtures/collectors/<name>: a directory laid out like / with proc/ and sys/.
inline std::filesystem::path fixtureRoot(std::string_view name) {
  return std::filesystem::path(NOVACRON_FIXTURES_DIR) / "collectors" / name;
}

/// A scratch directory that takes the content of one fixture root after another. Files are
/// rewritten in place (same inode), as /proc files change under an open descriptor, so a
/// collector that keeps its files open sees the new content.
class ScratchRoot {
 public:
  ScratchRoot() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "novacron_test_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~ScratchRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchRoot(const ScratchRoot&) = delete;
  ScratchRoot& operator=(const ScratchRoot&) = delete;

  void load(std::string_view name) {
    auto src = fixtureRoot(name);
    for (const auto& e : std::filesystem::recursive_directory_iterator(src)) {
      auto dst = path_ / std::filesystem::relative(e.path(), src);
      if (e.is_directory()) {
        std::filesystem::create_directories(dst);
        continue;
      }
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream content;
      content << in.rdbuf();
      std::ofstream out(dst, std::ios::binary | std::ios::trunc);
      out << content.str();
    }
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Writes a file only its owner may read: what the agent requires of a secret when it runs as
/// root.
inline void writeSecret(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path) << content;
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

/// A fixed instant for tests, plus offsets.
inline TimePoint at(std::chrono::milliseconds offset = std::chrono::milliseconds{0}) {
  return TimePoint{std::chrono::milliseconds{1'767'225'600'000}} + offset;
}

/// The value of the sample with this metric name and exactly these labels, if present.
inline std::optional<double> valueOf(const std::vector<metrics::Sample>& samples,
                                     std::string_view name, const metrics::Labels& labels = {}) {
  for (const auto& s : samples) {
    if (s.metric->name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

/// Asserts that one collection fails with `code`: what every collector must do when its source
/// is missing or malformed, instead of returning an empty result.
inline void expectCollectError(collectors::Collector& c, ErrorCode code) {
  auto r = c.collect(at(), std::chrono::milliseconds(100));
  ASSERT_FALSE(r.has_value()) << c.name() << " returned samples";
  EXPECT_EQ(r.error().code, code) << c.name() << ": " << r.error().message;
}

/// How many samples carry this metric name.
inline size_t countOf(const std::vector<metrics::Sample>& samples, std::string_view name) {
  size_t n = 0;
  for (const auto& s : samples) n += s.metric->name == name;
  return n;
}

}  // namespace novacron::testing
