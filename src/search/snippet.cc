// MakeSnippet: the lines shown under a result.
#include <algorithm>
#include <cctype>
#include <set>

#include "search/search_internal.h"

namespace semdex::search_internal {
namespace {

constexpr size_t kMaxLineBytes = 160;

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool IsCommentLine(std::string_view t) {
  return t.substr(0, 2) == "/*" || t.substr(0, 1) == "*" || t.substr(0, 2) == "//" ||
         t.substr(0, 1) == "#";
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Lower-cased alphanumeric words of at least 3 characters.
std::set<std::string> Words(std::string_view text) {
  std::set<std::string> words;
  std::string current;
  for (size_t i = 0; i <= text.size(); ++i) {
    const unsigned char c = i < text.size() ? static_cast<unsigned char>(text[i]) : ' ';
    if (std::isalnum(c)) {
      current.push_back(static_cast<char>(std::tolower(c)));
    } else {
      if (current.size() >= 3) words.insert(current);
      current.clear();
    }
  }
  return words;
}

}  // namespace

std::string MakeSnippet(const std::string& source, const std::string& query) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= source.size();) {
    size_t end = source.find('\n', start);
    if (end == std::string::npos) end = source.size();
    lines.push_back(std::string_view(source).substr(start, end - start));
    start = end + 1;
  }
  int first_code = -1;
  bool in_block = false;
  for (size_t i = 0; i < lines.size() && first_code < 0; ++i) {
    const std::string_view t = Trim(lines[i]);
    if (t.empty()) continue;
    if (in_block) {
      if (t.find("*/") != std::string_view::npos) in_block = false;
      continue;
    }
    if (t.substr(0, 2) == "/*" && t.find("*/") == std::string_view::npos) {
      in_block = true;
      continue;
    }
    if (!IsCommentLine(t)) first_code = static_cast<int>(i);
  }
  const std::set<std::string> query_words = Words(query);
  int best = -1;
  size_t best_hits = 0;
  for (size_t i = 0; i < lines.size() && !query_words.empty(); ++i) {
    const std::string lower = LowerAscii(lines[i]);
    size_t hits = 0;
    for (const std::string& w : query_words) hits += lower.find(w) != std::string::npos ? 1 : 0;
    if (hits > best_hits) {
      best_hits = hits;
      best = static_cast<int>(i);
    }
  }
  std::string out;
  for (int i : {first_code, best == first_code ? -1 : best}) {
    if (i < 0) continue;
    if (!out.empty()) out += '\n';
    out += TruncateUtf8(Trim(lines[static_cast<size_t>(i)]), kMaxLineBytes);
  }
  return out;
}

}  // namespace semdex::search_internal
