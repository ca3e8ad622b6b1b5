// ScanPython: the locals and approximate cognitive complexity of a Python body, line by line
// (indentation gives nesting): +1 + nesting for if, for, while, except and inline conditionals;
// +1 for elif, else and each run of like boolean operators. Locals: assignment targets, for
// targets, `as` names, nested def and class names.
#include <algorithm>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

bool IsWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

}  // namespace

SourceFacts ScanPython(std::string_view source) {
  SourceFacts facts;
  std::vector<int> stack;  // indents of the enclosing structures that nest
  int base = -1;           // indent of the chunk's own header line
  size_t pos = 0;
  while (pos < source.size()) {
    size_t end = source.find('\n', pos);
    if (end == std::string_view::npos) end = source.size();
    std::string_view line = source.substr(pos, end - pos);
    pos = end + 1;
    line = line.substr(0, line.find('#'));  // strings holding '#' are rare in control lines
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    int indent = 0;
    for (size_t i = 0; i < first; ++i) indent += line[i] == '\t' ? 8 : 1;
    std::string_view text = line.substr(first);
    if (base < 0) {
      base = indent;
      continue;  // the def line itself
    }
    while (!stack.empty() && stack.back() >= indent) stack.pop_back();
    const int nesting = static_cast<int>(stack.size());
    size_t word_end = 0;
    while (word_end < text.size() && IsWordChar(static_cast<unsigned char>(text[word_end]))) {
      ++word_end;
    }
    std::string_view word = text.substr(0, word_end);
    std::string_view rest = text.substr(word_end);
    auto name_after = [&](std::string_view r) {
      size_t b = r.find_first_not_of(' ');
      size_t e = b;
      while (e < r.size() && IsWordChar(static_cast<unsigned char>(r[e]))) ++e;
      if (b != std::string_view::npos && e > b) facts.locals.emplace_back(r.substr(b, e - b));
    };
    if (word == "if" || word == "for" || word == "while" || word == "except") {
      facts.cognitive += 1 + nesting;
      stack.push_back(indent);
    } else if (word == "elif" || word == "else") {
      facts.cognitive += 1;
      stack.push_back(indent);
    } else if (word == "def" || word == "class" || word == "async") {
      stack.push_back(indent);
      name_after(word == "async" ? rest.substr(rest.find("def") + 3) : rest);
    }
    if (word == "for") name_after(rest);
    for (size_t as = text.find(" as "); as != std::string_view::npos;
         as = text.find(" as ", as + 4)) {
      name_after(text.substr(as + 4));
    }
    size_t eq = text.find('=');
    if (eq != std::string_view::npos && eq + 1 < text.size() && text[eq + 1] != '=' && eq > 0 &&
        std::string_view("!<>=+-*/%&|^:").find(text[eq - 1]) == std::string_view::npos) {
      for (std::string_view target = text.substr(0, eq); !target.empty();) {
        size_t comma = target.find(',');
        name_after(target.substr(0, comma));
        if (comma == std::string_view::npos) break;
        target.remove_prefix(comma + 1);
      }
    }
    // Inline conditionals and runs of like boolean operators.
    if (word != "if" && word != "elif" && text.find(" if ") != std::string_view::npos &&
        text.find(" else ") != std::string_view::npos) {
      facts.cognitive += 1 + nesting;
    }
    std::string_view last;
    for (size_t i = 0; i + 4 < text.size(); ++i) {
      std::string_view op;
      if (text.compare(i, 5, " and ") == 0) op = "and";
      if (text.compare(i, 4, " or ") == 0) op = "or";
      if (!op.empty() && op != last) facts.cognitive += 1;
      if (!op.empty()) last = op;
    }
  }
  std::sort(facts.locals.begin(), facts.locals.end());
  facts.locals.erase(std::unique(facts.locals.begin(), facts.locals.end()), facts.locals.end());
  return facts;
}

}  // namespace semdex::graph_internal
