// unigram_tokenizer: the SentencePiece-unigram tokeniser of the default model. Internal to
// src/embed/ (and its tests).
//
// Reproduces, token id for token id, the Tokenizer and Trie classes of the model's reference
// JavaScript implementation (@energetic-ai/embeddings@0.2.0, dist/index.js), including their
// quirks, because the model was trained on that tokenisation:
// - NFKC-normalise; if non-empty, prefix U+2581 and replace every U+0020 with U+2581.
// - Viterbi over code points. The candidates ending at a position are considered in order of
//   their start (longest first); one replaces the best so far when its total score is >= it, or
//   when the best so far is exactly 0 (the JavaScript's "unset" test, which also treats a genuine
//   total of 0 as unset). A position where no piece starts takes a one-code-point unknown (id 0,
//   score 0). Positions no piece reaches keep total 0.
// - A piece whose score is null in vocab.json scores 0 (JavaScript's null + number); a piece that
//   appears twice takes the later entry's score and id; the first kReservedIds entries are never
//   matched.
// - The best path is read back by stepping over each piece's length in UTF-16 code units, and
//   runs of unknown ids collapse into one.
// A hand-written tokeniser rather than libsentencepiece: that library needs a .model protobuf this
// package does not ship, and its tie and unknown handling differ from the JavaScript's.
//
// Thread-safety: immutable after construction; Encode() may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/util.h"

namespace semdex {

class UnigramTokenizer {
 public:
  static constexpr int kReservedIds = 6;
  static constexpr int32_t kUnknownId = 0;

  // Reads vocab.json: a JSON array of [piece, score] pairs, the id being the index. Errors name
  // the file and, for a malformed entry, its index.
  static Status Load(const std::string& vocab_path, std::unique_ptr<UnigramTokenizer>* out);
  // The same from the file's text; `origin` names it in error messages.
  static Status Parse(std::string_view json_text, const std::string& origin,
                      std::unique_ptr<UnigramTokenizer>* out);
  // From pieces directly (tests). REQUIRES: pieces.size() > kReservedIds.
  explicit UnigramTokenizer(const std::vector<std::pair<std::string, double>>& pieces);

  int vocab_size() const { return static_cast<int>(utf16_len_.size()); }

  // Appends the token ids of `text` to *ids. InvalidArgument if `text` is not valid UTF-8.
  Status Encode(std::string_view text, std::vector<int32_t>* ids) const;

 private:
  struct Node {
    int32_t id = -1;  // piece id when a piece ends here, else -1
    double score = 0;
  };
  // Trie child of `node` for code point `cp`, or -1.
  int32_t Child(int32_t node, char32_t cp) const;
  void Insert(std::u32string_view piece, double score, int32_t id);

  std::vector<Node> nodes_;                         // nodes_[0] is the root
  std::unordered_map<uint64_t, int32_t> children_;  // (node << 32 | code point) -> child node
  std::vector<int32_t> utf16_len_;                  // per id: the piece's length in UTF-16 units
};

}  // namespace semdex
