// GitignoreMatcher against git's documented semantics, one rule per row.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "scan/scan.h"

namespace semdex {
namespace {

struct IgnoreFile {
  std::string dir;  // "" for the root
  std::string contents;
};

struct Case {
  std::vector<IgnoreFile> files;  // added in order: later files in one directory win
  std::string path;
  bool is_dir;
  bool ignored;
};

constexpr bool kDir = true;
constexpr bool kFile = false;

// clang-format off
const Case kCases[] = {
    // Plain names match at any depth below the ignore file.
    {{{"", "foo"}}, "foo", kFile, true},
    {{{"", "foo"}}, "a/foo", kFile, true},
    {{{"", "foo"}}, "a/b/foo", kDir, true},
    {{{"", "foo"}}, "foobar", kFile, false},
    {{{"", "foo"}}, "xfoo", kFile, false},
    {{{"", "foo"}}, "a/foo/bar.js", kFile, false},  // only the path itself is decided
    {{{"", "*.JS"}}, "a.js", kFile, false},         // case-sensitive
    // Comments, blank lines and escapes.
    {{{"", "#foo"}}, "#foo", kFile, false},
    {{{"", "# comment\n\n   \nfoo"}}, "foo", kFile, true},
    {{{"", "\\#foo"}}, "#foo", kFile, true},
    {{{"", "\\!important"}}, "!important", kFile, true},
    {{{"", "\\*.js"}}, "*.js", kFile, true},
    {{{"", "\\*.js"}}, "a.js", kFile, false},
    {{{"", "a\\?"}}, "a?", kFile, true},
    {{{"", "a\\?"}}, "ab", kFile, false},
    {{{"", "foo\\"}}, "foo", kFile, false},  // a trailing backslash never matches
    // Trailing spaces are trimmed unless escaped; CRLF line ends are accepted.
    {{{"", "foo   "}}, "foo", kFile, true},
    {{{"", "foo   "}}, "foo   ", kFile, false},
    {{{"", "foo\\ "}}, "foo ", kFile, true},
    {{{"", "foo\\ "}}, "foo", kFile, false},
    {{{"", "foo\\  "}}, "foo ", kFile, true},
    {{{"", "foo\r\nbar\r\n"}}, "bar", kFile, true},
    {{{"", "\xEF\xBB\xBF" "foo"}}, "foo", kFile, true},  // BOM skipped
    // Negation; the last matching line wins.
    {{{"", "*.log\n!keep.log"}}, "keep.log", kFile, false},
    {{{"", "*.log\n!keep.log"}}, "other.log", kFile, true},
    {{{"", "!keep.log\n*.log"}}, "keep.log", kFile, true},
    {{{"", "!keep.log"}}, "keep.log", kFile, false},
    {{{"", "*\n!*/"}}, "dir", kDir, false},
    {{{"", "*\n!*/"}}, "file.js", kFile, true},
    // A '/' at the start or in the middle anchors to the ignore file's directory.
    {{{"", "/foo"}}, "foo", kFile, true},
    {{{"", "/foo"}}, "a/foo", kFile, false},
    {{{"", "a/foo"}}, "a/foo", kFile, true},
    {{{"", "a/foo"}}, "b/a/foo", kFile, false},
    {{{"sub", "/foo"}}, "sub/foo", kFile, true},
    {{{"sub", "/foo"}}, "foo", kFile, false},
    {{{"sub", "/foo"}}, "sub/x/foo", kFile, false},
    {{{"sub", "foo"}}, "sub/x/foo", kFile, true},
    {{{"sub", "foo"}}, "other/foo", kFile, false},
    {{{"sub", "x/foo"}}, "sub/x/foo", kFile, true},
    {{{"sub", "x/foo"}}, "x/foo", kFile, false},
    // A trailing '/' matches directories only.
    {{{"", "build/"}}, "build", kDir, true},
    {{{"", "build/"}}, "build", kFile, false},
    {{{"", "build/"}}, "a/build", kDir, true},
    {{{"", "a/build/"}}, "a/build", kDir, true},
    {{{"", "/build/"}}, "x/build", kDir, false},
    // '*' and '?' never cross '/'.
    {{{"", "*.js"}}, "a/b/c.js", kFile, true},
    {{{"", "*.js"}}, "c.jsx", kFile, false},
    {{{"", "a/*.js"}}, "a/c.js", kFile, true},
    {{{"", "a/*.js"}}, "a/b/c.js", kFile, false},
    {{{"", "a/*"}}, "a/b", kDir, true},
    {{{"", "fo?"}}, "foo", kFile, true},
    {{{"", "fo?"}}, "fo", kFile, false},
    {{{"", "x/a?b"}}, "x/a/b", kFile, false},
    {{{"", "x/a*b"}}, "x/a/b", kFile, false},
    {{{"", "a**b"}}, "axxb", kFile, true},       // "**" inside a name is a plain '*'
    {{{"", "x/a**b"}}, "x/a/b", kFile, false},
    // Character classes: sets, ranges, negation with '!' or '^', POSIX names, never '/'.
    {{{"", "[abc].js"}}, "b.js", kFile, true},
    {{{"", "[abc].js"}}, "d.js", kFile, false},
    {{{"", "[a-c].js"}}, "c.js", kFile, true},
    {{{"", "[a-c].js"}}, "d.js", kFile, false},
    {{{"", "[!a-c].js"}}, "d.js", kFile, true},
    {{{"", "[!a-c].js"}}, "a.js", kFile, false},
    {{{"", "[^a-c].js"}}, "a.js", kFile, false},
    {{{"", "[]x].js"}}, "].js", kFile, true},
    {{{"", "[a-].js"}}, "-.js", kFile, true},
    {{{"", "[\\]].js"}}, "].js", kFile, true},
    {{{"", "[[:digit:]]x"}}, "7x", kFile, true},
    {{{"", "[[:digit:]]x"}}, "ax", kFile, false},
    {{{"", "x[/]y"}}, "x/y", kFile, false},
    {{{"", "x[!a]y"}}, "x/y", kFile, false},
    {{{"", "[a-"}}, "[a-", kFile, false},  // unterminated: never matches
    // "**": leading "**/", trailing "/**", middle "/**/".
    {{{"", "**/foo"}}, "foo", kFile, true},
    {{{"", "**/foo"}}, "a/b/foo", kFile, true},
    {{{"", "**/a/foo"}}, "a/foo", kFile, true},
    {{{"", "**/a/foo"}}, "x/y/a/foo", kFile, true},
    {{{"", "**/a/foo"}}, "x/ya/foo", kFile, false},
    {{{"", "abc/**"}}, "abc/x/y.js", kFile, true},
    {{{"", "abc/**"}}, "abc/x", kDir, true},
    {{{"", "abc/**"}}, "abc", kDir, false},
    {{{"", "a/**/b"}}, "a/b", kFile, true},
    {{{"", "a/**/b"}}, "a/x/y/b", kFile, true},
    {{{"", "a/**/b"}}, "a/xb", kFile, false},
    {{{"", "a/**/b"}}, "x/a/b", kFile, false},
    {{{"", "**"}}, "any/thing", kFile, true},
    {{{"sub", "**/gen"}}, "sub/x/gen", kDir, true},
    {{{"sub", "**/gen"}}, "gen", kDir, false},
    // Deeper ignore files win over shallower ones; later files in one directory win.
    {{{"", "*.js"}, {"sub", "!keep.js"}}, "sub/keep.js", kFile, false},
    {{{"", "*.js"}, {"sub", "!keep.js"}}, "sub/other.js", kFile, true},
    {{{"", "*.js"}, {"sub", "!keep.js"}}, "keep.js", kFile, true},
    {{{"", "!keep.js"}, {"sub", "*.js"}}, "sub/keep.js", kFile, true},
    {{{"", "*.js"}, {"sub", "!*.js"}, {"sub/deep", "x.js"}}, "sub/deep/x.js", kFile, true},
    {{{"", "*.js"}, {"sub", "!*.js"}, {"sub/deep", "x.js"}}, "sub/deep/y.js", kFile, false},
    {{{"", "*.js"}, {"", "!keep.js"}}, "keep.js", kFile, false},  // .semdexignore after
    {{{"", "!keep.js"}, {"", "*.js"}}, "keep.js", kFile, true},
    {{{"sub", "foo"}, {"", "!foo"}}, "sub/foo", kFile, true},   // order of adding is irrelevant
};
// clang-format on

TEST(GitignoreMatcherTest, Table) {
  EXPECT_GE(std::size(kCases), 40u);
  for (size_t i = 0; i < std::size(kCases); ++i) {
    const Case& c = kCases[i];
    GitignoreMatcher matcher;
    std::string files;
    for (const IgnoreFile& f : c.files) {
      matcher.AddPatterns(f.dir, f.contents, f.dir.empty() ? ".gitignore" : f.dir + "/.gitignore");
      files += "[" + f.dir + "] " + f.contents + " | ";
    }
    EXPECT_EQ(matcher.Decide(c.path, c.is_dir).ignored, c.ignored)
        << "row " << i << ": files " << files << "path '" << c.path << "'"
        << (c.is_dir ? " (dir)" : "");
  }
}

TEST(GitignoreMatcherTest, DetailNamesSourceLineAndPattern) {
  GitignoreMatcher matcher;
  matcher.AddPatterns("", "# build output\n\ndist/   \n*.log\n", ".gitignore");
  matcher.AddPatterns("pkg", "!keep.log\n", "pkg/.gitignore");

  GitignoreMatcher::Match dist = matcher.Decide("dist", true);
  EXPECT_TRUE(dist.ignored);
  EXPECT_EQ(dist.detail, ".gitignore:3: dist/");

  GitignoreMatcher::Match log = matcher.Decide("pkg/x.log", false);
  EXPECT_TRUE(log.ignored);
  EXPECT_EQ(log.detail, ".gitignore:4: *.log");

  GitignoreMatcher::Match keep = matcher.Decide("pkg/keep.log", false);
  EXPECT_FALSE(keep.ignored);
  EXPECT_EQ(keep.detail, "pkg/.gitignore:1: !keep.log");

  GitignoreMatcher::Match none = matcher.Decide("src/a.js", false);
  EXPECT_FALSE(none.ignored);
  EXPECT_EQ(none.detail, "");
}

TEST(GitignoreMatcherTest, EmptyMatcherIgnoresNothing) {
  GitignoreMatcher matcher;
  EXPECT_FALSE(matcher.Decide("a/b.js", false).ignored);
  EXPECT_FALSE(matcher.Decide("a", true).ignored);
}

TEST(GitignoreMatcherTest, MovedMatcherKeepsPatterns) {
  GitignoreMatcher a;
  a.AddPatterns("", "*.tmp", ".gitignore");
  GitignoreMatcher b = std::move(a);
  EXPECT_TRUE(b.Decide("x.tmp", false).ignored);
}

TEST(GitignoreMatcherTest, PathologicalPatternStaysFast) {
  // Backtracking matchers take exponential time on this; the position-set matcher does not.
  GitignoreMatcher matcher;
  matcher.AddPatterns("", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", ".gitignore");
  EXPECT_FALSE(matcher.Decide(std::string(200, 'a'), false).ignored);
}

}  // namespace
}  // namespace semdex
