// hf_tokenizer: a Hugging Face tokenizer.json, for the two families BERT-style encoders use.
// Internal to src/embed/ (HfEmbedder and its tests).
//
// Supported, with the semantics of the Rust `tokenizers` crate (checked against transformers.js's
// @huggingface/tokenizers; see tests/embed/hf_tokenizer_test.cc):
// - added_tokens: matched in the raw text first (longest match wins; lstrip / rstrip take the
//   whitespace beside a match), each becomes its own id; the text between them is tokenised.
// - normalizer: null, BertNormalizer, Lowercase, StripAccents, NFC, NFD, NFKC, NFKD, Sequence.
// - pre_tokenizer: ByteLevel (GPT-2 regex, add_prefix_space), BertPreTokenizer, Sequence.
// - model: BPE (byte-level vocabularies: RoBERTa, GPT-2, jina-embeddings-v2-base-code; merges as
//   "a b" strings or [a, b] pairs) and WordPiece (##-continuations, [UNK] for unknown words and
//   words over max_input_chars_per_word characters).
// - post_processor: RobertaProcessing, BertProcessing, TemplateProcessing (single sequence),
//   ByteLevel (no ids), Sequence. Only the single-sequence form is used.
// Anything else is refused with Unsupported naming the field. truncation, padding and decoder are
// ignored: HfEmbedder windows long texts itself.
//
// Differences from the reference, deliberately left: added tokens marked "normalized" are matched
// in the raw text (the BERT and RoBERTa files mark their special tokens "normalized": false or have
// no normaliser); Unicode tables are utf8proc's, which may differ from another implementation's
// for characters newer than either.
//
// Thread-safety: immutable after Parse(); Encode() may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/hf_bpe.h"
#include "embed/hf_text.h"
#include "util/util.h"

namespace semdex {

class HfTokenizer {
 public:
  // Parses the contents of tokenizer.json; `origin` (its path) is named in errors.
  static Status Parse(std::string_view json_text, const std::string& origin,
                      std::unique_ptr<HfTokenizer>* out);
  ~HfTokenizer();

  // Appends the token ids of `text`, without the post-processor's special tokens, to *ids.
  // REQUIRES: text is valid UTF-8.
  void Encode(std::string_view text, std::vector<int32_t>* ids) const;

  // The post-processor's special tokens around one sequence ([CLS] / [SEP], <s> / </s>).
  const std::vector<int32_t>& prefix() const { return prefix_; }
  const std::vector<int32_t>& suffix() const { return suffix_; }

  // One more than the largest id the tokenizer produces.
  int vocab_size() const { return vocab_size_; }

 private:
  struct AddedToken {
    int32_t id = 0;
    std::string content;
    bool lstrip = false;
    bool rstrip = false;
  };
  enum class NormStep { kBert, kLowercase, kStripAccents, kNfc, kNfd, kNfkc, kNfkd };
  struct Normalizer {
    NormStep step;
    hf_text::BertNormalizerOptions bert;
  };
  enum class PreStep { kByteLevel, kBert };
  struct PreTokenizer {
    PreStep step;
    bool add_prefix_space = false;
    bool use_regex = true;
  };

  HfTokenizer() = default;
  Status ParseAddedTokens(const nlohmann::json& doc);
  Status ParseNormalizer(const nlohmann::json& j, const std::string& where);
  Status ParsePreTokenizer(const nlohmann::json& j, const std::string& where);
  Status ParseModel(const nlohmann::json& j);
  Status ParsePostProcessor(const nlohmann::json& j, const std::string& where);
  // The id of `token` (vocabulary or added), or a ParseError naming `where`.
  Status TokenId(const std::string& token, const std::string& where, int32_t* id) const;
  void EncodeSegment(std::string_view text, std::vector<int32_t>* ids) const;
  void WordPiece(std::string_view word, std::vector<int32_t>* ids) const;

  std::string origin_;
  std::vector<AddedToken> added_;
  std::vector<Normalizer> normalizers_;
  std::vector<PreTokenizer> pre_tokenizers_;
  std::unordered_map<std::string, int32_t> vocab_;
  bool wordpiece_ = false;  // else BPE
  // WordPiece
  std::string continuing_prefix_ = "##";
  int32_t unk_id_ = -1;  // -1: none (BPE drops unknown characters)
  size_t max_input_chars_ = 100;
  // BPE
  BpeMerges merges_;
  bool ignore_merges_ = false;  // a word in the vocabulary is one token, merges or not
  bool fuse_unk_ = false;
  std::vector<int32_t> prefix_, suffix_;
  int vocab_size_ = 0;
};

}  // namespace semdex
