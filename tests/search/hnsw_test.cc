// The HNSW graph: recall against the exact scan, its persisted files, and stale detection.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "search/search_internal.h"
#include "search_test_util.h"

namespace semdex::testing {
namespace {

using search_internal::ExactTopK;
using search_internal::HnswGraph;
using search_internal::HnswParams;
using search_internal::LoadOrBuildHnsw;
using search_internal::ScoredRow;

std::vector<float> RandomUnitVectors(size_t count, size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(count * dim);
  for (size_t i = 0; i < count; ++i) {
    float norm = 0;
    for (size_t d = 0; d < dim; ++d) {
      v[i * dim + d] = normal(rng);
      norm += v[i * dim + d] * v[i * dim + d];
    }
    for (size_t d = 0; d < dim; ++d) v[i * dim + d] /= std::sqrt(norm);
  }
  return v;
}

double RecallAt10(const HnswGraph& graph, const std::vector<float>& data,
                  const std::vector<float>& queries, size_t dim) {
  size_t found = 0;
  size_t total = 0;
  const size_t count = data.size() / dim;
  for (size_t q = 0; q < queries.size() / dim; ++q) {
    std::vector<ScoredRow> exact = ExactTopK(data.data(), dim, queries.data() + q * dim, 10, {}, 0,
                                             static_cast<uint32_t>(count));
    std::vector<ScoredRow> approx = graph.Search(queries.data() + q * dim, 10, 128);
    std::set<uint32_t> truth;
    for (const ScoredRow& r : exact) truth.insert(r.row);
    for (const ScoredRow& r : approx) found += truth.count(r.row);
    total += exact.size();
  }
  return static_cast<double>(found) / static_cast<double>(total);
}

TEST(HnswTest, ExactTopKIsSortedAndMatchesDotProducts) {
  const size_t dim = 37;  // not a multiple of 8: the kernel's tail
  std::vector<float> data = RandomUnitVectors(500, dim, 1);
  std::vector<float> q = RandomUnitVectors(1, dim, 2);
  std::vector<ScoredRow> top = ExactTopK(data.data(), dim, q.data(), 20, {}, 0, 500);
  ASSERT_EQ(top.size(), 20u);
  std::vector<std::pair<float, uint32_t>> brute;
  for (uint32_t i = 0; i < 500; ++i) {
    double dot = 0;
    for (size_t d = 0; d < dim; ++d) dot += double(data[i * dim + d]) * q[d];
    brute.push_back({static_cast<float>(dot), i});
  }
  std::sort(brute.begin(), brute.end(), [](auto a, auto b) { return a.first > b.first; });
  for (size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(top[i].row, brute[i].second) << i;
    EXPECT_NEAR(top[i].score, brute[i].first, 1e-5);
  }
  // A subset of rows.
  std::vector<ScoredRow> sub = ExactTopK(data.data(), dim, q.data(), 3, {7, 9, 11, 400}, 0, 0);
  ASSERT_EQ(sub.size(), 3u);
  for (const ScoredRow& r : sub)
    EXPECT_TRUE(r.row == 7 || r.row == 9 || r.row == 11 || r.row == 400);
}

TEST(HnswTest, RecallAt10AgainstExactIsAtLeast95Percent) {
  const size_t dim = 64;
  const size_t count = 4000;
  std::vector<float> data = RandomUnitVectors(count, dim, 3);
  std::vector<float> queries = RandomUnitVectors(100, dim, 4);
  std::unique_ptr<HnswGraph> graph;
  HnswParams params;
  ASSERT_TRUE(HnswGraph::Build(data.data(), count, dim, params, &graph).ok());
  EXPECT_EQ(graph->size(), count);
  const double recall = RecallAt10(*graph, data, queries, dim);
  EXPECT_GE(recall, 0.95);
  // Scores are the dot products.
  std::vector<ScoredRow> top = graph->Search(queries.data(), 5, 64);
  ASSERT_EQ(top.size(), 5u);
  for (const ScoredRow& r : top) {
    EXPECT_NEAR(r.score, search_internal::Dot(data.data() + r.row * dim, queries.data(), dim),
                1e-5);
  }
}

TEST(HnswTest, PersistedGraphIsReloadedAndAStaleOneRebuilt) {
  TempDir dir;
  const std::string hnsw_dir = dir / "index.db.hnsw";
  const size_t dim = 16;
  std::vector<float> data = RandomUnitVectors(300, dim, 5);
  HnswParams params;
  std::unique_ptr<HnswGraph> graph;
  bool loaded = true;
  ASSERT_TRUE(LoadOrBuildHnsw(hnsw_dir, "my/repo", "stamp-1", data.data(), 300, dim, params, &graph,
                              &loaded)
                  .ok());
  EXPECT_FALSE(loaded);
  const std::string base = hnsw_dir + "/" + search_internal::HnswFileBase("my/repo");
  EXPECT_TRUE(std::filesystem::exists(base + ".hnsw"));
  EXPECT_TRUE(std::filesystem::exists(base + ".stamp"));
  EXPECT_EQ(base.find("my/repo"), std::string::npos);  // the name is made safe
  std::vector<ScoredRow> before = graph->Search(data.data(), 10, 64);

  ASSERT_TRUE(LoadOrBuildHnsw(hnsw_dir, "my/repo", "stamp-1", data.data(), 300, dim, params, &graph,
                              &loaded)
                  .ok());
  EXPECT_TRUE(loaded);
  std::vector<ScoredRow> after = graph->Search(data.data(), 10, 64);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].row, before[i].row);

  // Another stamp (the rows changed): rebuilt, and the new stamp saved.
  std::vector<float> changed = RandomUnitVectors(310, dim, 6);
  ASSERT_TRUE(LoadOrBuildHnsw(hnsw_dir, "my/repo", "stamp-2", changed.data(), 310, dim, params,
                              &graph, &loaded)
                  .ok());
  EXPECT_FALSE(loaded);
  EXPECT_EQ(graph->size(), 310u);
  std::ifstream stamp(base + ".stamp");
  std::string text((std::istreambuf_iterator<char>(stamp)), {});
  EXPECT_EQ(text, "stamp-2");

  // A damaged graph file with a matching stamp is rebuilt, not trusted.
  { std::ofstream(base + ".hnsw", std::ios::trunc) << "garbage"; }
  ASSERT_TRUE(LoadOrBuildHnsw(hnsw_dir, "my/repo", "stamp-2", changed.data(), 310, dim, params,
                              &graph, &loaded)
                  .ok());
  EXPECT_FALSE(loaded);
  EXPECT_EQ(graph->size(), 310u);
}

TEST(HnswTest, StampChangesWithAnyRow) {
  const size_t dim = 8;
  std::vector<float> data = RandomUnitVectors(3, dim, 7);
  std::string a = "a", b = "b", c = "c";
  HnswParams params;
  const std::string base =
      search_internal::VectorStamp("m", dim, {&a, &b, &c}, data.data(), params);
  EXPECT_EQ(base, search_internal::VectorStamp("m", dim, {&a, &b, &c}, data.data(), params));
  EXPECT_NE(base, search_internal::VectorStamp("m2", dim, {&a, &b, &c}, data.data(), params));
  std::string c2 = "c2";
  EXPECT_NE(base, search_internal::VectorStamp("m", dim, {&a, &b, &c2}, data.data(), params));
  std::vector<float> moved = data;
  moved[5] += 1e-6f;
  EXPECT_NE(base, search_internal::VectorStamp("m", dim, {&a, &b, &c}, moved.data(), params));
}

// Through the Searcher: above hnsw_min_chunks the graph is used, persisted next to the index,
// and rebuilt after the rows change.
TEST(HnswTest, SearcherUsesPersistsAndRefreshesTheGraph) {
  TempDir dir;
  const std::string db = dir / "index.db";
  std::unique_ptr<Store> store = OpenTestStore(db);
  BagOfWordsEmbedder embedder;
  RecordRun(store.get(), "r", &embedder);
  const std::vector<std::string> words = {"red", "green", "blue", "cyan", "map", "scan",
                                          "zip", "take",  "skip", "fold", "sum", "max"};
  std::mt19937 rng(11);
  for (int f = 0; f < 20; ++f) {
    std::vector<TestChunk> chunks;
    for (int c = 0; c < 10; ++c) {
      std::string src;
      for (int w = 0; w < 5; ++w) src += words[rng() % words.size()] + " ";
      chunks.push_back({"c" + std::to_string(f * 10 + c), "function", src, ""});
    }
    ASSERT_TRUE(
        store->WriteFile(MakeSearchFile("r", "f" + std::to_string(f) + ".ts", chunks, &embedder))
            .ok());
  }
  SearcherOptions options;
  options.hnsw_dir = db + ".hnsw";
  options.hnsw_min_chunks = 100;
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(store.get(), &embedder, options, &searcher).ok());
  SearchRequest r;
  r.query = "red green blue";
  r.mode = SearchMode::kVector;
  SearchResponse hnsw;
  ASSERT_TRUE(searcher->Search(r, &hnsw).ok());
  EXPECT_TRUE(hnsw.used_hnsw);
  r.vector_index = VectorIndex::kExact;
  SearchResponse exact;
  ASSERT_TRUE(searcher->Search(r, &exact).ok());
  EXPECT_FALSE(exact.used_hnsw);
  ASSERT_EQ(hnsw.results.size(), exact.results.size());
  EXPECT_NEAR(hnsw.results[0].score, exact.results[0].score, 1e-6);
  // A filter other than the repository: the exact scan of the filtered rows.
  r.vector_index = VectorIndex::kAuto;
  r.path_glob = "f1*.ts";
  SearchResponse filtered;
  ASSERT_TRUE(searcher->Search(r, &filtered).ok());
  EXPECT_FALSE(filtered.used_hnsw);
  r.path_glob.clear();

  const std::string stamp_path =
      options.hnsw_dir + "/" + search_internal::HnswFileBase("r") + ".stamp";
  ASSERT_TRUE(std::filesystem::exists(stamp_path));
  auto read = [](const std::string& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  const std::string first_stamp = read(stamp_path);
  ASSERT_TRUE(store
                  ->WriteFile(MakeSearchFile(
                      "r", "new.ts", {{"fresh", "function", "red green blue", ""}}, &embedder))
                  .ok());
  SearchResponse again;
  ASSERT_TRUE(searcher->Search(r, &again).ok());
  EXPECT_TRUE(again.used_hnsw);
  EXPECT_NE(read(stamp_path), first_stamp);
  ASSERT_FALSE(again.results.empty());
  EXPECT_EQ(again.results[0].name, "fresh");
}

}  // namespace
}  // namespace semdex::testing
