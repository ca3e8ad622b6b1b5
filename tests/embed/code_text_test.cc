// PrepareCodeText and SplitIdentifiers: tables of code text and what the model reads of it.
#include <gtest/gtest.h>

#include <string>

#include "embed/embed.h"

namespace semdex {
namespace {

TEST(SplitIdentifiersTest, Table) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      // camelCase, PascalCase, snake_case, SCREAMING_CASE, kebab-free mixes
      {"getUserName", "get user name"},
      {"GetUserName", "get user name"},
      {"get_user_name", "get user name"},
      {"MAX_RETRY_COUNT", "max retry count"},
      {"_privateField", "private field"},
      {"$scopeApply", "scope apply"},
      {"snake_Case_mix", "snake case mix"},
      // runs of capitals: the last capital before a lower-case letter starts a word
      {"HTTPServer", "http server"},
      {"XMLHttpRequest", "xml http request"},
      {"parseURL", "parse url"},
      {"IOError", "io error"},
      // digits are words of their own
      {"parseInt2", "parse int 2"},
      {"utf8proc", "utf 8 proc"},
      {"base64Encode", "base 64 encode"},
      {"v2", "v 2"},
      // one word: unchanged (case kept)
      {"return", "return"},
      {"User", "User"},
      {"URL", "URL"},
      {"__init__", "__init__"},
      {"_", "_"},
      {"$", "$"},
      // numbers are not identifiers
      {"42", "42"},
      {"0x1F", "0x1F"},
      {"1e9", "1e9"},
      {"3rdParty", "3rdParty"},
      // separators dropped inside, surrounding text kept
      {"a__b", "a b"},
      {"user_", "user_"},
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(SplitIdentifiers(c.in), c.out) << c.in;
}

TEST(SplitIdentifiersTest, RewritesIdentifiersInsideCode) {
  EXPECT_EQ(SplitIdentifiers("const maxRetries = getConfig().retry_count; // see HTTPClient"),
            "const max retries = get config().retry count; // see http client");
  EXPECT_EQ(SplitIdentifiers("def parse_config(path):\n    return json.load(f)"),
            "def parse config(path):\n    return json.load(f)");
}

TEST(SplitIdentifiersTest, LeavesNonAsciiAndInvalidBytesAlone) {
  EXPECT_EQ(SplitIdentifiers("naïveCafé"), "naïve café");  // ASCII-only word rules
  EXPECT_EQ(SplitIdentifiers("日本語 fooBar"), "日本語 foo bar");
  std::string bad =
      "a\xff\xfe"
      "fooBar";
  EXPECT_EQ(SplitIdentifiers(bad),
            "a\xff\xfe"
            "foo bar");
}

TEST(PrepareCodeTextTest, SplitsIdentifiersAndCollapsesWhitespace) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"function getUserName() {\n  return this.userName;\n}",
       "function get user name() { return this.user name; }"},
      {"\n\n    indented\tline\r\n", "indented line"},
      {"a \f\v b", "a b"},
      {"already plain text", "already plain text"},
      {"  \n\t ", ""},
      {"", ""},
      {"keeps\u00a0no-break space", "keeps\u00a0no-break space"},  // only ASCII whitespace
  };
  for (const Case& c : cases) EXPECT_EQ(PrepareCodeText(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace semdex
