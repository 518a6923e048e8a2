#include "base/sha256.h"

#include <gtest/gtest.h>

#include <random>

namespace novacron {
namespace {

TEST(Sha256Test, MatchesTheStandardsVectors) {
  // FIPS 180-4 examples and the empty string.
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 million;
  std::string a(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.update(a);
  EXPECT_EQ(million.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PiecesOfAnySizeGiveTheDigestOfTheWhole) {
  // Lengths around the padding boundaries (55, 56, 63, 64, 119, 120), fed whole and in pieces.
  std::mt19937 rng(7);
  for (size_t len : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 121, 1000}) {
    std::string data(len, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    std::string whole = sha256Hex(data);
    Sha256 pieces;
    for (size_t at = 0; at < len;) {
      size_t n = std::min<size_t>(len - at, 1 + rng() % 70);
      pieces.update(std::string_view(data).substr(at, n));
      at += n;
    }
    EXPECT_EQ(pieces.hex(), whole) << len;
  }
  // And against coreutils' sha256sum: 64 'x' (one block and a block of padding), 55 '0'.
  EXPECT_EQ(sha256Hex(std::string(64, 'x')),
            "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
  EXPECT_EQ(sha256Hex(std::string(55, '0')),
            "9f8ef876f51f5313c91cc3f6b8119af09d8bbdd72098fa149b2780eb3591d6be");
}

}  // namespace
}  // namespace novacron
