// OpenStore: schema creation and migration, connection settings, and open errors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "store/sqlite_schema.h"
#include "store/store.h"
#include "store_test_util.h"

namespace semdex {
namespace {

using testing::MakeFile;
using testing::OpenIndex;
using testing::RawDb;
using testing::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(OpenStoreTest, CreatesEveryTable) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  ASSERT_NE(OpenIndex(db), nullptr);
  RawDb raw(db);
  std::vector<std::string> tables = raw.Rows(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
      "ORDER BY name");
  EXPECT_EQ(tables,
            (std::vector<std::string>{
                "code_chunks", "code_chunks_fts", "code_chunks_fts_config",
                "code_chunks_fts_content", "code_chunks_fts_data", "code_chunks_fts_docsize",
                "code_chunks_fts_idx", "computed_metrics", "detailed_metadata", "edge_weights",
                "edges", "files", "graph_row_digests", "nodes", "repositories", "repository_state",
                "runs", "schema_version", "vector_cache"}));
  EXPECT_EQ(raw.Int("SELECT MAX(version) FROM schema_version"), LatestSchemaVersion());
}

TEST(OpenStoreTest, CodeChunksHasTheReferenceColumns) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  ASSERT_NE(OpenIndex(db), nullptr);
  RawDb raw(db);
  // table_xinfo lists generated columns too; chunk_id is semdex's alias of id.
  std::vector<std::string> columns =
      raw.Rows("SELECT name FROM pragma_table_xinfo('code_chunks') ORDER BY cid");
  EXPECT_EQ(columns,
            (std::vector<std::string>{"id", "repository", "file_path", "language", "chunk_type",
                                      "name", "qualified_name", "source_code", "start_line",
                                      "end_line", "part", "parent_id", "embedding_code",
                                      "embedding_text", "metadata", "indexed_at", "chunk_id"}));
  EXPECT_EQ(raw.Text("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND "
                     "name = 'code_chunks_by_file'"),
            "1");
}

TEST(OpenStoreTest, ReopenKeepsDataAndDoesNotMigrateAgain) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  {
    std::unique_ptr<Store> store = OpenIndex(db);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->WriteFile(MakeFile("r", "a.ts", 3)).ok());
  }
  for (int i = 0; i < 2; ++i) {
    std::unique_ptr<Store> store = OpenIndex(db);
    ASSERT_NE(store, nullptr);
  }
  RawDb raw(db);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM schema_version"), LatestSchemaVersion());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM code_chunks"), 3);
}

// An index at `db` with one file of 3 chunks in repository "r", then made into an index of an
// older semdex by `downgrade` (SQL that drops what later schema versions added).
void WriteOlderIndex(const std::string& db, const std::string& downgrade) {
  {
    std::unique_ptr<Store> store = OpenIndex(db);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->WriteFile(MakeFile("r", "a.ts", 3)).ok());
  }
  RawDb raw(db);
  raw.Exec(downgrade);
}

// An index made by a semdex of schema version 1 (no embedding_dim columns) is upgraded in place
// on open, its rows kept, and the new columns work.
TEST(OpenStoreTest, UpgradesAVersionOneIndexKeepingItsRows) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  ASSERT_NO_FATAL_FAILURE(WriteOlderIndex(
      db,
      "ALTER TABLE repositories DROP COLUMN embedding_dim; ALTER TABLE runs DROP COLUMN "
      "embedding_dim; DROP TABLE repository_state; DROP TRIGGER code_chunks_fts_delete; "
      "DROP TABLE code_chunks_fts; DROP TABLE vector_cache; DROP TABLE graph_row_digests; "
      "DELETE FROM schema_version WHERE version > 1"));
  std::unique_ptr<Store> store = OpenIndex(db);
  ASSERT_NE(store, nullptr);
  RunRecord run{"r", "/src/r", "sequential", 1, true, "m@1", 16};
  int64_t run_id = 0;
  ASSERT_TRUE(store->BeginRun(run, &run_id).ok());
  RepositoryStats stats;
  ASSERT_TRUE(store->GetStats("r", &stats).ok());
  EXPECT_EQ(stats.chunks, 3);
  EXPECT_EQ(stats.model_id, "m@1");
  EXPECT_EQ(stats.embedding_dim, 16);
  RawDb raw(db);
  EXPECT_EQ(raw.Int("SELECT MAX(version) FROM schema_version"), LatestSchemaVersion());
  EXPECT_EQ(raw.Int("SELECT embedding_dim FROM runs"), 16);
}

// An index of schema version 4 (no vector cache) gets the cache on open, its rows kept; the
// cache then fills as files are written with a model, and only then.
TEST(OpenStoreTest, UpgradesAVersionFourIndexWithAVectorCache) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  ASSERT_NO_FATAL_FAILURE(WriteOlderIndex(
      db,
      "DROP TABLE vector_cache; DROP TABLE graph_row_digests; DELETE FROM schema_version WHERE "
      "version > 4"));
  std::unique_ptr<Store> store = OpenIndex(db);
  ASSERT_NE(store, nullptr);
  RawDb raw(db);
  EXPECT_EQ(raw.Int("SELECT MAX(version) FROM schema_version"), LatestSchemaVersion());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM code_chunks"), 3);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM vector_cache"), 0);

  FileRow file = MakeFile("r", "b.ts", 2);
  for (ChunkRow& c : file.chunks) {
    c.embedding_code = {1, 2};
    c.embedding_text_hash = "hash-" + c.name;
  }
  ASSERT_TRUE(store->WriteFile(file).ok());  // no model: nothing cached
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM vector_cache"), 0);
  file.embedding_model_id = "m@1";
  ASSERT_TRUE(store->WriteFile(file).ok());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM vector_cache"), 2);
  std::vector<std::string> hashes;
  ASSERT_TRUE(store->ListCachedVectors("m@1", &hashes).ok());
  EXPECT_EQ(hashes.size(), 2u);
  ASSERT_TRUE(store->ListCachedVectors("m@2", &hashes).ok());  // another model
  EXPECT_TRUE(hashes.empty());
  std::vector<std::vector<float>> vectors;
  ASSERT_TRUE(
      store->LoadCachedVectors("m@1", 2, {"hash-" + file.chunks[1].name, "nope"}, &vectors).ok());
  ASSERT_EQ(vectors.size(), 2u);
  EXPECT_EQ(vectors[0], (std::vector<float>{1, 2}));
  EXPECT_TRUE(vectors[1].empty());
  ASSERT_TRUE(store->LoadCachedVectors("m@2", 2, {"hash-" + file.chunks[1].name}, &vectors).ok());
  EXPECT_TRUE(vectors[0].empty());  // another model
  ASSERT_TRUE(store->LoadCachedVectors("m@1", 3, {"hash-" + file.chunks[1].name}, &vectors).ok());
  EXPECT_TRUE(vectors[0].empty());  // another dimension
  std::vector<std::string> problems;
  ASSERT_TRUE(store->CheckIntegrity("", &problems).ok());
  for (const std::string& p : problems) EXPECT_EQ(p.find("vector cache"), std::string::npos) << p;
  raw.Exec("INSERT INTO vector_cache VALUES ('m@1', 'bad', x'010203', '2026-01-01T00:00:00.000Z')");
  problems.clear();
  ASSERT_TRUE(store->CheckIntegrity("", &problems).ok());
  std::string all;
  for (const std::string& p : problems) all += p + "\n";
  EXPECT_NE(all.find("vector cache entries without a model, text hash or vector (e.g. bad)"),
            std::string::npos)
      << all;
}

TEST(OpenStoreTest, UsesWalJournal) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  std::unique_ptr<Store> store = OpenIndex(db);
  ASSERT_NE(store, nullptr);
  RawDb raw(db);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");  // persistent in the file
}

TEST(OpenStoreTest, TwoStoresShareOneIndex) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  std::unique_ptr<Store> writer = OpenIndex(db);
  std::unique_ptr<Store> reader = OpenIndex(db);
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(writer->WriteFile(MakeFile("r", "a.ts", 2)).ok());
  RepositoryStats stats;
  ASSERT_TRUE(reader->GetStats("r", &stats).ok());
  EXPECT_EQ(stats.chunks, 2);
  ASSERT_TRUE(reader->WriteFile(MakeFile("r", "b.ts", 1)).ok());
  ASSERT_TRUE(writer->GetStats("r", &stats).ok());
  EXPECT_EQ(stats.chunks, 3);
}

TEST(OpenStoreTest, CreatesParentDirectories) {
  TempDir dir;
  const std::string db = dir.File("a/b/c/index.db");
  ASSERT_NE(OpenIndex(db), nullptr);
  EXPECT_TRUE(std::filesystem::is_regular_file(db));
}

TEST(OpenStoreTest, PathUnderARegularFileIsAClearError) {
  TempDir dir;
  std::ofstream(dir.File("plain")) << "x";
  const std::string db = dir.File("plain/sub/index.db");
  std::unique_ptr<Store> store;
  Status s = OpenStore(db, StoreOptions(), &store);
  EXPECT_EQ(s.code(), Status::Code::kIoError) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), db)) << s.message();
  EXPECT_TRUE(Contains(s.message(), "cannot create directory")) << s.message();
  EXPECT_EQ(store, nullptr);
}

TEST(OpenStoreTest, UnwritableLocationIsAClearError) {
  // /proc refuses new files and directories even to root.
  const std::string db = "/proc/semdex_store_test/index.db";
  std::unique_ptr<Store> store;
  Status s = OpenStore(db, StoreOptions(), &store);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), db)) << s.message();
  EXPECT_EQ(store, nullptr);

  s = OpenStore("/proc/semdex_store_test.db", StoreOptions(), &store);
  EXPECT_EQ(s.code(), Status::Code::kDatabaseError) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "/proc/semdex_store_test.db")) << s.message();
  EXPECT_TRUE(Contains(s.message(), "unable to open database file")) << s.message();
}

TEST(OpenStoreTest, DirectoryIsAClearError) {
  TempDir dir;
  std::unique_ptr<Store> store;
  Status s = OpenStore(dir.path(), StoreOptions(), &store);
  EXPECT_EQ(s.code(), Status::Code::kIoError) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "is a directory")) << s.message();
}

TEST(OpenStoreTest, FileThatIsNotADatabaseIsAClearError) {
  TempDir dir;
  const std::string db = dir.File("notes.txt");
  std::ofstream(db) << std::string(4096, 'x');
  std::unique_ptr<Store> store;
  Status s = OpenStore(db, StoreOptions(), &store);
  EXPECT_EQ(s.code(), Status::Code::kDatabaseError) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), db)) << s.message();
  EXPECT_TRUE(Contains(s.message(), "file is not a database")) << s.message();
  EXPECT_EQ(store, nullptr);
  std::ifstream in(db);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, std::string(4096, 'x'));  // left alone
}

TEST(OpenStoreTest, OtherSqliteDatabaseIsRefused) {
  TempDir dir;
  const std::string db = dir.File("other.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE bookmarks (url TEXT)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  std::unique_ptr<Store> store;
  Status s = OpenStore(db, StoreOptions(), &store);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "not a semdex index")) << s.message();
  RawDb raw(db);
  EXPECT_EQ(raw.Rows("SELECT name FROM sqlite_schema"), std::vector<std::string>{"bookmarks"});
}

TEST(OpenStoreTest, EmptyFileBecomesAnIndex) {
  TempDir dir;
  const std::string db = dir.File("empty.db");
  std::ofstream{db};
  EXPECT_NE(OpenIndex(db), nullptr);
}

// A PostgreSQL URL opens the PostgreSQL store (tests/pg/ runs a server); an unreachable server
// is an I/O error that names it without the password.
TEST(OpenStoreTest, UnreachablePostgresIsAnErrorWithoutThePassword) {
  for (const std::string url : {"postgresql://semdex:s3cret@127.0.0.1:1/semdex",
                                "postgres://semdex:s3cret@127.0.0.1:1/semdex?connect_timeout=2"}) {
    std::unique_ptr<Store> store;
    Status s = OpenStore(url, StoreOptions(), &store);
    EXPECT_EQ(s.code(), Status::Code::kIoError) << url;
    EXPECT_TRUE(Contains(s.message(),
                         "cannot connect to PostgreSQL at "
                         "postgresql://semdex@127.0.0.1:1/semdex"))
        << s.message();
    EXPECT_FALSE(Contains(s.message(), "s3cret")) << s.message();
    EXPECT_EQ(store, nullptr);
  }
}

TEST(OpenStoreTest, EmptyLocationIsInvalid) {
  std::unique_ptr<Store> store;
  EXPECT_EQ(OpenStore("", StoreOptions(), &store).code(), Status::Code::kInvalidArgument);
}

TEST(OpenStoreTest, NewerSchemaVersionIsRefused) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  ASSERT_NE(OpenIndex(db), nullptr);
  const int64_t newer = LatestSchemaVersion() + 1;
  {
    RawDb raw(db);
    raw.Exec(
        fmt::format("INSERT INTO schema_version VALUES ({}, '2099-01-01T00:00:00.000Z')", newer));
  }
  std::unique_ptr<Store> store;
  Status s = OpenStore(db, StoreOptions(), &store);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), db)) << s.message();
  EXPECT_TRUE(Contains(s.message(), fmt::format("schema version {} is newer", newer)))
      << s.message();
  EXPECT_EQ(store, nullptr);
}

}  // namespace
}  // namespace semdex
