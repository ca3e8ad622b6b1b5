#include "embed/hf_tokenizer.h"

#include <algorithm>

namespace semdex {
namespace {

bool IsSpaceChar(std::string_view c) {
  // Whitespace that lstrip / rstrip take: ASCII and the few multi-byte White_Space characters.
  static const char* const kWide[] = {"\u0085", "\u00A0", "\u1680", "\u2000", "\u2001",
                                      "\u2002", "\u2003", "\u2004", "\u2005", "\u2006",
                                      "\u2007", "\u2008", "\u2009", "\u200A", "\u2028",
                                      "\u2029", "\u202F", "\u205F", "\u3000"};
  if (c.size() == 1) return c[0] == ' ' || (c[0] >= '\t' && c[0] <= '\r');
  for (const char* w : kWide) {
    if (c == w) return true;
  }
  return false;
}

}  // namespace

HfTokenizer::~HfTokenizer() = default;

void HfTokenizer::Encode(std::string_view text, std::vector<int32_t>* ids) const {
  const std::vector<std::string_view> chars = hf_text::Utf8Chars(text);
  size_t cursor = 0;  // byte offset of the text not yet tokenised
  size_t c = 0;       // index into chars, at byte offset `pos`
  size_t pos = 0;
  while (c < chars.size()) {
    const AddedToken* best = nullptr;
    for (const AddedToken& a : added_) {
      if (text.compare(pos, a.content.size(), a.content) == 0 &&
          (best == nullptr || a.content.size() > best->content.size())) {
        best = &a;
      }
    }
    if (best == nullptr) {
      pos += chars[c++].size();
      continue;
    }
    size_t segment_end = pos;
    if (best->lstrip) {
      for (size_t k = c; k > 0 && segment_end > cursor && IsSpaceChar(chars[k - 1]); --k) {
        segment_end -= chars[k - 1].size();
      }
    }
    EncodeSegment(text.substr(cursor, segment_end - cursor), ids);
    ids->push_back(best->id);
    const size_t end = pos + best->content.size();
    while (c < chars.size() && pos < end) pos += chars[c++].size();
    if (best->rstrip) {
      while (c < chars.size() && IsSpaceChar(chars[c])) pos += chars[c++].size();
    }
    cursor = pos;
  }
  EncodeSegment(text.substr(cursor), ids);
}

void HfTokenizer::EncodeSegment(std::string_view text, std::vector<int32_t>* ids) const {
  if (text.empty()) return;
  std::string normalized(text);
  for (const Normalizer& n : normalizers_) {
    switch (n.step) {
      case NormStep::kBert:
        normalized = hf_text::BertNormalize(normalized, n.bert);
        break;
      case NormStep::kLowercase:
        normalized = hf_text::Lowercase(normalized);
        break;
      case NormStep::kStripAccents:
        normalized = hf_text::StripAccents(normalized);
        break;
      case NormStep::kNfc:
      case NormStep::kNfd:
      case NormStep::kNfkc:
      case NormStep::kNfkd: {
        static const char* const kForms[] = {"NFC", "NFD", "NFKC", "NFKD"};
        normalized = hf_text::UnicodeNormalize(
            normalized, kForms[static_cast<int>(n.step) - static_cast<int>(NormStep::kNfc)]);
        break;
      }
    }
  }
  std::vector<std::string> words = {std::move(normalized)};
  for (const PreTokenizer& p : pre_tokenizers_) {
    std::vector<std::string> next;
    for (std::string& w : words) {
      if (p.step == PreStep::kBert) {
        hf_text::BertPreTokenize(w, &next);
        continue;
      }
      if (p.add_prefix_space && !w.starts_with(' ')) w.insert(0, 1, ' ');
      std::vector<std::string> pieces;
      if (p.use_regex) {
        hf_text::Gpt2Split(w, &pieces);
      } else {
        pieces.push_back(std::move(w));
      }
      for (const std::string& piece : pieces) next.push_back(hf_text::ByteLevelEncode(piece));
    }
    words = std::move(next);
  }
  std::vector<int32_t> symbols;
  for (const std::string& word : words) {
    if (word.empty()) continue;
    if (wordpiece_) {
      WordPiece(word, ids);
      continue;
    }
    if (ignore_merges_) {
      auto it = vocab_.find(word);
      if (it != vocab_.end()) {
        ids->push_back(it->second);
        continue;
      }
    }
    symbols.clear();
    bool pending_unk = false;
    for (std::string_view ch : hf_text::Utf8Chars(word)) {
      auto it = vocab_.find(std::string(ch));
      if (it != vocab_.end()) {
        if (pending_unk) symbols.push_back(unk_id_);
        pending_unk = false;
        symbols.push_back(it->second);
      } else if (unk_id_ >= 0) {
        if (pending_unk && !fuse_unk_) symbols.push_back(unk_id_);
        pending_unk = true;
      }
    }
    if (pending_unk) symbols.push_back(unk_id_);
    merges_.MergeAll(&symbols);
    ids->insert(ids->end(), symbols.begin(), symbols.end());
  }
}

void HfTokenizer::WordPiece(std::string_view word, std::vector<int32_t>* ids) const {
  const std::vector<std::string_view> chars = hf_text::Utf8Chars(word);
  if (chars.size() > max_input_chars_) {
    ids->push_back(unk_id_);
    return;
  }
  const size_t before = ids->size();
  size_t start = 0;  // in chars
  std::string piece;
  while (start < chars.size()) {
    bool found = false;
    for (size_t end = chars.size(); end > start; --end) {
      piece = start > 0 ? continuing_prefix_ : "";
      for (size_t k = start; k < end; ++k) piece += chars[k];
      auto it = vocab_.find(piece);
      if (it != vocab_.end()) {
        ids->push_back(it->second);
        start = end;
        found = true;
        break;
      }
    }
    if (!found) {
      ids->resize(before);
      ids->push_back(unk_id_);
      return;
    }
  }
}

}  // namespace semdex
