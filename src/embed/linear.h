// linear: a dense layer y = x·W + b in fp32, int8 or bf16, the building block of every local
// model's encoder. Internal to src/embed/.
//
// - fp32: oneDNN sgemm on the caller's weights (kept by pointer, not copied).
// - int8: weights quantised symmetrically per output channel to s8 (a copy); each call quantises
//   the input per row to 7-bit u8 with a zero point (asymmetric: [min, max] of the row onto
//   [0, 127]), multiplies with oneDNN's u8·s8 -> s32 GEMM and dequantises to fp32. Seven bits,
//   not eight: without VNNI, oneDNN's AVX2 kernel sums u8·s8 pairs in saturating 16-bit
//   arithmetic (vpmaddubsw), and 2 * 255 * 127 overflows it where 2 * 127 * 127 does not.
// - bf16: weights converted to bf16 (a copy), inputs converted per call, oneDNN matmul with fp32
//   accumulation and output. Needs a CPU oneDNN runs bf16 on (avx512_core or later); Create says
//   Unsupported otherwise.
//
// Thread-safety: immutable after Create(); Apply() and ApplyAdd() may be called concurrently,
// each caller with its own LinearScratch. The matrix product uses the calling thread's OpenMP
// thread count (omp_get_max_threads()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "embed/embed.h"
#include "util/util.h"

namespace semdex {

// Per-caller working memory of Linear::Apply, grown on demand and reusable across Linears.
struct LinearScratch {
  std::vector<uint8_t> x_u8;      // int8: quantised input [rows, in]
  std::vector<float> row_scale;   // int8: per-row input scale
  std::vector<int32_t> row_zero;  // int8: per-row input zero point
  std::vector<int32_t> acc;       // int8: s32 products [rows, out]
  std::vector<uint16_t> x_bf16;   // bf16: converted input [rows, in]
  std::vector<float> y_tmp;       // bf16 ApplyAdd: the product before it is added to y
  std::vector<uint8_t> dnnl;      // bf16: oneDNN's scratchpad
};

class Linear {
 public:
  virtual ~Linear() = default;

  // `weights`: row-major [in, out] (y = x·W + b), or, when `transposed`, [out, in] as PyTorch's
  // nn.Linear stores them. `bias`: `out` values, or nullptr for none. fp32 keeps both pointers
  // (they must outlive the Linear, e.g. memory-mapped); int8 and bf16 make their own copies.
  // Unsupported when the CPU cannot run `precision` (bf16 without avx512_core).
  // REQUIRES: in >= 1, out >= 1.
  static Status Create(const float* weights, bool transposed, int in, int out, const float* bias,
                       Precision precision, std::unique_ptr<Linear>* out_linear);

  // Whether this CPU runs `precision`; when not, *why says what it lacks.
  static bool Supported(Precision precision, std::string* why);

  int in() const { return in_; }
  int out() const { return out_; }
  Precision precision() const { return precision_; }

  // y[rows, out] = x[rows, in]·W + b.
  // REQUIRES: rows >= 0; x and y do not overlap.
  virtual void Apply(const float* x, int rows, float* y, LinearScratch* scratch) const = 0;
  // y[rows, out] += x[rows, in]·W + b (a residual connection without a separate pass).
  // REQUIRES: as for Apply.
  virtual void ApplyAdd(const float* x, int rows, float* y, LinearScratch* scratch) const = 0;

 protected:
  Linear(int in, int out, Precision precision) : in_(in), out_(out), precision_(precision) {}

 private:
  int in_, out_;
  Precision precision_;
};

}  // namespace semdex
