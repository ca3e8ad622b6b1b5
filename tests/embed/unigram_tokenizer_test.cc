// UnigramTokenizer: the JavaScript tokeniser's rules on a tiny vocabulary, vocab.json errors.
#include "embed/unigram_tokenizer.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embed_test_util.h"

namespace semdex {
namespace {

using Ids = std::vector<int32_t>;

// The vocabulary of tests/fixtures/embed/unigram_quirks.json, parsed as vocab.json is.
std::unique_ptr<UnigramTokenizer> QuirkTokenizer(nlohmann::json* doc_out = nullptr) {
  nlohmann::json doc = nlohmann::json::parse(
      testing::ReadFileOrDie(std::string(SEMDEX_FIXTURES_DIR) + "/embed/unigram_quirks.json"));
  std::unique_ptr<UnigramTokenizer> tok;
  Status st = UnigramTokenizer::Parse(doc["vocabulary"].dump(), "quirks", &tok);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (doc_out != nullptr) *doc_out = doc;
  return tok;
}

Ids Encode(const UnigramTokenizer& tok, std::string_view text) {
  Ids ids;
  Status st = tok.Encode(text, &ids);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return ids;
}

// Every case the JavaScript Tokenizer produced on the quirk vocabulary.
TEST(UnigramTokenizerTest, MatchesTheJavaScriptOnQuirkCases) {
  nlohmann::json doc;
  std::unique_ptr<UnigramTokenizer> tok = QuirkTokenizer(&doc);
  ASSERT_TRUE(tok);
  for (const auto& c : doc["cases"]) {
    EXPECT_EQ(Encode(*tok, c["text"].get<std::string>()), c["ids"].get<Ids>()) << c["text"];
  }
}

// The same rules, spelled out (ids are indexes into the quirk vocabulary).
TEST(UnigramTokenizerTest, RulesSpelledOut) {
  std::unique_ptr<UnigramTokenizer> tok = QuirkTokenizer();
  ASSERT_TRUE(tok);
  // Tie between ▁ab (-2) and ▁a + b (-1 + -1): the later-considered (shorter) candidate wins.
  EXPECT_EQ(Encode(*tok, "ab"), (Ids{7, 8}));
  // Best total: ▁cd (-1.5) beats ▁ + c + d (-4.2).
  EXPECT_EQ(Encode(*tok, "cd"), (Ids{11}));
  // Spaces become ▁; text starts with ▁.
  EXPECT_EQ(Encode(*tok, "a b"), (Ids{7, 6, 8}));
  // Null scores count as 0, and a best total of exactly 0 counts as unset: ▁: (0) loses to ▁ + :.
  EXPECT_EQ(Encode(*tok, ":"), (Ids{6, 13}));
  // A repeated piece takes the later entry's id.
  EXPECT_EQ(Encode(*tok, "x"), (Ids{6, 16}));
  // NFKC: the ligature and full-width letters become "fi".
  EXPECT_EQ(Encode(*tok, "ﬁ"), (Ids{17}));
  EXPECT_EQ(Encode(*tok, "ｆｉ"), (Ids{17}));
  // Unknown code points (CJK, emoji, tab) become id 0; consecutive ones collapse.
  EXPECT_EQ(Encode(*tok, "a中文b"), (Ids{7, 0, 8}));
  EXPECT_EQ(Encode(*tok, "🚀🚀 a"), (Ids{6, 0, 7}));
  EXPECT_EQ(Encode(*tok, "a\tb"), (Ids{7, 0, 8}));
  // A position no piece reaches keeps total 0, which beats any real path: "abab" -> ▁a b ? b.
  EXPECT_EQ(Encode(*tok, "abab"), (Ids{7, 8, 0, 8}));
  EXPECT_EQ(Encode(*tok, ""), Ids{});
}

TEST(UnigramTokenizerTest, AppendsToExistingIds) {
  std::unique_ptr<UnigramTokenizer> tok = QuirkTokenizer();
  ASSERT_TRUE(tok);
  Ids ids = {42};
  ASSERT_TRUE(tok->Encode("ab", &ids).ok());
  EXPECT_EQ(ids, (Ids{42, 7, 8}));
}

TEST(UnigramTokenizerTest, RejectsInvalidUtf8) {
  std::unique_ptr<UnigramTokenizer> tok = QuirkTokenizer();
  ASSERT_TRUE(tok);
  Ids ids;
  for (std::string bad : {std::string("a\xff"), std::string("\xc3"), std::string("\xed\xa0\x80")}) {
    Status st = tok->Encode(bad, &ids);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(st.message().find("UTF-8"), std::string::npos) << st.message();
  }
}

TEST(UnigramTokenizerTest, EmbeddedNulIsAnOrdinaryCodePoint) {
  std::unique_ptr<UnigramTokenizer> tok = QuirkTokenizer();
  ASSERT_TRUE(tok);
  EXPECT_EQ(Encode(*tok, std::string("a\0b", 3)), (Ids{7, 0, 8}));
}

TEST(UnigramTokenizerTest, VocabularyErrorsNameTheFileAndEntry) {
  std::unique_ptr<UnigramTokenizer> tok;
  struct Case {
    std::string json, expect;
  } cases[] = {
      {"[[\"a\", 0], ", "not valid JSON"},
      {"{\"a\": 1}", "expected an array"},
      {"[[\"a\",0],[\"b\",0]]", "only 2 entries"},
      {"[[\"0\",0],[\"1\",0],[\"2\",0],[\"3\",0],[\"4\",0],[\"5\",0],[\"x\",\"high\"]]",
       "entry 6 is not"},
      {"[[\"0\",0],[\"1\",0],[\"2\",0],[\"3\",0],[\"4\",0],[\"5\",0],[7, -1]]", "entry 6 is not"},
  };
  for (const Case& c : cases) {
    Status st = UnigramTokenizer::Parse(c.json, "/m/vocab.json", &tok);
    EXPECT_EQ(st.code(), Status::Code::kParseError) << c.json;
    EXPECT_NE(st.message().find("/m/vocab.json"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << st.message();
  }
  Status st = UnigramTokenizer::Load("/nonexistent/vocab.json", &tok);
  EXPECT_EQ(st.code(), Status::Code::kNotFound);
  EXPECT_NE(st.message().find("/nonexistent/vocab.json"), std::string::npos);
}

TEST(UnigramTokenizerTest, RealVocabularyLoads) {
  std::unique_ptr<UnigramTokenizer> tok;
  Status st = UnigramTokenizer::Load(testing::DefaultModelDir() + "/vocab.json", &tok);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(tok->vocab_size(), 8000);
}

}  // namespace
}  // namespace semdex
