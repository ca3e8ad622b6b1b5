#include "util/util.h"

#include <fmt/format.h>
#include <utf8proc.h>
#include <xxhash.h>

#include <array>

namespace semdex {

std::string Status::ToString() const {
  static constexpr std::array<const char*, 9> kNames = {
      "OK",          "invalid argument", "not found",
      "I/O error",   "parse error",      "database error",
      "unsupported", "cancelled",        "internal error"};
  if (ok()) return "OK";
  return fmt::format("{}: {}", kNames[static_cast<size_t>(code_)], message_);
}

std::string_view LanguageName(Language lang) {
  switch (lang) {
    case Language::kTypeScript:
    case Language::kTsx:
      return "typescript";
    case Language::kJavaScript:
      return "javascript";
    case Language::kPython:
      return "python";
  }
  return "unknown";
}

std::optional<Language> LanguageForPath(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::string_view ext = base.substr(dot);
  if (ext == ".ts" || ext == ".mts" || ext == ".cts") return Language::kTypeScript;
  if (ext == ".tsx") return Language::kTsx;
  if (ext == ".js" || ext == ".jsx" || ext == ".mjs" || ext == ".cjs") return Language::kJavaScript;
  if (ext == ".py") return Language::kPython;
  return std::nullopt;
}

std::string Xxh3Hex(std::string_view bytes) {
  return fmt::format("{:016x}", XXH3_64bits(bytes.data(), bytes.size()));
}

std::string Xxh3Hex128(std::string_view bytes) {
  XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    if (*p < 0x80) {  // ASCII fast path
      ++p;
      --left;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n < 0) return false;
    p += n;
    left -= n;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    if (*p < 0x80) {
      out.push_back(static_cast<char>(*p));
      ++p;
      --left;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n < 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD; skip one byte and resynchronise
      ++p;
      --left;
      continue;
    }
    out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    p += n;
    left -= n;
  }
  return out;
}

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Back up over continuation bytes (10xxxxxx) so we cut at a character boundary.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

}  // namespace semdex
