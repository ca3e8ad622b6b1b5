// ClassifyContent and SkipReasonName.
#include <gtest/gtest.h>

#include <string>

#include "scan/scan.h"

namespace semdex {
namespace {

std::optional<SkipReason> Classify(std::string_view path, std::string_view content,
                                   std::string* detail = nullptr) {
  std::string scratch;
  return ClassifyContent(path, content, detail ? detail : &scratch);
}

// Ordinary hand-written code: short lines.
std::string NormalSource(int lines) {
  std::string out;
  for (int i = 0; i < lines; ++i) {
    out += "export function f" + std::to_string(i) + "(a, b) {\n  return a + b * " +
           std::to_string(i) + ";\n}\n";
  }
  return out;
}

TEST(ClassifyContentTest, NormalSourceIsIndexed) {
  EXPECT_EQ(Classify("src/a.js", NormalSource(200)), std::nullopt);
  EXPECT_EQ(Classify("src/empty.js", ""), std::nullopt);
  EXPECT_EQ(Classify("src/one.js", "x"), std::nullopt);
}

TEST(ClassifyContentTest, Utf8AndTextControlBytesAreText) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "const s = \"héllo wörld ✓ 日本語\";\t\f\v\r\n";
  EXPECT_EQ(Classify("src/u.ts", text), std::nullopt);
}

TEST(ClassifyContentTest, NulByteIsBinary) {
  std::string content = "var a = 1;\n";
  content += '\0';
  content += "rest";
  std::string detail;
  EXPECT_EQ(Classify("src/a.js", content, &detail), SkipReason::kBinary);
  EXPECT_EQ(detail, "NUL byte at offset 11");
}

TEST(ClassifyContentTest, NulAfterTheSampleIsNotLookedAt) {
  std::string content = NormalSource(200);  // > 8 KiB
  ASSERT_GT(content.size(), 8192u);
  content += '\0';
  EXPECT_EQ(Classify("src/a.js", content), std::nullopt);
}

TEST(ClassifyContentTest, MostlyControlBytesAreBinary) {
  std::string content;
  for (int i = 0; i < 1000; ++i) content += (i % 2 == 0) ? "\x01\x02\x1b" : "ab";
  std::string detail;
  EXPECT_EQ(Classify("data.js", content, &detail), SkipReason::kBinary);
  EXPECT_NE(detail.find("control bytes"), std::string::npos) << detail;
  // A few escape bytes (ANSI colours in strings) stay text.
  std::string colours = NormalSource(20) + "console.log('\x1b[31mred\x1b[0m');\n";
  EXPECT_EQ(Classify("log.js", colours), std::nullopt);
}

TEST(ClassifyContentTest, MinifiedFileNames) {
  for (const char* path : {"dist/app.min.js", "a.min.mjs", "lib/b.min.cjs", "jquery-min.js"}) {
    std::string detail;
    EXPECT_EQ(Classify(path, "var a=1;\n", &detail), SkipReason::kMinified) << path;
    EXPECT_NE(detail.find("file name"), std::string::npos) << detail;
  }
  EXPECT_EQ(Classify("admin.js", "var a=1;\n"), std::nullopt);
  EXPECT_EQ(Classify("min.js", "var a=1;\n"), std::nullopt);
  EXPECT_EQ(Classify("a.min.ts", "var a=1;\n"), std::nullopt);
}

TEST(ClassifyContentTest, RealLookingMinifiedLineIsMinified) {
  // What terser emits: one dense line.
  std::string line = "!function(e,t){\"object\"==typeof exports&&\"undefined\"!=typeof module?";
  std::string minified = line;
  for (int i = 0; minified.size() < 48 * 1024; ++i) {
    minified += "var a" + std::to_string(i) +
                "=function(n,r){return n.map(function(o){return o*r+" + std::to_string(i) + "})},";
  }
  minified += "e.x=1}(this);\n//# sourceMappingURL=app.js.map\n";
  std::string detail;
  EXPECT_EQ(Classify("dist/app.js", minified, &detail), SkipReason::kMinified);
  EXPECT_EQ(detail.find("longest line "), 0u) << detail;
  EXPECT_NE(detail.find(" bytes/line"), std::string::npos) << detail;
}

TEST(ClassifyContentTest, DenseMediumFileIsMinified) {
  // 10 lines of 1.5 KB each: both the longest and the average line are far from hand-written.
  std::string content;
  for (int i = 0; i < 10; ++i) content += std::string(1500, 'a') + "\n";
  std::string detail;
  EXPECT_EQ(Classify("vendor.js", content, &detail), SkipReason::kMinified);
  EXPECT_EQ(detail, "longest line 1500 bytes, average 1501 bytes/line");
}

TEST(ClassifyContentTest, NormalFileWithOneLongLineIsIndexed) {
  // A long data string in otherwise ordinary code, like three.js's SMAAPass.js (44 KB line).
  std::string content = NormalSource(40);
  content += "const AREA = \"data:image/png;base64," + std::string(44000, 'Q') + "\";\n";
  content += "const RE = /" + std::string(3000, 'r') + "/;\n";
  content += NormalSource(40);
  EXPECT_EQ(Classify("src/icon.ts", content), std::nullopt);
}

TEST(ClassifyContentTest, SmallFileWithLongLinesIsIndexed) {
  // Under 2 KiB density is not judged: a short config with one long line.
  std::string content = "export const x = '" + std::string(1500, 'x') + "';\n";
  EXPECT_EQ(Classify("src/config.ts", content), std::nullopt);
}

TEST(ClassifyContentTest, HugeSingleLineIsMinified) {
  std::string content(5 * 1000 * 1000, 'x');
  std::string detail;
  EXPECT_EQ(Classify("bundle.js", content, &detail), SkipReason::kMinified);
  EXPECT_EQ(detail, "longest line 5000000 bytes, average 5000000 bytes/line");
}

TEST(ClassifyContentTest, OneVeryLongLineAmongManyIsMinified) {
  std::string content = NormalSource(2000);                      // average stays low...
  content += "var blob = '" + std::string(70000, 'z') + "';\n";  // ...but this is inlined output
  EXPECT_EQ(Classify("src/wasm.js", content), SkipReason::kMinified);
}

TEST(ClassifyContentTest, GeneratedMarkerIsNotASkipReason) {
  std::string content = "// @generated by protoc\n" + NormalSource(50);
  EXPECT_EQ(Classify("src/gen.ts", content), std::nullopt);
}

TEST(SkipReasonNameTest, Names) {
  EXPECT_EQ(SkipReasonName(SkipReason::kIgnored), "ignored");
  EXPECT_EQ(SkipReasonName(SkipReason::kNodeModules), "node_modules");
  EXPECT_EQ(SkipReasonName(SkipReason::kTooLarge), "too_large");
  EXPECT_EQ(SkipReasonName(SkipReason::kBinary), "binary");
  EXPECT_EQ(SkipReasonName(SkipReason::kMinified), "minified");
  EXPECT_EQ(SkipReasonName(SkipReason::kUnreadable), "unreadable");
  EXPECT_EQ(SkipReasonName(SkipReason::kSymlinkOutside), "symlink_outside");
  EXPECT_EQ(SkipReasonName(SkipReason::kSymlinkLoop), "symlink_loop");
}

}  // namespace
}  // namespace semdex
