#include "embed/unigram_tokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "embed/model_file.h"

namespace semdex {
namespace {

constexpr char32_t kSeparator = U'\u2581';

// Decodes valid UTF-8 into code points. REQUIRES: IsValidUtf8(text).
std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) break;
    out.push_back(static_cast<char32_t>(cp));
    p += n;
    left -= n;
  }
  return out;
}

// NFKC of `text` as code points, with the JavaScript tokeniser's preprocessing: a leading U+2581
// and every space replaced by U+2581.
Status Preprocess(std::string_view text, std::u32string* out) {
  if (!IsValidUtf8(text)) return Status::InvalidArgument("text is not valid UTF-8");
  out->clear();
  if (text.empty()) return Status::Ok();
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  auto* src = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  auto len = static_cast<utf8proc_ssize_t>(text.size());
  std::vector<utf8proc_int32_t> buf(text.size() + 16);
  utf8proc_ssize_t n = 0;
  while (true) {
    n = utf8proc_decompose(src, len, buf.data(), static_cast<utf8proc_ssize_t>(buf.size()),
                           options);
    if (n < 0) return Status::InvalidArgument(std::string("NFKC: ") + utf8proc_errmsg(n));
    if (static_cast<size_t>(n) <= buf.size()) break;
    buf.resize(static_cast<size_t>(n));  // decomposition grew the text: retry with room
  }
  n = utf8proc_normalize_utf32(buf.data(), n, options);
  if (n < 0) return Status::InvalidArgument(std::string("NFKC: ") + utf8proc_errmsg(n));
  if (n == 0) return Status::Ok();
  out->reserve(static_cast<size_t>(n) + 1);
  out->push_back(kSeparator);
  for (utf8proc_ssize_t i = 0; i < n; ++i) {
    out->push_back(buf[i] == ' ' ? kSeparator : static_cast<char32_t>(buf[i]));
  }
  return Status::Ok();
}

int32_t Utf16Length(std::u32string_view s) {
  int32_t n = 0;
  for (char32_t c : s) n += c > 0xFFFF ? 2 : 1;
  return n;
}

}  // namespace

UnigramTokenizer::UnigramTokenizer(const std::vector<std::pair<std::string, double>>& pieces) {
  nodes_.emplace_back();
  utf16_len_.reserve(pieces.size());
  for (size_t id = 0; id < pieces.size(); ++id) {
    std::u32string piece = DecodeUtf8(pieces[id].first);
    // At least 1, so that reading the path back always advances (an empty piece is never matched).
    utf16_len_.push_back(std::max<int32_t>(1, Utf16Length(piece)));
    if (id >= static_cast<size_t>(kReservedIds) && !piece.empty()) {
      Insert(piece, pieces[id].second, static_cast<int32_t>(id));
    }
  }
}

void UnigramTokenizer::Insert(std::u32string_view piece, double score, int32_t id) {
  int32_t node = 0;
  for (char32_t cp : piece) {
    int32_t child = Child(node, cp);
    if (child < 0) {
      child = static_cast<int32_t>(nodes_.size());
      nodes_.emplace_back();
      children_.emplace((static_cast<uint64_t>(node) << 32) | cp, child);
    }
    node = child;
  }
  nodes_[node].id = id;  // a repeated piece: the later entry wins, as in the JavaScript trie
  nodes_[node].score = score;
}

int32_t UnigramTokenizer::Child(int32_t node, char32_t cp) const {
  auto it = children_.find((static_cast<uint64_t>(node) << 32) | cp);
  return it == children_.end() ? -1 : it->second;
}

Status UnigramTokenizer::Encode(std::string_view text, std::vector<int32_t>* ids) const {
  std::u32string symbols;
  Status st = Preprocess(text, &symbols);
  if (!st.ok()) return st;
  const size_t n = symbols.size();
  std::vector<double> best(n + 1, 0.0);
  std::vector<int32_t> words(n + 1, kUnknownId);
  // Relaxes position `end` with a piece starting at `start`; the JavaScript's comparison verbatim.
  auto relax = [&](size_t start, size_t end, int32_t id, double score) {
    double total = score + best[start];
    if (best[end] == 0 || total >= best[end]) {
      best[end] = total;
      words[end] = id;
    }
  };
  // Visiting starts in increasing order relaxes each end position with its candidates in the same
  // order as the JavaScript's per-end loop, and best[start] is final when read.
  for (size_t start = 0; start < n; ++start) {
    bool matched = false;
    int32_t node = 0;
    for (size_t end = start + 1; end <= n; ++end) {
      node = Child(node, symbols[end - 1]);
      if (node < 0) break;
      if (nodes_[node].id >= 0) {
        relax(start, end, nodes_[node].id, nodes_[node].score);
        matched = true;
      }
    }
    if (!matched) relax(start, start + 1, kUnknownId, 0.0);
  }
  std::vector<int32_t> reversed;
  for (int64_t pos = static_cast<int64_t>(n); pos > 0; pos -= utf16_len_[words[pos]]) {
    int32_t id = words[pos];
    if (id == kUnknownId && !reversed.empty() && reversed.back() == kUnknownId) continue;
    reversed.push_back(id);
  }
  ids->insert(ids->end(), reversed.rbegin(), reversed.rend());
  return Status::Ok();
}

Status UnigramTokenizer::Parse(std::string_view json_text, const std::string& origin,
                               std::unique_ptr<UnigramTokenizer>* out) {
  nlohmann::json doc;
  Status st = ParseModelJson(json_text, origin, &doc);
  if (!st.ok()) return st;
  if (!doc.is_array()) return Status::ParseError(origin + ": expected an array of [piece, score]");
  if (doc.size() <= static_cast<size_t>(kReservedIds)) {
    return Status::ParseError(origin + ": only " + std::to_string(doc.size()) + " entries");
  }
  std::vector<std::pair<std::string, double>> pieces;
  pieces.reserve(doc.size());
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& e = doc[i];
    bool ok =
        e.is_array() && e.size() == 2 && e[0].is_string() && (e[1].is_number() || e[1].is_null());
    if (!ok || !IsValidUtf8(e[0].get_ref<const std::string&>())) {
      return Status::ParseError(origin + ": entry " + std::to_string(i) +
                                " is not a [piece, score] pair: " + e.dump().substr(0, 80));
    }
    // A null score counts as 0, as JavaScript's `null + number` does.
    pieces.emplace_back(e[0].get<std::string>(), e[1].is_null() ? 0.0 : e[1].get<double>());
  }
  *out = std::make_unique<UnigramTokenizer>(pieces);
  return Status::Ok();
}

Status UnigramTokenizer::Load(const std::string& vocab_path,
                              std::unique_ptr<UnigramTokenizer>* out) {
  std::string text;
  Status st = ReadModelFile(vocab_path, "vocabulary", &text);
  if (!st.ok()) return st;
  return Parse(text, vocab_path, out);
}

}  // namespace semdex
