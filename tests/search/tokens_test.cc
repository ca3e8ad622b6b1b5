// The code-aware tokeniser of the full-text index and the query -> MATCH translation. (It lives
// in store/, internal; tested here with the rest of search.)
#include <gtest/gtest.h>

#include "store/code_tokens.h"

namespace semdex {
namespace {

using Tokens = std::vector<std::string>;

TEST(CodeTokensTest, SplitsIdentifiersAndKeepsThemWhole) {
  const struct {
    const char* text;
    Tokens tokens;
  } cases[] = {
      {"getUserName", {"getusername", "get", "user", "name"}},
      {"MAX_RETRY_COUNT", {"max_retry_count", "max", "retry", "count"}},
      {"HTTPServer", {"httpserver", "http", "server"}},
      {"parseInt2", {"parseint2", "parse", "int", "2"}},
      {"snake_case", {"snake_case", "snake", "case"}},
      {"__init__", {"__init__", "init"}},
      {"map", {"map"}},
      {"URL", {"url"}},
      {"Vector3", {"vector3", "vector", "3"}},
      {"a.b(c)", {"a", "b", "c"}},
      {"source$ = of(1)", {"source", "of", "1"}},
      {"___", {}},
      {"", {}},
      {"\"*NEAR( AND", {"near", "and"}},
      {"caf\xc3\xa9Latte", {"caf\xc3\xa9latte", "caf\xc3\xa9", "latte"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CodeSearchTokens(c.text), c.tokens) << c.text;
  }
}

TEST(CodeTokensTest, TokenTextJoinsWithSpaces) {
  EXPECT_EQ(CodeSearchTokenText("new Vector3(x, y)"), "new vector3 vector 3 x y");
}

TEST(CodeTokensTest, MatchExpressionQuotesEveryTermAndDropsStopWords) {
  EXPECT_EQ(FtsMatchExpression("getUserName"),
            "\"getusername\" OR \"get\" OR \"user\" OR \"name\"");
  EXPECT_EQ(FtsMatchExpression("the length of a vector"), "\"length\" OR \"vector\"");
  EXPECT_EQ(FtsMatchExpression("the of"), "\"the\" OR \"of\"");  // nothing else: kept
  EXPECT_EQ(FtsMatchExpression("map map Map"), "\"map\"");
  EXPECT_EQ(FtsMatchExpression(""), "");
  EXPECT_EQ(FtsMatchExpression("!!! ... ()"), "");
  EXPECT_EQ(FtsMatchExpression("NEAR(a b) \"x* AND OR NOT"),
            "\"near\" OR \"b\" OR \"x\" OR \"not\"");
}

TEST(CodeTokensTest, MatchExpressionCapsTheNumberOfTerms) {
  std::string query;
  for (int i = 0; i < 500; ++i) query += "w" + std::to_string(i) + "x ";
  const std::string match = FtsMatchExpression(query);
  size_t terms = 0;
  for (size_t p = match.find(" OR "); p != std::string::npos; p = match.find(" OR ", p + 1))
    ++terms;
  EXPECT_EQ(terms + 1, kMaxQueryTerms);
}

}  // namespace
}  // namespace semdex
