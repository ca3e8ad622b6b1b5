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
  EXPECT_EQ(tables, (std::vector<std::string>{
                        "code_chunks", "code_chunks_fts", "code_chunks_fts_config",
                        "code_chunks_fts_content", "code_chunks_fts_data",
                        "code_chunks_fts_docsize", "code_chunks_fts_idx", "computed_metrics",
                        "detailed_metadata", "edge_weights", "edges", "files", "nodes",
                        "repositories", "repository_state", "runs", "schema_version"}));
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

// An index made by a semdex of schema version 1 (no embedding_dim columns) is upgraded in place
// on open, its rows kept, and the new columns work.
TEST(OpenStoreTest, UpgradesAVersionOneIndexKeepingItsRows) {
  TempDir dir;
  const std::string db = dir.File("index.db");
  {
    std::unique_ptr<Store> store = OpenIndex(db);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->WriteFile(MakeFile("r", "a.ts", 3)).ok());
  }
  {
    RawDb raw(db);
    raw.Exec(
        "ALTER TABLE repositories DROP COLUMN embedding_dim; ALTER TABLE runs DROP COLUMN "
        "embedding_dim; DROP TABLE repository_state; DROP TRIGGER code_chunks_fts_delete; "
        "DROP TABLE code_chunks_fts; DELETE FROM schema_version WHERE version > "
        "1");
  }
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

TEST(OpenStoreTest, PostgresUrlIsUnsupportedAndNotEchoed) {
  for (const std::string url :
       {"postgresql://semdex:s3cret@localhost:5432/semdex", "postgres://semdex:s3cret@db/semdex"}) {
    std::unique_ptr<Store> store;
    Status s = OpenStore(url, StoreOptions(), &store);
    EXPECT_EQ(s.code(), Status::Code::kUnsupported) << url;
    EXPECT_TRUE(Contains(s.message(), "PostgreSQL backend is not available yet")) << s.message();
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
