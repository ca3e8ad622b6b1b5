// json_text: a forward-only JSON reader and an escaping writer, internal to src/graph/.
//
// The graph reads every chunk's metadata (tens of MB on a large repository) but needs a few
// fields of it; a DOM parse costs more than the whole graph build. JsonReader walks the text
// once, decodes only the strings asked for and skips the rest with memchr.
//
// Thread-compatible: a JsonReader is a cursor over text it does not own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace semdex::graph_internal {

// Reads one JSON value. Malformed text never crashes: the reader turns failed, after which
// every read returns a default value and every loop (NextKey, NextElement) ends.
//
//   JsonReader r(text);
//   std::string_view key;
//   if (r.BeginObject())
//     while (r.NextKey(&key)) { if (key == "line") line = r.ReadInt(); else r.Skip(); }
//
// Each value must be consumed (read or skipped) before the next NextKey / NextElement. The
// reader is lenient about commas between members (it needs no container stack).
class JsonReader {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject, kInvalid };

  explicit JsonReader(std::string_view text) : text_(text) {}

  bool failed() const { return failed_; }
  // Byte offset of the next value (whitespace skipped): with two offsets, a caller can keep a
  // value's raw text.
  size_t Offset() {
    SkipSpace();
    return pos_;
  }
  // The kind of the next value, without consuming it.
  Kind Peek();

  // Consume '{' / '['; false (and nothing consumed) if the next value is not one.
  bool BeginObject();
  bool BeginArray();
  // The next key of the current object, positioned at its value; false at the closing '}',
  // which is consumed. Keys with escapes are decoded into internal storage: *key stays valid
  // until the next call.
  bool NextKey(std::string_view* key);
  // True if the current array has another element (positioned at it); false at ']' (consumed).
  bool NextElement();

  // Typed reads; a value of another kind is skipped and the default returned.
  std::string ReadString();
  int64_t ReadInt();
  bool ReadBool();
  void Skip();

 private:
  void SkipSpace();
  void Fail();
  bool SkipString();
  void DecodeString(std::string* out);
  void SkipValue(int depth);

  std::string_view text_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string key_buffer_;
};

// Appends `text` as a JSON string literal (quoted, escaped) to `out`. Invalid UTF-8 is copied
// as is: graph inputs come from the store, which holds valid UTF-8.
void AppendJsonString(std::string* out, std::string_view text);

// Appends a double in JSON syntax (finite; "0" for NaN and infinities).
void AppendJsonDouble(std::string* out, double value);

}  // namespace semdex::graph_internal
