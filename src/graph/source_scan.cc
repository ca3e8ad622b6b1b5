// What the graph reads from a chunk's source text, with a small tokenizer (no syntax tree):
//  - locals: names a function body declares (var/let/const incl. destructuring, function and
//    class declarations, catch parameters, parameters of nested functions and arrows). A call
//    to such a name is local and never linked to a same-named symbol elsewhere. Over-counting
//    is safe (a call stays unresolved); under-counting would risk a wrong edge.
//  - cognitive complexity, approximating SonarSource's definition: +1 (+ nesting) for if,
//    switch, for, while, do, catch, ?:; +1 for else / else if, each run of like logical
//    operators (&& || ??) and labelled break/continue. Nesting grows inside the bodies of those
//    structures and of nested functions. Not counted: recursion, bodies without braces. The
//    parser has the syntax tree and could compute it exactly; until it does, this is the value.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

enum class Tok : uint8_t { kIdent, kPunct, kValue };

// Keywords the passes act on; kOther: any other reserved word (never a binding or callee).
enum class Kw : uint8_t {
  kNone,
  kIf,
  kElse,
  kFor,
  kWhile,
  kDo,
  kSwitch,
  kCatch,
  kBreak,
  kContinue,
  kFunction,
  kClass,
  kConst,
  kLet,
  kVar,
  kThis,
  kSuper,
  kOther
};

constexpr size_t kNoMatch = static_cast<size_t>(-1);

// Fewer symbols than this are scanned on the calling thread alone: starting a thread costs
// more than scanning them.
constexpr size_t kMinSymbolsForTwoParts = 1024;

struct Token {
  Tok type;
  Kw kw = Kw::kNone;
  std::string_view text;
  size_t match = kNoMatch;  // brackets: index of the matching bracket
};

// Character classes: 1 identifier start, 2 identifier part, 4 space.
constexpr std::array<uint8_t, 256> kCharClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
    if (alpha || c == '#') t[c] |= 1;
    if (alpha || (c >= '0' && c <= '9')) t[c] |= 2;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') t[c] |= 4;
  }
  return t;
}();

bool IsIdentStart(unsigned char c) { return (kCharClass[c] & 1) != 0; }
bool IsIdentChar(unsigned char c) { return (kCharClass[c] & 2) != 0; }

// Reserved words, by length then spelling (a switch: this runs for every identifier).
Kw Classify(std::string_view w) {
  struct Word {
    std::string_view text;
    Kw kw;
  };
  static constexpr Word k2[] = {
      {"if", Kw::kIf}, {"do", Kw::kDo}, {"in", Kw::kOther}, {"of", Kw::kOther}, {"as", Kw::kOther}};
  static constexpr Word k3[] = {{"for", Kw::kFor},   {"let", Kw::kLet},   {"var", Kw::kVar},
                                {"try", Kw::kOther}, {"new", Kw::kOther}, {"get", Kw::kOther},
                                {"set", Kw::kOther}};
  static constexpr Word k4[] = {{"else", Kw::kElse},  {"this", Kw::kThis},  {"case", Kw::kOther},
                                {"void", Kw::kOther}, {"null", Kw::kOther}, {"true", Kw::kOther}};
  static constexpr Word k5[] = {
      {"while", Kw::kWhile}, {"catch", Kw::kCatch}, {"break", Kw::kBreak}, {"class", Kw::kClass},
      {"const", Kw::kConst}, {"super", Kw::kSuper}, {"throw", Kw::kOther}, {"yield", Kw::kOther},
      {"await", Kw::kOther}, {"async", Kw::kOther}, {"false", Kw::kOther}, {"keyof", Kw::kOther}};
  static constexpr Word k6[] = {{"switch", Kw::kSwitch}, {"return", Kw::kOther},
                                {"delete", Kw::kOther},  {"typeof", Kw::kOther},
                                {"import", Kw::kOther},  {"export", Kw::kOther},
                                {"static", Kw::kOther}};
  static constexpr Word k7[] = {
      {"default", Kw::kOther}, {"finally", Kw::kOther}, {"extends", Kw::kOther}};
  static constexpr Word k8[] = {{"continue", Kw::kContinue}, {"function", Kw::kFunction}};
  static constexpr Word k9[] = {{"undefined", Kw::kOther}, {"satisfies", Kw::kOther}};
  static constexpr Word k10[] = {{"instanceof", Kw::kOther}};
  auto find = [&](const auto& words) {
    for (const Word& word : words) {
      if (word.text == w) return word.kw;
    }
    return Kw::kNone;
  };
  if (w[0] < 'a' || w[0] > 'y') return Kw::kNone;
  switch (w.size()) {
    case 2:
      return find(k2);
    case 3:
      return find(k3);
    case 4:
      return find(k4);
    case 5:
      return find(k5);
    case 6:
      return find(k6);
    case 7:
      return find(k7);
    case 8:
      return find(k8);
    case 9:
      return find(k9);
    case 10:
      return find(k10);
    default:
      return Kw::kNone;
  }
}

bool IsKeyword(const Token& t) { return t.kw != Kw::kNone; }

// Multi-character operators the passes look at; everything else is one character.
size_t OperatorLength(std::string_view s, size_t i) {
  const char c = s[i];
  const char d = i + 1 < s.size() ? s[i + 1] : '\0';
  const char e = i + 2 < s.size() ? s[i + 2] : '\0';
  switch (c) {
    case '=':
      return d == '>' ? 2 : d == '=' ? (e == '=' ? 3 : 2) : 1;
    case '!':
      return d == '=' ? (e == '=' ? 3 : 2) : 1;
    case '.':
      return d == '.' && e == '.' ? 3 : 1;
    case '?':
      return d == '.' || d == '?' ? 2 : 1;
    case '&':
      return d == '&' ? 2 : 1;
    case '|':
      return d == '|' ? 2 : 1;
    case '<':
    case '>':
      return d == '=' ? 2 : 1;
    default:
      return 1;
  }
}

// Splits source into identifiers, punctuation and opaque values (strings, templates, regexes,
// numbers), dropping comments, and matches brackets.
void Tokenize(std::string_view s, std::vector<Token>* tokens, std::vector<size_t>* stack) {
  std::vector<Token>& out = *tokens;
  out.clear();
  stack->clear();
  size_t i = 0;
  auto regex_allowed = [&] {
    if (out.empty()) return true;
    const Token& t = out.back();
    if (t.type == Tok::kValue) return false;
    if (t.type == Tok::kIdent) return IsKeyword(t) && t.kw != Kw::kThis && t.kw != Kw::kSuper;
    return t.text != ")" && t.text != "]" && t.text != "}";
  };
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((kCharClass[c] & 4) != 0) {
      ++i;
    } else if (IsIdentStart(c)) {
      size_t start = i++;
      while (i < s.size() && IsIdentChar(static_cast<unsigned char>(s[i]))) ++i;
      std::string_view word = s.substr(start, i - start);
      out.push_back({Tok::kIdent, Classify(word), word});
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      size_t end = s.find('\n', i);
      i = end == std::string_view::npos ? s.size() : end;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else if (c == '"' || c == '\'' || c == '`' || (c == '/' && regex_allowed())) {
      size_t start = i++;
      bool in_class = false;  // regex [...]
      while (i < s.size()) {
        char d = s[i];
        if (d == '\\') {
          i += 2;
          continue;
        }
        if (c == '/' && d == '[') in_class = true;
        if (c == '/' && d == ']') in_class = false;
        if (d == static_cast<char>(c) && !in_class) break;
        if (d == '\n' && c != '`') break;  // unterminated: stop at the line's end
        ++i;
      }
      i = std::min(i + 1, s.size());
      out.push_back({Tok::kValue, Kw::kNone, s.substr(start, i - start)});
    } else if (c >= '0' && c <= '9') {
      size_t start = i++;
      while (i < s.size() && (IsIdentChar(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      out.push_back({Tok::kValue, Kw::kNone, s.substr(start, i - start)});
    } else {
      size_t len = OperatorLength(s, i);
      out.push_back({Tok::kPunct, Kw::kNone, s.substr(i, len)});
      if (len == 1 && (c == '(' || c == '[' || c == '{')) {
        stack->push_back(out.size() - 1);
      } else if (len == 1 && (c == ')' || c == ']' || c == '}') && !stack->empty()) {
        out.back().match = stack->back();
        out[stack->back()].match = out.size() - 1;
        stack->pop_back();
      }
      i += len;
    }
  }
}

// A one-character punctuation token.
bool IsP(const std::vector<Token>& t, size_t i, char c) {
  return i < t.size() && t[i].type == Tok::kPunct && t[i].text.size() == 1 && t[i].text[0] == c;
}

// Bindings of the pattern or parameter list between t[begin] and t[end) (exclusive): names at
// the list's own level that start an element, renamed keys (`a: b`), nested patterns.
void CollectBindings(const std::vector<Token>& t, size_t begin, size_t end,
                     std::vector<std::string>* out) {
  bool element_start = true;  // at the start of a list element
  bool after_colon = false;   // after `key:` inside an object pattern
  for (size_t i = begin; i < end && i < t.size(); ++i) {
    const Token& tok = t[i];
    if (IsP(t, i, '{') || IsP(t, i, '[')) {
      size_t close = tok.match;
      if (close == kNoMatch || close > end) return;
      if (element_start || after_colon) CollectBindings(t, i + 1, close, out);
      i = close;
      element_start = after_colon = false;
      continue;
    }
    if (IsP(t, i, '(')) {  // default value calls: skip
      if (tok.match == kNoMatch || tok.match > end) return;
      i = tok.match;
      continue;
    }
    if (IsP(t, i, ',')) {
      element_start = true;
      after_colon = false;
      continue;
    }
    if (tok.type == Tok::kPunct && tok.text == "...") continue;
    if (IsP(t, i, ':') && element_start) {
      after_colon = true;  // `{ key: local }` (for a parameter list: a type annotation)
      element_start = false;
      continue;
    }
    if (tok.type == Tok::kIdent && (element_start || after_colon)) {
      bool renamed = IsP(t, i + 1, ':') && !after_colon;
      if (!renamed && !IsKeyword(tok)) out->emplace_back(tok.text);
      if (renamed) {
        ++i;  // the ':'
        after_colon = true;
        element_start = false;
        continue;
      }
    }
    element_start = false;
    after_colon = false;
  }
}

// After `const`/`let`/`var` at t[i]: every declarator's binding.
void CollectDeclarators(const std::vector<Token>& t, size_t i, std::vector<std::string>* out) {
  size_t p = i + 1;
  for (int declarators = 0; p < t.size() && declarators < 64; ++declarators) {
    if (t[p].type == Tok::kIdent) {
      out->emplace_back(t[p].text);
    } else if (IsP(t, p, '{') || IsP(t, p, '[')) {
      if (t[p].match == kNoMatch) return;
      CollectBindings(t, p + 1, t[p].match, out);
      p = t[p].match;
    } else {
      return;
    }
    // Skip the initializer to the next `,` at this level; stop at `;` or the block's end.
    for (++p; p < t.size(); ++p) {
      if (t[p].type != Tok::kPunct || t[p].text.size() != 1) continue;
      char x = t[p].text[0];
      if (x == '(' || x == '[' || x == '{') {
        if (t[p].match == kNoMatch) return;
        p = t[p].match;
      } else if (x == ';' || x == ')' || x == ']' || x == '}') {
        return;
      } else if (x == ',') {
        ++p;
        break;
      }
    }
  }
}

void FindLocals(const std::vector<Token>& t, std::vector<std::string>* out) {
  for (size_t i = 0; i < t.size(); ++i) {
    const Token& tok = t[i];
    if (tok.type == Tok::kIdent) {
      const bool call_like = IsP(t, i + 1, '(') && t[i + 1].match != kNoMatch;
      if (tok.kw == Kw::kConst || tok.kw == Kw::kLet || tok.kw == Kw::kVar) {
        CollectDeclarators(t, i, out);
      } else if (tok.kw == Kw::kFunction || tok.kw == Kw::kClass) {
        size_t p = i + 1;
        if (IsP(t, p, '*')) ++p;
        if (p < t.size() && t[p].type == Tok::kIdent && !IsKeyword(t[p])) {
          out->emplace_back(t[p].text);
          ++p;
        }
        if (tok.kw == Kw::kFunction && IsP(t, p, '(') && t[p].match != kNoMatch) {
          CollectBindings(t, p + 1, t[p].match, out);
        }
      } else if (tok.kw == Kw::kCatch && call_like) {
        CollectBindings(t, i + 2, t[i + 1].match, out);
      } else if (call_like && !IsKeyword(tok) && IsP(t, t[i + 1].match + 1, '{')) {
        CollectBindings(t, i + 2, t[i + 1].match, out);  // method `m(a, b) {`
      }
    } else if (tok.type == Tok::kPunct && tok.text == "=>" && i > 0) {
      const Token& prev = t[i - 1];
      if (prev.type == Tok::kIdent) {
        out->emplace_back(prev.text);
      } else if (IsP(t, i - 1, ')') && prev.match != kNoMatch) {
        CollectBindings(t, prev.match + 1, i - 1, out);
      }
    }
  }
}

// The increment for the identifier t[i] at `nesting` (keywords of control flow); marks in
// `nesting_brace` the `{` that opens a body nested one level deeper.
int KeywordIncrement(const std::vector<Token>& t, size_t i, int nesting,
                     std::vector<uint8_t>* nesting_brace) {
  auto mark_body = [&](size_t p) {
    if (IsP(t, p, '{')) (*nesting_brace)[p] = 1;
  };
  const Kw w = t[i].kw;
  const bool call_like = IsP(t, i + 1, '(') && t[i + 1].match != kNoMatch;
  if (w == Kw::kNone && !call_like) return 0;
  bool with_condition =
      w == Kw::kIf || w == Kw::kFor || w == Kw::kWhile || w == Kw::kSwitch || w == Kw::kCatch;
  if (with_condition && call_like) mark_body(t[i + 1].match + 1);
  switch (w) {
    case Kw::kIf:
      return i > 0 && t[i - 1].kw == Kw::kElse ? 1 : 1 + nesting;
    case Kw::kElse:
      mark_body(i + 1);
      return i + 1 < t.size() && t[i + 1].kw == Kw::kIf ? 0 : 1;
    case Kw::kDo:
      mark_body(i + 1);
      return 1 + nesting;
    case Kw::kFor:
    case Kw::kSwitch:
    case Kw::kCatch:
      return 1 + nesting;
    case Kw::kWhile: {
      bool do_while = i > 0 && IsP(t, i - 1, '}') && t[i - 1].match != kNoMatch &&
                      t[i - 1].match > 0 && t[t[i - 1].match - 1].kw == Kw::kDo;
      return do_while ? 0 : 1 + nesting;
    }
    case Kw::kBreak:
    case Kw::kContinue:
      return i + 1 < t.size() && t[i + 1].type == Tok::kIdent && !IsKeyword(t[i + 1]) ? 1 : 0;
    case Kw::kFunction:
    case Kw::kNone: {
      // A function (or method) body: the first `{` after its parameter list.
      size_t p = i + 1;
      while (p < t.size() && !IsP(t, p, '(')) ++p;
      if (p < t.size() && t[p].match != kNoMatch) mark_body(t[p].match + 1);
      return 0;
    }
    default:
      return 0;
  }
}

int Cognitive(const std::vector<Token>& t, std::vector<uint8_t>* nesting_brace,
              std::vector<uint8_t>* stack) {
  nesting_brace->assign(t.size(), 0);
  stack->clear();  // per open brace: does it nest?
  int nesting = 0;
  int total = 0;
  std::string_view last_logical;
  for (size_t i = 0; i < t.size(); ++i) {
    const Token& tok = t[i];
    if (tok.type == Tok::kIdent) {
      total += KeywordIncrement(t, i, nesting, nesting_brace);
      continue;
    }
    if (tok.type != Tok::kPunct) continue;
    std::string_view x = tok.text;
    if (x == "&&" || x == "||" || x == "??") {
      if (x != last_logical) total += 1;
      last_logical = x;
      continue;
    }
    if (x.size() != 1) {
      if (x == "=>" && IsP(t, i + 1, '{')) (*nesting_brace)[i + 1] = 1;
      continue;
    }
    switch (x[0]) {
      case '?':
        last_logical = {};
        if (!(IsP(t, i + 1, ':') || IsP(t, i + 1, ')') || IsP(t, i + 1, ',') ||
              IsP(t, i + 1, '=') || IsP(t, i + 1, ';'))) {
          total += 1 + nesting;
        }
        break;
      case '{': {
        last_logical = {};
        // The outermost function body is the chunk itself: it does not nest.
        bool nests = (*nesting_brace)[i] != 0 && !stack->empty();
        stack->push_back(nests ? 1 : 0);
        if (nests) ++nesting;
        break;
      }
      case '}':
        last_logical = {};
        if (!stack->empty()) {
          if (stack->back() != 0) --nesting;
          stack->pop_back();
        }
        break;
      // A run of like operators ends at a grouping or statement boundary.
      case ';':
      case ',':
      case '(':
      case ')':
      case '=':
      case ':':
        last_logical = {};
        break;
      default:
        break;
    }
  }
  return total;
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// Buffers reused from one chunk to the next.
struct ScriptScanner {
  std::vector<Token> tokens;
  std::vector<size_t> brackets;
  std::vector<uint8_t> nesting_brace;
  std::vector<uint8_t> braces;

  SourceFacts Scan(std::string_view source) {
    Tokenize(source, &tokens, &brackets);
    SourceFacts facts;
    FindLocals(tokens, &facts.locals);
    SortUnique(&facts.locals);
    facts.cognitive = Cognitive(tokens, &nesting_brace, &braces);
    return facts;
  }
};

}  // namespace

SourceFacts ScanScript(std::string_view source) { return ScriptScanner().Scan(source); }

namespace {

// Locals and cognitive complexity of function and method symbols [begin, end).
void ScanSymbols(Model* model, size_t begin, size_t end) {
  const GraphInput& input = *model->input;
  ScriptScanner scanner;
  for (size_t i = begin; i < end; ++i) {
    Symbol& s = model->symbols[i];
    if (s.type != "function" && s.type != "method") continue;
    const bool python = model->files[s.file].python;
    for (int ci : s.chunks) {
      SourceFacts facts = python ? ScanPython(input.chunks[ci].source_code)
                                 : scanner.Scan(input.chunks[ci].source_code);
      s.cognitive += facts.cognitive;
      s.locals.insert(s.locals.end(), facts.locals.begin(), facts.locals.end());
    }
    for (const std::string& p : s.params) {
      if (python) {  // "*args", "**kw", "x: int", "y=1"
        size_t start = std::min(p.find_first_not_of('*'), p.size());
        s.locals.push_back(p.substr(start, p.find_first_of(":=", start) - start));
      } else {
        std::vector<std::string> names = PatternBindings(p);
        s.locals.insert(s.locals.end(), names.begin(), names.end());
      }
    }
    SortUnique(&s.locals);
    // The declaration's own name is the symbol itself (recursion), not a local.
    auto own = std::lower_bound(s.locals.begin(), s.locals.end(), s.name);
    if (own != s.locals.end() && *own == s.name) s.locals.erase(own);
  }
}

}  // namespace

void ScanSources(Model* model) {
  const GraphInput& input = *model->input;
  // Each symbol's scan reads only its own chunks and writes only the symbol: the symbols are
  // scanned in two parts of about equal source text, at once (a fifth of the graph stage's
  // time on three.js, which a re-index of one file waits for).
  RunInTwoParts(
      model->symbols.size(), kMinSymbolsForTwoParts,
      [&](size_t i) {
        const Symbol& s = model->symbols[i];
        size_t bytes = 0;
        if (s.type == "function" || s.type == "method") {
          for (int ci : s.chunks) bytes += input.chunks[ci].source_code.size();
        }
        return bytes;
      },
      [&](size_t begin, size_t end) { ScanSymbols(model, begin, end); });
  ScriptScanner scanner;
  for (int ci : model->chunk_order) {
    const GraphInputChunk& c = input.chunks[ci];
    if (c.chunk_type != "module") continue;
    auto it = model->file_by_path.find(c.file_path);
    if (it == model->file_by_path.end()) continue;
    FileInfo& f = model->files[it->second];
    // Python: a dummy first line stands for the header ScanPython skips.
    f.cognitive += f.python ? ScanPython("_\n" + c.source_code).cognitive
                            : scanner.Scan(c.source_code).cognitive;
  }
  // Containers (classes, namespaces) sum their members, deepest first; files sum their
  // top-level symbols.
  std::vector<std::pair<int, int>> by_depth;  // (depth, symbol)
  for (size_t i = 0; i < model->symbols.size(); ++i) {
    int depth = 0;
    for (int p = model->symbols[i].parent; p >= 0 && depth < 64; p = model->symbols[p].parent)
      ++depth;
    by_depth.emplace_back(depth, static_cast<int>(i));
  }
  std::sort(by_depth.rbegin(), by_depth.rend());
  for (const auto& [depth, i] : by_depth) {
    const Symbol& s = model->symbols[i];
    if (s.parent >= 0) {
      model->symbols[s.parent].cognitive += s.cognitive;
    } else {
      model->files[s.file].cognitive += s.cognitive;
    }
  }
}

std::vector<std::string> PatternBindings(std::string_view pattern) {
  std::vector<Token> tokens;
  std::vector<size_t> brackets;
  Tokenize(pattern, &tokens, &brackets);
  std::vector<std::string> out;
  CollectBindings(tokens, 0, tokens.size(), &out);
  return out;
}

}  // namespace semdex::graph_internal
