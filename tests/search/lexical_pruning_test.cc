// The shortcuts that keep the result of a query and read less: the lexical query ranking only
// the rows that hold its rarest terms (store/lexical_bounds.h), and hybrid reading the lexical
// leg only as deep as fusion can use (search.h). Each must return exactly what the full read
// returns.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <random>
#include <set>

#include "search/search.h"
#include "search_test_util.h"
#include "store/code_tokens.h"
#include "store/lexical_bounds.h"

namespace semdex::testing {
namespace {

TEST(LexicalBoundsTest, TermBoundIsBm25sIdfTimesK1PlusOne) {
  EXPECT_DOUBLE_EQ(Bm25TermBound(10, 1000), 2.2 * std::log((1000 - 10 + 0.5) / 10.5));
  // A term in half the rows or more has bm25()'s clamped idf.
  EXPECT_DOUBLE_EQ(Bm25TermBound(600, 1000), 2.2 * 1e-6);
  EXPECT_GT(Bm25TermBound(1, 1000), Bm25TermBound(2, 1000));  // rarer: a larger bound
}

TEST(LexicalBoundsTest, OrdersRarestFirstAndBoundsTheRest) {
  const LexicalBounds b({{"common", 500}, {"rare", 3}, {"mid", 40}, {"also_mid", 40}}, 1000);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b.term(0).term, "rare");
  EXPECT_EQ(b.term(1).term, "mid");  // equal counts keep the query's order
  EXPECT_EQ(b.term(2).term, "also_mid");
  EXPECT_EQ(b.term(3).term, "common");
  EXPECT_EQ(b.RestBound(4), 0);
  // Each rest bound covers the terms after the prefix, with a little slack.
  const double common = Bm25TermBound(500, 1000);
  const double mid = Bm25TermBound(40, 1000);
  EXPECT_GE(b.RestBound(3), common);
  EXPECT_LT(b.RestBound(3), common * 1.001 + 1e-6);
  EXPECT_GE(b.RestBound(1), 2 * mid + common);
  EXPECT_GT(b.RestBound(0), b.RestBound(1));
  // The fewest rarest terms whose rest is below the score, never none, size() when none do.
  EXPECT_EQ(b.RarestNeeded(b.RestBound(1) + 1, 1), 1u);
  EXPECT_EQ(b.RarestNeeded(b.RestBound(3) + 1e-3, 1), 3u);
  EXPECT_EQ(b.RarestNeeded(b.RestBound(1) + 1, 2), 2u);
  EXPECT_EQ(b.RarestNeeded(0, 1), 4u);
  EXPECT_EQ(b.RarestMatch(2), "\"rare\" OR \"mid\"");
}

// Chunks of words drawn with very unequal frequencies, as in code: a few words in most chunks, a
// few in almost none.
std::vector<TestChunk> SkewedChunks(int count, std::mt19937* rng) {
  std::vector<std::string> words;
  for (int i = 0; i < 60; ++i) words.push_back("word" + std::to_string(i));
  std::vector<double> weights;
  for (int i = 0; i < 60; ++i) weights.push_back(1.0 / (1 + i * i * 0.05));
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  std::uniform_int_distribution<int> length(3, 40);
  std::vector<TestChunk> chunks;
  for (int c = 0; c < count; ++c) {
    std::string source = "function f" + std::to_string(c) + "() {";
    const int n = length(*rng);
    for (int w = 0; w < n; ++w) source += " " + words[static_cast<size_t>(pick(*rng))];
    source += " }";
    chunks.push_back({"f" + std::to_string(c), "function", source,
                      "Uses " + words[static_cast<size_t>(pick(*rng))]});
  }
  return chunks;
}

struct RankedRow {
  std::string chunk_id;
  double score = 0;
  bool operator==(const RankedRow&) const = default;
};

// The full-text query without any shortcut, straight from SQLite: every matching row ranked.
std::vector<RankedRow> FullRanking(const std::string& db_path, const std::string& match,
                                   const std::string& repository, int64_t limit) {
  std::vector<RankedRow> rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db,
                               "SELECT f.chunk_id, bm25(code_chunks_fts, 8.0, 4.0, 2.0, 1.0, 0.0) "
                               "AS score FROM code_chunks_fts f JOIN code_chunks c ON c.rowid = "
                               "f.rowid WHERE code_chunks_fts MATCH ?1 AND (?2 = '' OR "
                               "c.repository = ?2) ORDER BY score, f.rowid LIMIT ?3",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  sqlite3_bind_text(stmt, 1, match.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(stmt, 2, repository.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 3, limit);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    rows.push_back({reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                    -sqlite3_column_double(stmt, 1)});
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

int64_t RowsHolding(const std::string& db_path, const std::string& term) {
  return static_cast<int64_t>(FullRanking(db_path, '"' + term + '"', "", 100000).size());
}

class LexicalPruningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_ / "index.db";
    store_ = OpenTestStore(db_);
    std::mt19937 rng(7);
    for (int f = 0; f < 12; ++f) {
      const std::string repo = f % 3 == 0 ? "b" : "a";
      Status s = store_->WriteFile(MakeSearchFile(repo, "src/f" + std::to_string(f) + ".ts",
                                                  SkewedChunks(25, &rng), nullptr));
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  TempDir dir_;
  std::string db_;
  std::unique_ptr<Store> store_;
};

// Would ranking only the rows holding some of the query's rarest terms have been enough for
// the top `limit`? (The condition under which the store takes the shortcut.)
bool Prunable(const std::string& db_path, const std::string& query, int64_t limit) {
  std::vector<TermRows> term_rows;
  for (const std::string& term : SearchQueryTerms(query)) {
    term_rows.push_back({term, RowsHolding(db_path, term)});
  }
  const LexicalBounds bounds(term_rows, 300);
  const std::vector<RankedRow> all = FullRanking(db_path, FtsMatchExpression(query), "", 100000);
  for (size_t i = 1; i < bounds.size(); ++i) {
    std::set<std::string> holding;
    for (const RankedRow& r : FullRanking(db_path, bounds.RarestMatch(i), "", 100000)) {
      holding.insert(r.chunk_id);
    }
    size_t kept = 0;
    for (const RankedRow& r : all) {
      if (holding.count(r.chunk_id) != 0 && ++kept == static_cast<size_t>(limit)) {
        if (r.score > bounds.RestBound(i)) return true;
        break;
      }
    }
  }
  return false;
}

TEST_F(LexicalPruningTest, ReturnsTheFullRankingsRowsScoresAndOrder) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> word(0, 59);
  std::uniform_int_distribution<int> terms(2, 7);
  int prunable = 0;
  int cases = 0;
  for (int q = 0; q < 60; ++q) {
    std::string query;
    const int n = terms(rng);
    for (int t = 0; t < n; ++t) query += " word" + std::to_string(word(rng));
    const std::string match = FtsMatchExpression(query);
    for (int64_t limit : {1, 3, 10, 40}) {
      for (const std::string repo : {"", "a"}) {
        std::vector<LexicalHit> hits;
        Status s = store_->SearchLexical(query, {repo, "", ""}, limit, &hits);
        ASSERT_TRUE(s.ok()) << s.ToString();
        std::vector<RankedRow> got;
        for (const LexicalHit& h : hits) got.push_back({h.chunk_id, h.score});
        ASSERT_EQ(got, FullRanking(db_, match, repo, limit))
            << "query" << query << " limit " << limit << " repository '" << repo << "'";
        ++cases;
      }
    }
    if (q < 15 && Prunable(db_, query, 10)) ++prunable;
  }
  EXPECT_EQ(cases, 60 * 4 * 2);
  // The data leaves the shortcut room to act: the comparisons above cover both paths.
  EXPECT_GE(prunable, 5);
}

TEST_F(LexicalPruningTest, NoLimitAndOneTermQueriesAreUnchanged) {
  for (const std::string query : {"word0", "word0 word59 word3", "word1 word2"}) {
    std::vector<LexicalHit> hits;
    ASSERT_TRUE(store_->SearchLexical(query, {}, -1, &hits).ok());
    std::vector<RankedRow> got;
    for (const LexicalHit& h : hits) got.push_back({h.chunk_id, h.score});
    EXPECT_EQ(got, FullRanking(db_, FtsMatchExpression(query), "", -1)) << query;
  }
}

// Hybrid reads the lexical leg only as deep as fusion can use: its results (ids, fused scores,
// each leg's rank and score) are those of fusing both legs read to `candidates`.
TEST_F(LexicalPruningTest, HybridGivesTheResultsOfFusingBothFullLegs) {
  BagOfWordsEmbedder embedder;
  RecordRun(store_.get(), "v", &embedder);
  std::mt19937 rng(3);
  for (int f = 0; f < 6; ++f) {
    Status s = store_->WriteFile(MakeSearchFile("v", "lib/v" + std::to_string(f) + ".py",
                                                SkewedChunks(30, &rng), &embedder));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  SearcherOptions options;
  options.repository = "v";
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(store_.get(), &embedder, options, &searcher).ok());
  auto run = [&](SearchRequest r) {
    r.vector_index = VectorIndex::kExact;
    r.snippets = false;
    SearchResponse out;
    Status s = searcher->Search(r, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  int checked = 0;
  for (const std::string query :
       {"word0 word1 word30", "word2 word45", "word5 word6 word7 word50", "word59", "word0"}) {
    for (auto [lexical_weight, vector_weight] :
         std::vector<std::pair<double, double>>{{1, 0.01}, {1, 0.3}, {1, 1}, {0.2, 1}, {0, 1}}) {
      for (int limit : {1, 3, 10}) {
        SearchRequest r;
        r.query = query;
        r.limit = limit;
        r.candidates = 60;
        r.lexical_weight = lexical_weight;
        r.vector_weight = vector_weight;
        SearchRequest leg = r;
        leg.limit = r.candidates;
        std::vector<std::vector<std::string>> lists(2);
        for (SearchMode mode : {SearchMode::kLexical, SearchMode::kVector}) {
          leg.mode = mode;
          for (const SearchResult& res : run(leg).results) {
            lists[mode == SearchMode::kLexical ? 0 : 1].push_back(res.chunk_id);
          }
        }
        const std::vector<FusedId> fused =
            FuseReciprocalRank(lists, {lexical_weight, vector_weight}, r.rrf_k);
        const SearchResponse got = run(r);
        ASSERT_EQ(got.results.size(), std::min<size_t>(fused.size(), limit)) << query;
        for (size_t i = 0; i < got.results.size(); ++i) {
          SCOPED_TRACE(query + " limit " + std::to_string(limit) + " weights " +
                       std::to_string(lexical_weight) + "/" + std::to_string(vector_weight));
          EXPECT_EQ(got.results[i].chunk_id, fused[i].id);
          EXPECT_DOUBLE_EQ(got.results[i].score, fused[i].score);
          EXPECT_EQ(got.results[i].lexical.rank, fused[i].ranks[0]);
          EXPECT_EQ(got.results[i].vector.rank, fused[i].ranks[1]);
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 300);
}

}  // namespace
}  // namespace semdex::testing
