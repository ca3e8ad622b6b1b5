// PathGlobMatches: the --path filter.
#include "search/search.h"

namespace semdex {
namespace {

// Matches a [...] class at glob[gi] against c; sets *next to the index after the class.
// A class without its closing ']' is a literal '['.
bool MatchClass(std::string_view glob, size_t gi, char c, size_t* next, bool* is_class) {
  size_t i = gi + 1;
  bool negate = i < glob.size() && (glob[i] == '!' || glob[i] == '^');
  if (negate) ++i;
  const size_t body = i;
  bool matched = false;
  for (; i < glob.size() && (glob[i] != ']' || i == body); ++i) {
    if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
      if (c >= glob[i] && c <= glob[i + 2]) matched = true;
      i += 2;
    } else if (glob[i] == c) {
      matched = true;
    }
  }
  if (i >= glob.size()) {  // unterminated: a literal '['
    *is_class = false;
    *next = gi + 1;
    return c == '[';
  }
  *is_class = true;
  *next = i + 1;
  return c != '/' && matched != negate;
}

bool Match(std::string_view glob, size_t gi, std::string_view path, size_t pi) {
  while (gi < glob.size()) {
    const char g = glob[gi];
    if (g == '*') {
      const bool globstar = gi + 1 < glob.size() && glob[gi + 1] == '*';
      size_t rest = gi + (globstar ? 2 : 1);
      // "**/" also matches no directory at all.
      if (globstar && rest < glob.size() && glob[rest] == '/' && Match(glob, rest + 1, path, pi)) {
        return true;
      }
      for (size_t end = pi;; ++end) {
        if (Match(glob, rest, path, end)) return true;
        if (end == path.size() || (!globstar && path[end] == '/')) return false;
      }
    }
    if (pi == path.size()) return false;
    if (g == '?') {
      if (path[pi] == '/') return false;
      ++gi;
      ++pi;
      continue;
    }
    if (g == '[') {
      size_t next = 0;
      bool is_class = false;
      if (!MatchClass(glob, gi, path[pi], &next, &is_class)) return false;
      gi = next;
      ++pi;
      continue;
    }
    if (g != path[pi]) return false;
    ++gi;
    ++pi;
  }
  return pi == path.size();
}

}  // namespace

bool PathGlobMatches(std::string_view glob, std::string_view path) {
  if (Match(glob, 0, path, 0)) return true;
  if (glob.find('/') != std::string_view::npos) return false;
  const size_t slash = path.rfind('/');
  return slash != std::string_view::npos && Match(glob, 0, path.substr(slash + 1), 0);
}

}  // namespace semdex
