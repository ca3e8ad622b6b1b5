// lexical_bounds: score bounds that let the SQLite full-text query skip rows which cannot reach
// the top `limit`. Internal to src/store/ (and its tests).
//
// FTS5's bm25() of a row is a sum over the query's terms of
//   idf(t) * f * (k1 + 1) / (f + k1 * (1 - b + b * D / avgdl)),   k1 = 1.2, b = 0.75,
// idf(t) = log((N - n(t) + 0.5) / (n(t) + 0.5)), clamped to 1e-6 when not positive, with N the
// table's rows, n(t) the rows holding t, f >= 0 the weighted count of t in the row. The fraction
// is below k1 + 1 whatever f, D and the column weights, so a term adds less than
// (k1 + 1) * idf(t) to any row: a row holding none of the rarest terms of the query scores below
// the sum of the other terms' bounds. When the limit-th best row among the rows holding a rare
// term scores above that sum, no other row can enter the top `limit`, and ranking only the rows
// holding a rare term (with the whole query's bm25, so every score is the one the unrestricted
// query gives) returns exactly the unrestricted query's rows, in its order (MaxScore, Turtle and
// Flood 1995). Ranking is most of a query's time (about 2 us a row), and the common terms of a
// sentence-like query ("returns", "given", "node") hold most of the matching rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace semdex {

// A query term and the number of full-text rows that hold it.
struct TermRows {
  std::string term;
  int64_t rows = 0;
};

// The terms ordered by their bounds, for restricting a query to its rarest terms.
class LexicalBounds {
 public:
  // `terms`: the query's distinct terms; `table_rows`: N. Orders the terms rarest first (fewest
  // rows; equal counts keep their order).
  LexicalBounds(std::vector<TermRows> terms, int64_t table_rows);

  size_t size() const { return terms_.size(); }
  // The i-th rarest term.
  const TermRows& term(size_t i) const { return terms_[i]; }
  // More than the most the terms after the `rarest` rarest can add to a row's -bm25 together
  // (a margin covers rounding). 0 when rarest == size().
  double RestBound(size_t rarest) const { return rest_bound_[rarest]; }
  // The fewest rarest terms, at least `at_least` (>= 1), whose rest bound is below `score`;
  // size() when there is none (then no row can be skipped).
  size_t RarestNeeded(double score, size_t at_least) const;
  // The FTS5 expression OR-ing the `rarest` rarest terms, each quoted.
  std::string RarestMatch(size_t rarest) const;

 private:
  std::vector<TermRows> terms_;
  std::vector<double> rest_bound_;  // size() + 1 entries
};

// (k1 + 1) * idf of a term held by `term_rows` of `table_rows` rows, as FTS5's bm25() computes
// idf: the most the term can add to a row's -bm25.
double Bm25TermBound(int64_t term_rows, int64_t table_rows);

}  // namespace semdex
