// The windowing and pooling every Embedder shares (embed/text_windows.h).
#include "embed/text_windows.h"

#include <gtest/gtest.h>

#include <cmath>

namespace semdex {
namespace {

std::vector<int> Lengths(const std::vector<TextWindow>& windows) {
  std::vector<int> out;
  for (const TextWindow& w : windows) out.push_back(w.length);
  return out;
}

TEST(TextWindowsTest, FewestWindowsOfNearEqualLength) {
  std::vector<TextWindow> w;
  AppendWindows(0, 128, 128, &w);
  EXPECT_EQ(Lengths(w), std::vector<int>({128}));
  w.clear();
  AppendWindows(3, 257, 128, &w);
  EXPECT_EQ(Lengths(w), std::vector<int>({86, 86, 85}));
  EXPECT_EQ(w[1].start, 86u);
  EXPECT_EQ(w[2].start, 172u);
  EXPECT_EQ(w[2].text, 3u);
  w.clear();
  AppendWindows(0, 1, 128, &w);
  EXPECT_EQ(Lengths(w), std::vector<int>({1}));
}

TEST(TextWindowsTest, OneWindowIsKeptSeveralAreTokenWeightedAndNormalised) {
  // Text 0: one window (its vector kept as is, even if not unit length); text 1: windows of 3
  // and 1 tokens.
  const std::vector<TextWindow> windows = {{0, 0, 5}, {1, 0, 3}, {1, 3, 1}};
  const std::vector<float> vectors = {2, 0, 1, 0, 0, 1};
  auto pooled = PoolWindows(windows, vectors.data(), 2, 2);
  ASSERT_EQ(pooled.size(), 2u);
  EXPECT_EQ(pooled[0], std::vector<float>({2, 0}));
  const float norm = std::sqrt(3.0f * 3.0f + 1.0f);
  EXPECT_NEAR(pooled[1][0], 3.0f / norm, 1e-6);
  EXPECT_NEAR(pooled[1][1], 1.0f / norm, 1e-6);
}

TEST(TextWindowsTest, CheckEmbedTextNamesTheText) {
  EXPECT_TRUE(CheckEmbedText("x", 0, 10).ok());
  Status empty = CheckEmbedText("", 4, 10);
  EXPECT_EQ(empty.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(empty.message().find("text 4"), std::string::npos);
  EXPECT_EQ(CheckEmbedText("0123456789a", 0, 10).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(CheckEmbedText("\xff\xfe", 0, 10).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace semdex
