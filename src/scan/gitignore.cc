// GitignoreMatcher: git's ignore-file semantics (gitignore(5) and git's wildmatch).
//
// Hand-written on purpose: no C++ library packaged for Debian implements gitignore matching
// (fnmatch(3) has no `**`, and none of them know git's anchoring, directory-only patterns or
// precedence across nested files). Globs are compiled once into tokens and matched with a
// position-set simulation, O(pattern x path), so no pattern can make matching exponential.
#include <array>
#include <bitset>
#include <cctype>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scan/scan.h"

namespace semdex {
namespace {

enum class TokenKind : uint8_t {
  kLiteral,        // one byte
  kAnyByte,        // '?': any byte but '/'
  kClass,          // '[...]': one byte of a set; never '/'
  kStar,           // '*': any run of bytes without '/'
  kStarStar,       // '**' as the last whole component: anything, '/' included
  kStarStarSlash,  // '**/' as a whole component: zero or more whole directories
};

struct Token {
  TokenKind kind = TokenKind::kLiteral;
  unsigned char byte = 0;  // kLiteral
  size_t class_index = 0;  // kClass: index into CompiledGlob::classes
};

struct CompiledGlob {
  std::vector<Token> tokens;
  std::vector<std::bitset<256>> classes;
};

using ByteSet = std::bitset<256>;

void AddRange(ByteSet* set, unsigned char lo, unsigned char hi) {
  for (unsigned c = lo; c <= hi; ++c) set->set(c);  // lo > hi adds nothing, as in git
}

// Adds a POSIX class ("alpha", "digit", ...) to `set`; false for an unknown name.
bool AddPosixClass(std::string_view name, ByteSet* set) {
  using Pred = int (*)(int);
  static constexpr std::array<std::pair<std::string_view, Pred>, 12> kClasses = {{
      {"alnum", isalnum},
      {"alpha", isalpha},
      {"blank", isblank},
      {"cntrl", iscntrl},
      {"digit", isdigit},
      {"graph", isgraph},
      {"lower", islower},
      {"print", isprint},
      {"punct", ispunct},
      {"space", isspace},
      {"upper", isupper},
      {"xdigit", isxdigit},
  }};
  for (const auto& [class_name, pred] : kClasses) {
    if (class_name != name) continue;
    for (int c = 0; c < 128; ++c) {
      if (pred(c)) set->set(static_cast<size_t>(c));
    }
    return true;
  }
  return false;
}

// Parses the bracket expression starting at glob[*pos] == '['. On success leaves *pos after the
// closing ']'. Returns false for an unterminated class or an unknown [:name:] (git then never
// matches the pattern).
bool ParseClass(std::string_view glob, size_t* pos, ByteSet* set) {
  size_t i = *pos + 1;
  bool negated = i < glob.size() && (glob[i] == '!' || glob[i] == '^');
  if (negated) ++i;
  bool first = true;  // a ']' right after '[' or '[!' is a literal
  for (;; first = false) {
    if (i >= glob.size()) return false;
    unsigned char c = static_cast<unsigned char>(glob[i]);
    if (c == ']' && !first) break;
    if (c == '[' && i + 1 < glob.size() && glob[i + 1] == ':') {
      size_t close = glob.find(":]", i + 2);
      if (close != std::string_view::npos) {
        if (!AddPosixClass(glob.substr(i + 2, close - i - 2), set)) return false;
        i = close + 2;
        continue;
      }
    }
    if (c == '\\') {
      if (++i >= glob.size()) return false;
      c = static_cast<unsigned char>(glob[i]);
    }
    ++i;
    if (i + 1 < glob.size() && glob[i] == '-' && glob[i + 1] != ']') {
      i += 1;
      if (glob[i] == '\\' && ++i >= glob.size()) return false;
      AddRange(set, c, static_cast<unsigned char>(glob[i]));
      ++i;
    } else {
      set->set(c);
    }
  }
  if (negated) set->flip();
  set->reset('/');  // wildcards never match a '/'
  *pos = i + 1;
  return true;
}

// Handles a run of '*' starting at glob[*pos]. "**" is special only as a whole path component,
// as in git; anywhere else a run of stars is one '*'.
Token ParseStars(std::string_view glob, size_t* pos) {
  size_t start = *pos;
  size_t end = start;
  while (end < glob.size() && glob[end] == '*') ++end;
  *pos = end;
  bool whole_component = end - start >= 2 && (start == 0 || glob[start - 1] == '/');
  if (whole_component && end == glob.size()) return {TokenKind::kStarStar};
  if (whole_component && glob[end] == '/') {
    *pos = end + 1;
    return {TokenKind::kStarStarSlash};
  }
  return {TokenKind::kStar};
}

// Compiles a glob; false when it is malformed (git never matches such a pattern).
bool CompileGlob(std::string_view glob, CompiledGlob* out) {
  size_t i = 0;
  while (i < glob.size()) {
    char c = glob[i];
    if (c == '*') {
      out->tokens.push_back(ParseStars(glob, &i));
    } else if (c == '?') {
      out->tokens.push_back({TokenKind::kAnyByte});
      ++i;
    } else if (c == '[') {
      ByteSet set;
      if (!ParseClass(glob, &i, &set)) return false;
      out->tokens.push_back({TokenKind::kClass, 0, out->classes.size()});
      out->classes.push_back(set);
    } else {
      if (c == '\\') {
        if (++i >= glob.size()) return false;  // a trailing backslash escapes nothing
        c = glob[i];
      }
      out->tokens.push_back({TokenKind::kLiteral, static_cast<unsigned char>(c)});
      ++i;
    }
  }
  return true;
}

// Advances the set of reachable text positions `cur` over one token into `next`.
void Step(const CompiledGlob& glob, const Token& t, std::string_view text,
          const std::vector<char>& cur, std::vector<char>* next) {
  const size_t n = text.size();
  auto byte = [&](size_t j) { return static_cast<unsigned char>(text[j]); };
  bool run = false;
  for (size_t j = 0; j <= n; ++j) {
    switch (t.kind) {
      case TokenKind::kLiteral:
        if (cur[j] && j < n && byte(j) == t.byte) (*next)[j + 1] = 1;
        break;
      case TokenKind::kAnyByte:
        if (cur[j] && j < n && text[j] != '/') (*next)[j + 1] = 1;
        break;
      case TokenKind::kClass:
        if (cur[j] && j < n && glob.classes[t.class_index].test(byte(j))) (*next)[j + 1] = 1;
        break;
      case TokenKind::kStar:  // extends until the next '/'
        run = run || cur[j];
        (*next)[j] = run;
        if (j < n && text[j] == '/') run = false;
        break;
      case TokenKind::kStarStar:  // everything from the first reachable position
        run = run || cur[j];
        (*next)[j] = run;
        break;
      case TokenKind::kStarStarSlash:  // stays put, or ends just after any later '/'
        if (cur[j]) (*next)[j] = 1;
        run = run || cur[j];
        if (run && j < n && text[j] == '/') (*next)[j + 1] = 1;
        break;
    }
  }
}

bool GlobMatches(const CompiledGlob& glob, std::string_view text) {
  std::vector<char> cur(text.size() + 1, 0);
  std::vector<char> next(text.size() + 1, 0);
  cur[0] = 1;
  for (const Token& t : glob.tokens) {
    std::fill(next.begin(), next.end(), 0);
    Step(glob, t, text, cur, &next);
    cur.swap(next);
  }
  return cur[text.size()] != 0;
}

struct Pattern {
  CompiledGlob glob;
  bool negated = false;   // "!pattern": re-includes
  bool dir_only = false;  // "pattern/": directories only
  bool anchored = false;  // had a '/' before its end: relative to its file's directory
  std::string detail;     // "<source>:<line>: <line text>"
};

// Git's rule: trailing spaces are dropped unless escaped with a backslash ("\ " keeps one).
std::string_view TrimTrailingSpaces(std::string_view line) {
  size_t keep = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;  // the escaped byte is kept, whatever it is
      keep = std::min(i + 1, line.size());
    } else if (line[i] != ' ') {
      keep = i + 1;
    }
  }
  return line.substr(0, keep);
}

// Parses one line; false for blank lines, comments and patterns that can never match.
bool ParseLine(std::string_view line, Pattern* out) {
  line = TrimTrailingSpaces(line);
  if (line.empty() || line[0] == '#') return false;
  std::string_view body = line;
  if (body[0] == '!') {
    out->negated = true;
    body.remove_prefix(1);
  }
  if (!body.empty() && body.back() == '/') {
    out->dir_only = true;
    body.remove_suffix(1);
  }
  out->anchored = body.find('/') != std::string_view::npos;
  if (!body.empty() && body[0] == '/') body.remove_prefix(1);
  if (body.empty()) return false;
  return CompileGlob(body, &out->glob);
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct GitignoreMatcher::Impl {
  // Patterns per directory, in file then line order; later entries win.
  std::unordered_map<std::string, std::vector<Pattern>, StringHash, std::equal_to<>> by_dir;
};

GitignoreMatcher::GitignoreMatcher() : impl_(std::make_unique<Impl>()) {}
GitignoreMatcher::~GitignoreMatcher() = default;
GitignoreMatcher::GitignoreMatcher(GitignoreMatcher&&) noexcept = default;
GitignoreMatcher& GitignoreMatcher::operator=(GitignoreMatcher&&) noexcept = default;

void GitignoreMatcher::AddPatterns(std::string_view dir, std::string_view contents,
                                   std::string_view source) {
  if (contents.starts_with("\xEF\xBB\xBF")) contents.remove_prefix(3);  // git skips a BOM
  std::vector<Pattern>& patterns = impl_->by_dir[std::string(dir)];
  int line_number = 0;
  while (!contents.empty()) {
    size_t eol = contents.find('\n');
    std::string_view line = contents.substr(0, eol);
    contents.remove_prefix(eol == std::string_view::npos ? contents.size() : eol + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
    Pattern p;
    if (!ParseLine(line, &p)) continue;
    p.detail = std::string(source) + ":" + std::to_string(line_number) + ": " +
               std::string(TrimTrailingSpaces(line));
    patterns.push_back(std::move(p));
  }
}

GitignoreMatcher::Match GitignoreMatcher::Decide(std::string_view path, bool is_dir) const {
  size_t last_slash = path.rfind('/');
  std::string_view base = last_slash == std::string_view::npos ? path : path.substr(last_slash + 1);
  std::string_view dir = last_slash == std::string_view::npos ? "" : path.substr(0, last_slash);
  // Deepest directory first; within a directory the last matching line decides.
  for (;;) {
    auto it = impl_->by_dir.find(dir);
    if (it != impl_->by_dir.end()) {
      std::string_view relative = dir.empty() ? path : path.substr(dir.size() + 1);
      for (auto p = it->second.rbegin(); p != it->second.rend(); ++p) {
        if (p->dir_only && !is_dir) continue;
        if (GlobMatches(p->glob, p->anchored ? relative : base)) return {!p->negated, p->detail};
      }
    }
    if (dir.empty()) break;
    size_t up = dir.rfind('/');
    dir = up == std::string_view::npos ? "" : dir.substr(0, up);
  }
  return {};
}

}  // namespace semdex
