// hf_embedder: the Embedder of a Hugging Face encoder directory: texts -> tokenizer.json ->
// windows -> packed forward passes -> pooled, normalised vectors (see hf_encoder.h for what is
// supported and embed.h for the contract). Internal to src/embed/ (and its tests).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "embed/embed.h"
#include "embed/hf_encoder.h"
#include "embed/hf_tokenizer.h"
#include "embed/text_windows.h"

namespace semdex {

class HfEmbedder : public Embedder {
 public:
  // The longest window: see hf_encoder.h.
  static constexpr int kMaxWindow = 512;

  // Loads `dir`: config.json, model.safetensors (or model.safetensors.index.json and its shards),
  // tokenizer.json. model_id() is "hf:<dir name>@<xxh3 of config, weights and tokenizer>", with
  // "+int8" / "+bf16" appended for those precisions.
  static Status Load(const std::string& dir, const EmbedderOptions& options,
                     std::unique_ptr<Embedder>* out);

  int dim() const override { return model_->config().hidden; }
  const std::string& model_id() const override { return model_id_; }
  int max_tokens() const override { return max_tokens_; }
  Status CountTokens(std::string_view text, size_t* count) const override;
  Status Embed(const std::vector<std::string_view>& texts,
               std::vector<std::vector<float>>* out) const override;

  // The token ids of texts[i] without special tokens, as Embed() computes them.
  Status Tokenize(std::string_view text, size_t index, std::vector<int32_t>* ids) const;
  const HfTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  HfEmbedder() = default;
  // The windows of a text of `n` content tokens (n >= 1).
  size_t WindowCount(size_t n) const;
  std::unique_ptr<HfEncoderModel::Scratch> AcquireScratch() const;
  void ReleaseScratch(std::unique_ptr<HfEncoderModel::Scratch> scratch) const;
  Status RunWindows(const std::vector<std::vector<int32_t>>& ids,
                    const std::vector<TextWindow>& windows, std::vector<float>* vectors) const;

  EmbedderOptions options_;
  std::string model_id_;
  int max_tokens_ = 0;
  std::unique_ptr<HfTokenizer> tokenizer_;
  std::unique_ptr<HfEncoderModel> model_;
  // Scratch memory of finished Embed() calls, reused by later ones: one per concurrent call.
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<HfEncoderModel::Scratch>> pool_;
};

}  // namespace semdex
