// ChunkId, timestamps and embedding blobs: the encodings other readers of an index rely on.
#include "store/encoding.h"

#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <string>

#include "store/store.h"
#include "util/util.h"

namespace semdex {
namespace {

TEST(ChunkIdTest, IsStableAcrossCalls) {
  EXPECT_EQ(ChunkId("repo", "src/a.ts", 10, 20, 1), ChunkId("repo", "src/a.ts", 10, 20, 1));
}

TEST(ChunkIdTest, FollowsTheDocumentedEncoding) {
  // repository NUL path NUL start(LE u32) end(LE u32) part(LE i32), hashed with xxh3-128.
  std::string key = std::string("repo") + '\0' + "src/a.ts" + '\0';
  key += std::string("\x0a\x00\x00\x00", 4);
  key += std::string("\x14\x01\x00\x00", 4);
  key += std::string("\x02\x00\x00\x00", 4);
  EXPECT_EQ(ChunkId("repo", "src/a.ts", 10, 276, 2), Xxh3Hex128(key));
}

TEST(ChunkIdTest, MatchesGoldenValue) {
  // Pinned: a change here changes every id in every existing index.
  EXPECT_EQ(ChunkId("code_test", "src/index.ts", 0, 120, 1), "670289b78689b20ac13f683a0e77a113");
}

TEST(ChunkIdTest, Is32LowercaseHexDigits) {
  EXPECT_TRUE(std::regex_match(ChunkId("r", "p", 0, 1, 1), std::regex("[0-9a-f]{32}")));
}

TEST(ChunkIdTest, EveryFieldChangesTheId) {
  std::set<std::string> ids = {
      ChunkId("repo", "a.ts", 0, 10, 1), ChunkId("repo2", "a.ts", 0, 10, 1),
      ChunkId("repo", "b.ts", 0, 10, 1), ChunkId("repo", "a.ts", 1, 10, 1),
      ChunkId("repo", "a.ts", 0, 11, 1), ChunkId("repo", "a.ts", 0, 10, 2),
      ChunkId("repo", "a.ts", 0, 10, 0), ChunkId("repo", "a.ts", 0, 10, -1),
  };
  EXPECT_EQ(ids.size(), 8u);
}

TEST(ChunkIdTest, SeparatorsKeepFieldsApart) {
  // Without the NUL separators these two would hash the same bytes.
  EXPECT_NE(ChunkId("ab", "c", 0, 1, 1), ChunkId("a", "bc", 0, 1, 1));
}

TEST(TimestampTest, IsIso8601UtcWithMilliseconds) {
  using namespace std::chrono;
  system_clock::time_point t{milliseconds(1'730'556'187'125)};
  EXPECT_EQ(FormatTimestampUtc(t), "2024-11-02T14:03:07.125Z");
  EXPECT_EQ(FormatTimestampUtc(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_TRUE(
      std::regex_match(NowTimestampUtc(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST(EmbeddingTest, EncodesFloat32LittleEndian) {
  EXPECT_EQ(EncodeEmbedding({1.0f, -2.5f}), std::string("\x00\x00\x80\x3f\x00\x00\x20\xc0", 8));
  EXPECT_EQ(EncodeEmbedding({}), "");
}

TEST(EmbeddingTest, RoundTripsBitExactly) {
  std::vector<float> in = {0.0f, -0.0f,    1e-38f, 3.4e38f, std::numeric_limits<float>::infinity(),
                           0.1f, -123.456f};
  std::vector<float> out;
  ASSERT_TRUE(DecodeEmbedding(EncodeEmbedding(in), &out));
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint32_t>(out[i]), std::bit_cast<uint32_t>(in[i])) << i;
  }
}

TEST(EmbeddingTest, RejectsATruncatedBlob) {
  std::vector<float> out = {1.0f};
  EXPECT_FALSE(DecodeEmbedding(std::string("\x00\x00\x80", 3), &out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace semdex
