// The PostgreSQL store's vector cache (schema version 3) through the Store interface: the SQLite
// index's semantics (tests/store/open_test.cc) against the test server. Index runs that reuse
// cached vectors: pg_vector_cache_runs_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "pg/pg_test_util.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace semdex::testing {
namespace {

int64_t Count(const std::string& url, const std::string& sql) {
  return std::stoll(PgRows(url, sql).at(0));
}

TEST(PgVectorCacheTest, FilledByWritesWithAModelListedAndLoadedByModelAndDimension) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  const std::string url = NewPgDatabase("vcache");
  std::unique_ptr<Store> store;
  ASSERT_EQ(OpenStore(url, StoreOptions(), &store).ToString(), "OK");
  FileRow file = MakeFile("r", "b.ts", 3);
  for (ChunkRow& c : file.chunks) {
    c.embedding_code = {1, 2.5f};
    c.embedding_text_hash = "hash-" + c.name;
  }
  file.chunks[2].embedding_text_hash = file.chunks[1].embedding_text_hash;  // a text twice
  ASSERT_EQ(store->WriteFile(file).ToString(), "OK");  // no model: nothing cached
  EXPECT_EQ(Count(url, "SELECT COUNT(*) FROM vector_cache"), 0);
  file.embedding_model_id = "m@1";
  ASSERT_EQ(store->WriteFile(file).ToString(), "OK");
  EXPECT_EQ(Count(url, "SELECT COUNT(*) FROM vector_cache"), 2);
  const std::string used_at = PgRows(url, "SELECT MAX(used_at) FROM vector_cache").at(0);
  // Written again: the entries stay, marked used again.
  ASSERT_EQ(store->WriteFile(file).ToString(), "OK");
  EXPECT_EQ(Count(url, "SELECT COUNT(*) FROM vector_cache"), 2);
  EXPECT_GE(PgRows(url, "SELECT MIN(used_at) FROM vector_cache").at(0), used_at);
  // Written again over an entry of another size (unusable): the written vector replaces it; an
  // entry of the same size keeps its vector.
  const std::string first = "'hash-" + file.chunks[0].name + "'";
  const std::string second = "'hash-" + file.chunks[1].name + "'";
  PgRows(url, "UPDATE vector_cache SET embedding = '{7}' WHERE text_hash = " + first);
  PgRows(url, "UPDATE vector_cache SET embedding = '{3,4}' WHERE text_hash = " + second);
  ASSERT_EQ(store->WriteFile(file).ToString(), "OK");
  EXPECT_EQ(PgRows(url, "SELECT embedding FROM vector_cache WHERE text_hash = " + first),
            std::vector<std::string>{"{1,2.5}"});
  EXPECT_EQ(PgRows(url, "SELECT embedding FROM vector_cache WHERE text_hash = " + second),
            std::vector<std::string>{"{3,4}"});
  PgRows(url, "UPDATE vector_cache SET embedding = '{1,2.5}' WHERE text_hash = " + second);
  // Kept after the chunks are gone.
  ASSERT_EQ(store->DeleteFiles("r", {"b.ts"}).ToString(), "OK");
  EXPECT_EQ(Count(url, "SELECT COUNT(*) FROM vector_cache"), 2);

  std::vector<std::string> hashes;
  ASSERT_EQ(store->ListCachedVectors("m@1", &hashes).ToString(), "OK");
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(hashes, (std::vector<std::string>{"hash-" + file.chunks[0].name,
                                              "hash-" + file.chunks[1].name}));
  ASSERT_EQ(store->ListCachedVectors("m@2", &hashes).ToString(), "OK");  // another model
  EXPECT_TRUE(hashes.empty());
  std::vector<std::vector<float>> vectors;
  const std::string known = "hash-" + file.chunks[1].name;
  ASSERT_EQ(store->LoadCachedVectors("m@1", 2, {known, "nope", known}, &vectors).ToString(), "OK");
  ASSERT_EQ(vectors.size(), 3u);
  EXPECT_EQ(vectors[0], (std::vector<float>{1, 2.5f}));
  EXPECT_TRUE(vectors[1].empty());
  EXPECT_EQ(vectors[2], (std::vector<float>{1, 2.5f}));
  ASSERT_EQ(store->LoadCachedVectors("m@1", 3, {known}, &vectors).ToString(), "OK");
  EXPECT_TRUE(vectors[0].empty());  // another dimension
  ASSERT_EQ(store->LoadCachedVectors("m@2", 2, {known}, &vectors).ToString(), "OK");
  EXPECT_TRUE(vectors[0].empty());  // another model
  // More hashes than one round trip looks up.
  std::vector<std::string> many(2500, "absent");
  many[2400] = known;
  ASSERT_EQ(store->LoadCachedVectors("m@1", 2, many, &vectors).ToString(), "OK");
  ASSERT_EQ(vectors.size(), many.size());
  EXPECT_EQ(vectors[2400], (std::vector<float>{1, 2.5f}));
  EXPECT_TRUE(vectors[0].empty());

  std::vector<std::string> problems;
  ASSERT_EQ(store->CheckIntegrity("", &problems).ToString(), "OK");
  for (const std::string& p : problems) EXPECT_EQ(p.find("vector cache"), std::string::npos) << p;
  PgRows(url, "INSERT INTO vector_cache VALUES ('m@1', 'bad', '{}', '2026-01-01T00:00:00.000Z')");
  problems.clear();
  ASSERT_EQ(store->CheckIntegrity("", &problems).ToString(), "OK");
  std::string all;
  for (const std::string& p : problems) all += p + "\n";
  EXPECT_NE(all.find("vector cache entries without a model, text hash or vector (e.g. bad)"),
            std::string::npos)
      << all;
}

TEST(PgVectorCacheTest, PruneDropsUnusedModelsThenTheOldestBeyondTheSpare) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  const std::string url = NewPgDatabase("vcache_prune");
  std::unique_ptr<Store> store;
  ASSERT_EQ(OpenStore(url, StoreOptions(), &store).ToString(), "OK");
  RunRecord run;
  run.repository = "r";
  run.model_id = "m@1";
  run.embedding_dim = 1;
  int64_t run_id = 0;
  ASSERT_EQ(store->BeginRun(run, &run_id).ToString(), "OK");
  PgRows(url,
         "INSERT INTO vector_cache SELECT 'm@1', 'h' || i, '{0.5}', "
         "'2026-01-01T00:00:' || lpad(i::text, 2, '0') || '.000Z' FROM generate_series(10, 29) "
         "i; INSERT INTO vector_cache VALUES ('old@1', 'x', '{1}', '2020-01-01T00:00:00.000Z')");
  ASSERT_EQ(store->WriteFile(MakeFile("r", "a.ts", 3)).ToString(), "OK");  // 3 chunks
  ASSERT_EQ(store->PruneVectorCache(100).ToString(), "OK");
  EXPECT_EQ(Count(url, "SELECT COUNT(*) FROM vector_cache WHERE model_id = 'old@1'"), 0);
  EXPECT_EQ(Count(url, "SELECT COUNT(*) FROM vector_cache"), 20);
  ASSERT_EQ(store->PruneVectorCache(5).ToString(), "OK");  // keep 3 chunks + 5 spare
  EXPECT_EQ(PgRows(url, "SELECT text_hash FROM vector_cache ORDER BY text_hash"),
            (std::vector<std::string>{"h22", "h23", "h24", "h25", "h26", "h27", "h28", "h29"}));
}

}  // namespace
}  // namespace semdex::testing
