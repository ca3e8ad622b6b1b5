#include "embed/hf_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

namespace semdex::hf_text {
namespace {

// Decodes valid UTF-8 into code points.
std::vector<int32_t> Decode(std::string_view text) {
  std::vector<int32_t> cps;
  cps.reserve(text.size());
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // not reachable for valid UTF-8; skip a byte rather than loop
      n = 1;
      cp = 0xFFFD;
    }
    cps.push_back(cp);
    p += n;
    left -= n;
  }
  return cps;
}

void Append(int32_t cp, std::string* out) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

std::string Encode(const std::vector<int32_t>& cps, size_t begin, size_t end) {
  std::string s;
  for (size_t i = begin; i < end; ++i) Append(cps[i], &s);
  return s;
}

utf8proc_category_t Category(int32_t cp) { return utf8proc_category(cp); }

bool IsLetter(int32_t cp) {
  const utf8proc_category_t c = Category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

bool IsNumber(int32_t cp) {
  const utf8proc_category_t c = Category(cp);
  return c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO;
}

// The Unicode White_Space property: Rust's char::is_whitespace and Oniguruma's \s.
bool IsWhiteSpace(int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

bool IsCjk(int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool IsBertPunctuation(int32_t cp) {
  if (cp < 0x80) {
    return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
           (cp >= 0x7B && cp <= 0x7E);
  }
  const utf8proc_category_t c = Category(cp);
  return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

void AppendLower(int32_t cp, std::string* out) {
  if (cp == 0x130) {  // the one unconditional multi-character lower case: İ -> i + U+0307
    out->append("i\xCC\x87");
    return;
  }
  Append(utf8proc_tolower(cp), out);
}

}  // namespace

std::string UnicodeNormalize(std::string_view text, std::string_view form) {
  int options = UTF8PROC_STABLE;
  options |= form.starts_with("NFK") ? UTF8PROC_COMPAT : 0;
  options |= form.ends_with("C") ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE;
  utf8proc_uint8_t* dst = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &dst,
                                    static_cast<utf8proc_option_t>(options));
  if (n < 0) return std::string(text);  // only for invalid UTF-8, which callers rule out
  std::string out(reinterpret_cast<const char*>(dst), static_cast<size_t>(n));
  std::free(dst);
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (int32_t cp : Decode(text)) AppendLower(cp, &out);
  return out;
}

std::string StripAccents(std::string_view text) {
  std::string out;
  for (int32_t cp : Decode(UnicodeNormalize(text, "NFD"))) {
    if (Category(cp) != UTF8PROC_CATEGORY_MN) Append(cp, &out);
  }
  return out;
}

std::string BertNormalize(std::string_view text, const BertNormalizerOptions& o) {
  std::string out;
  out.reserve(text.size());
  for (int32_t cp : Decode(text)) {
    if (o.clean_text) {
      const utf8proc_category_t c = Category(cp);
      const bool control =
          cp != '\t' && cp != '\n' && cp != '\r' &&
          (c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CS ||
           c == UTF8PROC_CATEGORY_CO || c == UTF8PROC_CATEGORY_CN);
      if (cp == 0 || cp == 0xFFFD || control) continue;
      if (IsWhiteSpace(cp) || c == UTF8PROC_CATEGORY_ZS) cp = ' ';
    }
    if (o.handle_chinese_chars && IsCjk(cp)) {
      out.push_back(' ');
      Append(cp, &out);
      out.push_back(' ');
    } else {
      Append(cp, &out);
    }
  }
  if (o.strip_accents) out = StripAccents(out);
  if (o.lowercase) out = Lowercase(out);
  return out;
}

void BertPreTokenize(std::string_view text, std::vector<std::string>* words) {
  const std::vector<int32_t> cps = Decode(text);
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words->push_back(std::move(word));
    word.clear();
  };
  for (int32_t cp : cps) {
    if (IsWhiteSpace(cp)) {
      flush();
    } else if (IsBertPunctuation(cp)) {
      flush();
      Append(cp, &word);
      flush();
    } else {
      Append(cp, &word);
    }
  }
  flush();
}

// Hand-written rather than std::regex: std::regex has no \p{L} / \p{N} classes nor Unicode-aware
// \s, and no lookahead over code points; the pattern is simple enough to scan directly.
void Gpt2Split(std::string_view text, std::vector<std::string>* pieces) {
  const std::vector<int32_t> cps = Decode(text);
  const size_t n = cps.size();
  auto other = [](int32_t cp) { return !IsWhiteSpace(cp) && !IsLetter(cp) && !IsNumber(cp); };
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    const int32_t c = cps[i];
    const int32_t next = i + 1 < n ? cps[i + 1] : 0;
    if (c == '\'' && i + 1 < n && (next == 's' || next == 't' || next == 'm' || next == 'd')) {
      end = i + 2;  // 's 't 'm 'd
    } else if (c == '\'' && i + 2 < n &&
               ((next == 'r' && cps[i + 2] == 'e') || (next == 'v' && cps[i + 2] == 'e') ||
                (next == 'l' && cps[i + 2] == 'l'))) {
      end = i + 3;  // 're 've 'll
    } else if (IsLetter(c) || (c == ' ' && i + 1 < n && IsLetter(next))) {
      end = c == ' ' ? i + 1 : i;  //  ?\p{L}+
      while (end < n && IsLetter(cps[end])) ++end;
    } else if (IsNumber(c) || (c == ' ' && i + 1 < n && IsNumber(next))) {
      end = c == ' ' ? i + 1 : i;  //  ?\p{N}+
      while (end < n && IsNumber(cps[end])) ++end;
    } else if (other(c) || (c == ' ' && i + 1 < n && other(next))) {
      end = c == ' ' ? i + 1 : i;  //  ?[^\s\p{L}\p{N}]+
      while (end < n && other(cps[end])) ++end;
    } else {
      // c is whitespace. \s+(?!\S): the run, less its last character when a non-space follows;
      // when that leaves nothing, \s+ takes the single character.
      size_t run = i;
      while (run < n && IsWhiteSpace(cps[run])) ++run;
      end = run == n || run - i == 1 ? run : run - 1;
    }
    pieces->push_back(Encode(cps, i, end));
    i = end;
  }
}

std::string ByteLevelEncode(std::string_view piece) {
  // bytes_to_unicode: printable Latin-1 bytes map to themselves; the other 68 bytes, in order,
  // to U+0100 onwards.
  static const std::vector<std::string> kTable = [] {
    std::vector<std::string> table(256);
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      Append(printable ? b : 256 + extra++, &table[b]);
    }
    return table;
  }();
  std::string out;
  out.reserve(piece.size() * 2);
  for (unsigned char b : piece) out += kTable[b];
  return out;
}

std::vector<std::string_view> Utf8Chars(std::string_view text) {
  std::vector<std::string_view> chars;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    len = std::min(len, text.size() - i);
    chars.push_back(text.substr(i, len));
    i += len;
  }
  return chars;
}

}  // namespace semdex::hf_text
