// util: small value types and helpers shared by every stage (Status, Language, hashing, text).
// Everything here is thread-compatible: plain values and pure functions, no global state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace semdex {

// The outcome of an operation that can fail. Errors travel as values, not exceptions; the
// message names what failed and why (a file path, a database, a flag).
class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,
    kNotFound,
    kIoError,
    kParseError,
    kDatabaseError,
    kUnsupported,
    kCancelled,
    kInternal
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status IoError(std::string msg) { return {Code::kIoError, std::move(msg)}; }
  static Status ParseError(std::string msg) { return {Code::kParseError, std::move(msg)}; }
  static Status DatabaseError(std::string msg) { return {Code::kDatabaseError, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {Code::kUnsupported, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {Code::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Source languages semdex indexes. kTsx selects the TSX grammar; it reports as "typescript".
enum class Language { kTypeScript, kTsx, kJavaScript, kPython };

// "typescript", "javascript" or "python": the value stored in code_chunks.language.
std::string_view LanguageName(Language lang);

// The language for a path's extension (.ts .tsx .mts .cts .js .jsx .mjs .cjs .py), or nullopt.
std::optional<Language> LanguageForPath(std::string_view path);

// xxh3-64 of bytes, as 16 lowercase hex digits.
std::string Xxh3Hex(std::string_view bytes);

// xxh3-128 of bytes, as 32 lowercase hex digits (stable ids).
std::string Xxh3Hex128(std::string_view bytes);

// Returns true if `text` is valid UTF-8.
bool IsValidUtf8(std::string_view text);

// Copies `text`, replacing each invalid UTF-8 sequence with U+FFFD. Newlines are preserved, so
// line numbers of the result match the input's.
std::string SanitizeUtf8(std::string_view text);

// Truncates `text` to at most `max_bytes` bytes at a UTF-8 character boundary, appending "..."
// when it cut something.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace semdex
