#include "store/pg_text_search.h"

#include <fmt/format.h>

#include <map>
#include <vector>

#include "store/code_tokens.h"

namespace semdex {
namespace {

constexpr size_t kMaxLexemeBytes = 2046;      // tsvector's limit is 2,047
constexpr size_t kMaxPositions = 255;         // tsvector keeps 256 positions per lexeme
constexpr size_t kMaxLiteralBytes = 1000000;  // tsvector's limit is 1 MiB
constexpr int kMaxPosition = 16383;           // larger positions are stored as 16383

// A lexeme quoted for a tsvector or tsquery literal.
void AppendQuoted(std::string_view token, std::string* out) {
  out->push_back('\'');
  for (char c : token) {
    if (c == '\'' || c == '\\') out->push_back(c == '\'' ? '\'' : '\\');
    out->push_back(c);
  }
  out->push_back('\'');
}

}  // namespace

std::string PgTsvectorLiteral(std::string_view name, std::string_view qualified_name,
                              std::string_view doc, std::string_view source) {
  struct Positions {
    std::vector<std::string> items;  // "12A"
  };
  std::map<std::string, Positions> lexemes;
  int position = 0;
  const std::pair<std::string_view, char> fields[] = {
      {name, 'A'}, {qualified_name, 'B'}, {doc, 'C'}, {source, 'D'}};
  for (const auto& [text, weight] : fields) {
    for (std::string& token : CodeSearchTokens(text)) {
      if (token.size() > kMaxLexemeBytes) continue;
      position = std::min(position + 1, kMaxPosition);
      Positions& p = lexemes[std::move(token)];
      // Positions must differ per lexeme; at the cap they would repeat and be merged.
      if (p.items.size() < kMaxPositions && position < kMaxPosition) {
        p.items.push_back(fmt::format("{}{}", position, weight));
      }
    }
  }
  std::string out;
  for (const auto& [lexeme, positions] : lexemes) {
    if (out.size() + lexeme.size() + 16 > kMaxLiteralBytes) break;
    if (!out.empty()) out.push_back(' ');
    AppendQuoted(lexeme, &out);
    for (size_t i = 0; i < positions.items.size(); ++i) {
      out.push_back(i == 0 ? ':' : ',');
      out += positions.items[i];
    }
  }
  return out;
}

std::string PgTsqueryLiteral(std::string_view query) {
  std::string out;
  for (const std::string& term : SearchQueryTerms(query)) {
    if (term.size() > kMaxLexemeBytes) continue;
    if (!out.empty()) out += " | ";
    AppendQuoted(term, &out);
  }
  return out;
}

}  // namespace semdex
