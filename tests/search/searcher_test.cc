// Searcher: the three modes, filters, fusion, model checks and staleness, on an index written
// through the Store with a small deterministic embedder.
#include <gtest/gtest.h>

#include <random>

#include "search/search.h"
#include "search_test_util.h"

namespace semdex::testing {
namespace {

const std::vector<TestChunk> kGeometry = {
    {"distanceTo", "method", "distanceTo(v) { return Math.sqrt(this.distanceToSquared(v)); }",
     "Computes the distance from this vector to v."},
    {"normalize", "method", "normalize() { return this.divideScalar(this.length() || 1); }",
     "Converts this vector to a unit vector."},
    {"Matrix4", "class", "class Matrix4 { constructor() { this.elements = []; } }",
     "A 4x4 matrix."},
};
const std::vector<TestChunk> kStrings = {
    {"capitalize", "function", "function capitalize(s) { return s[0].toUpperCase() + s.slice(1); }",
     "Upper-cases the first letter of a string."},
    {"padStart", "function", "function padStart(s, n) { return ' '.repeat(n - s.length) + s; }",
     "Pads a string on the left."},
};

class SearcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_ / "index.db";
    store_ = OpenTestStore(db_);
  }
  void Write(const std::string& repo, const std::string& path, const std::vector<TestChunk>& c,
             const Embedder* e) {
    Status s = store_->WriteFile(MakeSearchFile(repo, path, c, e));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // The standard index: two repositories embedded with embedder_.
  void WriteStandard() {
    RecordRun(store_.get(), "geo", &embedder_);
    RecordRun(store_.get(), "str", &embedder_);
    Write("geo", "src/math/Vector3.ts", {kGeometry[0], kGeometry[1]}, &embedder_);
    Write("geo", "src/math/Matrix4.js", {kGeometry[2]}, &embedder_);
    Write("str", "lib/strings.py", kStrings, &embedder_);
  }
  std::unique_ptr<Searcher> Open(const Embedder* e, SearcherOptions options = {}) {
    std::unique_ptr<Searcher> searcher;
    Status s = Searcher::Open(store_.get(), e, options, &searcher);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return searcher;
  }
  SearchResponse Run(Searcher* searcher, SearchRequest r) {
    SearchResponse out;
    Status s = searcher->Search(r, &out);
    EXPECT_TRUE(s.ok()) << r.query << ": " << s.ToString();
    return out;
  }
  static SearchRequest Query(const std::string& q, SearchMode mode = SearchMode::kHybrid) {
    SearchRequest r;
    r.query = q;
    r.mode = mode;
    return r;
  }

  TempDir dir_;
  std::string db_;
  std::unique_ptr<Store> store_;
  BagOfWordsEmbedder embedder_;
};

TEST_F(SearcherTest, EachModeFindsTheDescribedChunk) {
  WriteStandard();
  auto searcher = Open(&embedder_);
  for (SearchMode mode : {SearchMode::kLexical, SearchMode::kVector, SearchMode::kHybrid}) {
    SearchResponse r = Run(searcher.get(), Query("distanceTo: sqrt of distanceToSquared", mode));
    ASSERT_FALSE(r.results.empty()) << SearchModeName(mode);
    EXPECT_EQ(r.results[0].name, "distanceTo") << SearchModeName(mode);
    EXPECT_EQ(r.mode, mode);
    const SearchResult& top = r.results[0];
    EXPECT_EQ(top.file_path, "src/math/Vector3.ts");
    EXPECT_EQ(top.repository, "geo");
    EXPECT_EQ(top.kind, "method");
    EXPECT_EQ(top.language, "typescript");
    EXPECT_EQ(top.start_line, 1);
    EXPECT_EQ(top.end_line, 3);
    EXPECT_NE(top.snippet.find("distanceTo(v)"), std::string::npos) << top.snippet;
  }
}

TEST_F(SearcherTest, HybridReportsEachLegsRankAndScore) {
  WriteStandard();
  auto searcher = Open(&embedder_);
  SearchRequest req = Query("unit vector length");
  req.limit = 5;
  req.lexical_weight = 1.0;
  req.vector_weight = 0.7;  // both legs count (the default vector weight is small)
  SearchResponse hybrid = Run(searcher.get(), req);
  SearchResponse lexical = Run(searcher.get(), Query(req.query, SearchMode::kLexical));
  SearchResponse vector = Run(searcher.get(), Query(req.query, SearchMode::kVector));
  ASSERT_FALSE(hybrid.results.empty());
  for (const SearchResult& h : hybrid.results) {
    double expected = 0;
    for (size_t i = 0; i < lexical.results.size(); ++i) {
      if (lexical.results[i].chunk_id != h.chunk_id) continue;
      EXPECT_EQ(h.lexical.rank, static_cast<int>(i + 1));
      EXPECT_DOUBLE_EQ(h.lexical.score, lexical.results[i].score);
      expected += req.lexical_weight / (req.rrf_k + static_cast<double>(i + 1));
    }
    for (size_t i = 0; i < vector.results.size(); ++i) {
      if (vector.results[i].chunk_id != h.chunk_id) continue;
      EXPECT_EQ(h.vector.rank, static_cast<int>(i + 1));
      EXPECT_DOUBLE_EQ(h.vector.score, vector.results[i].score);
      expected += req.vector_weight / (req.rrf_k + static_cast<double>(i + 1));
    }
    EXPECT_NEAR(h.score, expected, 1e-12) << h.name;
    EXPECT_TRUE(h.lexical.rank > 0 || h.vector.rank > 0);
  }
  for (size_t i = 1; i < hybrid.results.size(); ++i) {
    EXPECT_GE(hybrid.results[i - 1].score, hybrid.results[i].score);
  }
}

// The default weights (search.h): the lexical order stands within the top results, and chunks
// only the vector leg found come after every lexical hit.
TEST_F(SearcherTest, DefaultWeightsKeepTheLexicalOrder) {
  WriteStandard();
  auto searcher = Open(&embedder_);
  for (const char* q : {"unit vector length", "capitalize the first letter", "matrix"}) {
    SearchRequest req = Query(q);
    req.limit = 20;
    SearchResponse hybrid = Run(searcher.get(), req);
    ASSERT_FALSE(hybrid.results.empty()) << q;
    int last_lexical_rank = 0;
    bool vector_only_seen = false;
    for (const SearchResult& r : hybrid.results) {
      if (r.lexical.rank == 0) {
        vector_only_seen = true;
        continue;
      }
      EXPECT_FALSE(vector_only_seen) << q << ": " << r.name << " after a vector-only hit";
      EXPECT_GT(r.lexical.rank, last_lexical_rank) << q << ": " << r.name;
      last_lexical_rank = r.lexical.rank;
    }
  }
}

TEST(FusionTest, ReciprocalRankArithmetic) {
  std::vector<FusedId> f = FuseReciprocalRank({{"a", "b", "c"}, {"c", "a", "d"}}, {1.0, 0.5}, 60);
  ASSERT_EQ(f.size(), 4u);
  const double a = 1.0 / 61 + 0.5 / 62;
  const double b = 1.0 / 62;
  const double c = 1.0 / 63 + 0.5 / 61;
  const double d = 0.5 / 63;
  EXPECT_EQ(f[0].id, "a");
  EXPECT_DOUBLE_EQ(f[0].score, a);
  EXPECT_EQ(f[0].ranks, (std::vector<int>{1, 2}));
  EXPECT_EQ(f[1].id, "c");
  EXPECT_DOUBLE_EQ(f[1].score, c);
  EXPECT_EQ(f[2].id, "b");
  EXPECT_DOUBLE_EQ(f[2].score, b);
  EXPECT_EQ(f[2].ranks, (std::vector<int>{2, 0}));
  EXPECT_EQ(f[3].id, "d");
  EXPECT_DOUBLE_EQ(f[3].score, d);
  // Equal scores break by id; a zero weight leaves only ranks.
  f = FuseReciprocalRank({{"y", "x"}, {"x", "y"}}, {1.0, 1.0}, 1);
  EXPECT_EQ(f[0].id, "x");
  EXPECT_DOUBLE_EQ(f[0].score, f[1].score);
  f = FuseReciprocalRank({{"p"}, {"q"}}, {0.0, 1.0}, 60);
  EXPECT_EQ(f[0].id, "q");
  EXPECT_EQ(f[1].score, 0.0);
}

TEST_F(SearcherTest, FiltersApplyInEveryMode) {
  WriteStandard();
  auto searcher = Open(&embedder_);
  struct Case {
    std::string repository, language, kind, path;
    std::vector<std::string> allowed;
  } cases[] = {
      {"str", "", "", "", {"capitalize", "padStart"}},
      {"", "javascript", "", "", {"Matrix4"}},
      {"", "", "method", "", {"distanceTo", "normalize"}},
      {"", "", "", "*.py", {"capitalize", "padStart"}},
      {"", "", "", "src/**/*.js", {"Matrix4"}},
      {"", "", "", "src/*.ts", {}},
      {"geo", "python", "", "", {}},
  };
  for (SearchMode mode : {SearchMode::kLexical, SearchMode::kVector, SearchMode::kHybrid}) {
    for (const Case& c : cases) {
      SearchRequest r = Query("string vector matrix distance pads letter unit", mode);
      r.repository = c.repository;
      r.language = c.language;
      r.kind = c.kind;
      r.path_glob = c.path;
      SearchResponse out = Run(searcher.get(), r);
      std::vector<std::string> names = Names(out);
      std::sort(names.begin(), names.end());
      EXPECT_EQ(names, c.allowed) << SearchModeName(mode) << " " << c.repository << c.language
                                  << c.kind << c.path;
    }
  }
}

TEST_F(SearcherTest, VectorExactTopKEqualsBruteForce) {
  RecordRun(store_.get(), "big", &embedder_);
  std::mt19937 rng(7);
  const std::vector<std::string> words = {"alpha",  "beta",  "gamma", "delta", "map",  "filter",
                                          "reduce", "merge", "scan",  "take",  "skip", "zip"};
  std::vector<std::string> sources;
  for (int f = 0; f < 30; ++f) {
    std::vector<TestChunk> chunks;
    for (int c = 0; c < 10; ++c) {
      std::string src;
      for (int w = 0; w < 6; ++w) src += words[rng() % words.size()] + " ";
      chunks.push_back({"f" + std::to_string(f * 10 + c), "function", src, ""});
      sources.push_back(src);
    }
    Write("big", "f" + std::to_string(f) + ".ts", chunks, &embedder_);
  }
  auto searcher = Open(&embedder_);
  SearchRequest r = Query("merge scan zip alpha", SearchMode::kVector);
  r.limit = 25;
  r.vector_index = VectorIndex::kExact;
  SearchResponse out = Run(searcher.get(), r);
  ASSERT_EQ(out.results.size(), 25u);
  EXPECT_FALSE(out.used_hnsw);
  std::vector<std::vector<float>> q;
  ASSERT_TRUE(embedder_.Embed({r.query}, &q).ok());
  std::vector<std::pair<double, std::string>> brute;
  for (size_t i = 0; i < sources.size(); ++i) {
    std::vector<std::vector<float>> v;
    ASSERT_TRUE(embedder_.Embed({sources[i]}, &v).ok());
    double dot = 0;
    for (size_t d = 0; d < v[0].size(); ++d) dot += v[0][d] * q[0][d];
    brute.push_back({dot, "f" + std::to_string(i)});
  }
  std::sort(brute.begin(), brute.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < out.results.size(); ++i) {
    EXPECT_NEAR(out.results[i].score, brute[i].first, 1e-5) << i;
    // Equal scores may come in either order; distinct ones must agree.
    if (i + 1 < brute.size() && brute[i].first - brute[i + 1].first > 1e-5 &&
        (i == 0 || brute[i - 1].first - brute[i].first > 1e-5)) {
      EXPECT_EQ(out.results[i].name, brute[i].second) << i;
    }
  }
}

TEST_F(SearcherTest, BadQueriesGiveResultsOrNothingButNoError) {
  WriteStandard();
  auto searcher = Open(&embedder_);
  std::string huge;
  while (huge.size() < 100 * 1024) huge += "vector \" NEAR( * ) AND ";
  for (const std::string& q :
       {std::string(""), std::string("  \n"), std::string("?!.,;"), std::string("\""),
        std::string("*"), std::string("NEAR("), std::string("AND OR NOT"), std::string("((("),
        std::string("vector)"), std::string("\"unterminated"), std::string(100 * 1024, 'q'),
        huge}) {
    for (SearchMode mode : {SearchMode::kLexical, SearchMode::kVector, SearchMode::kHybrid}) {
      SearchResponse out;
      Status s = searcher->Search(Query(q, mode), &out);
      EXPECT_TRUE(s.ok()) << SearchModeName(mode) << " " << q.substr(0, 30) << ": " << s.ToString();
    }
  }
  SearchResponse out = Run(searcher.get(), Query(huge));
  EXPECT_FALSE(out.results.empty());
  EXPECT_TRUE(Run(searcher.get(), Query("?!.,;")).results.empty());
}

TEST_F(SearcherTest, RejectsBadRequests) {
  WriteStandard();
  auto searcher = Open(&embedder_);
  SearchResponse out;
  SearchRequest r = Query("x");
  r.limit = 0;
  EXPECT_EQ(searcher->Search(r, &out).code(), Status::Code::kInvalidArgument);
  r = Query("x");
  r.vector_weight = -1;
  EXPECT_EQ(searcher->Search(r, &out).code(), Status::Code::kInvalidArgument);
  r = Query("x");
  r.repository = "nope";
  Status s = searcher->Search(r, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("nope"), std::string::npos);
}

TEST_F(SearcherTest, ModelMismatchIsAClearError) {
  WriteStandard();
  BagOfWordsEmbedder other("other-model@2");
  std::unique_ptr<Searcher> searcher;
  Status s = Searcher::Open(store_.get(), &other, {}, &searcher);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("bow-test@1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("other-model@2"), std::string::npos) << s.message();
  BagOfWordsEmbedder narrower("bow-test@1", 32);
  EXPECT_EQ(Searcher::Open(store_.get(), &narrower, {}, &searcher).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(SearcherTest, NoEmbedIndexFallsBackToLexicalInHybridAndFailsInVectorMode) {
  RecordRun(store_.get(), "plain", nullptr);
  Write("plain", "a.ts", kGeometry, nullptr);
  auto searcher = Open(&embedder_);
  SearchResponse out = Run(searcher.get(), Query("distance"));
  EXPECT_EQ(out.mode, SearchMode::kLexical);
  ASSERT_EQ(out.notes.size(), 1u);
  EXPECT_NE(out.notes[0].find("--no-embed"), std::string::npos) << out.notes[0];
  ASSERT_FALSE(out.results.empty());
  EXPECT_EQ(out.results[0].name, "distanceTo");
  SearchResponse vec;
  Status s = searcher->Search(Query("distance", SearchMode::kVector), &vec);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  // Lexical search needs no model at all.
  auto lexical_only = Open(nullptr);
  EXPECT_EQ(Run(lexical_only.get(), Query("distance", SearchMode::kLexical)).results[0].name,
            "distanceTo");
}

TEST_F(SearcherTest, SeesRowsWrittenAfterItOpened) {
  WriteStandard();
  auto searcher = Open(&embedder_);
  EXPECT_TRUE(Run(searcher.get(), Query("quaternion slerp", SearchMode::kLexical)).results.empty());
  // Another connection writes (as a concurrent `semdex index` would).
  {
    std::unique_ptr<Store> writer = OpenTestStore(db_);
    ASSERT_TRUE(writer
                    ->WriteFile(MakeSearchFile(
                        "geo", "src/math/Quaternion.ts",
                        {{"slerp", "method", "slerp(q, t) { /* quaternion */ }", ""}}, &embedder_))
                    .ok());
  }
  for (SearchMode mode : {SearchMode::kLexical, SearchMode::kVector, SearchMode::kHybrid}) {
    SearchResponse out = Run(searcher.get(), Query("quaternion slerp", mode));
    ASSERT_FALSE(out.results.empty()) << SearchModeName(mode);
    EXPECT_EQ(out.results[0].name, "slerp") << SearchModeName(mode);
  }
  // And forgets rows deleted since.
  ASSERT_TRUE(store_->DeleteRepository("geo").ok());
  for (const SearchResult& r : Run(searcher.get(), Query("quaternion slerp")).results) {
    EXPECT_NE(r.repository, "geo") << r.name;
  }
}

TEST(PathGlobTest, Table) {
  const struct {
    const char* glob;
    const char* path;
    bool match;
  } cases[] = {
      {"*.ts", "a.ts", true},
      {"*.ts", "src/a.ts", true},  // no '/': the last component too
      {"*.ts", "src/a.js", false},
      {"src/*.ts", "src/a.ts", true},
      {"src/*.ts", "src/x/a.ts", false},
      {"src/**/*.ts", "src/a.ts", true},
      {"src/**/*.ts", "src/x/y/a.ts", true},
      {"src/**", "src/x/y/a.ts", true},
      {"**/test/*", "a/b/test/c.py", true},
      {"**/test/*", "test/c.py", true},
      {"a?c.ts", "abc.ts", true},
      {"a?c.ts", "a/c.ts", false},
      {"[ab].ts", "b.ts", true},
      {"[!ab].ts", "b.ts", false},
      {"[a-c]x", "bx", true},
      {"[a-c]x", "dx", false},
      {"[unclosed", "[unclosed", true},
      {"src", "src/a.ts", false},
      {"", "a.ts", false},
      {"*", "", true},
      {"operators/*", "src/internal/operators/map.ts", false},
      {"**/operators/*", "src/internal/operators/map.ts", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PathGlobMatches(c.glob, c.path), c.match) << c.glob << " vs " << c.path;
  }
}

TEST(ModelSpecTest, DerivesTheSpecFromTheRecordedModelId) {
  std::string spec;
  Precision precision = Precision::kBf16;
  ASSERT_TRUE(ModelSpecForIndex("use-lite-en@0.2.0", &spec, &precision).ok());
  EXPECT_EQ(spec, "default");
  EXPECT_EQ(precision, Precision::kFp32);
  ASSERT_TRUE(ModelSpecForIndex("use-lite-en@0.2.0+int8", &spec, &precision).ok());
  EXPECT_EQ(spec, "default");
  EXPECT_EQ(precision, Precision::kInt8);
  ASSERT_TRUE(ModelSpecForIndex("remote:127.0.0.1:8080/v1/embeddings#m", &spec, &precision).ok());
  EXPECT_EQ(spec, "http://127.0.0.1:8080/v1/embeddings#m");
  ASSERT_TRUE(ModelSpecForIndex("remote:api.example.com/v1/embeddings#m", &spec, &precision).ok());
  EXPECT_EQ(spec, "https://api.example.com/v1/embeddings#m");
  Status s = ModelSpecForIndex("hf:jina-embeddings-v2-base-code+int8", &spec, &precision);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("--model PATH"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("--precision int8"), std::string::npos) << s.message();
  EXPECT_FALSE(ModelSpecForIndex("use-lite-en@custom-abc", &spec, &precision).ok());
}

}  // namespace
}  // namespace semdex::testing
