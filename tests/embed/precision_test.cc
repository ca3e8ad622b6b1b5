// The default model in other precisions: int8 vectors close to fp32's on the golden inputs, the
// precision named in model_id, bf16 refused where the CPU cannot run it.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "embed/embed.h"
#include "embed/linear.h"
#include "embed_test_util.h"

namespace semdex {
namespace {

using testing::Cosine;
using testing::GoldenCase;
using testing::LoadGolden;

std::unique_ptr<Embedder> LoadDefault(Precision precision) {
  EmbedderOptions options;
  options.prepare_code_text = false;  // the golden inputs as the reference model sees them
  options.precision = precision;
  std::unique_ptr<Embedder> e;
  Status st = LoadEmbedder("default", options, &e);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return e;
}

TEST(PrecisionTest, Int8VectorsAreCloseToFp32OnTheGoldenInputs) {
  std::unique_ptr<Embedder> fp32 = LoadDefault(Precision::kFp32);
  std::unique_ptr<Embedder> int8 = LoadDefault(Precision::kInt8);
  ASSERT_NE(fp32, nullptr);
  ASSERT_NE(int8, nullptr);
  std::vector<GoldenCase> cases = LoadGolden();
  std::vector<std::string_view> texts;
  for (const GoldenCase& c : cases) texts.push_back(c.text);
  std::vector<std::vector<float>> want, got;
  ASSERT_TRUE(fp32->Embed(texts, &want).ok());
  ASSERT_TRUE(int8->Embed(texts, &got).ok());
  ASSERT_EQ(got.size(), texts.size());
  double sum = 0, min = 1;
  for (size_t i = 0; i < texts.size(); ++i) {
    const double cosine = Cosine(got[i], want[i]);
    EXPECT_GE(cosine, 0.98) << texts[i];
    sum += cosine;
    min = std::min(min, cosine);
  }
  const double mean = sum / static_cast<double>(texts.size());
  std::cout << "int8 vs fp32 on " << texts.size() << " golden inputs: mean cosine " << mean
            << ", min " << min << "\n";
  EXPECT_GE(mean, 0.99);
}

TEST(PrecisionTest, Int8VectorsDoNotDependOnTheBatch) {
  // Quantisation is per row: a text's vector must not change with its batch neighbours.
  std::unique_ptr<Embedder> int8 = LoadDefault(Precision::kInt8);
  ASSERT_NE(int8, nullptr);
  std::vector<GoldenCase> cases = LoadGolden();
  std::vector<std::string_view> texts;
  for (const GoldenCase& c : cases) texts.push_back(c.text);
  std::vector<std::vector<float>> together;
  ASSERT_TRUE(int8->Embed(texts, &together).ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<std::vector<float>> alone;
    ASSERT_TRUE(int8->Embed({texts[i]}, &alone).ok());
    EXPECT_LT(testing::MaxAbsDiff(alone[0], together[i]), 1e-5) << texts[i];
  }
}

TEST(PrecisionTest, ModelIdNamesThePrecision) {
  std::unique_ptr<Embedder> fp32 = LoadDefault(Precision::kFp32);
  std::unique_ptr<Embedder> int8 = LoadDefault(Precision::kInt8);
  ASSERT_NE(fp32, nullptr);
  ASSERT_NE(int8, nullptr);
  EXPECT_EQ(fp32->model_id(), "use-lite-en@0.2.0");
  EXPECT_EQ(int8->model_id(), "use-lite-en@0.2.0+int8");
  EXPECT_EQ(int8->dim(), fp32->dim());
}

TEST(PrecisionTest, Bf16LoadsOnlyWhereTheCpuRunsIt) {
  EmbedderOptions options;
  options.precision = Precision::kBf16;
  std::unique_ptr<Embedder> e;
  Status st = LoadEmbedder("default", options, &e);
  std::string why;
  if (Linear::Supported(Precision::kBf16, &why)) {
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(e->model_id(), "use-lite-en@0.2.0+bf16");
    std::unique_ptr<Embedder> fp32 = LoadDefault(Precision::kFp32);
    std::vector<std::vector<float>> a, b;
    ASSERT_TRUE(e->Embed({"function add(a, b) { return a + b; }"}, &a).ok());
    ASSERT_TRUE(fp32->Embed({"function add(a, b) { return a + b; }"}, &b).ok());
    EXPECT_GE(Cosine(a[0], b[0]), 0.99);
  } else {
    EXPECT_EQ(st.code(), Status::Code::kUnsupported) << st.ToString();
    EXPECT_NE(st.message().find("bf16"), std::string::npos) << st.message();
    EXPECT_EQ(e, nullptr);
  }
}

}  // namespace
}  // namespace semdex
