// The default model against the reference JavaScript implementation: token ids exactly, vectors
// to cosine >= 0.9999 (tests/fixtures/embed/use_lite_golden.json).
#include <gtest/gtest.h>

#include <memory>

#include "embed/embed.h"
#include "embed/tfjs_weights.h"
#include "embed/unigram_tokenizer.h"
#include "embed/use_lite_model.h"
#include "embed_test_util.h"

namespace semdex {
namespace {

using testing::Cosine;
using testing::DefaultModelDir;
using testing::GoldenCase;
using testing::LoadGolden;

TEST(GoldenTest, FixtureCoversTheAgreedInputs) {
  std::vector<GoldenCase> cases = LoadGolden();
  ASSERT_GE(cases.size(), 20u);
  bool long_text = false, non_ascii = false;
  for (const GoldenCase& c : cases) {
    EXPECT_EQ(c.embedding.size(), 512u) << c.text;
    long_text = long_text || c.ids.size() > 128;
    for (char ch : c.text) non_ascii = non_ascii || static_cast<unsigned char>(ch) >= 0x80;
  }
  EXPECT_TRUE(long_text);
  EXPECT_TRUE(non_ascii);
}

TEST(GoldenTest, TokenIdsMatchTheJavaScriptTokenizer) {
  std::unique_ptr<UnigramTokenizer> tok;
  ASSERT_TRUE(UnigramTokenizer::Load(DefaultModelDir() + "/vocab.json", &tok).ok());
  for (const GoldenCase& c : LoadGolden()) {
    std::vector<int32_t> ids;
    ASSERT_TRUE(tok->Encode(c.text, &ids).ok()) << c.text;
    EXPECT_EQ(ids, c.ids) << c.text;
  }
}

TEST(GoldenTest, VectorsMatchTheJavaScriptModel) {
  EmbedderOptions options;
  options.prepare_code_text = false;  // the JavaScript tokenises texts as they are
  std::unique_ptr<Embedder> e;
  ASSERT_TRUE(LoadEmbedder("default", options, &e).ok());
  std::vector<GoldenCase> cases = LoadGolden();
  std::vector<std::string_view> texts;
  for (const GoldenCase& c : cases) {
    if (c.ids.size() <= 128) texts.push_back(c.text);  // longer ones: see the next test
  }
  std::vector<std::vector<float>> vectors;
  ASSERT_TRUE(e->Embed(texts, &vectors).ok());
  ASSERT_EQ(vectors.size(), texts.size());
  size_t v = 0;
  for (const GoldenCase& c : cases) {
    if (c.ids.size() > 128) continue;
    EXPECT_GE(Cosine(vectors[v], c.embedding), 0.9999) << c.text;
    EXPECT_LT(testing::MaxAbsDiff(vectors[v], c.embedding), 1e-5) << c.text;
    ++v;
  }
}

// The JavaScript graph clips to the first 128 tokens; semdex windows instead, so the model itself
// is checked on the clipped ids.
TEST(GoldenTest, ClippedLongTextMatchesOnItsFirst128Tokens) {
  std::unique_ptr<TfjsWeights> weights;
  ASSERT_TRUE(TfjsWeights::Load(DefaultModelDir(), &weights).ok());
  std::unique_ptr<UseLiteModel> model;
  ASSERT_TRUE(UseLiteModel::Create(std::move(weights), &model).ok());
  UseLiteModel::Scratch scratch(256);
  int checked = 0;
  for (const GoldenCase& c : LoadGolden()) {
    if (c.ids.size() <= 128) continue;
    std::vector<float> out(UseLiteModel::kDim);
    ASSERT_TRUE(model->Forward(c.ids.data(), {128}, &scratch, out.data()).ok());
    EXPECT_GE(Cosine(out, c.embedding), 0.9999) << c.text;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace semdex
