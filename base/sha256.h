#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace novacron {

/// SHA-256 (FIPS 180-4), incremental. Our own, so that what needs a digest (the policy's, a
/// token's hash, an evidence bundle's manifest) does not map OpenSSL into the agent.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  /// The digest; the object is spent afterwards.
  std::array<uint8_t, 32> finish();
  /// finish() as 64 lower-case hex digits.
  std::string hex();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;
  uint64_t bytes_ = 0;
};

/// The hex SHA-256 of `data`.
std::string sha256Hex(std::string_view data);

}  // namespace novacron
