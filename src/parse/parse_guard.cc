// A guard against inputs that corrupt tree-sitter 0.20.7's heap (see parse_internal.h): a light
// lexer estimates how tall the parse stack can grow.
//
// The estimate counts, per nesting level (bracket, template `${`, Python indented block), the
// tokens not yet closed by a boundary (`;`, `,`, the end of a statement line, the closing
// bracket), and sums the levels. Comments count as tokens and close nothing: tree-sitter keeps
// them on the stack until the next reduction takes them in. It overestimates what the parser
// keeps; what it misses are only constructs no real file has thousands of in a row (a chain of
// prefix operators split over lines, f-string interpolations nested inside each other).
#include <algorithm>

#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

class StackEstimate {
 public:
  void Token() {
    ++run_;
    Update();
  }
  // A statement or list element ended: its tokens were reduced to one node.
  void Boundary() { run_ = 0; }
  void Open() {
    ++run_;
    levels_.push_back(run_);
    saved_ += run_;
    run_ = 0;
    Update();
  }
  // The bracket's contents and its opener reduce to one node at the outer level.
  void Close() {
    if (levels_.empty()) {
      Token();
      return;
    }
    run_ = levels_.back();
    saved_ -= run_;
    levels_.pop_back();
  }
  size_t peak() const { return peak_; }

 private:
  void Update() { peak_ = std::max(peak_, saved_ + run_ + levels_.size()); }

  std::vector<size_t> levels_;  // tokens pending at each outer level
  size_t saved_ = 0;            // sum of levels_
  size_t run_ = 0;              // tokens pending at the current level
  size_t peak_ = 0;
};

bool IsIdentChar(char c) {
  // ASCII letters and digits spelled out: std::isalnum is a library call per byte.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// Index just past a quoted string starting at `i` (the quote); stops at an unescaped newline.
size_t SkipQuoted(std::string_view s, size_t i) {
  char quote = s[i++];
  while (i < s.size() && s[i] != quote && s[i] != '\n') i += s[i] == '\\' ? 2 : 1;
  return std::min(i + 1, s.size());
}

size_t SkipPast(std::string_view s, size_t i, std::string_view end) {
  size_t at = s.find(end, i);
  return at == std::string_view::npos ? s.size() : at + end.size();
}

// Index of the newline ending the line that holds `i`, or the end of `s`.
size_t LineEnd(std::string_view s, size_t i) {
  size_t at = s.find('\n', i);
  return at == std::string_view::npos ? s.size() : at;
}

// Keywords after which `/` starts a regex and a line break does not end the statement.
bool IsOperatorKeyword(std::string_view word) {
  static constexpr std::string_view kWords[] = {
      "return", "typeof", "instanceof", "in",   "of",    "new",   "delete", "void",
      "throw",  "case",   "do",         "else", "await", "yield", "extends"};
  return std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords);
}

// A regex literal starting at `i` (the '/'): to the closing '/' outside a class, then flags.
size_t SkipRegex(std::string_view s, size_t i) {
  bool in_class = false;
  for (++i; i < s.size() && s[i] != '\n'; ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      in_class = true;
    } else if (c == ']') {
      in_class = false;
    } else if (c == '/' && !in_class) {
      ++i;
      break;
    }
  }
  while (i < s.size() && IsIdentChar(s[i])) ++i;
  return i;
}

size_t EstimateJs(std::string_view s) {
  StackEstimate est;
  std::vector<char> modes;  // '(' '[' '{' brackets, '$' template expression, '`' template text
  bool operand = false;     // the last token ends an operand (a following '/' divides)
  bool line_has_code = false;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (!modes.empty() && modes.back() == '`') {  // template text
      if (c == '\\') {
        i += 2;
      } else if (c == '`') {
        modes.pop_back();
        est.Token();
        operand = true;
        ++i;
      } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '{') {
        modes.push_back('$');
        est.Open();
        i += 2;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '\n') {
      if (line_has_code && operand) est.Boundary();  // where automatic `;` insertion can apply
      line_has_code = false;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && (s[i + 1] == '/' || s[i + 1] == '*')) {
      i = s[i + 1] == '/' ? LineEnd(s, i) : SkipPast(s, i + 2, "*/");
      est.Token();
      continue;
    }
    line_has_code = true;
    if (c == '\'' || c == '"') {
      i = SkipQuoted(s, i);
      est.Token();
      operand = true;
    } else if (c == '`') {
      modes.push_back('`');
      ++i;
    } else if (IsIdentChar(c)) {
      size_t start = i;
      while (i < s.size() && IsIdentChar(s[i])) ++i;
      est.Token();
      operand = !IsOperatorKeyword(s.substr(start, i - start));
    } else if (c == '(' || c == '[' || c == '{') {
      modes.push_back(c);
      est.Open();
      operand = false;
      ++i;
    } else if (c == ')' || c == ']' || c == '}') {
      if (!modes.empty()) modes.pop_back();
      est.Close();
      operand = true;
      ++i;
    } else if (c == ';' || c == ',') {
      est.Boundary();
      operand = false;
      ++i;
    } else if (c == '/' && !operand) {
      i = SkipRegex(s, i);
      est.Token();
      operand = true;
    } else {
      est.Token();
      operand = false;
      ++i;
    }
  }
  return est.peak();
}

// Python: brackets and indented blocks nest; a line at bracket depth 0 ends a statement.
size_t EstimatePython(std::string_view s) {
  StackEstimate est;
  std::vector<size_t> indents = {0};
  size_t brackets = 0;
  bool at_line_start = true;
  size_t i = 0;
  while (i < s.size()) {
    if (at_line_start && brackets == 0) {
      size_t width = 0;
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
        width = s[i] == '\t' ? (width / 8 + 1) * 8 : width + 1;
        ++i;
      }
      at_line_start = false;
      if (i >= s.size() || s[i] == '\n' || s[i] == '\r' || s[i] == '#') continue;  // no code
      if (width > indents.back()) {
        indents.push_back(width);
        est.Open();  // the block: the header's tokens stay until it ends
      } else {
        est.Boundary();
        while (indents.size() > 1 && width < indents.back()) {
          indents.pop_back();
          est.Close();
          est.Boundary();
        }
      }
    }
    char c = s[i];
    if (c == '\n') {
      at_line_start = true;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '\\' && i + 1 < s.size() && s[i + 1] == '\n') {
      i += 2;  // line continuation
    } else if (c == '#') {
      i = LineEnd(s, i);
      est.Token();
    } else if (c == '\'' || c == '"') {
      bool triple = i + 2 < s.size() && s[i + 1] == c && s[i + 2] == c;
      i = triple ? SkipPast(s, i + 3, std::string(3, c)) : SkipQuoted(s, i);
      est.Token();
    } else if (IsIdentChar(c)) {
      while (i < s.size() && IsIdentChar(s[i])) ++i;  // a string prefix is lexed next
      est.Token();
    } else if (c == '(' || c == '[' || c == '{') {
      ++brackets;
      est.Open();
      ++i;
    } else if (c == ')' || c == ']' || c == '}') {
      if (brackets > 0) --brackets;
      est.Close();
      ++i;
    } else if (c == ';' || c == ',') {
      est.Boundary();
      ++i;
    } else {
      est.Token();
      ++i;
    }
  }
  return est.peak();
}

}  // namespace

size_t EstimateParseStackPeak(std::string_view source, Language language) {
  return language == Language::kPython ? EstimatePython(source) : EstimateJs(source);
}

}  // namespace semdex::parse_internal
