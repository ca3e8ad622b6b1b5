#include "embed/hf_embedder.h"

#include <cmath>
#include <filesystem>

#include "embed/model_file.h"
#include "embed/text_windows.h"

namespace semdex {
namespace {

bool IsFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

Status HfEmbedder::Load(const std::string& dir, const EmbedderOptions& options,
                        std::unique_ptr<Embedder>* out) {
  std::unique_ptr<HfEmbedder> e(new HfEmbedder());
  e->options_ = options;
  HfEncoderConfig config;
  Status st = ReadHfEncoderConfig(dir, &config);
  if (!st.ok()) return st;
  e->max_tokens_ = std::min(config.max_positions, kMaxWindow);
  if (options.batch_tokens < 1 || options.intra_op_threads < 1) {
    return Status::InvalidArgument(
        "embedder options: batch_tokens and intra_op_threads must be >= 1");
  }
  e->options_.batch_tokens = std::max(options.batch_tokens, e->max_tokens_);  // >= one window
  std::string weights_path = dir + "/model.safetensors";
  if (!IsFile(weights_path) && IsFile(dir + "/model.safetensors.index.json")) {
    weights_path = dir + "/model.safetensors.index.json";
  } else if (!IsFile(weights_path)) {
    return IsFile(dir + "/pytorch_model.bin")
               ? Status::Unsupported("model directory " + dir +
                                     " holds pytorch_model.bin: only safetensors weights are "
                                     "supported (convert them to model.safetensors)")
               : Status::NotFound("model directory " + dir +
                                  " holds no model.safetensors (nor model.safetensors.index.json)");
  }
  std::unique_ptr<SafetensorsWeights> weights;
  st = SafetensorsWeights::Open(weights_path, &weights);
  if (!st.ok()) return st;
  std::string fingerprint;
  for (std::string_view bytes : weights->file_bytes()) fingerprint += Xxh3Hex(bytes);
  st = HfEncoderModel::Create(config, std::move(weights), options.precision, &e->model_);
  if (!st.ok()) return st;

  std::string text;
  const std::string tokenizer_path = dir + "/tokenizer.json";
  st = ReadModelFile(tokenizer_path, "tokenizer", &text);
  if (!st.ok()) return st;
  fingerprint += Xxh3Hex(text);
  st = HfTokenizer::Parse(text, tokenizer_path, &e->tokenizer_);
  if (!st.ok()) return st;
  if (e->tokenizer_->vocab_size() > config.vocab) {
    return Status::ParseError(tokenizer_path + " has ids up to " +
                              std::to_string(e->tokenizer_->vocab_size() - 1) +
                              " but the model embeds only " + std::to_string(config.vocab));
  }
  const int specials =
      static_cast<int>(e->tokenizer_->prefix().size() + e->tokenizer_->suffix().size());
  if (e->max_tokens_ <= specials) {
    return Status::ParseError(dir + "/config.json: max_position_embeddings " +
                              std::to_string(config.max_positions) +
                              " leaves no room beside the special tokens");
  }
  st = ReadModelFile(dir + "/config.json", "model config", &text);
  if (!st.ok()) return st;
  fingerprint += Xxh3Hex(text);
  const std::string name = std::filesystem::path(dir).lexically_normal().filename().string();
  e->model_id_ =
      "hf:" + (name.empty() ? std::filesystem::path(dir).parent_path().filename().string() : name) +
      "@" + Xxh3Hex(fingerprint);
  if (options.precision != Precision::kFp32) {
    e->model_id_ += std::string("+") + PrecisionName(options.precision);
  }
  *out = std::move(e);
  return Status::Ok();
}

Status HfEmbedder::Tokenize(std::string_view text, size_t index, std::vector<int32_t>* ids) const {
  if (Status st = CheckEmbedText(text, index, options_.max_text_bytes); !st.ok()) return st;
  const std::string which = "text " + std::to_string(index);
  ids->clear();
  tokenizer_->Encode(text, ids);
  if (ids->empty()) return Status::InvalidArgument(which + " is blank: nothing to embed");
  return Status::Ok();
}

size_t HfEmbedder::WindowCount(size_t n) const {
  const size_t room =
      static_cast<size_t>(max_tokens_) - tokenizer_->prefix().size() - tokenizer_->suffix().size();
  return (n + room - 1) / room;
}

Status HfEmbedder::CountTokens(std::string_view text, size_t* count) const {
  std::vector<int32_t> ids;
  Status st = Tokenize(text, 0, &ids);
  const size_t specials = tokenizer_->prefix().size() + tokenizer_->suffix().size();
  *count = st.ok() ? ids.size() + WindowCount(ids.size()) * specials : 0;
  return st;
}

Status HfEmbedder::Embed(const std::vector<std::string_view>& texts,
                         std::vector<std::vector<float>>* out) const {
  out->clear();
  std::vector<std::vector<int32_t>> ids(texts.size());
  std::vector<TextWindow> windows;
  const size_t room =
      static_cast<size_t>(max_tokens_) - tokenizer_->prefix().size() - tokenizer_->suffix().size();
  for (size_t i = 0; i < texts.size(); ++i) {
    Status st = Tokenize(texts[i], i, &ids[i]);
    if (!st.ok()) return st;
    AppendWindows(i, ids[i].size(), room, &windows);
  }
  const size_t dim = static_cast<size_t>(this->dim());
  std::vector<float> vectors(windows.size() * dim);
  Status st = RunWindows(ids, windows, &vectors);
  if (!st.ok()) return st;
  std::vector<std::vector<float>> result = PoolWindows(windows, vectors.data(), dim, texts.size());
  *out = std::move(result);
  return Status::Ok();
}

// Runs the windows, each wrapped in the special tokens, in packed passes of up to
// options_.batch_tokens tokens.
Status HfEmbedder::RunWindows(const std::vector<std::vector<int32_t>>& ids,
                              const std::vector<TextWindow>& windows,
                              std::vector<float>* vectors) const {
  if (windows.empty()) return Status::Ok();
  ScopedOmpThreads threads(options_.intra_op_threads);
  std::unique_ptr<HfEncoderModel::Scratch> scratch = AcquireScratch();
  const size_t budget = static_cast<size_t>(scratch->max_tokens());  // >= max_tokens_
  const size_t dim = static_cast<size_t>(this->dim());
  Status st = ForEachPackedPass(
      ids, windows, budget, tokenizer_->prefix(), tokenizer_->suffix(),
      [&](const int32_t* pass_ids, const std::vector<int>& lengths, size_t first) {
        return model_->Forward(pass_ids, lengths, scratch.get(), vectors->data() + first * dim);
      });
  ReleaseScratch(std::move(scratch));
  return st;
}

std::unique_ptr<HfEncoderModel::Scratch> HfEmbedder::AcquireScratch() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<HfEncoderModel::Scratch> s = std::move(pool_.back());
      pool_.pop_back();
      return s;
    }
  }
  return std::make_unique<HfEncoderModel::Scratch>(model_->config(), options_.batch_tokens);
}

void HfEmbedder::ReleaseScratch(std::unique_ptr<HfEncoderModel::Scratch> scratch) const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(scratch));
}

}  // namespace semdex
