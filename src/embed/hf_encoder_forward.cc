// HfEncoderModel::Forward: the encoder's forward pass over packed sequences (architecture in
// hf_encoder.h).

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "embed/hf_encoder.h"

namespace semdex {
namespace {

// Row-major C[m, n] = alpha * A[m, k] * op(B) + beta * C, op(B) = B[k, n] or B[n, k]^T. Arguments
// are checked by the caller, so a failure is a bug: stop loudly.
void Sgemm(char transb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc) {
  if (dnnl_sgemm('N', transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != dnnl_success) {
    std::abort();
  }
}

// x[r] = LayerNorm(x[r]) * gamma + beta in place, for `rows` rows of `width` values at `stride`.
void LayerNorm(float* x, int rows, int width, int stride, const float* gamma, const float* beta,
               float eps) {
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    float* y = x + static_cast<size_t>(r) * stride;
    float mean = 0;
#pragma omp simd reduction(+ : mean)
    for (int i = 0; i < width; ++i) mean += y[i];
    mean /= static_cast<float>(width);
    float var = 0;
#pragma omp simd reduction(+ : var)
    for (int i = 0; i < width; ++i) var += (y[i] - mean) * (y[i] - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(width) + eps);
    for (int i = 0; i < width; ++i) y[i] = (y[i] - mean) * inv * gamma[i] + beta[i];
  }
}

inline float Activate(HfEncoderConfig::Activation act, float x) {
  switch (act) {
    case HfEncoderConfig::Activation::kGeluErf:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case HfEncoderConfig::Activation::kGeluTanh:
      return 0.5f * x * (1.0f + std::tanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case HfEncoderConfig::Activation::kRelu:
      return std::max(0.0f, x);
  }
  return x;
}

// Softmax of each of `rows` rows of `width` values, in place.
void Softmax(float* s, int rows, int width) {
  for (int r = 0; r < rows; ++r) {
    float* row = s + static_cast<size_t>(r) * width;
    float max = row[0];
    for (int i = 0; i < width; ++i) max = std::max(max, row[i]);
    float sum = 0;
    for (int i = 0; i < width; ++i) {
      row[i] = std::exp(row[i] - max);
      sum += row[i];
    }
    const float inv = 1.0f / sum;
    for (int i = 0; i < width; ++i) row[i] *= inv;
  }
}

}  // namespace

Status HfEncoderModel::Forward(const int32_t* ids, const std::vector<int>& lengths, Scratch* s,
                               float* out) const {
  const HfEncoderConfig& c = config_;
  const int h = c.hidden;
  int tokens = 0;
  for (int n : lengths) {
    if (n < 1 || n > c.max_positions) return Status::Internal("sequence length out of range");
    tokens += n;
  }
  if (tokens > s->max_tokens()) return Status::Internal("batch larger than its scratch");
  // x[t] = word[id] + type[0] (+ position[p]), then LayerNorm.
  int t = 0;
  for (int n : lengths) {
    for (int pos = 0; pos < n; ++pos, ++t) {
      if (ids[t] < 0 || ids[t] >= c.vocab) return Status::Internal("token id out of range");
      const float* word = word_embeddings_ + static_cast<size_t>(ids[t]) * h;
      float* x = s->x.data() + static_cast<size_t>(t) * h;
      for (int i = 0; i < h; ++i) x[i] = word[i] + type_embeddings_[i];
      if (position_embeddings_ != nullptr) {
        const float* p = position_embeddings_ + static_cast<size_t>(pos) * h;
        for (int i = 0; i < h; ++i) x[i] += p[i];
      }
    }
  }
  LayerNorm(s->x.data(), tokens, h, h, embed_norm_.gamma, embed_norm_.beta, c.layer_norm_eps);
  for (const Layer& layer : layers_) RunLayer(layer, lengths, tokens, s);
  // Pool each sequence's rows (mean, or its first token), then L2-normalise.
  t = 0;
  for (size_t q = 0; q < lengths.size(); ++q) {
    float* v = out + q * h;
    const float* x = s->x.data() + static_cast<size_t>(t) * h;
    if (c.pooling == HfEncoderConfig::Pooling::kCls) {
      std::copy(x, x + h, v);
    } else {
      std::fill(v, v + h, 0.0f);
      for (int i = 0; i < lengths[q]; ++i) {
        for (int j = 0; j < h; ++j) v[j] += x[static_cast<size_t>(i) * h + j];
      }
      const float inv = 1.0f / static_cast<float>(lengths[q]);
      for (int j = 0; j < h; ++j) v[j] *= inv;
    }
    double sum = 0;
    for (int j = 0; j < h; ++j) sum += static_cast<double>(v[j]) * v[j];
    const float inv = sum > 0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
    for (int j = 0; j < h; ++j) v[j] *= inv;
    t += lengths[q];
  }
  return Status::Ok();
}

// One encoder layer on s->x (tokens rows), in place.
void HfEncoderModel::RunLayer(const Layer& l, const std::vector<int>& lengths, int tokens,
                              Scratch* s) const {
  const HfEncoderConfig& c = config_;
  const int h = c.hidden, f = c.intermediate;
  const float eps = c.layer_norm_eps;
  const size_t rows_h = static_cast<size_t>(tokens) * h;
  float* x = s->x.data();
  float* a = s->a.data();
  l.qkv->Apply(x, tokens, s->qkv.data(), &s->linear);
  if (l.q_norm.gamma != nullptr) {
    LayerNorm(s->qkv.data(), tokens, h, 3 * h, l.q_norm.gamma, l.q_norm.beta, eps);
    LayerNorm(s->qkv.data() + h, tokens, h, 3 * h, l.k_norm.gamma, l.k_norm.beta, eps);
  }
  Attention(lengths, s);  // qkv -> ctx
  std::memcpy(a, x, rows_h * sizeof(float));
  l.attn_out->ApplyAdd(s->ctx.data(), tokens, a, &s->linear);  // a = ctx·Wo + bo + x
  LayerNorm(a, tokens, h, h, l.attn_norm.gamma, l.attn_norm.beta, eps);
  if (l.norm_1.gamma != nullptr) {  // jina code: the layer input is added once more
    for (size_t i = 0; i < rows_h; ++i) a[i] += x[i];
    LayerNorm(a, tokens, h, h, l.norm_1.gamma, l.norm_1.beta, eps);
  }
  float* ff = s->ff.data();
  l.ff1->Apply(a, tokens, ff, &s->linear);
  const float* inner = ff;
  if (c.family == HfEncoderConfig::Family::kBert) {
    const size_t n = static_cast<size_t>(tokens) * f;
    for (size_t i = 0; i < n; ++i) ff[i] = Activate(c.activation, ff[i]);
  } else {
    // GLU: each row of ff is [gate | up] (gate_first) or [up | gate]; gated = act(gate) * up.
    float* g = s->gated.data();
    const int gate_off = l.gate_first ? 0 : f, up_off = l.gate_first ? f : 0;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < tokens; ++r) {
      const float* row = ff + static_cast<size_t>(r) * 2 * f;
      float* y = g + static_cast<size_t>(r) * f;
      for (int j = 0; j < f; ++j)
        y[j] = Activate(c.activation, row[gate_off + j]) * row[up_off + j];
    }
    inner = g;
  }
  std::memcpy(x, a, rows_h * sizeof(float));
  l.ff2->ApplyAdd(inner, tokens, x, &s->linear);  // x = inner·W2 + b2 + a
  LayerNorm(x, tokens, h, h, l.out_norm.gamma, l.out_norm.beta, eps);
}

// Multi-head self-attention within each sequence: q, k, v are the three hidden-wide column blocks
// of s->qkv (row stride 3 * hidden); the context goes to s->ctx (row stride hidden).
void HfEncoderModel::Attention(const std::vector<int>& lengths, Scratch* s) const {
  const int h = config_.hidden, heads = config_.heads, dh = h / heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  std::vector<int> offsets(lengths.size());
  int longest = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (i > 0) offsets[i] = offsets[i - 1] + lengths[i - 1];
    longest = std::max(longest, lengths[i]);
  }
  const int jobs = static_cast<int>(lengths.size()) * heads;
#pragma omp parallel
  {
    std::vector<float> scores(static_cast<size_t>(longest) * longest);
#pragma omp for schedule(dynamic)
    for (int job = 0; job < jobs; ++job) {
      const int seq = job / heads, head = job % heads;
      const int n = lengths[seq];
      const float* q = s->qkv.data() + static_cast<size_t>(offsets[seq]) * 3 * h + head * dh;
      const float* k = q + h;
      const float* v = q + 2 * h;
      float* ctx = s->ctx.data() + static_cast<size_t>(offsets[seq]) * h + head * dh;
      Sgemm('T', n, n, dh, scale, q, 3 * h, k, 3 * h, 0, scores.data(), n);
      if (!slopes_.empty()) {  // ALiBi: -slope * |i - j|
        const float slope = slopes_[head];
        for (int i = 0; i < n; ++i) {
          float* row = scores.data() + static_cast<size_t>(i) * n;
          for (int j = 0; j < n; ++j) row[j] -= slope * static_cast<float>(std::abs(i - j));
        }
      }
      Softmax(scores.data(), n, n);
      Sgemm('N', n, dh, n, 1, scores.data(), n, v, 3 * h, 0, ctx, h);
    }
  }
}

}  // namespace semdex
