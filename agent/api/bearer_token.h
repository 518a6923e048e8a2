#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace novacron::agent {

/// Equal strings, in time that depends on their lengths only, never on where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

/// A named bearer token of the /v1 API, kept in a file (http.tokens). The name is who the caller
/// is on the timeline and for distinct approvers: whatever a request body says, it cannot claim
/// another identity.
struct NamedToken {
  std::string name;
  std::filesystem::path file;
  friend bool operator==(const NamedToken&, const NamedToken&) = default;
};

/// The bearer tokens of the /v1 API. Each file is read again when it changes (rotation needs no
/// reload), its mode checked again each time; a file that cannot be read, or that others may
/// read while the agent runs as root, admits nobody with that token.
class BearerToken {
 public:
  enum class Check { kOk, kDisabled, kMissing, kWrong, kUnavailable };

  /// One token named "api" in `file` (http.token_file), or none: the API is disabled.
  explicit BearerToken(std::optional<std::filesystem::path> file = std::nullopt);
  void setFile(std::optional<std::filesystem::path> file);
  void setTokens(std::vector<NamedToken> tokens);
  bool configured() const { return !tokens_.empty(); }
  /// Checks an Authorization header's value ("Bearer <token>"); on kOk, `name` is the token's.
  Check check(std::string_view authorization, std::string* name = nullptr);
  /// Why a token cannot be read, if one cannot.
  std::string error() const;

 private:
  struct Entry {
    NamedToken token;
    std::string value, error;
    struct Stamp {
      long mtime_ns = -1, ino = 0, size = -1, mode = -1;
      bool operator==(const Stamp&) const = default;
    } stamp;
  };
  void refresh(Entry& e);
  std::vector<Entry> tokens_;
};

}  // namespace novacron::agent
