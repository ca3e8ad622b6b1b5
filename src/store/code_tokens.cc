#include "store/code_tokens.h"

#include <algorithm>
#include <array>
#include <unordered_set>

namespace semdex {
namespace {

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

enum class CharClass { kUpper, kLower, kDigit, kOther };  // kOther: '_' (dropped)

CharClass Classify(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return CharClass::kUpper;
  if (c >= '0' && c <= '9') return CharClass::kDigit;
  if (c == '_') return CharClass::kOther;
  return CharClass::kLower;  // a-z and non-ASCII bytes
}

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), LowerAscii);
  return out;
}

// Splits one word into its parts (see the header), lower-cased.
std::vector<std::string> SplitParts(std::string_view word) {
  std::vector<std::string> parts;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) parts.push_back(Lower(current));
    current.clear();
  };
  for (size_t i = 0; i < word.size(); ++i) {
    const CharClass c = Classify(static_cast<unsigned char>(word[i]));
    if (c == CharClass::kOther) {
      flush();
      continue;
    }
    if (!current.empty()) {
      const CharClass prev = Classify(static_cast<unsigned char>(current.back()));
      const bool next_lower =
          i + 1 < word.size() &&
          Classify(static_cast<unsigned char>(word[i + 1])) == CharClass::kLower;
      const bool lower_to_upper = prev != CharClass::kUpper && c == CharClass::kUpper;
      const bool acronym_end = prev == CharClass::kUpper && c == CharClass::kUpper && next_lower;
      const bool digit_edge = (prev == CharClass::kDigit) != (c == CharClass::kDigit);
      if (lower_to_upper || acronym_end || digit_edge) flush();
    }
    current.push_back(word[i]);
  }
  flush();
  return parts;
}

void AppendWordTokens(std::string_view word, std::vector<std::string>* out) {
  std::string whole = Lower(word);
  if (whole.find_first_not_of('_') == std::string::npos) return;  // only underscores
  std::vector<std::string> parts = SplitParts(word);
  out->push_back(whole);
  if (parts.size() == 1 && parts[0] == whole) return;
  for (std::string& p : parts) out->push_back(std::move(p));
}

bool IsStopWord(std::string_view token) {
  static constexpr std::array<std::string_view, 34> kStopWords = {
      "a",    "an",   "and",   "are",   "as",   "at",   "be", "by",   "for",  "from", "how", "i",
      "in",   "is",   "it",    "its",   "of",   "on",   "or", "that", "the",  "this", "to",  "was",
      "what", "when", "where", "which", "with", "does", "do", "into", "some", "there"};
  return std::find(kStopWords.begin(), kStopWords.end(), token) != kStopWords.end();
}

void CodeTokensSqlFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  const unsigned char* text = sqlite3_value_text(argv[0]);
  if (text == nullptr) {
    sqlite3_result_text(context, "", 0, SQLITE_STATIC);
    return;
  }
  std::string out = CodeSearchTokenText(std::string_view(
      reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_value_bytes(argv[0]))));
  sqlite3_result_text64(context, out.data(), out.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

std::vector<std::string> CodeSearchTokens(std::string_view text) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsWordByte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && IsWordByte(static_cast<unsigned char>(text[end]))) ++end;
    AppendWordTokens(text.substr(i, end - i), &tokens);
    i = end;
  }
  return tokens;
}

std::string CodeSearchTokenText(std::string_view text) {
  std::string out;
  for (const std::string& token : CodeSearchTokens(text)) {
    if (!out.empty()) out.push_back(' ');
    out += token;
  }
  return out;
}

std::vector<std::string> SearchQueryTerms(std::string_view query) {
  std::vector<std::string> terms;
  std::vector<std::string> stop_terms;
  std::unordered_set<std::string> seen;
  for (std::string& token : CodeSearchTokens(query)) {
    if (!seen.insert(token).second) continue;
    (IsStopWord(token) ? stop_terms : terms).push_back(std::move(token));
  }
  if (terms.empty()) terms = std::move(stop_terms);
  if (terms.size() > kMaxQueryTerms) terms.resize(kMaxQueryTerms);
  return terms;
}

std::string FtsMatchExpression(std::string_view query) {
  std::string match;
  for (const std::string& term : SearchQueryTerms(query)) {
    if (!match.empty()) match += " OR ";
    match.push_back('"');
    for (char c : term) {  // tokens hold no '"'; doubling keeps the quoting safe regardless
      if (c == '"') match.push_back('"');
      match.push_back(c);
    }
    match.push_back('"');
  }
  return match;
}

Status RegisterCodeTokensFunction(SqliteDb* db) {
  int rc = sqlite3_create_function_v2(db->handle(), "semdex_code_tokens", 1,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                      nullptr, CodeTokensSqlFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Annotate(SqliteError(db->handle(), rc), "semdex_code_tokens");
  return Status::Ok();
}

}  // namespace semdex
