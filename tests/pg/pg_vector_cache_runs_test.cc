// Index runs on a PostgreSQL index reusing the vector cache: the SQLite index's tests
// (tests/pipeline/incremental_test.cc) against the test server.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
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

Status Index(const std::string& root, const std::string& url, const Embedder* embedder,
             bool sequential, IndexSummary* summary) {
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(url, StoreOptions(), &store); !s.ok()) return s;
  IndexOptions options;
  options.root = root;
  options.repository = "repo";
  options.sequential = sequential;
  options.workers = sequential ? 1 : 3;
  options.embedder = embedder;
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

}  // namespace
}  // namespace semdex::testing
