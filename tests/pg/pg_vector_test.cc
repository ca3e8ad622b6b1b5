// The pgvector path of the PostgreSQL store (store/pg_vector.h). The test server is Debian's
// PostgreSQL 15, which has no pgvector: what runs here is every piece of text the path sends
// (literal, DDL, query, settings) checked without a server, the detection on the real server
// ("not installed", client-side search), the set-up failing soft, a store forced onto the
// pgvector path falling back to the client with one warning and the same results, and the
// --path glob's regular expression against PathGlobMatches on the server. The server-side
// search itself never ran against a real pgvector here.
#include "store/pg_vector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pg/pg_test_util.h"
#include "search/search.h"
#include "search/search_internal.h"
#include "search/search_test_util.h"
#include "store/pg_conn.h"
#include "store/pg_schema.h"
#include "store/store.h"

namespace semdex::testing {
namespace {

// Reads a pgvector literal back as pgvector does (strtof on each value).
std::vector<float> ParseVectorLiteral(const std::string& literal) {
  EXPECT_EQ(literal.front(), '[');
  EXPECT_EQ(literal.back(), ']');
  std::vector<float> values;
  const char* p = literal.c_str() + 1;
  while (*p != ']') {
    char* end = nullptr;
    values.push_back(std::strtof(p, &end));
    EXPECT_NE(end, p) << literal;
    p = *end == ',' ? end + 1 : end;
  }
  return values;
}

TEST(PgVectorLiteralTest, WritesTheShortestFormThatReadsBackToTheSameFloat) {
  std::string literal;
  ASSERT_EQ(PgVectorLiteral({1.0f, -2.5f, 3e-8f, 0.1f}, &literal).ToString(), "OK");
  EXPECT_EQ(literal, "[1,-2.5,3e-08,0.1]");
  ASSERT_EQ(PgVectorLiteral({0.0f}, &literal).ToString(), "OK");
  EXPECT_EQ(literal, "[0]");

  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values = {std::numeric_limits<float>::min(),
                               std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::max(),
                               -std::numeric_limits<float>::max(),
                               std::nextafter(1.0f, 2.0f),
                               -0.0f,
                               1e30f,
                               1.17549435e-38f};
  for (int i = 0; i < 2000; ++i) values.push_back(normal(rng) * std::pow(10.0f, (i % 20) - 10.0f));
  ASSERT_EQ(PgVectorLiteral(values, &literal).ToString(), "OK");
  const std::vector<float> back = ParseVectorLiteral(literal);
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(std::signbit(back[i]), std::signbit(values[i])) << i;
    EXPECT_EQ(back[i], values[i]) << i << " " << literal.substr(0, 80);
  }
}

TEST(PgVectorLiteralTest, RefusesWhatPgvectorRefuses) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::string literal = "unchanged";
  Status s = PgVectorLiteral({0.5f, nan}, &literal);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("value 1 of the vector is NaN"), std::string::npos) << s.message();
  EXPECT_EQ(literal, "");
  s = PgVectorLiteral({inf}, &literal);
  EXPECT_NE(s.message().find("value 0 of the vector is infinite"), std::string::npos);
  s = PgVectorLiteral({1.0f, -inf}, &literal);
  EXPECT_NE(s.message().find("infinite"), std::string::npos);
  s = PgVectorLiteral({}, &literal);
  EXPECT_NE(s.message().find("at least 1 value"), std::string::npos);
  s = PgVectorLiteral(std::vector<float>(kPgVectorMaxDim + 1, 0.5f), &literal);
  EXPECT_NE(s.message().find("at most 16000 values, not 16001"), std::string::npos);
  EXPECT_EQ(PgVectorLiteral(std::vector<float>(kPgVectorMaxDim, 0.5f), &literal).ToString(), "OK");
}

TEST(PgVectorSqlTest, DdlFollowsPgvectorsDocumentedForms) {
  EXPECT_EQ(PgVectorColumnSql(),
            "ALTER TABLE code_chunks ADD COLUMN IF NOT EXISTS embedding_vec vector GENERATED "
            "ALWAYS AS (CASE WHEN array_ndims(embedding_code) = 1 AND "
            "cardinality(embedding_code) BETWEEN 1 AND 16000 AND NOT embedding_code && "
            "'{NaN,Infinity,-Infinity}'::real[] THEN embedding_code::vector END) STORED");
  EXPECT_EQ(PgVectorIndexName(384), "code_chunks_embedding_hnsw_384");
  EXPECT_EQ(PgVectorIndexSql(384),
            "CREATE INDEX IF NOT EXISTS code_chunks_embedding_hnsw_384 ON code_chunks USING hnsw "
            "((embedding_vec::vector(384)) vector_cosine_ops) WHERE vector_dims(embedding_vec) = "
            "384");
  EXPECT_EQ(PgVectorIndexSql(768).find("vector(384)"), std::string::npos);
  EXPECT_NE(PgVectorIndexSql(768).find("((embedding_vec::vector(768)) vector_cosine_ops) WHERE "
                                       "vector_dims(embedding_vec) = 768"),
            std::string::npos);
}

TEST(PgVectorSqlTest, QueryOrdersByCosineDistanceWithEveryFilter) {
  EXPECT_EQ(PgVectorSearchSql(512),
            "SELECT id, 1 - distance FROM (SELECT id, embedding_vec::vector(512) <=> "
            "$1::vector(512) AS distance FROM code_chunks WHERE vector_dims(embedding_vec) = 512 "
            "AND ($2 = '' OR repository = $2) AND ($3 = '' OR language = $3) "
            "AND ($4 = '' OR chunk_type = $4) AND ($5 = '' OR file_path ~ $5) "
            "ORDER BY distance LIMIT $6::bigint) AS nearest ORDER BY distance, id COLLATE \"C\"");
}

TEST(PgVectorSqlTest, SearchSettingsFollowTheVersion) {
  EXPECT_EQ(PgVectorSearchSettings("0.7.4", 10),
            (std::vector<std::string>{"SET LOCAL hnsw.ef_search = 40"}));
  EXPECT_EQ(PgVectorSearchSettings("0.5.0", 100),
            (std::vector<std::string>{"SET LOCAL hnsw.ef_search = 100"}));
  EXPECT_EQ(PgVectorSearchSettings("0.8.0", 5000),
            (std::vector<std::string>{"SET LOCAL hnsw.ef_search = 1000",
                                      "SET LOCAL hnsw.iterative_scan = strict_order"}));
  for (const char* v : {"0.8.0", "0.8.1", "0.9.0", "0.10.0", "1.0.0", "1.0", "0.8.0-dev"}) {
    EXPECT_TRUE(PgVectorHasIterativeScan(v)) << v;
  }
  for (const char* v : {"0.7.4", "0.5.1", "0.1.0", "0.7", "", "x"}) {
    EXPECT_FALSE(PgVectorHasIterativeScan(v)) << v;
  }
}

// The column's guard, run on the real server with real[] standing in for vector (the one part of
// the column not exercised here): accepted as a generated column (every function IMMUTABLE), and
// NULL exactly for the arrays pgvector would refuse.
TEST(PgVectorSqlTest, GeneratedColumnGuardIsImmutableAndNullsWhatPgvectorRefuses) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  const std::string url = NewPgDatabase("vector_guard");
  std::string ddl = PgVectorColumnSql();
  for (auto [from, to] : {std::pair<std::string, std::string>{"embedding_vec vector", "e real[]"},
                          {"embedding_code::vector", "embedding_code"},
                          {"code_chunks", "t"}}) {
    ASSERT_NE(ddl.find(from), std::string::npos) << from;
    ddl.replace(ddl.find(from), from.size(), to);
  }
  PgRows(url, "CREATE TABLE t (i int, embedding_code real[])");
  PgRows(url, ddl);
  PgRows(url,
         "INSERT INTO t VALUES (0, '{0.5,-1.25}'), (1, '{NaN,1}'), (2, '{1,Infinity}'), "
         "(3, '{-Infinity}'), (4, '{}'), (5, NULL), (6, '{{1,2},{3,4}}'), "
         "(7, array_fill(0.5::real, ARRAY[16000])), (8, array_fill(0.5::real, ARRAY[16001])), "
         "(9, '{3e-08}')");
  EXPECT_EQ(PgRows(url, "SELECT i, e IS NULL FROM t ORDER BY i"),
            (std::vector<std::string>{"0|f", "1|t", "2|t", "3|t", "4|t", "5|t", "6|t", "7|f", "8|t",
                                      "9|f"}));
  EXPECT_EQ(PgRows(url, "SELECT count(*) FROM t WHERE e = embedding_code"),
            (std::vector<std::string>{"3"}));
}

// The search tests' chunks: three files of two languages in two repositories.
std::vector<FileRow> SearchFiles(const Embedder& embedder) {
  return {
      MakeSearchFile("alpha", "src/user/fetch.ts",
                     {{"fetchUser", "function", "fetch the user record from the server", ""},
                      {"fetchOrders", "function", "fetch the orders of a user", ""},
                      {"UserCache", "class", "cache user records in memory", ""}},
                     &embedder),
      MakeSearchFile("alpha", "lib/retry.py",
                     {{"retry", "function", "retry a request with back off delay", ""},
                      {"parse_user", "function", "parse the user name from a record", ""}},
                     &embedder),
      MakeSearchFile("beta", "app/main.ts",
                     {{"main", "function", "start the server and fetch the config", ""},
                      {"Config", "class", "the user config record", ""}},
                     &embedder),
  };
}

class PgVectorStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RequirePgServer());
    url_ = NewPgDatabase("vector");
    ASSERT_EQ(OpenStore(url_, StoreOptions(), &store_).ToString(), "OK");
    for (const FileRow& file : SearchFiles(embedder_)) {
      ASSERT_EQ(store_->WriteFile(file).ToString(), "OK");
    }
    RecordRun(store_.get(), "alpha", &embedder_);
    RecordRun(store_.get(), "beta", &embedder_);
  }

  BagOfWordsEmbedder embedder_{"bow-test@1", 64};
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_F(PgVectorStoreTest, ServerWithoutPgvectorIsReportedAndSearchedOnTheClient) {
  RepositoryStats stats;
  ASSERT_EQ(store_->GetStats("alpha", &stats).ToString(), "OK");
  EXPECT_NE(stats.backend.find(
                "vectors: pgvector not installed: client-side search (exact scan or hnswlib)"),
            std::string::npos)
      << stats.backend;
  EXPECT_EQ(PgRows(url_,
                   "SELECT count(*) FROM pg_attribute WHERE attrelid = 'code_chunks'::regclass "
                   "AND attname = 'embedding_vec'"),
            (std::vector<std::string>{"0"}));
  VectorSearch search;
  search.query = std::vector<float>(64, 0.125f);
  VectorSearchResult result;
  result.served = true;
  ASSERT_EQ(store_->SearchVectors(search, &result).ToString(), "OK");
  EXPECT_FALSE(result.served);
  EXPECT_TRUE(result.hits.empty());
  EXPECT_EQ(result.warning, "");  // no pgvector is the normal case: nothing to warn about

  std::unique_ptr<Searcher> searcher;
  ASSERT_EQ(Searcher::Open(store_.get(), &embedder_, SearcherOptions(), &searcher).ToString(),
            "OK");
  SearchRequest request;
  request.query = "fetch the user record from the server";  // fetchUser's source
  request.mode = SearchMode::kVector;
  SearchResponse response;
  ASSERT_EQ(searcher->Search(request, &response).ToString(), "OK");
  EXPECT_FALSE(response.used_hnsw);
  EXPECT_TRUE(response.notes.empty());
  ASSERT_FALSE(response.results.empty());
  EXPECT_EQ(response.results[0].name, "fetchUser");
}

TEST_F(PgVectorStoreTest, SetUpOnAServerWithoutTheExtensionFailsSoftAndChangesNothing) {
  std::unique_ptr<PgConnection> conn;
  ASSERT_EQ(PgConnection::Connect(url_, &conn).ToString(), "OK");
  PgFeatures features;
  features.pgvector_available = true;  // as if the server listed it: CREATE EXTENSION fails
  PgSetUpVectorSearch(conn.get(), &features);
  EXPECT_FALSE(features.vector_search);
  EXPECT_FALSE(features.pgvector_installed);
  EXPECT_NE(features.vector_problem.find("setting up pgvector failed"), std::string::npos)
      << features.vector_problem;
  EXPECT_NE(features.vector_problem.find("vector"), std::string::npos);
  EXPECT_EQ(features.vector_problem.find(kPgPassword), std::string::npos);
  // Rolled back, lock released, connection usable.
  EXPECT_EQ(PgRows(url_,
                   "SELECT count(*) FROM pg_attribute WHERE attrelid = 'code_chunks'::regclass "
                   "AND attname = 'embedding_vec'"),
            (std::vector<std::string>{"0"}));
  EXPECT_EQ(PgRows(url_, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"),
            (std::vector<std::string>{"0"}));
  PgResult r;
  ASSERT_EQ(conn->Query("SELECT count(*) FROM code_chunks", {}, &r).ToString(), "OK");
  EXPECT_EQ(r.Text(0, 0), "7");
  // The index of a dimension pgvector cannot index is refused before any statement.
  Status s = PgEnsureVectorIndex(conn.get(), 3072);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported);
  EXPECT_NE(s.message().find("at most 2000 dimensions; the model has 3072"), std::string::npos);
  // A server without pgvector refuses the index DDL: the error the search turns into a fallback.
  s = PgEnsureVectorIndex(conn.get(), 64);
  EXPECT_FALSE(s.ok());
}

// Results as comparable text: id, name, vector rank and score (to 1e-5).
std::vector<std::string> Rows(const SearchResponse& response) {
  std::vector<std::string> rows;
  for (const SearchResult& r : response.results) {
    rows.push_back(fmt::format("{} {} {} {:.5f}", r.chunk_id, r.name, r.vector.rank, r.score));
  }
  return rows;
}

TEST_F(PgVectorStoreTest, ForcedPgvectorPathFallsBackToTheClientWithOneWarning) {
  StoreOptions forced_options;
  forced_options.force_pgvector_search = true;
  std::unique_ptr<Store> forced;
  ASSERT_EQ(OpenStore(url_, forced_options, &forced).ToString(), "OK");
  std::unique_ptr<Searcher> client, fallback;
  ASSERT_EQ(Searcher::Open(store_.get(), &embedder_, SearcherOptions(), &client).ToString(), "OK");
  ASSERT_EQ(Searcher::Open(forced.get(), &embedder_, SearcherOptions(), &fallback).ToString(),
            "OK");

  std::vector<SearchRequest> requests(5);
  requests[0].query = "fetch the user record";
  requests[0].mode = SearchMode::kVector;
  requests[1].query = "user";
  requests[1].mode = SearchMode::kVector;
  requests[1].repository = "alpha";
  requests[1].language = "typescript";
  requests[2].query = "retry request";
  requests[2].mode = SearchMode::kHybrid;
  requests[2].kind = "function";
  requests[3].query = "user config";
  requests[3].mode = SearchMode::kVector;
  requests[3].path_glob = "*.ts";
  requests[4].query = "user record";
  requests[4].mode = SearchMode::kVector;
  requests[4].path_glob = "src/**/f?tch.ts";  // '?': never sent to the server
  for (size_t i = 0; i < requests.size(); ++i) {
    SearchResponse expected, got;
    ASSERT_EQ(client->Search(requests[i], &expected).ToString(), "OK");
    ASSERT_EQ(fallback->Search(requests[i], &got).ToString(), "OK");
    EXPECT_FALSE(expected.results.empty()) << i;
    EXPECT_EQ(Rows(got), Rows(expected)) << i;
    EXPECT_FALSE(got.used_hnsw) << i;
    if (i == 0) {
      ASSERT_EQ(got.notes.size(), 1u);
      EXPECT_NE(got.notes[0].find("pgvector search on postgresql://"), std::string::npos)
          << got.notes[0];
      EXPECT_NE(got.notes[0].find("vectors are searched on the client from now on"),
                std::string::npos)
          << got.notes[0];
      EXPECT_EQ(got.notes[0].find(kPgPassword), std::string::npos);
    } else {
      EXPECT_TRUE(got.notes.empty()) << i << ": " << got.notes[0];  // one warning, not one a query
    }
  }
  RepositoryStats stats;
  ASSERT_EQ(forced->GetStats("alpha", &stats).ToString(), "OK");
  EXPECT_NE(stats.backend.find("not used (server-side search failed: "), std::string::npos)
      << stats.backend;
  EXPECT_NE(stats.backend.find("client-side search"), std::string::npos) << stats.backend;
  // The failed attempt left nothing behind.
  EXPECT_EQ(PgRows(url_, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%hnsw%'"),
            (std::vector<std::string>{"0"}));
}

TEST(PgVectorGlobTest, PathRegexMatchesWhatPathGlobMatchesOnTheServer) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  const std::string url = NewPgDatabase("vector_glob");
  const std::vector<std::string> globs = {
      "*.ts",          "src/**/*.ts", "**/*.py",     "src/*",       "**",        "src/**",
      "a.b",           "*.[jt]s",     "[a-c]*.ts",   "lib/[a-z_]*", "*[0-9].py", "x-y.ts",
      "**/test/**",    "src/**/a.ts", "f(x)+.ts",    "a$b^.ts",     "né*.ts",    "**.ts",
      "src/*/util.ts", "*.[t-]s",     "b**",         "a**",         "{a,b}.ts",  "a|b.ts",
      "[._-]x.ts",     "*.d.ts",      "src/a\\b.ts", ".*",          "*/*",       "*"};
  const std::vector<std::string> paths = {
      "a.ts",     "src/a.ts",      "src/x/y/a.ts", "lib/retry.py", "test/a.py",  "a.b",
      "axb",      "src/x/util.ts", "src/util.ts",  "b.js",         "c.ts",       "d.ts",
      "lib/a_b",  "lib/A",         "v1.py",        "x-y.ts",       "a/test/b.c", "f(x)+.ts",
      "ff(x).ts", "a$b^.ts",       "né1.ts",       "ne1.ts",       "dir/né.ts",  "x/a/b",
      "b/c/d",    "a.d.ts",        "{a,b}.ts",     "a.ts|b.ts",    "_x.ts",      ".x.ts",
      "-.ts",     "src/a\\b.ts",   ".hidden",      "dir/.hidden",  "src/x/a.ts", "a/b"};
  int checked = 0;
  for (const std::string& glob : globs) {
    std::optional<std::string> regex = search_internal::PathGlobRegex(glob);
    ASSERT_TRUE(regex.has_value()) << glob;
    std::string sql = "SELECT p, p ~ $g$" + *regex + "$g$ FROM (VALUES ";
    for (size_t i = 0; i < paths.size(); ++i) {
      sql += fmt::format("{}({}, $g${}$g$)", i > 0 ? ", " : "", i, paths[i]);
    }
    sql += ") AS t(i, p) ORDER BY i";
    const std::vector<std::string> rows = PgRows(url, sql);
    ASSERT_EQ(rows.size(), paths.size()) << glob;
    for (size_t i = 0; i < paths.size(); ++i) {
      const bool server = rows[i] == paths[i] + "|t";
      EXPECT_EQ(server, PathGlobMatches(glob, paths[i]))
          << "glob " << glob << " regex " << *regex << " path " << paths[i];
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(globs.size() * paths.size()));
  // What a character-based regex cannot mean byte for byte stays on the client.
  for (const char* glob : {"?.ts", "[!a].ts", "[^a].ts", "[é].ts", "[a", "", "a\x01", "[]a].ts",
                           "[z-a].ts", "\xff.ts"}) {
    EXPECT_FALSE(search_internal::PathGlobRegex(glob).has_value()) << glob;
  }
}

}  // namespace
}  // namespace semdex::testing
