#include "util/util.h"

#include <gtest/gtest.h>

namespace semdex {
namespace {

TEST(UtilTest, LanguageForPath) {
  struct Case {
    const char* path;
    std::optional<Language> lang;
  } cases[] = {
      {"a.ts", Language::kTypeScript},  {"dir/a.mts", Language::kTypeScript},
      {"a.cts", Language::kTypeScript}, {"a.d.ts", Language::kTypeScript},
      {"x/a.tsx", Language::kTsx},      {"a.js", Language::kJavaScript},
      {"a.jsx", Language::kJavaScript}, {"a.mjs", Language::kJavaScript},
      {"a.cjs", Language::kJavaScript}, {"a.py", Language::kPython},
      {"a.json", std::nullopt},         {".ts", std::nullopt},
      {"Makefile", std::nullopt},       {"dir.ts/readme", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(LanguageForPath(c.path), c.lang) << c.path;
  EXPECT_EQ(LanguageName(Language::kTsx), "typescript");
  EXPECT_EQ(LanguageName(Language::kJavaScript), "javascript");
}

TEST(UtilTest, Utf8ValidationAndRepairKeepLines) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac"));
  EXPECT_FALSE(IsValidUtf8("caf\xe9"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));  // truncated sequence
  std::string repaired = SanitizeUtf8("a\xff\nb\xc3\n");
  EXPECT_TRUE(IsValidUtf8(repaired));
  EXPECT_EQ(repaired, "a\xEF\xBF\xBD\nb\xEF\xBF\xBD\n");
}

TEST(UtilTest, TruncateAtCharacterBoundary) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("abcdef", 3), "abc...");
  // "\xc3\xa9" (e acute) is two bytes; cutting inside it backs up to before it.
  EXPECT_EQ(TruncateUtf8("a\xc3\xa9z", 2), "a...");
}

TEST(UtilTest, HashesAreStableHex) {
  EXPECT_EQ(Xxh3Hex("abc").size(), 16u);
  EXPECT_EQ(Xxh3Hex128("abc").size(), 32u);
  EXPECT_EQ(Xxh3Hex("abc"), Xxh3Hex("abc"));
  EXPECT_NE(Xxh3Hex("abc"), Xxh3Hex("abd"));
  EXPECT_EQ(Xxh3Hex(""), "2d06800538d394c2");  // XXH3_64bits of no bytes, per xxhash
}

TEST(UtilTest, StatusToString) {
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  Status s = Status::IoError("x.ts: permission denied");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "I/O error: x.ts: permission denied");
}

}  // namespace
}  // namespace semdex
