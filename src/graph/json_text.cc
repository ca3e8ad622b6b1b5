#include "graph/json_text.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

namespace semdex::graph_internal {
namespace {

constexpr int kMaxDepth = 256;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

void JsonReader::Fail() {
  failed_ = true;
  pos_ = text_.size();
}

void JsonReader::SkipSpace() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++pos_;
  }
}

JsonReader::Kind JsonReader::Peek() {
  SkipSpace();
  if (failed_ || pos_ >= text_.size()) return Kind::kInvalid;
  switch (text_[pos_]) {
    case '{':
      return Kind::kObject;
    case '[':
      return Kind::kArray;
    case '"':
      return Kind::kString;
    case 't':
    case 'f':
      return Kind::kBool;
    case 'n':
      return Kind::kNull;
    default:
      break;
  }
  char c = text_[pos_];
  return (c == '-' || (c >= '0' && c <= '9')) ? Kind::kNumber : Kind::kInvalid;
}

bool JsonReader::BeginObject() {
  if (Peek() != Kind::kObject) return false;
  ++pos_;
  return true;
}

bool JsonReader::BeginArray() {
  if (Peek() != Kind::kArray) return false;
  ++pos_;
  return true;
}

bool JsonReader::NextKey(std::string_view* key) {
  SkipSpace();
  if (failed_ || pos_ >= text_.size()) {
    Fail();
    return false;
  }
  if (text_[pos_] == '}') {
    ++pos_;
    return false;
  }
  if (text_[pos_] == ',') {
    ++pos_;
    SkipSpace();
  }
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    Fail();
    return false;
  }
  const size_t start = pos_ + 1;
  if (!SkipString()) return false;
  std::string_view raw = text_.substr(start, pos_ - 1 - start);
  if (raw.find('\\') == std::string_view::npos) {
    *key = raw;
  } else {
    size_t end = pos_;
    pos_ = start - 1;
    key_buffer_.clear();
    DecodeString(&key_buffer_);
    pos_ = end;
    *key = key_buffer_;
  }
  SkipSpace();
  if (pos_ >= text_.size() || text_[pos_] != ':') {
    Fail();
    return false;
  }
  ++pos_;
  return true;
}

bool JsonReader::NextElement() {
  SkipSpace();
  if (failed_ || pos_ >= text_.size()) {
    Fail();
    return false;
  }
  if (text_[pos_] == ']') {
    ++pos_;
    return false;
  }
  if (text_[pos_] == ',') ++pos_;
  return true;
}

// REQUIRES: text_[pos_] == '"'. Leaves pos_ after the closing quote.
bool JsonReader::SkipString() {
  size_t p = pos_ + 1;
  for (;;) {
    const void* hit = std::memchr(text_.data() + p, '"', text_.size() - p);
    if (hit == nullptr) {
      Fail();
      return false;
    }
    size_t q = static_cast<const char*>(hit) - text_.data();
    size_t backslashes = 0;
    while (q - backslashes > p && text_[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) {
      pos_ = q + 1;
      return true;
    }
    p = q + 1;
  }
}

// REQUIRES: text_[pos_] == '"'. Appends the decoded string; leaves pos_ after the closing quote.
void JsonReader::DecodeString(std::string* out) {
  size_t p = pos_ + 1;
  while (p < text_.size()) {
    // Copy the run up to the next quote or escape in one append.
    size_t run = p;
    while (run < text_.size() && text_[run] != '"' && text_[run] != '\\') ++run;
    out->append(text_.data() + p, run - p);
    p = run;
    if (p >= text_.size()) break;
    if (text_[p] == '"') {
      pos_ = p + 1;
      return;
    }
    if (p + 1 >= text_.size()) break;
    char e = text_[p + 1];
    p += 2;
    switch (e) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'u': {
        auto hex4 = [&](size_t at, uint32_t* v) {
          if (at + 4 > text_.size()) return false;
          *v = 0;
          for (size_t i = at; i < at + 4; ++i) {
            int h = HexValue(text_[i]);
            if (h < 0) return false;
            *v = (*v << 4) | static_cast<uint32_t>(h);
          }
          return true;
        };
        uint32_t cp = 0;
        if (!hex4(p, &cp)) {
          Fail();
          return;
        }
        p += 4;
        uint32_t low = 0;
        if (cp >= 0xD800 && cp < 0xDC00 && p + 6 <= text_.size() && text_[p] == '\\' &&
            text_[p + 1] == 'u' && hex4(p + 2, &low) && low >= 0xDC00 && low < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          p += 6;
        } else if (cp >= 0xD800 && cp < 0xE000) {
          cp = 0xFFFD;  // a lone surrogate
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        out->push_back(e);
        break;  // '"', '\\', '/'
    }
  }
  Fail();
}

std::string JsonReader::ReadString() {
  std::string out;
  if (Peek() != Kind::kString) {
    Skip();
    return out;
  }
  DecodeString(&out);
  return out;
}

int64_t JsonReader::ReadInt() {
  if (Peek() != Kind::kNumber) {
    Skip();
    return 0;
  }
  bool negative = text_[pos_] == '-';
  if (negative) ++pos_;
  int64_t value = 0;
  while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    if (value < (INT64_MAX - 9) / 10) value = value * 10 + (text_[pos_] - '0');
    ++pos_;
  }
  // A fraction or exponent is dropped: the fields read as integers are integers.
  while (pos_ < text_.size() && std::strchr(".eE+-0123456789", text_[pos_]) != nullptr) ++pos_;
  return negative ? -value : value;
}

bool JsonReader::ReadBool() {
  if (Peek() != Kind::kBool) {
    Skip();
    return false;
  }
  bool value = text_[pos_] == 't';
  Skip();
  return value;
}

void JsonReader::Skip() { SkipValue(0); }

void JsonReader::SkipValue(int depth) {
  if (depth > kMaxDepth) {
    Fail();
    return;
  }
  switch (Peek()) {
    case Kind::kString:
      SkipString();
      return;
    case Kind::kNumber:
      ++pos_;
      while (pos_ < text_.size() && std::strchr(".eE+-0123456789", text_[pos_]) != nullptr) ++pos_;
      return;
    case Kind::kBool:
    case Kind::kNull: {
      std::string_view rest = text_.substr(pos_);
      for (std::string_view word : {"true", "false", "null"}) {
        if (rest.starts_with(word)) {
          pos_ += word.size();
          return;
        }
      }
      Fail();
      return;
    }
    case Kind::kObject: {
      ++pos_;
      std::string_view key;
      while (NextKey(&key)) SkipValue(depth + 1);
      return;
    }
    case Kind::kArray:
      ++pos_;
      while (NextElement()) SkipValue(depth + 1);
      return;
    case Kind::kInvalid:
      Fail();
      return;
  }
}

namespace {

// True if one of the 8 bytes of `word` is below 0x20, '"' or '\\' (SWAR: the classic
// has-less / has-zero-byte bit tricks).
inline bool NeedsEscape8(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto has_zero = [&](uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
  bool below_space = ((word - kOnes * 0x20) & ~word & kHigh) != 0;
  return below_space || has_zero(word ^ (kOnes * '"')) || has_zero(word ^ (kOnes * '\\'));
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view text) {
  out->reserve(out->size() + text.size() + 2);
  out->push_back('"');
  size_t run = 0;  // start of the pending run of plain bytes
  size_t i = 0;
  while (i < text.size()) {
    if (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (!NeedsEscape8(word)) {
        i += 8;
        continue;
      }
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out->append(text.substr(run, i - run));
    run = ++i;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->append(fmt::format("\\u{:04x}", c));
        break;
    }
  }
  out->append(text.substr(run));
  out->push_back('"');
}

void AppendJsonDouble(std::string* out, double value) {
  if (!std::isfinite(value)) {
    out->push_back('0');
    return;
  }
  out->append(fmt::format("{}", value));
}

}  // namespace semdex::graph_internal
