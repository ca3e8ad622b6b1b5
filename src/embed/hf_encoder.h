// hf_encoder: BERT-family text encoders in the Hugging Face layout (config.json,
// model.safetensors or its sharded index, tokenizer.json), run by semdex's CPU engine. Internal to
// src/embed/; LoadEmbedder uses it for a model directory holding config.json.
//
// Supported (config.json "architectures" and the tensors present decide):
// - jina-embeddings-v2-base-code (JinaBertModel / JinaBertForMaskedLM, position_embedding_type
//   "alibi", the `jina-bert-v2-qk-post-norm` layout). Per layer, post-LayerNorm throughout:
//     q, k, v = x·Wq + bq, x·Wk + bk, x·Wv + bv;  q = LN_q(q), k = LN_k(k)  (over the full width)
//     a = LN_attn(attn(q, k, v)·Wo + bo + x);     a = LN_1(a + x)   (the layer input, added again)
//     h = a·W_up_gated (no bias) = [up | gate];   x' = LN_2((up * gelu(gate))·W_down + b + a)
//   attention: softmax(q·kᵀ/√d - slope_h·|i - j|) per head; slopes as the ALiBi paper gives them
//   (2^(-8/n)^(h+1) for n a power of two, else the slopes for the next lower power of two followed
//   by every other slope of twice that). Embeddings: word + token type 0, LayerNorm; no positions.
// - jina-embeddings-v2-base-en and the other JinaBERT v2 models (mlp.gated_layers = [gate | up],
//   mlp.wo, mlp.layernorm; no q/k norms, no layer_norm_1).
// - BERT (BertModel, BertForMaskedLM, BertForPreTraining: bge, MiniLM, e5 layouts): absolute
//   position embeddings, a = LN(attn·Wo + bo + x), x' = LN(act(a·W1 + b1)·W2 + b2 + a).
//   Tensor names with or without the "bert." prefix. Activations: gelu (erf), gelu_new /
//   gelu_pytorch_tanh (tanh approximation), relu; JinaBERT's feed_forward_type geglu (erf) / reglu.
// Weights F32, F16 or BF16 (converted to float32 at load); the dense layers run in
// EmbedderOptions::precision (Linear), attention in fp32.
//
// How a text becomes a vector:
// - The text is tokenised as tokenizer.json says, as it is: PrepareCodeText is NOT applied (the
//   code models' byte-level BPE was trained on code and handles identifiers and whitespace itself;
//   splitting identifiers would feed it text unlike its training data).
// - Windows: the model sees at most max_tokens() tokens at once, its special tokens included
//   (<s> ... </s>, [CLS] ... [SEP]). A longer text's tokens are split into the fewest windows of
//   near-equal length, each wrapped in the special tokens and embedded on its own; the window
//   vectors are averaged weighted by their token counts and L2-normalised (as embed.h describes).
//   max_tokens() is min(max_position_embeddings, 512). JinaBERT accepts 8,192 positions, but
//   attention's time and memory grow with the square of the window and code chunks are far
//   shorter; 512 keeps one window's attention scores at 1 MiB per thread.
// - Pooling: the mean of the last layer's rows over the window's tokens (special tokens included,
//   as sentence-transformers' mean pooling over the attention mask does), or the first token's row
//   when the directory's sentence-transformers 1_Pooling/config.json says pooling_mode_cls_token
//   (bge); then L2-normalised.
// - Batching: windows are packed back to back (no padding) into passes of up to
//   EmbedderOptions::batch_tokens tokens; the dense layers run over all of them at once, attention
//   within each window, so a text's vector does not depend on what it is batched with.
//
// Thread-safety: immutable after Create(); Forward() may be called concurrently, each caller with
// its own Scratch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "embed/embed.h"
#include "embed/linear.h"
#include "embed/safetensors.h"
#include "util/util.h"

namespace semdex {

struct HfEncoderConfig {
  enum class Family { kBert, kJinaBert };
  enum class Activation { kGeluErf, kGeluTanh, kRelu };
  enum class Pooling { kMean, kCls };
  Family family = Family::kBert;
  std::string architecture;
  int hidden = 0, layers = 0, heads = 0, intermediate = 0;
  int vocab = 0, type_vocab = 0, max_positions = 0;
  float layer_norm_eps = 1e-12f;
  bool alibi = false;  // else absolute position embeddings
  Activation activation = Activation::kGeluErf;
  Pooling pooling = Pooling::kMean;
};

// Reads `dir`/config.json (and sentence-transformers' modules.json / 1_Pooling/config.json when
// present). ParseError naming the file for a missing or bad field; Unsupported naming the file
// and what it asks for (architecture, position embeddings, activation, pooling) otherwise.
Status ReadHfEncoderConfig(const std::string& dir, HfEncoderConfig* config);

// ALiBi slopes for `heads` heads (exposed for tests).
std::vector<float> AlibiSlopes(int heads);

class HfEncoderModel {
 public:
  // Per-caller working memory for up to `max_tokens` tokens per Forward() call.
  class Scratch {
   public:
    Scratch(const HfEncoderConfig& config, int max_tokens);
    int max_tokens() const { return max_tokens_; }

   private:
    friend class HfEncoderModel;
    int max_tokens_;
    std::vector<float> x, a, qkv, ctx, ff, gated;
    LinearScratch linear;
  };

  // Binds the weights to `config`'s architecture, the dense layers in `precision`; ParseError
  // naming the weight file and the tensor when one is missing or misshapen.
  static Status Create(const HfEncoderConfig& config, std::unique_ptr<SafetensorsWeights> weights,
                       Precision precision, std::unique_ptr<HfEncoderModel>* out);
  ~HfEncoderModel();

  const HfEncoderConfig& config() const { return config_; }
  const SafetensorsWeights& weights() const { return *weights_; }

  // Embeds lengths.size() sequences whose ids lie back to back in `ids`, writing each one's pooled,
  // L2-normalised vector to out[s * hidden, (s + 1) * hidden).
  // REQUIRES: every length >= 1 (and <= max_positions); their sum <= scratch->max_tokens(); every
  // id in [0, vocab).
  Status Forward(const int32_t* ids, const std::vector<int>& lengths, Scratch* scratch,
                 float* out) const;

 private:
  struct Norm {
    const float* gamma = nullptr;
    const float* beta = nullptr;
  };
  struct Layer {
    std::unique_ptr<Linear> qkv;  // hidden -> 3 * hidden: q, k, v column blocks
    Norm q_norm, k_norm;          // jina code only
    std::unique_ptr<Linear> attn_out;
    Norm attn_norm;
    Norm norm_1;                  // jina code only: after re-adding the layer input
    std::unique_ptr<Linear> ff1;  // BERT: hidden -> intermediate; JinaBERT: -> 2 * intermediate
    std::unique_ptr<Linear> ff2;  // intermediate -> hidden
    Norm out_norm;
    bool gate_first = false;  // JinaBERT: gate then up (base-en) or up then gate (code)
  };

  HfEncoderModel() = default;
  Status BindLayer(int index, Precision precision, Layer* layer);
  void Attention(const std::vector<int>& lengths, Scratch* s) const;
  void RunLayer(const Layer& layer, const std::vector<int>& lengths, int tokens, Scratch* s) const;

  HfEncoderConfig config_;
  std::unique_ptr<SafetensorsWeights> weights_;
  std::string prefix_;  // "" or "bert."
  const float* word_embeddings_ = nullptr;
  const float* type_embeddings_ = nullptr;
  const float* position_embeddings_ = nullptr;  // absolute positions only
  Norm embed_norm_;
  std::vector<Layer> layers_;
  std::vector<float> slopes_;                    // ALiBi, per head
  std::vector<std::unique_ptr<float[]>> owned_;  // fused q/k/v weights and biases
};

}  // namespace semdex
