// Linear against a naive loop: both weight layouts, with and without bias, odd shapes, and the
// int8 and bf16 precisions within their error bounds (bf16: or Unsupported where the CPU lacks it).
#include "embed/linear.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace semdex {
namespace {

struct Problem {
  int rows, in, out;
  std::vector<float> x, w, w_t, bias;  // w: [in, out]; w_t: the same as [out, in]
};

Problem MakeProblem(int rows, int in, int out, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Problem p{rows, in, out, {}, {}, {}, {}};
  p.x.resize(static_cast<size_t>(rows) * in);
  for (float& v : p.x) v = normal(rng);
  p.w.resize(static_cast<size_t>(in) * out);
  for (float& v : p.w) v = normal(rng) / std::sqrt(static_cast<float>(in));
  p.w_t.resize(p.w.size());
  for (int k = 0; k < in; ++k) {
    for (int j = 0; j < out; ++j) p.w_t[static_cast<size_t>(j) * in + k] = p.w[k * out + j];
  }
  p.bias.resize(out);
  for (float& v : p.bias) v = normal(rng);
  return p;
}

// y = x·W (+ bias), in double.
std::vector<float> Naive(const Problem& p, bool with_bias) {
  std::vector<float> y(static_cast<size_t>(p.rows) * p.out);
  for (int r = 0; r < p.rows; ++r) {
    for (int j = 0; j < p.out; ++j) {
      double sum = with_bias ? p.bias[j] : 0.0;
      for (int k = 0; k < p.in; ++k) {
        sum += static_cast<double>(p.x[static_cast<size_t>(r) * p.in + k]) * p.w[k * p.out + j];
      }
      y[static_cast<size_t>(r) * p.out + j] = static_cast<float>(sum);
    }
  }
  return y;
}

// max |a - b| / max |b|: the error relative to the output's scale.
double RelativeError(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Runs Apply and ApplyAdd (onto y0 = 1) for every layout and bias choice, checking both against
// the naive loop within `tolerance` (relative).
void CheckPrecision(Precision precision, const Problem& p, double tolerance) {
  for (bool transposed : {false, true}) {
    for (bool with_bias : {false, true}) {
      SCOPED_TRACE(std::string(PrecisionName(precision)) +
                   (transposed ? " [out,in]" : " [in,out]") + (with_bias ? " bias" : " no bias") +
                   " rows=" + std::to_string(p.rows) + " in=" + std::to_string(p.in) +
                   " out=" + std::to_string(p.out));
      std::unique_ptr<Linear> linear;
      Status st = Linear::Create(transposed ? p.w_t.data() : p.w.data(), transposed, p.in, p.out,
                                 with_bias ? p.bias.data() : nullptr, precision, &linear);
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(linear->in(), p.in);
      EXPECT_EQ(linear->out(), p.out);
      EXPECT_EQ(linear->precision(), precision);
      const std::vector<float> want = Naive(p, with_bias);
      LinearScratch scratch;
      std::vector<float> y(want.size(), 7.0f);
      linear->Apply(p.x.data(), p.rows, y.data(), &scratch);
      EXPECT_LE(RelativeError(y, want), tolerance);
      std::vector<float> sum(want.size(), 1.0f);
      linear->ApplyAdd(p.x.data(), p.rows, sum.data(), &scratch);
      for (float& v : sum) v -= 1.0f;
      EXPECT_LE(RelativeError(sum, want), tolerance);
    }
  }
}

const int kShapes[][3] = {{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {64, 256, 512}, {129, 512, 1536}};

TEST(LinearTest, Fp32MatchesNaiveProduct) {
  uint32_t seed = 1;
  for (const auto& s : kShapes)
    CheckPrecision(Precision::kFp32, MakeProblem(s[0], s[1], s[2], seed++), 1e-5);
}

TEST(LinearTest, Fp32KeepsTheCallersWeights) {
  // fp32 reads the weights where they are: a change shows in the next product.
  Problem p = MakeProblem(2, 3, 4, 9);
  std::unique_ptr<Linear> linear;
  ASSERT_TRUE(Linear::Create(p.w.data(), false, 3, 4, nullptr, Precision::kFp32, &linear).ok());
  std::fill(p.w.begin(), p.w.end(), 0.0f);
  std::vector<float> y(8, 1.0f);
  LinearScratch scratch;
  linear->Apply(p.x.data(), 2, y.data(), &scratch);
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

TEST(LinearTest, ZeroRowsWritesNothing) {
  Problem p = MakeProblem(1, 4, 4, 3);
  for (Precision precision : {Precision::kFp32, Precision::kInt8}) {
    std::unique_ptr<Linear> linear;
    ASSERT_TRUE(Linear::Create(p.w.data(), false, 4, 4, p.bias.data(), precision, &linear).ok());
    LinearScratch scratch;
    float y = 5.0f;
    linear->Apply(p.x.data(), 0, &y, &scratch);
    linear->ApplyAdd(p.x.data(), 0, &y, &scratch);
    EXPECT_EQ(y, 5.0f);
  }
}

TEST(LinearTest, RejectsEmptyShapes) {
  float w = 1;
  std::unique_ptr<Linear> linear;
  EXPECT_EQ(Linear::Create(&w, false, 0, 1, nullptr, Precision::kFp32, &linear).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(Linear::Create(&w, true, 1, 0, nullptr, Precision::kInt8, &linear).code(),
            Status::Code::kInvalidArgument);
}

TEST(LinearTest, Int8IsCloseToFp32) {
  // 7-bit inputs and 8-bit weights: about 1% of the output's range on random data.
  uint32_t seed = 100;
  for (const auto& s : kShapes)
    CheckPrecision(Precision::kInt8, MakeProblem(s[0], s[1], s[2], seed++), 0.03);
}

TEST(LinearTest, Int8HandlesConstantAndSkewedRows) {
  // A zero row, a constant row, an all-positive row (ReLU output) and an all-negative one: the
  // per-row range must cover each without dividing by zero or clipping.
  Problem p = MakeProblem(4, 64, 32, 5);
  for (int k = 0; k < 64; ++k) {
    p.x[k] = 0.0f;
    p.x[64 + k] = 3.5f;
    p.x[128 + k] = std::fabs(p.x[128 + k]) * 100.0f;
    p.x[192 + k] = -std::fabs(p.x[192 + k]) - 50.0f;
  }
  CheckPrecision(Precision::kInt8, p, 0.03);
}

TEST(LinearTest, Int8DoesNotSaturateOnExtremeInputs) {
  // Every input at its row's maximum times every weight at its channel's maximum: the worst case
  // for 16-bit pair sums in oneDNN's AVX2 kernel (vpmaddubsw). 8-bit inputs would overflow here.
  const int in = 256, out = 16;
  Problem p = MakeProblem(3, in, out, 6);
  for (float& v : p.x) v = 1.0f;
  for (int k = 0; k < in; ++k) {
    for (int j = 0; j < out; ++j) {
      const float v = (j % 2 == 0 ? 1.0f : -1.0f);
      p.w[k * out + j] = v;
      p.w_t[static_cast<size_t>(j) * in + k] = v;
    }
  }
  CheckPrecision(Precision::kInt8, p, 1e-3);
}

// Whether /proc/cpuinfo lists a flag (this test runs on Linux x86-64 only).
bool CpuHasFlag(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
      if (word == flag) return true;
    }
    return false;
  }
  return false;
}

TEST(LinearTest, Bf16WorksOrIsUnsupportedAsTheCpuSays) {
  // oneDNN runs bf16 matmul on avx512_core and later (natively with avx512_bf16 or AMX).
  const bool cpu_can = CpuHasFlag("avx512f") && CpuHasFlag("avx512bw") && CpuHasFlag("avx512vl");
  std::string why;
  EXPECT_EQ(Linear::Supported(Precision::kBf16, &why), cpu_can) << why;
  Problem p = MakeProblem(5, 48, 24, 7);
  std::unique_ptr<Linear> linear;
  Status st =
      Linear::Create(p.w.data(), false, p.in, p.out, p.bias.data(), Precision::kBf16, &linear);
  if (cpu_can) {
    ASSERT_TRUE(st.ok()) << st.ToString();
    CheckPrecision(Precision::kBf16, p, 0.02);
  } else {
    EXPECT_EQ(st.code(), Status::Code::kUnsupported);
    EXPECT_NE(st.message().find("bf16"), std::string::npos) << st.message();
    EXPECT_EQ(linear, nullptr);
  }
}

TEST(LinearTest, Fp32AndInt8AreSafeToShareAcrossThreads) {
  Problem p = MakeProblem(32, 128, 96, 8);
  for (Precision precision : {Precision::kFp32, Precision::kInt8}) {
    std::unique_ptr<Linear> linear;
    ASSERT_TRUE(
        Linear::Create(p.w.data(), false, p.in, p.out, p.bias.data(), precision, &linear).ok());
    LinearScratch scratch;
    std::vector<float> want(static_cast<size_t>(p.rows) * p.out);
    linear->Apply(p.x.data(), p.rows, want.data(), &scratch);
    std::vector<std::vector<float>> got(4, std::vector<float>(want.size()));
    std::vector<std::thread> threads;
    for (auto& g : got) {
      threads.emplace_back([&, y = g.data()] {
        LinearScratch own;
        for (int i = 0; i < 20; ++i) linear->Apply(p.x.data(), p.rows, y, &own);
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& g : got) EXPECT_EQ(g, want);
  }
}

}  // namespace
}  // namespace semdex
