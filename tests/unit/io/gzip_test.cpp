#include "io/gzip.h"

#include <gtest/gtest.h>

#include <string>

namespace novacron::io {
namespace {

TEST(GzipTest, WhatIsCompressedInflatesToTheSameBytes) {
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += "novacron_cpu_mode_ratio{mode=\"user\",cpu=\"" + std::to_string(i) + "\"} 0.25\n";
  text += std::string("\0\xff\n", 3);
  std::string packed = gzip(text);
  ASSERT_GE(packed.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);  // gzip's magic, not zlib's
  EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
  EXPECT_LT(packed.size(), text.size() / 5);
  auto back = gunzip(packed, text.size());
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, text);
  auto empty = gunzip(gzip(""), 16);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, "");
}

TEST(GzipTest, AcceptEncodingIsReadAsRfc9110Says) {
  EXPECT_TRUE(acceptsGzip("gzip"));
  EXPECT_TRUE(acceptsGzip("gzip, deflate, br"));  // curl --compressed
  EXPECT_TRUE(acceptsGzip("identity;q=1, GZip;q=0.5"));
  EXPECT_TRUE(acceptsGzip("br, *;q=0.1"));
  EXPECT_TRUE(acceptsGzip(" deflate ,\tgzip "));
  EXPECT_FALSE(acceptsGzip(""));
  EXPECT_FALSE(acceptsGzip("identity"));
  EXPECT_FALSE(acceptsGzip("gzip;q=0"));
  EXPECT_FALSE(acceptsGzip("gzip;q=0.000, deflate"));
  EXPECT_FALSE(acceptsGzip("x-gzip2, gzipx"));
  EXPECT_FALSE(acceptsGzip(std::string(100000, ',')));
}

}  // namespace
}  // namespace novacron::io
