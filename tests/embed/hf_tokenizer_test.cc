// HfTokenizer (tokenizer.json) against the reference tokeniser's ids, its text steps, bad files.
#include "embed/hf_tokenizer.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embed/hf_text.h"
#include "embed_test_util.h"

namespace semdex {
namespace {

using testing::ReadFileOrDie;

std::string HfFixture(const std::string& name) {
  return std::string(SEMDEX_FIXTURES_DIR) + "/embed/hf/" + name;
}

std::unique_ptr<HfTokenizer> LoadFixtureTokenizer(const std::string& name) {
  std::unique_ptr<HfTokenizer> t;
  Status st = HfTokenizer::Parse(ReadFileOrDie(HfFixture(name)), HfFixture(name), &t);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return t;
}

std::vector<int32_t> EncodeWithSpecials(const HfTokenizer& t, const std::string& text) {
  std::vector<int32_t> ids = t.prefix();
  t.Encode(text, &ids);
  ids.insert(ids.end(), t.suffix().begin(), t.suffix().end());
  return ids;
}

// tests/fixtures/embed/hf/tokenizer_golden.json: ids from @huggingface/tokenizers@0.2.0
// (transformers.js's tokeniser), made by scripts/golden/make_tokenizer_golden.js.
TEST(HfTokenizerTest, MatchesTheReferenceTokenizer) {
  const nlohmann::json golden =
      nlohmann::json::parse(ReadFileOrDie(HfFixture("tokenizer_golden.json")));
  int cases = 0;
  for (const auto& [file, entries] : golden["tokenizers"].items()) {
    std::unique_ptr<HfTokenizer> t = LoadFixtureTokenizer(file);
    ASSERT_NE(t, nullptr);
    for (const auto& c : entries) {
      const std::string text = c["text"].get<std::string>();
      EXPECT_EQ(EncodeWithSpecials(*t, text), c["ids"].get<std::vector<int32_t>>())
          << file << ": \"" << text << "\"";
      ++cases;
    }
  }
  EXPECT_GE(cases, 60);
}

TEST(HfTokenizerTest, ReadsThePostProcessorsSpecialTokens) {
  std::unique_ptr<HfTokenizer> bpe = LoadFixtureTokenizer("bpe_tokenizer.json");
  std::unique_ptr<HfTokenizer> wp = LoadFixtureTokenizer("wordpiece_tokenizer.json");
  ASSERT_NE(bpe, nullptr);
  ASSERT_NE(wp, nullptr);
  EXPECT_EQ(bpe->prefix(), std::vector<int32_t>{0});  // <s>
  EXPECT_EQ(bpe->suffix(), std::vector<int32_t>{2});  // </s>
  EXPECT_EQ(wp->prefix(), std::vector<int32_t>{2});   // [CLS]
  EXPECT_EQ(wp->suffix(), std::vector<int32_t>{3});   // [SEP]
  EXPECT_EQ(bpe->vocab_size(), 659);
}

TEST(HfTokenizerTest, WordPieceGivesUnknownForOverlongAndUnknownWords) {
  std::unique_ptr<HfTokenizer> wp = LoadFixtureTokenizer("wordpiece_tokenizer.json");
  ASSERT_NE(wp, nullptr);
  std::vector<int32_t> ids;
  wp->Encode(std::string(101, 'a'), &ids);
  EXPECT_EQ(ids, std::vector<int32_t>{1});  // [UNK]
  ids.clear();
  wp->Encode("\xe2\x98\x83", &ids);  // a snowman: no piece for it
  EXPECT_EQ(ids, std::vector<int32_t>{1});
}

TEST(HfTokenizerTest, Gpt2SplitFollowsTheRegex) {
  struct Case {
    std::string text;
    std::vector<std::string> pieces;
  };
  const Case cases[] = {
      {"a   b", {"a", "  ", " b"}},
      {"don't", {"don", "'t"}},
      {"we'll'VE", {"we", "'ll", "'", "VE"}},
      {"\n\nx", {"\n", "\n", "x"}},
      {"x  ", {"x", "  "}},
      {"f(a1, 22)", {"f", "(", "a", "1", ",", " 22", ")"}},
      {" ('s", {" ('", "s"}},
      {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", {"caf\xc3\xa9", " \xe6\x97\xa5\xe6\x9c\xac"}},
      {"\xc2\xa0x", {"\xc2\xa0", "x"}},  // NBSP is \s but not the optional ' '
  };
  for (const Case& c : cases) {
    std::vector<std::string> pieces;
    hf_text::Gpt2Split(c.text, &pieces);
    EXPECT_EQ(pieces, c.pieces) << "\"" << c.text << "\"";
  }
}

TEST(HfTokenizerTest, BertNormalizerCleansSplitsAndStrips) {
  hf_text::BertNormalizerOptions o;
  EXPECT_EQ(hf_text::BertNormalize("Caf\xc3\xa9\tA\x01"
                                   "B\xe6\x97\xa5",
                                   o),
            "cafe ab \xe6\x97\xa5 ");
  o.lowercase = false;
  o.strip_accents = false;
  EXPECT_EQ(hf_text::BertNormalize("Caf\xc3\xa9", o), "Caf\xc3\xa9");
  std::vector<std::string> words;
  hf_text::BertPreTokenize("a.b  c$d", &words);
  EXPECT_EQ(words, (std::vector<std::string>{"a", ".", "b", "c", "$", "d"}));
}

TEST(HfTokenizerTest, RefusesBadOrUnsupportedFiles) {
  struct Case {
    std::string json;
    Status::Code code;
    std::string message;
  };
  const Case cases[] = {
      {"{not json", Status::Code::kParseError, "not valid JSON"},
      {"{}", Status::Code::kParseError, "no \"model\""},
      {R"({"model": {"type": "Unigram", "vocab": []}})", Status::Code::kUnsupported,
       "model.type \"Unigram\""},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})",
       Status::Code::kParseError, "token \"b\" is not in the vocabulary"},
      {R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})", Status::Code::kParseError,
       "unk_token is missing"},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
           "normalizer": {"type": "Precompiled"}})",
       Status::Code::kUnsupported, "normalizer of type \"Precompiled\""},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
           "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Metaspace"}]}})",
       Status::Code::kUnsupported, "pre_tokenizer.pretokenizers[0] of type \"Metaspace\""},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": [], "byte_fallback": true}})",
       Status::Code::kUnsupported, "byte_fallback"},
      {R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
           "post_processor": {"type": "RobertaProcessing", "cls": ["<s>"]}})",
       Status::Code::kParseError, "post_processor.cls"},
  };
  for (const Case& c : cases) {
    std::unique_ptr<HfTokenizer> t;
    Status st = HfTokenizer::Parse(c.json, "/m/tokenizer.json", &t);
    EXPECT_EQ(st.code(), c.code) << c.json << " -> " << st.ToString();
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find("/m/tokenizer.json"), std::string::npos) << st.ToString();
  }
}

}  // namespace
}  // namespace semdex
