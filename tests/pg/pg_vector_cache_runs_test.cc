// Incremental index runs on a PostgreSQL index (the vector cache, an interrupted run): the SQLite
// index's tests (tests/pipeline/incremental_test.cc) against the test server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pg/pg_test_util.h"
#include "pipeline/fake_embedder.h"
#include "pipeline/pipeline.h"
#include "store/store.h"
#include "test_util.h"

namespace semdex::testing {
namespace {

int64_t Count(const std::string& url, const std::string& sql) {
  return std::stoll(PgRows(url, sql).at(0));
}

// A small tree (as incremental_test.cc's), every file aged so that it is not "racy".
void WriteAgedFile(const TempDir& dir, const std::string& path, const std::string& content) {
  WriteFile(dir / path, content);
  std::filesystem::last_write_time(
      dir / path, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
}

void WriteTree(const TempDir& dir) {
  WriteAgedFile(dir, "src/util.ts",
                "export function add(a: number, b: number) { return a + b; }\n"
                "export function mul(a: number, b: number) { return a * b; }\n");
  WriteAgedFile(dir, "src/main.ts",
                "import { add } from './util';\nexport function run() { return add(3, 4); }\n");
  WriteAgedFile(dir, "lib/helper.js",
                "function helper(x) { return x * 3; }\nmodule.exports = { helper };\n");
}

// `cancel` is raised once `cancel_after` files are done (0: never).
Status Index(const std::string& root, const std::string& url, const Embedder* embedder,
             bool sequential, IndexSummary* summary, int64_t cancel_after = 0) {
  std::atomic<bool> cancel{false};
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(url, StoreOptions(), &store); !s.ok()) return s;
  IndexOptions options;
  options.root = root;
  options.repository = "repo";
  options.sequential = sequential;
  options.workers = sequential ? 1 : 3;
  options.embedder = embedder;
  options.cancel = &cancel;
  options.on_file = [&](const FileEvent&, int64_t done, int64_t) {
    if (done == cancel_after) cancel = true;
  };
  return RunIndex(options, store.get(), summary);
}

// A text that leaves the tree and comes back gets its vector from the cache, with no Embed()
// call, in sequential and parallel runs (one connection per worker).
TEST(PgVectorCacheTest, TextRemovedThenRestoredIsNotEmbeddedAgain) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  for (bool sequential : {true, false}) {
    TempDir dir;
    WriteTree(dir);
    const std::string url = NewPgDatabase(sequential ? "vcache_seq" : "vcache_par");
    FakeEmbedder model("count@1");
    IndexSummary summary;
    ASSERT_EQ(Index(dir.path(), url, &model, sequential, &summary).ToString(), "OK");
    EXPECT_GT(Count(url, "SELECT COUNT(*) FROM vector_cache WHERE model_id = 'count@1'"), 0);
    const std::string original =
        "export function add(a: number, b: number) { return a + b; }\n"
        "export function mul(a: number, b: number) { return a * b; }\n";
    WriteAgedFile(dir, "src/util.ts",
                  "export function add(a: number, b: number) { return a + b; }\n");
    std::filesystem::remove(dir / "lib/helper.js");
    ASSERT_EQ(Index(dir.path(), url, &model, sequential, &summary).ToString(), "OK");
    model.Clear();
    WriteTree(dir);
    ASSERT_EQ(Index(dir.path(), url, &model, sequential, &summary).ToString(), "OK");
    EXPECT_EQ(summary.changes.changed, 1) << sequential;
    EXPECT_EQ(summary.changes.added, 1) << sequential;
    EXPECT_EQ(model.calls(), 0) << sequential;
    EXPECT_EQ(summary.embedding.chunks, 0) << sequential;
    EXPECT_GT(summary.changes.reused_vectors, 0) << sequential;
    EXPECT_EQ(Count(url,
                    "SELECT COUNT(*) FROM code_chunks WHERE embedding_code IS NULL OR "
                    "cardinality(embedding_code) <> 4"),
              0);
  }
}

// Cached vectors are the model's own: another model embeds every text, and the cache then drops
// the vectors of the model no repository uses any more (so switching back embeds again).
TEST(PgVectorCacheTest, CachedVectorsOfAnotherModelAreNotReused) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  TempDir dir;
  WriteTree(dir);
  const std::string url = NewPgDatabase("vcache_models");
  FakeEmbedder one("count@1"), two("count@2");
  IndexSummary first, summary;
  ASSERT_EQ(Index(dir.path(), url, &one, true, &first).ToString(), "OK");
  ASSERT_EQ(Index(dir.path(), url, &two, true, &summary).ToString(), "OK");
  EXPECT_EQ(static_cast<int64_t>(two.texts().size()), first.total_chunks);
  EXPECT_EQ(PgRows(url, "SELECT DISTINCT model_id FROM vector_cache"),
            std::vector<std::string>{"count@2"});
  one.Clear();
  ASSERT_EQ(Index(dir.path(), url, &one, true, &summary).ToString(), "OK");
  EXPECT_EQ(static_cast<int64_t>(one.texts().size()), first.total_chunks);
}

// A run cut short leaves the graph of the files before it, marked stale: the check reports only
// that (not the graph rows of the files the run changed or deleted), and the next run rebuilds it.
TEST(PgVectorCacheTest, InterruptedRunIsReportedAsAStaleGraphOnly) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  TempDir dir;
  for (int i = 0; i < 20; ++i) {
    WriteAgedFile(dir, "src/f" + std::to_string(i) + ".ts",
                  "import { g } from './f" + std::to_string((i + 1) % 20) +
                      "';\nexport function f" + std::to_string(i) +
                      "() { return g(); }\nexport function g() { return 1; }\n");
  }
  const std::string url = NewPgDatabase("interrupted");
  FakeEmbedder model("count@1");
  IndexSummary summary;
  ASSERT_EQ(Index(dir.path(), url, &model, true, &summary).ToString(), "OK");
  for (int i = 0; i < 20; i += 2) {
    WriteAgedFile(dir, "src/f" + std::to_string(i) + ".ts",
                  "export function f" + std::to_string(i) + "() { return 7; }\n");
  }
  std::filesystem::remove(dir / "src/f1.ts");
  std::filesystem::remove(dir / "src/f3.ts");
  ASSERT_EQ(Index(dir.path(), url, &model, true, &summary, /*cancel_after=*/3).ToString(), "OK");
  ASSERT_TRUE(summary.interrupted);
  std::unique_ptr<Store> store;
  ASSERT_EQ(OpenStore(url, StoreOptions(), &store).ToString(), "OK");
  std::vector<std::string> problems;
  ASSERT_EQ(store->CheckIntegrity("", &problems).ToString(), "OK");
  ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("stale graph"), std::string::npos) << problems[0];
  ASSERT_EQ(Index(dir.path(), url, &model, true, &summary).ToString(), "OK");
  problems.clear();
  ASSERT_EQ(store->CheckIntegrity("", &problems).ToString(), "OK");
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
}

}  // namespace
}  // namespace semdex::testing
