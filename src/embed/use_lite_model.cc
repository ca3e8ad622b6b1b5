#include "embed/use_lite_model.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace semdex {
namespace {

const std::string kEncode = "module_apply_default/Encoder_en/KonaTransformer/Encode/";

// Weight-name prefixes of layer i (the graph keeps a layer's weights under three of them).
std::string LayerPrefix(int i) {
  return kEncode + "Layer_" + std::to_string(i) + "/TransformerLayer/";
}
std::string StackPrefix(int i) {
  return kEncode + "TransformerStack/Layer_" + std::to_string(i) + "/TransformerLayer/";
}
std::string KernelPrefix(int i) {
  return "module/Encoder_en/KonaTransformer/Encode/Layer_" + std::to_string(i) +
         "/TransformerLayer/MultiheadAttention/";
}

// Row-major C[m, n] = alpha * A[m, k] * op(B) + beta * C, op(B) = B[k, n] or B[n, k]^T.
Status Sgemm(char transb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
             int ldb, float beta, float* c, int ldc) {
  dnnl_status_t st = dnnl_sgemm('N', transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (st != dnnl_success) {
    return Status::Internal("oneDNN sgemm failed (status " + std::to_string(st) + ")");
  }
  return Status::Ok();
}

// out[r] = LayerNorm(in[r]) * scale + bias, for rows of `width` values.
void LayerNorm(const float* in, int rows, int width, const float* scale, const float* bias,
               float eps, float* out) {
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    const float* x = in + static_cast<size_t>(r) * width;
    float* y = out + static_cast<size_t>(r) * width;
    // simd reductions: vectorised (reassociated) sums; the loops are otherwise serial chains.
    float mean = 0;
#pragma omp simd reduction(+ : mean)
    for (int i = 0; i < width; ++i) mean += x[i];
    mean /= static_cast<float>(width);
    float var = 0;
#pragma omp simd reduction(+ : var)
    for (int i = 0; i < width; ++i) var += (x[i] - mean) * (x[i] - mean);
    float inv = 1.0f / std::sqrt(var / static_cast<float>(width) + eps);
    for (int i = 0; i < width; ++i) y[i] = (x[i] - mean) * inv * scale[i] + bias[i];
  }
}

// c = max(c, 0), for n values.
void Relu(float* c, size_t n) {
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i) c[i] = std::max(0.0f, c[i]);
}

// A Linear of `precision` on the graph's [in, out] weights.
Status MakeLinear(const float* weights, int in, int out, const float* bias, Precision precision,
                  std::unique_ptr<Linear>* linear) {
  return Linear::Create(weights, /*transposed=*/false, in, out, bias, precision, linear);
}

// Softmax of each of `rows` rows of `width` values, in place.
void Softmax(float* s, int rows, int width) {
  for (int r = 0; r < rows; ++r) {
    float* row = s + static_cast<size_t>(r) * width;
    float max = row[0];
#pragma omp simd reduction(max : max)
    for (int i = 0; i < width; ++i) max = std::max(max, row[i]);
    for (int i = 0; i < width; ++i) row[i] = std::exp(row[i] - max);
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int i = 0; i < width; ++i) sum += row[i];
    float inv = 1.0f / sum;
    for (int i = 0; i < width; ++i) row[i] *= inv;
  }
}

}  // namespace

UseLiteModel::Scratch::Scratch(int max_tokens)
    : max_tokens_(max_tokens),
      x0(static_cast<size_t>(max_tokens) * kEmbedWidth),
      x(static_cast<size_t>(max_tokens) * kDim),
      h(static_cast<size_t>(max_tokens) * kDim),
      big(static_cast<size_t>(max_tokens) * kFfnWidth),
      pooled(static_cast<size_t>(max_tokens) * kDim) {}

Status UseLiteModel::BindLayer(int i, Precision precision, Layer* l) {
  const TfjsWeights& w = *weights_;
  const std::string lp = LayerPrefix(i), sp = StackPrefix(i), kp = KernelPrefix(i);
  const std::string concat = "/ConcatPartitions/concat";
  const int in = l->in_width, out = l->out_width;
  const float* q_scale = nullptr;
  const float *qkv = nullptr, *qkv_bias = nullptr, *attn_out = nullptr, *attn_out_bias = nullptr;
  const float *ffn1 = nullptr, *ffn1_bias = nullptr, *ffn2 = nullptr, *ffn2_bias = nullptr;
  const float *proj = nullptr, *proj_bias = nullptr;
  Status found[] = {
      w.GetFloat(lp + "layer_prepostprocess/layer_norm/layer_norm_scale" + concat, {in},
                 &l->ln1_scale),
      w.GetFloat(lp + "layer_prepostprocess/layer_norm/layer_norm_bias" + concat, {in},
                 &l->ln1_bias),
      w.GetFloat(kp + "qkv_transform_single/kernel/part_0", {1, 1, in, 3 * in}, &qkv),
      w.GetFloat(lp + "MultiheadAttention/qkv_transform_single/bias" + concat, {3 * in}, &qkv_bias),
      w.GetFloat(kp + "output_transform_single/kernel/part_0", {1, 1, in, out}, &attn_out),
      w.GetFloat(lp + "MultiheadAttention/output_transform_single/bias" + concat, {out},
                 &attn_out_bias),
      w.GetFloat(sp + "MultiheadAttention/mul/y", {}, &q_scale),
      w.GetFloat(lp + "FFN/layer_prepostprocess/layer_norm/layer_norm_scale" + concat, {out},
                 &l->ln2_scale),
      w.GetFloat(lp + "FFN/layer_prepostprocess/layer_norm/layer_norm_bias" + concat, {out},
                 &l->ln2_bias),
      w.GetFloat(sp + "FFN/conv1/Tensordot/Reshape_1", {out, kFfnWidth}, &ffn1),
      w.GetFloat(lp + "FFN/conv1/bias" + concat, {kFfnWidth}, &ffn1_bias),
      w.GetFloat(sp + "FFN/conv2/Tensordot/Reshape_1", {kFfnWidth, out}, &ffn2),
      w.GetFloat(lp + "FFN/conv2/bias" + concat, {out}, &ffn2_bias),
      in == out ? Status::Ok() : w.GetFloat(lp + "dense/kernel" + concat, {in, out}, &proj),
      in == out ? Status::Ok() : w.GetFloat(lp + "dense/bias" + concat, {out}, &proj_bias),
  };
  for (const Status& st : found) {
    if (!st.ok()) return st;
  }
  l->q_scale = *q_scale;
  Status made[] = {
      MakeLinear(qkv, in, 3 * in, qkv_bias, precision, &l->qkv),
      MakeLinear(attn_out, in, out, attn_out_bias, precision, &l->attn_out),
      MakeLinear(ffn1, out, kFfnWidth, ffn1_bias, precision, &l->ffn1),
      MakeLinear(ffn2, kFfnWidth, out, ffn2_bias, precision, &l->ffn2),
      in == out ? Status::Ok() : MakeLinear(proj, in, out, proj_bias, precision, &l->proj),
  };
  for (const Status& st : made) {
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status UseLiteModel::Create(std::unique_ptr<TfjsWeights> weights, Precision precision,
                            std::unique_ptr<UseLiteModel>* out) {
  std::unique_ptr<UseLiteModel> m(new UseLiteModel());
  m->weights_ = std::move(weights);
  const TfjsWeights& w = *m->weights_;
  const TfjsWeights::Tensor* emb = w.Find("module/Embeddings_en");
  if (emb == nullptr || emb->dtype != "float32" || emb->shape.size() != 2 ||
      emb->shape[1] != kEmbedWidth) {
    // Any number of rows will do; ask for the published shape to get a message naming the file.
    return w.GetFloat("module/Embeddings_en", {8002, kEmbedWidth}, &m->embeddings_);
  }
  m->vocab_rows_ = static_cast<int>(emb->shape[0]);
  m->embeddings_ = w.FloatData(*emb);
  m->layers_[0].in_width = kEmbedWidth;
  m->layers_[0].out_width = kDim;
  m->layers_[0].head_width = 64;
  m->layers_[1].in_width = kDim;
  m->layers_[1].out_width = kDim;
  m->layers_[1].head_width = 128;
  const float *freq = nullptr, *ln_eps = nullptr, *l2_eps = nullptr, *tanh_weights = nullptr,
              *tanh_bias = nullptr;
  Status checks[] = {
      m->BindLayer(0, precision, &m->layers_[0]),
      m->BindLayer(1, precision, &m->layers_[1]),
      w.GetFloat(kEncode + "TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1",
                 {1, kEmbedWidth / 2}, &freq),
      w.GetFloat(StackPrefix(1) + "FFN/layer_prepostprocess/layer_norm/Cast/x", {}, &ln_eps),
      w.GetFloat("module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y", {},
                 &l2_eps),
      w.GetFloat("module/Encoder_en/hidden_layers/tanh_layer_0/weights", {kDim, kDim},
                 &tanh_weights),
      w.GetFloat("module/Encoder_en/hidden_layers/tanh_layer_0/bias", {kDim}, &tanh_bias),
  };
  for (const Status& st : checks) {
    if (!st.ok()) return st;
  }
  Status st = MakeLinear(tanh_weights, kDim, kDim, tanh_bias, precision, &m->tanh_);
  if (!st.ok()) return st;
  m->ln_epsilon_ = *ln_eps;
  m->l2_epsilon_ = *l2_eps;
  // timing(t) = [sin(t * f_i)] ++ [cos(t * f_i)]; the graph multiplies in float32.
  const int half = kEmbedWidth / 2;
  m->timing_.resize(static_cast<size_t>(kMaxTokens) * kEmbedWidth);
  for (int t = 0; t < kMaxTokens; ++t) {
    for (int i = 0; i < half; ++i) {
      double angle = static_cast<float>(t) * freq[i];
      m->timing_[t * kEmbedWidth + i] = static_cast<float>(std::sin(angle));
      m->timing_[t * kEmbedWidth + half + i] = static_cast<float>(std::cos(angle));
    }
  }
  *out = std::move(m);
  return Status::Ok();
}

Status UseLiteModel::Forward(const int32_t* ids, const std::vector<int>& lengths, Scratch* s,
                             float* out) const {
  int tokens = 0;
  for (int n : lengths) {
    if (n < 1 || n > kMaxTokens) return Status::Internal("sequence length out of range");
    tokens += n;
  }
  if (tokens > s->max_tokens()) return Status::Internal("batch larger than its scratch");
  // x0[t] = 2 * E[id] + timing(position within its sequence).
  int t = 0;
  for (int n : lengths) {
    for (int pos = 0; pos < n; ++pos, ++t) {
      if (ids[t] < 0 || ids[t] >= vocab_rows_) return Status::Internal("token id out of range");
      const float* e = embeddings_ + static_cast<size_t>(ids[t]) * kEmbedWidth;
      const float* timing = timing_.data() + static_cast<size_t>(pos) * kEmbedWidth;
      float* x0 = s->x0.data() + static_cast<size_t>(t) * kEmbedWidth;
      for (int i = 0; i < kEmbedWidth; ++i) x0[i] = 2.0f * e[i] + timing[i];
    }
  }
  Status st = RunLayer(layers_[0], s->x0.data(), lengths, tokens, s);
  if (st.ok()) st = RunLayer(layers_[1], s->x.data(), lengths, tokens, s);
  if (st.ok()) st = PoolAndProject(lengths, s, out);
  return st;
}

// Runs one transformer layer on `tokens` rows of `in` (in_width wide), leaving the result in
// s->x (out_width wide). REQUIRES: `in` is s->x when the layer has no projection (its residual is
// then the identity).
Status UseLiteModel::RunLayer(const Layer& l, const float* in, const std::vector<int>& lengths,
                              int tokens, Scratch* s) const {
  const int w = l.in_width, o = l.out_width;
  float* h = s->h.data();
  float* x = s->x.data();
  float* big = s->big.data();
  LayerNorm(in, tokens, w, l.ln1_scale, l.ln1_bias, ln_epsilon_, h);
  l.qkv->Apply(h, tokens, big, &s->linear);
  Status st = Attention(l, lengths, s);  // big (q, k, v) -> h (context)
  if (!st.ok()) return st;
  // x = in * W_proj + b (the residual, projected to the new width), or in itself.
  if (l.proj != nullptr) l.proj->Apply(in, tokens, x, &s->linear);
  l.attn_out->ApplyAdd(h, tokens, x, &s->linear);
  LayerNorm(x, tokens, o, l.ln2_scale, l.ln2_bias, ln_epsilon_, h);
  l.ffn1->Apply(h, tokens, big, &s->linear);
  Relu(big, static_cast<size_t>(tokens) * kFfnWidth);
  l.ffn2->ApplyAdd(big, tokens, x, &s->linear);
  return Status::Ok();
}

// Multi-head self-attention within each sequence: q, k, v are the three in_width-wide column
// blocks of s->big (row stride 3 * in_width); the context goes to s->h (row stride in_width).
Status UseLiteModel::Attention(const Layer& l, const std::vector<int>& lengths, Scratch* s) const {
  const int w = l.in_width, dh = l.head_width;
  std::vector<int> offsets(lengths.size());
  for (size_t i = 1; i < lengths.size(); ++i) offsets[i] = offsets[i - 1] + lengths[i - 1];
  const int jobs = static_cast<int>(lengths.size()) * kHeads;
  bool failed = false;
#pragma omp parallel
  {
    std::vector<float> scores(static_cast<size_t>(kMaxTokens) * kMaxTokens);
#pragma omp for schedule(dynamic)
    for (int job = 0; job < jobs; ++job) {
      const int seq = job / kHeads, head = job % kHeads;
      const int n = lengths[seq];
      const float* q = s->big.data() + static_cast<size_t>(offsets[seq]) * 3 * w + head * dh;
      const float* k = q + w;
      const float* v = q + 2 * w;
      float* ctx = s->h.data() + static_cast<size_t>(offsets[seq]) * w + head * dh;
      Status st = Sgemm('T', n, n, dh, l.q_scale, q, 3 * w, k, 3 * w, 0, scores.data(), n);
      if (st.ok()) {
        Softmax(scores.data(), n, n);
        st = Sgemm('N', n, dh, n, 1, scores.data(), n, v, 3 * w, 0, ctx, w);
      }
      if (!st.ok()) {
#pragma omp atomic write
        failed = true;
      }
    }
  }
  return failed ? Status::Internal("oneDNN sgemm failed in attention") : Status::Ok();
}

// out[s] = L2-normalise(tanh(mean of sequence s's rows of s->x * W_tanh + b)).
Status UseLiteModel::PoolAndProject(const std::vector<int>& lengths, Scratch* s, float* out) const {
  const int seqs = static_cast<int>(lengths.size());
  int t = 0;
  for (int q = 0; q < seqs; ++q) {
    float* p = s->pooled.data() + static_cast<size_t>(q) * kDim;
    std::fill(p, p + kDim, 0.0f);
    for (int i = 0; i < lengths[q]; ++i, ++t) {
      const float* x = s->x.data() + static_cast<size_t>(t) * kDim;
      for (int j = 0; j < kDim; ++j) p[j] += x[j];
    }
    const float inv = 1.0f / static_cast<float>(lengths[q]);
    for (int j = 0; j < kDim; ++j) p[j] *= inv;
  }
  tanh_->Apply(s->pooled.data(), seqs, out, &s->linear);
  for (int q = 0; q < seqs; ++q) {
    float* y = out + static_cast<size_t>(q) * kDim;
    float sum = 0;
    for (int j = 0; j < kDim; ++j) {
      y[j] = std::tanh(y[j]);
      sum += y[j] * y[j];
    }
    const float inv = 1.0f / std::sqrt(std::max(sum, l2_epsilon_));
    for (int j = 0; j < kDim; ++j) y[j] *= inv;
  }
  return Status::Ok();
}

}  // namespace semdex
