#include "embed/linear.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace semdex {
namespace {

// A failed oneDNN call on arguments Create() validated is a bug, not an input error: stop loudly.
void CheckDnnl(dnnl_status_t st, const char* what) {
  if (st != dnnl_success) {
    std::fprintf(stderr, "semdex: oneDNN %s failed (status %d)\n", what, static_cast<int>(st));
    std::abort();
  }
}

// y[r] += bias, for `rows` rows of `width` values.
void AddBias(const float* bias, int rows, int width, float* y) {
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    float* row = y + static_cast<size_t>(r) * width;
    for (int j = 0; j < width; ++j) row[j] += bias[j];
  }
}

const char* IsaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41:
      return "sse41";
    case dnnl_cpu_isa_avx:
      return "avx";
    case dnnl_cpu_isa_avx2:
      return "avx2";
    case dnnl_cpu_isa_avx2_vnni:
      return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic:
    case dnnl_cpu_isa_avx512_mic_4ops:
      return "avx512_mic";
    case dnnl_cpu_isa_avx512_core:
      return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "unknown";
  }
}

// W[k, j] of weights given as [in, out], or [out, in] when transposed.
inline float WeightAt(const float* w, bool transposed, int in, int out, int k, int j) {
  return transposed ? w[static_cast<size_t>(j) * in + k] : w[static_cast<size_t>(k) * out + j];
}

class Fp32Linear : public Linear {
 public:
  Fp32Linear(const float* w, bool transposed, int in, int out, const float* bias)
      : Linear(in, out, Precision::kFp32), w_(w), transposed_(transposed), bias_(bias) {}

  void Apply(const float* x, int rows, float* y, LinearScratch*) const override {
    if (rows == 0) return;
    Gemm(x, rows, 0.0f, y);
    if (bias_ != nullptr) AddBias(bias_, rows, out(), y);
  }
  void ApplyAdd(const float* x, int rows, float* y, LinearScratch*) const override {
    if (rows == 0) return;
    if (bias_ != nullptr) AddBias(bias_, rows, out(), y);
    Gemm(x, rows, 1.0f, y);
  }

 private:
  void Gemm(const float* x, int rows, float beta, float* y) const {
    CheckDnnl(dnnl_sgemm('N', transposed_ ? 'T' : 'N', rows, out(), in(), 1.0f, x, in(), w_,
                         transposed_ ? in() : out(), beta, y, out()),
              "sgemm");
  }

  const float* w_;
  bool transposed_;
  const float* bias_;
};

class Int8Linear : public Linear {
 public:
  // The largest quantised input value: 7 bits (see the header).
  static constexpr int kInputMax = 127;

  Int8Linear(const float* w, bool transposed, int in, int out, const float* bias)
      : Linear(in, out, Precision::kInt8),
        w_(static_cast<size_t>(in) * out),
        scale_(out),
        column_sum_(out),
        bias_(bias != nullptr ? std::vector<float>(bias, bias + out) : std::vector<float>(out)) {
    // Per output channel j: scale = max |W[., j]| / 127, stored as [out, in] (row j = channel j).
    for (int j = 0; j < out; ++j) {
      float max = 0;
      for (int k = 0; k < in; ++k)
        max = std::max(max, std::fabs(WeightAt(w, transposed, in, out, k, j)));
      const float scale = max > 0 ? max / 127.0f : 1.0f;
      int32_t sum = 0;
      int8_t* row = w_.data() + static_cast<size_t>(j) * in;
      for (int k = 0; k < in; ++k) {
        const float q = std::nearbyint(WeightAt(w, transposed, in, out, k, j) / scale);
        row[k] = static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f));
        sum += row[k];
      }
      scale_[j] = scale;
      column_sum_[j] = sum;
    }
  }

  void Apply(const float* x, int rows, float* y, LinearScratch* s) const override {
    Run(x, rows, y, s, false);
  }
  void ApplyAdd(const float* x, int rows, float* y, LinearScratch* s) const override {
    Run(x, rows, y, s, true);
  }

 private:
  void Run(const float* x, int rows, float* y, LinearScratch* s, bool add) const {
    if (rows == 0) return;
    const int in = this->in(), out = this->out();
    const size_t in_size = static_cast<size_t>(rows) * in,
                 out_size = static_cast<size_t>(rows) * out;
    if (s->x_u8.size() < in_size) s->x_u8.resize(in_size);
    if (s->acc.size() < out_size) s->acc.resize(out_size);
    if (s->row_scale.size() < static_cast<size_t>(rows)) {
      s->row_scale.resize(rows);
      s->row_zero.resize(rows);
    }
    Quantize(x, rows, s);
    const int32_t zero = 0;
    CheckDnnl(dnnl_gemm_u8s8s32('N', 'T', 'F', rows, out, in, 1.0f, s->x_u8.data(), in, 0,
                                w_.data(), in, 0, 0.0f, s->acc.data(), out, &zero),
              "gemm_u8s8s32");
    // y = s_x * s_w[j] * (sum_k (q_k - z) * w_kj) + b[j], where sum_k z * w_kj = z * column_sum.
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; ++r) {
      const int32_t* acc = s->acc.data() + static_cast<size_t>(r) * out;
      float* yr = y + static_cast<size_t>(r) * out;
      const float sx = s->row_scale[r];
      const int32_t z = s->row_zero[r];
      if (add) {
        for (int j = 0; j < out; ++j) {
          yr[j] += sx * scale_[j] * static_cast<float>(acc[j] - z * column_sum_[j]) + bias_[j];
        }
      } else {
        for (int j = 0; j < out; ++j) {
          yr[j] = sx * scale_[j] * static_cast<float>(acc[j] - z * column_sum_[j]) + bias_[j];
        }
      }
    }
  }

  // Row r of x onto [0, kInputMax]: q = clamp(round(x / scale) + zero), the range covering both
  // the row's values and 0.
  void Quantize(const float* x, int rows, LinearScratch* s) const {
    const int in = this->in();
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; ++r) {
      const float* xr = x + static_cast<size_t>(r) * in;
      float lo = 0, hi = 0;
#pragma omp simd reduction(min : lo) reduction(max : hi)
      for (int k = 0; k < in; ++k) {
        lo = std::min(lo, xr[k]);
        hi = std::max(hi, xr[k]);
      }
      const float scale = hi > lo ? (hi - lo) / kInputMax : 1.0f;
      const float inv = 1.0f / scale;
      const float zero = std::nearbyint(-lo * inv);
      uint8_t* q = s->x_u8.data() + static_cast<size_t>(r) * in;
      // Round half up by truncating v + 0.5 (v >= 0): unlike nearbyint, this vectorises.
      for (int k = 0; k < in; ++k) {
        const float v = std::clamp(xr[k] * inv + zero, 0.0f, static_cast<float>(kInputMax));
        q[k] = static_cast<uint8_t>(static_cast<int>(v + 0.5f));
      }
      s->row_scale[r] = scale;
      s->row_zero[r] = static_cast<int32_t>(zero);
    }
  }

  std::vector<int8_t> w_;            // [out, in]
  std::vector<float> scale_;         // per output channel
  std::vector<int32_t> column_sum_;  // sum over k of w_[j, k]
  std::vector<float> bias_;          // zeros when there is no bias
};

// f32 -> bf16, rounding to nearest even.
inline uint16_t ToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// Owns a oneDNN C handle.
template <typename T, dnnl_status_t (*Destroy)(T)>
struct DnnlHandle {
  T h = nullptr;
  DnnlHandle() = default;
  DnnlHandle(const DnnlHandle&) = delete;
  DnnlHandle& operator=(const DnnlHandle&) = delete;
  ~DnnlHandle() {
    if (h != nullptr) Destroy(h);
  }
};
using Engine = DnnlHandle<dnnl_engine_t, dnnl_engine_destroy>;
using Primitive = DnnlHandle<dnnl_primitive_t, dnnl_primitive_destroy>;
using PrimitiveDesc = DnnlHandle<dnnl_primitive_desc_t, dnnl_primitive_desc_destroy>;
using Attr = DnnlHandle<dnnl_primitive_attr_t, dnnl_primitive_attr_destroy>;
using PostOps = DnnlHandle<dnnl_post_ops_t, dnnl_post_ops_destroy>;
using Memory = DnnlHandle<dnnl_memory_t, dnnl_memory_destroy>;
using Stream = DnnlHandle<dnnl_stream_t, dnnl_stream_destroy>;

// oneDNN matmul, bf16 inputs, fp32 bias and output, rows given at run time. Two primitives: one
// that writes y, one whose sum post-op adds to it (ApplyAdd).
class Bf16Linear : public Linear {
 public:
  Bf16Linear(int in, int out) : Linear(in, out, Precision::kBf16) {}

  Status Init(const float* w, bool transposed, const float* bias) {
    const int in = this->in(), out = this->out();
    w_.resize(static_cast<size_t>(in) * out);
    for (size_t i = 0; i < w_.size(); ++i) w_[i] = ToBf16(w[i]);
    transposed_ = transposed;
    bias_ = bias != nullptr ? std::vector<float>(bias, bias + out) : std::vector<float>(out);
    if (dnnl_engine_create(&engine_.h, dnnl_cpu, 0) != dnnl_success) {
      return Status::Internal("oneDNN: cannot create a CPU engine");
    }
    for (int add = 0; add < 2; ++add) {
      dnnl_memory_desc_t src, wei, bia, dst;
      const dnnl_dims_t src_dims = {DNNL_RUNTIME_DIM_VAL, in}, wei_dims = {in, out},
                        bia_dims = {1, out}, dst_dims = {DNNL_RUNTIME_DIM_VAL, out};
      dnnl_memory_desc_init_by_tag(&src, 2, src_dims, dnnl_bf16, dnnl_ab);
      // [out, in] storage is W^T: the [in, out] matrix with strides (1, in), tag "ba".
      dnnl_memory_desc_init_by_tag(&wei, 2, wei_dims, dnnl_bf16, transposed ? dnnl_ba : dnnl_ab);
      dnnl_memory_desc_init_by_tag(&bia, 2, bia_dims, dnnl_f32, dnnl_ab);
      dnnl_memory_desc_init_by_tag(&dst, 2, dst_dims, dnnl_f32, dnnl_ab);
      dnnl_matmul_desc_t desc;
      if (dnnl_matmul_desc_init(&desc, &src, &wei, &bia, &dst) != dnnl_success) {
        return Status::Internal("oneDNN: bad bf16 matmul description");
      }
      Attr attr;
      PostOps ops;
      dnnl_primitive_attr_create(&attr.h);
      dnnl_primitive_attr_set_scratchpad_mode(attr.h, dnnl_scratchpad_mode_user);
      if (add == 1) {
        dnnl_post_ops_create(&ops.h);
        dnnl_post_ops_append_sum(ops.h, 1.0f);
        dnnl_primitive_attr_set_post_ops(attr.h, ops.h);
      }
      PrimitiveDesc pd;
      if (dnnl_primitive_desc_create(&pd.h, &desc, attr.h, engine_.h, nullptr) != dnnl_success) {
        return Status::Unsupported(std::string("bf16 needs a CPU oneDNN runs bf16 matmul on ") +
                                   "(avx512_core or later); this CPU has " +
                                   IsaName(dnnl_get_effective_cpu_isa()));
      }
      const dnnl_memory_desc_t* pad =
          dnnl_primitive_desc_query_md(pd.h, dnnl_query_scratchpad_md, 0);
      scratchpad_bytes_ =
          std::max(scratchpad_bytes_, pad != nullptr ? dnnl_memory_desc_get_size(pad) : 0);
      if (dnnl_primitive_create(&matmul_[add].h, pd.h) != dnnl_success) {
        return Status::Internal("oneDNN: cannot create the bf16 matmul");
      }
    }
    return Status::Ok();
  }

  void Apply(const float* x, int rows, float* y, LinearScratch* s) const override {
    Run(x, rows, y, s, 0);
  }
  void ApplyAdd(const float* x, int rows, float* y, LinearScratch* s) const override {
    Run(x, rows, y, s, 1);
  }

 private:
  void Run(const float* x, int rows, float* y, LinearScratch* s, int add) const {
    if (rows == 0) return;
    const int in = this->in(), out = this->out();
    const size_t n = static_cast<size_t>(rows) * in;
    if (s->x_bf16.size() < n) s->x_bf16.resize(n);
    if (s->dnnl.size() < scratchpad_bytes_) s->dnnl.resize(scratchpad_bytes_);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; ++i) s->x_bf16[i] = ToBf16(x[i]);
    dnnl_memory_desc_t src, wei, bia, dst;
    const dnnl_dims_t src_dims = {rows, in}, wei_dims = {in, out}, bia_dims = {1, out},
                      dst_dims = {rows, out}, pad_dims = {static_cast<dnnl_dim_t>(s->dnnl.size())};
    dnnl_memory_desc_init_by_tag(&src, 2, src_dims, dnnl_bf16, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&wei, 2, wei_dims, dnnl_bf16, transposed_ ? dnnl_ba : dnnl_ab);
    dnnl_memory_desc_init_by_tag(&bia, 2, bia_dims, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&dst, 2, dst_dims, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_t pad;
    dnnl_memory_desc_init_by_tag(&pad, 1, pad_dims, dnnl_u8, dnnl_a);
    Memory m_src, m_wei, m_bia, m_dst, m_pad;
    // oneDNN takes non-const handles but does not write the inputs.
    CheckDnnl(dnnl_memory_create(&m_src.h, &src, engine_.h, s->x_bf16.data()), "memory");
    CheckDnnl(dnnl_memory_create(&m_wei.h, &wei, engine_.h, const_cast<uint16_t*>(w_.data())),
              "memory");
    CheckDnnl(dnnl_memory_create(&m_bia.h, &bia, engine_.h, const_cast<float*>(bias_.data())),
              "memory");
    CheckDnnl(dnnl_memory_create(&m_dst.h, &dst, engine_.h, y), "memory");
    CheckDnnl(dnnl_memory_create(&m_pad.h, &pad, engine_.h, s->dnnl.data()), "memory");
    const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, m_src.h},
                                    {DNNL_ARG_WEIGHTS, m_wei.h},
                                    {DNNL_ARG_BIAS, m_bia.h},
                                    {DNNL_ARG_DST, m_dst.h},
                                    {DNNL_ARG_SCRATCHPAD, m_pad.h}};
    Stream stream;
    CheckDnnl(dnnl_stream_create(&stream.h, engine_.h, dnnl_stream_default_flags), "stream");
    CheckDnnl(dnnl_primitive_execute(matmul_[add].h, stream.h, 5, args), "bf16 matmul");
    CheckDnnl(dnnl_stream_wait(stream.h), "stream wait");
  }

  std::vector<uint16_t> w_;  // as given, converted
  bool transposed_ = false;
  std::vector<float> bias_;
  Engine engine_;
  Primitive matmul_[2];
  size_t scratchpad_bytes_ = 1;
};

}  // namespace

bool Linear::Supported(Precision precision, std::string* why) {
  if (precision != Precision::kBf16) return true;
  float w[4] = {1, 2, 3, 4};
  std::unique_ptr<Linear> probe;
  Status st = Create(w, false, 2, 2, nullptr, precision, &probe);
  if (!st.ok() && why != nullptr) *why = st.message();
  return st.ok();
}

Status Linear::Create(const float* weights, bool transposed, int in, int out, const float* bias,
                      Precision precision, std::unique_ptr<Linear>* out_linear) {
  if (in < 1 || out < 1) return Status::InvalidArgument("linear layer of empty shape");
  switch (precision) {
    case Precision::kFp32:
      *out_linear = std::make_unique<Fp32Linear>(weights, transposed, in, out, bias);
      return Status::Ok();
    case Precision::kInt8:
      *out_linear = std::make_unique<Int8Linear>(weights, transposed, in, out, bias);
      return Status::Ok();
    case Precision::kBf16: {
      auto linear = std::make_unique<Bf16Linear>(in, out);
      Status st = linear->Init(weights, transposed, bias);
      if (st.ok()) *out_linear = std::move(linear);
      return st;
    }
  }
  return Status::InvalidArgument("unknown precision");
}

}  // namespace semdex
