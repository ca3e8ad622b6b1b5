// ClassifyContent and SkipReasonName: the content checks made once a file has been read.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "scan/scan.h"

namespace semdex {
namespace {

// Binary detection looks at the head of the file only, like git and ripgrep do.
constexpr size_t kBinarySampleBytes = 8 * 1024;
// Text files have almost no control bytes; 30% leaves room for odd escape-heavy text.
constexpr size_t kBinaryControlPercent = 30;

// Minified-content thresholds. Hand-written source averages 30-60 bytes per line, and even a
// file with a few long lines (a data URI, a long regex, a table of strings) keeps its average
// far below 300 bytes. Minifiers and bundlers emit a few huge lines, so both the longest and the
// average line are large. Tiny files are never judged by density.
constexpr size_t kMinifiedMinFileBytes = 2 * 1024;
constexpr size_t kMinifiedLongestLineBytes = 1000;  // and ...
constexpr size_t kMinifiedAverageLineBytes = 300;   // ... both must be exceeded
// One line this long is generated output (an inlined bundle, a wasm blob) whatever the average.
// Set well above the 20-45 KB data strings that real sources embed next to code worth indexing
// (three.js's SMAAPass.js and meshopt_*.module.js carry one such line each).
constexpr size_t kMaxLineBytes = 64 * 1024;

constexpr std::string_view kMinifiedSuffixes[] = {".min.js", ".min.mjs", ".min.cjs", "-min.js"};

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool IsControlByte(unsigned char c) {
  if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') return false;
  return c < 0x20 || c == 0x7F;  // bytes >= 0x80 are UTF-8, not control
}

bool LooksBinary(std::string_view content, std::string* detail) {
  std::string_view sample = content.substr(0, kBinarySampleBytes);
  if (const void* nul = std::memchr(sample.data(), '\0', sample.size())) {
    *detail = fmt::format("NUL byte at offset {}", static_cast<const char*>(nul) - sample.data());
    return true;
  }
  size_t control = static_cast<size_t>(std::count_if(sample.begin(), sample.end(), [](char c) {
    return IsControlByte(static_cast<unsigned char>(c));
  }));
  if (control * 100 <= sample.size() * kBinaryControlPercent) return false;
  *detail = fmt::format("{}% control bytes in the first {} bytes", control * 100 / sample.size(),
                        sample.size());
  return true;
}

bool LooksMinified(std::string_view content, std::string* detail) {
  size_t lines = 0;
  size_t longest = 0;
  for (size_t start = 0; start < content.size(); ++lines) {
    const void* nl = std::memchr(content.data() + start, '\n', content.size() - start);
    size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - content.data()) : content.size();
    longest = std::max(longest, end - start);
    start = end + 1;
  }
  if (lines == 0) return false;
  size_t average = content.size() / lines;
  bool dense = content.size() >= kMinifiedMinFileBytes && longest > kMinifiedLongestLineBytes &&
               average > kMinifiedAverageLineBytes;
  if (!dense && longest <= kMaxLineBytes) return false;
  *detail = fmt::format("longest line {} bytes, average {} bytes/line", longest, average);
  return true;
}

}  // namespace

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kIgnored:
      return "ignored";
    case SkipReason::kNodeModules:
      return "node_modules";
    case SkipReason::kTooLarge:
      return "too_large";
    case SkipReason::kBinary:
      return "binary";
    case SkipReason::kMinified:
      return "minified";
    case SkipReason::kUnreadable:
      return "unreadable";
    case SkipReason::kSymlinkOutside:
      return "symlink_outside";
    case SkipReason::kSymlinkLoop:
      return "symlink_loop";
  }
  return "unknown";
}

std::optional<SkipReason> ClassifyContent(std::string_view path, std::string_view content,
                                          std::string* detail) {
  if (LooksBinary(content, detail)) return SkipReason::kBinary;
  std::string_view base = BaseName(path);
  for (std::string_view suffix : kMinifiedSuffixes) {
    if (base.ends_with(suffix) && base.size() > suffix.size()) {
      *detail = fmt::format("file name ends with {}", suffix);
      return SkipReason::kMinified;
    }
  }
  if (LooksMinified(content, detail)) return SkipReason::kMinified;
  return std::nullopt;
}

}  // namespace semdex
