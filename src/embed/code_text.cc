// PrepareCodeText and SplitIdentifiers: code text -> what the model reads (contracts in embed.h).

#include <string>
#include <string_view>
#include <vector>

#include "embed/embed.h"

namespace semdex {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsLower(c) || IsUpper(c) || IsDigit(c) || c == '_' || c == '$'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// True if a word boundary falls between ident[i - 1] and ident[i] (both letters or digits).
bool BreaksBefore(std::string_view ident, size_t i) {
  char prev = ident[i - 1];
  char cur = ident[i];
  if (IsDigit(prev) != IsDigit(cur)) return true;                     // parse|2, utf|8|proc
  if ((IsLower(prev) || IsDigit(prev)) && IsUpper(cur)) return true;  // get|User
  // HTTP|Server: the last capital of a run starts the next word when a lower-case letter follows.
  return IsUpper(prev) && IsUpper(cur) && i + 1 < ident.size() && IsLower(ident[i + 1]);
}

// Splits one identifier into its words (without separators).
std::vector<std::string_view> Words(std::string_view ident) {
  std::vector<std::string_view> words;
  size_t start = 0;
  for (size_t i = 0; i <= ident.size(); ++i) {
    bool separator = i == ident.size() || ident[i] == '_' || ident[i] == '$';
    if (!separator && (i == start || !BreaksBefore(ident, i))) continue;
    if (i > start) words.push_back(ident.substr(start, i - start));
    start = separator ? i + 1 : i;
  }
  return words;
}

void AppendIdentifier(std::string_view ident, std::string* out) {
  std::vector<std::string_view> words = Words(ident);
  if (words.size() < 2) {
    out->append(ident);
    return;
  }
  for (size_t w = 0; w < words.size(); ++w) {
    if (w > 0) out->push_back(' ');
    for (char c : words[w]) out->push_back(IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c);
  }
}

}  // namespace

std::string SplitIdentifiers(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t i = 0;
  while (i < text.size()) {
    if (!IsIdentChar(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    size_t end = i;
    while (end < text.size() && IsIdentChar(text[end])) ++end;
    std::string_view run = text.substr(i, end - i);
    // A run that starts with a digit is a number (0x1F, 1e9, 42px): left as it is.
    if (IsDigit(run[0])) {
      out.append(run);
    } else {
      AppendIdentifier(run, &out);
    }
    i = end;
  }
  return out;
}

std::string PrepareCodeText(std::string_view text) {
  std::string split = SplitIdentifiers(text);
  std::string out;
  out.reserve(split.size());
  bool pending_space = false;
  for (char c : split) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace semdex
