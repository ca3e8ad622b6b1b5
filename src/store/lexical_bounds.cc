#include "store/lexical_bounds.h"

#include <algorithm>
#include <cmath>

namespace semdex {
namespace {

// FTS5's bm25() constants (ext/fts5/fts5_aux.c).
constexpr double kBm25K1 = 1.2;
// Relative and absolute slack on a bound, far above the rounding of a sum of a few terms.
constexpr double kBoundSlack = 1e-9;

}  // namespace

double Bm25TermBound(int64_t term_rows, int64_t table_rows) {
  const double n = static_cast<double>(term_rows);
  double idf = std::log((static_cast<double>(table_rows) - n + 0.5) / (n + 0.5));
  if (!(idf > 0.0)) idf = 1e-6;  // bm25()'s clamp (also catches NaN)
  return (kBm25K1 + 1.0) * idf;
}

LexicalBounds::LexicalBounds(std::vector<TermRows> terms, int64_t table_rows)
    : terms_(std::move(terms)) {
  std::stable_sort(terms_.begin(), terms_.end(),
                   [](const TermRows& a, const TermRows& b) { return a.rows < b.rows; });
  rest_bound_.assign(terms_.size() + 1, 0.0);
  for (size_t i = terms_.size(); i-- > 0;) {
    rest_bound_[i] = rest_bound_[i + 1] + Bm25TermBound(terms_[i].rows, table_rows);
  }
  for (double& b : rest_bound_) {
    if (b > 0) b = b * (1 + kBoundSlack) + kBoundSlack;
  }
}

size_t LexicalBounds::RarestNeeded(double score, size_t at_least) const {
  for (size_t i = std::max<size_t>(at_least, 1); i < terms_.size(); ++i) {
    if (rest_bound_[i] < score) return i;
  }
  return terms_.size();
}

std::string LexicalBounds::RarestMatch(size_t rarest) const {
  std::string match;
  for (size_t i = 0; i < rarest && i < terms_.size(); ++i) {
    if (!match.empty()) match += " OR ";
    match.push_back('"');
    for (char c : terms_[i].term) {  // doubling keeps the quoting safe whatever the term
      if (c == '"') match.push_back('"');
      match.push_back(c);
    }
    match.push_back('"');
  }
  return match;
}

}  // namespace semdex
