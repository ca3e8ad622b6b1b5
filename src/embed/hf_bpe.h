// hf_bpe: byte-pair merges over token ids, the core of a Hugging Face BPE model. Internal to
// src/embed/ (HfTokenizer).
//
// Thread-safety: immutable after the merges are added; MergeAll() may be called concurrently.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace semdex {

class BpeMerges {
 public:
  // Adds the merge of the pair (a, b) into `id` with `rank` (its index in tokenizer.json's
  // merges; lower merges first). A later merge of the same pair replaces the earlier one, as in
  // the Rust crate's merge map.
  void Add(int32_t a, int32_t b, int32_t rank, int32_t id);

  // Applies the merges to a word's symbols in place, as the Rust crate's Word::merge_all does:
  // always the pair of lowest rank, leftmost on ties; O(n log n) for n symbols.
  void MergeAll(std::vector<int32_t>* symbols) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t id;
  };
  static uint64_t Key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  std::unordered_map<uint64_t, Merge> merges_;
};

}  // namespace semdex
