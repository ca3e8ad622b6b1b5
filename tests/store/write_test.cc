// WriteFile and RecordProblem: per-file atomic replacement, rollback on any failure, and the
// values stored in each column.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/encoding.h"
#include "store/store.h"
#include "store_test_util.h"

namespace semdex {
namespace {

using testing::MakeFile;
using testing::OpenIndex;
using testing::RawDb;
using testing::TempDir;

class WriteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("index.db");
    StoreOptions options;
    options.fault_injector = [this](const FileRow& file, size_t chunk_index) {
      return !(file.file_path == fail_path_ && static_cast<int>(chunk_index) == fail_at_);
    };
    store_ = OpenIndex(db_, options);
    ASSERT_NE(store_, nullptr);
  }

  // Every row the index holds for `path` in repository "r": chunks, then the files row.
  std::vector<std::string> RowsOf(const std::string& path) {
    RawDb raw(db_);
    std::vector<std::string> rows = raw.Rows(fmt::format(
        "SELECT id, source_code, indexed_at FROM code_chunks WHERE repository = 'r' AND "
        "file_path = '{}' ORDER BY id",
        path));
    for (const std::string& row : raw.Rows(fmt::format(
             "SELECT * FROM files WHERE repository = 'r' AND file_path = '{}'", path))) {
      rows.push_back("files:" + row);
    }
    return rows;
  }

  TempDir dir_;
  std::string db_;
  std::unique_ptr<Store> store_;
  std::string fail_path_;
  int fail_at_ = -1;
};

TEST_F(WriteFileTest, StoresChunksAndFileRow) {
  FileRow file = MakeFile("r", "src/a.ts", 2);
  file.chunks[1].parent_id = file.chunks[0].id;
  file.chunks[1].part = 2;
  ASSERT_TRUE(store_->WriteFile(file).ok());
  RawDb raw(db_);
  EXPECT_EQ(raw.Rows("SELECT repository, file_path, language, chunk_type, name, qualified_name, "
                     "source_code, start_line, end_line, part, parent_id IS NULL, metadata, "
                     "embedding_code IS NULL, embedding_text IS NULL FROM code_chunks "
                     "ORDER BY start_line"),
            (std::vector<std::string>{
                "r|src/a.ts|typescript|function|f0|mod.f0|function f0() { return 'v1'; }|1|9|1|1|"
                "{\"calls\":[]}|1|1",
                "r|src/a.ts|typescript|class|f1|mod.f1|function f1() { return 'v1'; }|11|19|2|0|"
                "{\"calls\":[]}|1|1"}));
  EXPECT_EQ(raw.Text("SELECT parent_id FROM code_chunks WHERE part = 2"), file.chunks[0].id);
  EXPECT_EQ(raw.Rows("SELECT repository, file_path, language, size_bytes, mtime_ns, content_hash, "
                     "status, reason, detail, chunk_count, metadata FROM files"),
            std::vector<std::string>{
                "r|src/a.ts|typescript|200|1700000000000000000|hash-v1|indexed|NULL|NULL|2|"
                "{\"imports\":[\"./a\"],\"syntax_errors\":0}"});
  EXPECT_EQ(raw.Text("SELECT COUNT(*) FROM code_chunks WHERE metadata->>'calls' = '[]'"), "2");
  EXPECT_EQ(raw.Text("SELECT indexed_at = (SELECT indexed_at FROM files) FROM code_chunks LIMIT 1"),
            "1");
  EXPECT_EQ(raw.Text("SELECT COUNT(*) FROM repositories WHERE name = 'r' AND "
                     "last_indexed_at IS NOT NULL"),
            "1");
}

TEST_F(WriteFileTest, ReplacesPreviousChunksOfTheFileOnly) {
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 5, "v1")).ok());
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "b.ts", 2, "v1")).ok());
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 3, "v2")).ok());
  RawDb raw(db_);
  EXPECT_EQ(raw.Rows("SELECT file_path, COUNT(*), MIN(source_code LIKE '%v2%') FROM code_chunks "
                     "GROUP BY file_path ORDER BY file_path"),
            (std::vector<std::string>{"a.ts|3|1", "b.ts|2|0"}));
  EXPECT_EQ(raw.Rows("SELECT file_path, chunk_count, content_hash FROM files ORDER BY 1"),
            (std::vector<std::string>{"a.ts|3|hash-v2", "b.ts|2|hash-v1"}));
}

TEST_F(WriteFileTest, RewriteWithSameIdsSucceeds) {
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 3)).ok());
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 3)).ok());
  EXPECT_EQ(RawDb(db_).Int("SELECT COUNT(*) FROM code_chunks"), 3);
}

TEST_F(WriteFileTest, FileWithoutChunksIsIndexed) {
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "empty.ts", 0)).ok());
  EXPECT_EQ(RowsOf("empty.ts").size(), 1u);
  EXPECT_EQ(RawDb(db_).Text("SELECT status || chunk_count FROM files"), "indexed0");
}

TEST_F(WriteFileTest, FaultInNewFileLeavesNoRow) {
  for (int k : {0, 2, 4}) {
    fail_path_ = "new.ts";
    fail_at_ = k;
    Status s = store_->WriteFile(MakeFile("r", "new.ts", 5));
    EXPECT_EQ(s.code(), Status::Code::kDatabaseError) << s.ToString();
    EXPECT_NE(s.message().find("new.ts"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(fmt::format("chunk {}", k)), std::string::npos) << s.message();
    EXPECT_TRUE(RowsOf("new.ts").empty()) << "k=" << k;
    EXPECT_EQ(RawDb(db_).Int("SELECT COUNT(*) FROM repositories"), 0) << "k=" << k;
  }
}

TEST_F(WriteFileTest, FaultInRewriteLeavesPreviousVersion) {
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 3, "v1")).ok());
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "b.ts", 2, "v1")).ok());
  const std::vector<std::string> before = RowsOf("a.ts");
  ASSERT_EQ(before.size(), 4u);
  for (int k : {0, 1, 4}) {
    fail_path_ = "a.ts";
    fail_at_ = k;
    Status s = store_->WriteFile(MakeFile("r", "a.ts", 5, "v2"));
    EXPECT_EQ(s.code(), Status::Code::kDatabaseError) << s.ToString();
    EXPECT_EQ(RowsOf("a.ts"), before) << "k=" << k;
  }
  EXPECT_EQ(RowsOf("b.ts").size(), 3u);
  // The store is usable after a failed write.
  fail_at_ = -1;
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 5, "v2")).ok());
  EXPECT_EQ(RowsOf("a.ts").size(), 6u);
}

TEST_F(WriteFileTest, SqliteErrorRollsBackAndNamesTheFile) {
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 2, "v1")).ok());
  const std::vector<std::string> before = RowsOf("a.ts");
  FileRow bad = MakeFile("r", "a.ts", 3, "v2");
  bad.chunks[2].id = bad.chunks[0].id;  // duplicate primary key
  Status s = store_->WriteFile(bad);
  EXPECT_EQ(s.code(), Status::Code::kDatabaseError) << s.ToString();
  EXPECT_NE(s.message().find("a.ts"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("UNIQUE constraint failed: code_chunks.id"), std::string::npos)
      << s.message();
  EXPECT_EQ(RowsOf("a.ts"), before);
}

TEST_F(WriteFileTest, MalformedJsonIsRefused) {
  FileRow bad = MakeFile("r", "a.ts", 2);
  bad.chunks[1].metadata_json = "{not json";
  Status s = store_->WriteFile(bad);
  EXPECT_EQ(s.code(), Status::Code::kDatabaseError) << s.ToString();
  EXPECT_NE(s.message().find("CHECK constraint failed"), std::string::npos) << s.message();
  EXPECT_TRUE(RowsOf("a.ts").empty());

  bad = MakeFile("r", "a.ts", 2);
  bad.metadata_json = "[1,";
  EXPECT_FALSE(store_->WriteFile(bad).ok());
  EXPECT_TRUE(RowsOf("a.ts").empty());
}

TEST_F(WriteFileTest, MissingIdentityIsInvalid) {
  EXPECT_EQ(store_->WriteFile(MakeFile("", "a.ts", 1)).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->WriteFile(MakeFile("r", "", 1)).code(), Status::Code::kInvalidArgument);
  FileRow no_id = MakeFile("r", "a.ts", 2);
  no_id.chunks[1].id.clear();
  EXPECT_EQ(store_->WriteFile(no_id).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(RowsOf("a.ts").empty());
}

TEST_F(WriteFileTest, EmbeddingRoundTrips) {
  FileRow file = MakeFile("r", "a.ts", 2);
  std::vector<float> vec(768);
  for (size_t i = 0; i < vec.size(); ++i) vec[i] = static_cast<float>(i) * 0.001f - 0.25f;
  file.chunks[0].embedding_code = vec;
  ASSERT_TRUE(store_->WriteFile(file).ok());

  RawDb raw(db_);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw.handle(),
                               "SELECT embedding_code, typeof(embedding_code) FROM code_chunks "
                               "ORDER BY start_line",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1))), "blob");
  std::string blob(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                   static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
  EXPECT_EQ(blob.size(), 768u * 4);
  std::vector<float> back;
  ASSERT_TRUE(DecodeEmbedding(blob, &back));
  EXPECT_EQ(back, vec);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);  // the second chunk has no embedding
  EXPECT_EQ(sqlite3_column_type(stmt, 0), SQLITE_NULL);
  sqlite3_finalize(stmt);
}

TEST_F(WriteFileTest, RecordProblemReplacesChunksWithAProblemRow) {
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 3)).ok());
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "b.ts", 1)).ok());
  ASSERT_TRUE(store_->RecordProblem({"r", "a.ts", "failed", "parse error: boom", "line 3"}).ok());
  ASSERT_TRUE(store_->RecordProblem({"r", "big.bin", "skipped", "too_large", "9 MB"}).ok());
  RawDb raw(db_);
  EXPECT_EQ(raw.Rows("SELECT file_path, language, status, reason, detail, chunk_count, "
                     "content_hash, indexed_at IS NOT NULL FROM files ORDER BY 1"),
            (std::vector<std::string>{"a.ts|typescript|failed|parse error: boom|line 3|0|NULL|1",
                                      "b.ts|typescript|indexed|NULL|NULL|1|hash-v1|1",
                                      "big.bin|NULL|skipped|too_large|9 MB|0|NULL|1"}));
  EXPECT_EQ(raw.Rows("SELECT file_path, COUNT(*) FROM code_chunks GROUP BY 1"),
            std::vector<std::string>{"b.ts|1"});

  // A later successful write turns the problem row back into an indexed file.
  ASSERT_TRUE(store_->WriteFile(MakeFile("r", "a.ts", 2)).ok());
  EXPECT_EQ(raw.Text("SELECT status || ':' || chunk_count || ':' || (reason IS NULL) FROM files "
                     "WHERE file_path = 'a.ts'"),
            "indexed:2:1");
}

TEST_F(WriteFileTest, RecordProblemRegistersTheRepository) {
  ASSERT_TRUE(store_->RecordProblem({"fresh", "x.py", "skipped", "binary", ""}).ok());
  std::vector<std::string> repos;
  ASSERT_TRUE(store_->ListRepositories(&repos).ok());
  EXPECT_EQ(repos, std::vector<std::string>{"fresh"});
}

TEST_F(WriteFileTest, RecordProblemRejectsUnknownStatus) {
  Status s = store_->RecordProblem({"r", "a.ts", "indexed", "", ""});
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(RowsOf("a.ts").empty());
}

}  // namespace
}  // namespace semdex
