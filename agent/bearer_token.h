#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace novacron::agent {

/// Equal strings, in time that depends on their lengths only, never on where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

/// The bearer token of the /v1 API, kept in a file. The file is read again when it changes
/// (rotation needs no reload); a file that cannot be read admits nobody.
class BearerToken {
 public:
  enum class Check { kOk, kDisabled, kMissing, kWrong, kUnavailable };

  explicit BearerToken(std::optional<std::filesystem::path> file = std::nullopt);
  void setFile(std::optional<std::filesystem::path> file);
  bool configured() const { return file_.has_value(); }
  /// Checks an Authorization header's value ("Bearer <token>").
  Check check(std::string_view authorization);
  /// Why the token cannot be read, if it cannot.
  const std::string& error() const { return error_; }

 private:
  void refresh();
  std::optional<std::filesystem::path> file_;
  std::string token_, error_;
  struct Stamp {
    long mtime_ns = -1, ino = 0, size = -1;
    bool operator==(const Stamp&) const = default;
  } stamp_;
};

}  // namespace novacron::agent
