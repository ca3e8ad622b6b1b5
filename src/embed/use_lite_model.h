// use_lite_model: the forward pass of Universal Sentence Encoder Lite (the default model) on
// token ids. Internal to src/embed/ (and its tests); UseLiteEmbedder puts texts through it.
//
// The network (facts checked against the package's JavaScript; see the golden test):
//   x[t] = 2 * Embeddings_en[id_t] + timing(t)           (timing: sin ++ cos of t * f, 256 wide)
//   layer 0 (256 -> 512): x = x * W_proj + attn(LN(x)) ; x += FFN(LN(x))
//   layer 1 (512):        x = x + attn(LN(x))          ; x += FFN(LN(x))
//   attn: 4 heads (64 wide in layer 0, 128 in layer 1), q scaled by the graph's constant;
//   FFN: 512 -> 1536 (ReLU) -> 512; LN: layer norm with the graph's epsilon.
//   vector = L2-normalise(tanh(mean over t of x[t] * W_tanh + b)).
//
// Batches are packed: the token ids of several sequences lie back to back, every dense layer runs
// as one matrix product (a Linear, in the precision asked for) over all of them, and attention
// runs per sequence in fp32, so no padding is computed and a sequence's result does not depend on
// its neighbours.
//
// Thread-safety: immutable after Create(); Forward() may be called concurrently, each caller
// with its own Scratch.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "embed/embed.h"
#include "embed/linear.h"
#include "embed/tfjs_weights.h"
#include "util/util.h"

namespace semdex {

class UseLiteModel {
 public:
  static constexpr int kDim = 512;        // output vector length
  static constexpr int kMaxTokens = 128;  // the graph's ClipToMaxLength
  static constexpr int kEmbedWidth = 256;
  static constexpr int kFfnWidth = 1536;

  // Per-caller working memory for up to `max_tokens` tokens per Forward() call. ~11 KB per token.
  class Scratch {
   public:
    explicit Scratch(int max_tokens);
    int max_tokens() const { return max_tokens_; }

   private:
    friend class UseLiteModel;
    int max_tokens_;
    std::vector<float> x0, x, h, big, pooled;
    LinearScratch linear;
  };

  // Binds the weights of a TF.js export of USE Lite, its dense layers in `precision`; ParseError
  // naming model.json and the weight when one is missing or misshapen, Unsupported when the CPU
  // cannot run `precision`.
  static Status Create(std::unique_ptr<TfjsWeights> weights, Precision precision,
                       std::unique_ptr<UseLiteModel>* out);
  static Status Create(std::unique_ptr<TfjsWeights> weights, std::unique_ptr<UseLiteModel>* out) {
    return Create(std::move(weights), Precision::kFp32, out);
  }

  // Rows of the token embedding table: ids must be below this.
  int vocab_rows() const { return vocab_rows_; }
  const TfjsWeights& weights() const { return *weights_; }

  // Embeds lengths.size() sequences whose ids lie back to back in `ids`, writing each one's
  // L2-normalised vector to out[s * kDim, (s + 1) * kDim).
  // REQUIRES: every length in [1, kMaxTokens]; their sum <= scratch->max_tokens(); every id in
  // [0, vocab_rows()).
  Status Forward(const int32_t* ids, const std::vector<int>& lengths, Scratch* scratch,
                 float* out) const;

 private:
  struct Layer {
    int in_width = 0;   // input and attention width
    int out_width = 0;  // width after the layer
    int head_width = 0;
    float q_scale = 0;
    const float* ln1_scale = nullptr;
    const float* ln1_bias = nullptr;
    std::unique_ptr<Linear> qkv;       // in -> 3 * in: q, k, v column blocks, each split into heads
    std::unique_ptr<Linear> attn_out;  // in -> out
    std::unique_ptr<Linear> proj;      // in -> out: layer 0's residual projection, else nullptr
    const float* ln2_scale = nullptr;
    const float* ln2_bias = nullptr;
    std::unique_ptr<Linear> ffn1;  // out -> kFfnWidth
    std::unique_ptr<Linear> ffn2;  // kFfnWidth -> out
  };
  static constexpr int kHeads = 4;

  UseLiteModel() = default;
  Status BindLayer(int index, Precision precision, Layer* layer);
  Status RunLayer(const Layer& layer, const float* in, const std::vector<int>& lengths, int tokens,
                  Scratch* s) const;
  Status Attention(const Layer& layer, const std::vector<int>& lengths, Scratch* s) const;
  Status PoolAndProject(const std::vector<int>& lengths, Scratch* s, float* out) const;

  std::unique_ptr<TfjsWeights> weights_;
  int vocab_rows_ = 0;
  const float* embeddings_ = nullptr;  // [vocab_rows_, kEmbedWidth]
  std::vector<float> timing_;          // [kMaxTokens, kEmbedWidth]
  Layer layers_[2];
  float ln_epsilon_ = 0;
  float l2_epsilon_ = 0;
  std::unique_ptr<Linear> tanh_;  // kDim -> kDim, before the tanh
};

}  // namespace semdex
