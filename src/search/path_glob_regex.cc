// PathGlobRegex: the --path glob as a regular expression a database can apply (PostgreSQL's `~`),
// for server-side vector search. Hand-written: it must mean exactly what PathGlobMatches means
// (path_glob.cc), which no library's glob does; tests/pg checks the two agree on the server.
#include <string>

#include "search/search_internal.h"
#include "util/util.h"

namespace semdex::search_internal {
namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsAsciiClassMember(char c) { return IsAsciiAlnum(c) || c == '_' || c == '.' || c == '-'; }

// Appends the regex of glob[gi..] up to its end; `last_component`: the path's last component is
// matched ('/' cannot occur, so `**` means `*`). False when the glob has a part a character-based
// regex cannot mean as PathGlobMatches does byte by byte (see PathGlobRegex).
bool AppendRegex(std::string_view glob, bool last_component, std::string* out) {
  for (size_t gi = 0; gi < glob.size();) {
    const char g = glob[gi];
    if (g == '*') {
      const bool globstar = gi + 1 < glob.size() && glob[gi + 1] == '*';
      if (!globstar || last_component) {
        out->append("[^/]*");
        gi += globstar ? 2 : 1;
      } else if (gi + 2 < glob.size() && glob[gi + 2] == '/') {
        out->append("(.*/)?");  // "**/" also matches no directory at all
        gi += 3;
      } else {
        out->append(".*");
        gi += 2;
      }
      continue;
    }
    if (g == '?') return false;  // one byte there, one character here: differ on UTF-8 paths
    if (g == '[') {
      // Only a plain class of ASCII letters, digits, '_', '.', '-' and ranges of them: one ASCII
      // byte both ways. A negated class ([!a]) would take a multi-byte character whole.
      size_t i = gi + 1;
      if (i < glob.size() && (glob[i] == '!' || glob[i] == '^')) return false;
      std::string ranges;   // "a-z0-9": alphanumeric ends only
      std::string singles;  // the other members, '-' left out
      bool dash = false;
      const size_t body = i;
      for (; i < glob.size() && (glob[i] != ']' || i == body); ++i) {
        if (!IsAsciiClassMember(glob[i])) return false;
        if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
          if (!IsAsciiAlnum(glob[i]) || !IsAsciiAlnum(glob[i + 2]) || glob[i] > glob[i + 2]) {
            return false;
          }
          ranges += glob.substr(i, 3);
          i += 2;
        } else if (glob[i] == '-') {
          dash = true;
        } else {
          singles.push_back(glob[i]);
        }
      }
      if (i >= glob.size()) return false;  // unterminated: a literal '['; rare enough
      // A '-' last in a bracket expression is literal.
      out->append("[" + ranges + singles + (dash ? "-" : "") + "]");
      gi = i + 1;
      continue;
    }
    // A literal: ASCII letters and digits as they are, other ASCII escaped, UTF-8 as it is.
    const unsigned char u = static_cast<unsigned char>(g);
    if (u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
        g == '/' || g == '_' || g == '-') {
      out->push_back(g);
    } else if (u < 0x20 || u == 0x7f) {
      return false;
    } else {
      out->push_back('\\');
      out->push_back(g);
    }
    ++gi;
  }
  return true;
}

}  // namespace

std::optional<std::string> PathGlobRegex(std::string_view glob) {
  if (glob.empty() || !IsValidUtf8(glob)) return std::nullopt;
  std::string whole;
  if (!AppendRegex(glob, /*last_component=*/false, &whole)) return std::nullopt;
  if (glob.find('/') != std::string_view::npos) return "^(" + whole + ")$";
  std::string last;
  if (!AppendRegex(glob, /*last_component=*/true, &last)) return std::nullopt;
  return "^(" + whole + "|.*/" + last + ")$";
}

}  // namespace semdex::search_internal
