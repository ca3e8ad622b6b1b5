// The full-text index: in step with code_chunks, filters, and queries that are not FTS syntax.
#include <gtest/gtest.h>

#include "search_test_util.h"
#include "store/store.h"

namespace semdex::testing {
namespace {

void ExecSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

class LexicalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_ / "index.db";
    store_ = OpenTestStore(db_);
  }

  std::vector<std::string> Lexical(const std::string& query, const ChunkFilter& filter = {}) {
    std::vector<LexicalHit> hits;
    Status s = store_->SearchLexical(query, filter, 50, &hits);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::string> ids;
    for (const LexicalHit& h : hits) ids.push_back(h.chunk_id);
    return ids;
  }

  int64_t FtsRows() {
    return std::stoll(QueryRows(db_, "SELECT COUNT(*) FROM code_chunks_fts")[0]);
  }
  int64_t ChunkRows() { return std::stoll(QueryRows(db_, "SELECT COUNT(*) FROM code_chunks")[0]); }
  // Full-text rows whose rowid and chunk id match a chunk row.
  int64_t LinkedFtsRows() {
    return std::stoll(QueryRows(db_,
                                "SELECT COUNT(*) FROM code_chunks_fts f JOIN code_chunks c ON "
                                "c.rowid = f.rowid AND c.id = f.chunk_id")[0]);
  }

  TempDir dir_;
  std::string db_;
  std::unique_ptr<Store> store_;
};

const std::vector<TestChunk> kMathChunks = {
    {"getUserName", "function", "function getUserName(user) { return user.name; }", ""},
    {"computeLength", "function", "function computeLength(v) { return Math.sqrt(v.x*v.x); }",
     "Returns the Euclidean length of the vector."},
    {"Vector3", "class", "class Vector3 { constructor(x, y, z) {} }", "A 3D vector."},
};

TEST_F(LexicalTest, FindsIdentifiersWholeAndByTheirWords) {
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "src/a.ts", kMathChunks, nullptr)).ok());
  std::vector<LexicalHit> hits;
  ASSERT_TRUE(store_->SearchLexical("getUserName", {}, 10, &hits).ok());
  ASSERT_FALSE(hits.empty());
  const std::string get_user = ChunkId("r", "src/a.ts", 0, 50, 1);
  EXPECT_EQ(hits[0].chunk_id, get_user);
  EXPECT_GT(hits[0].score, 0);  // -bm25: higher is better
  EXPECT_EQ(Lexical("user name")[0], get_user);
  EXPECT_EQ(Lexical("euclidean length")[0], ChunkId("r", "src/a.ts", 100, 150, 1));
  EXPECT_EQ(Lexical("vector3")[0], ChunkId("r", "src/a.ts", 200, 250, 1));
  EXPECT_TRUE(Lexical("nonexistentword").empty());
}

TEST_F(LexicalTest, RowsStayInStepAcrossRewriteFailureAndDelete) {
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "a.ts", kMathChunks, nullptr)).ok());
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "b.ts", kMathChunks, nullptr)).ok());
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("other", "a.ts", kMathChunks, nullptr)).ok());
  EXPECT_EQ(FtsRows(), 9);
  // Re-writing a file with fewer chunks replaces its full-text rows.
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "a.ts", {kMathChunks[0]}, nullptr)).ok());
  EXPECT_EQ(FtsRows(), 7);
  EXPECT_EQ(Lexical("euclidean", {"r", "", ""}).size(), 1u);
  // A failed file loses its chunks and their full-text rows.
  FileProblem problem{"r", "b.ts", "failed", "parse error", ""};
  ASSERT_TRUE(store_->RecordProblem(problem).ok());
  EXPECT_EQ(FtsRows(), 4);
  EXPECT_TRUE(Lexical("euclidean", {"r", "", ""}).empty());
  // Deleting a repository deletes its full-text rows and nothing else.
  ASSERT_TRUE(store_->DeleteRepository("other").ok());
  EXPECT_EQ(FtsRows(), 1);
  EXPECT_EQ(FtsRows(), ChunkRows());
  EXPECT_EQ(LinkedFtsRows(), ChunkRows());
  EXPECT_EQ(Lexical("getUserName").size(), 1u);
}

TEST_F(LexicalTest, AFailedWriteLeavesNoFullTextRows) {
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "a.ts", kMathChunks, nullptr)).ok());
  store_.reset();
  StoreOptions options;
  options.fault_injector = [](const FileRow& f, size_t i) {
    return !(f.file_path == "a.ts" && i == 2);
  };
  store_ = OpenTestStore(db_, options);
  std::vector<TestChunk> changed = kMathChunks;
  changed[0].source = "function getUserName() { return zebra; }";
  EXPECT_FALSE(store_->WriteFile(MakeSearchFile("r", "a.ts", changed, nullptr)).ok());
  EXPECT_EQ(FtsRows(), 3);
  EXPECT_EQ(LinkedFtsRows(), 3);
  EXPECT_TRUE(Lexical("zebra").empty());  // the rolled-back text is not searchable
  EXPECT_EQ(Lexical("getUserName").size(), 1u);
}

TEST_F(LexicalTest, BadQueriesAreSearchedAsText) {
  std::vector<TestChunk> chunks = kMathChunks;
  chunks.push_back({"near", "function", "function near(a, b) { return NEAR(a) * b; }", ""});
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "a.ts", chunks, nullptr)).ok());
  const std::string huge(100 * 1024, 'x');
  std::string huge_words;
  while (huge_words.size() < 100 * 1024) huge_words += "vector length \" * NEAR( ) ";
  for (const std::string& q : {std::string(""),
                               std::string("   "),
                               std::string("!!!...???"),
                               std::string("\""),
                               std::string("\"\"\""),
                               std::string("*"),
                               std::string("vec*"),
                               std::string("NEAR("),
                               std::string("NEAR(a b, 3)"),
                               std::string("AND OR NOT"),
                               std::string("a AND"),
                               std::string("((vector"),
                               std::string("vector))"),
                               std::string("col:vector"),
                               std::string("^vector"),
                               std::string("{name}: x"),
                               std::string("-vector +length"),
                               std::string("'; DROP TABLE code_chunks; --"),
                               std::string("\x01\x02\xff\xfe"),
                               huge,
                               huge_words}) {
    std::vector<LexicalHit> hits;
    Status s = store_->SearchLexical(q, {}, 10, &hits);
    EXPECT_TRUE(s.ok()) << q.substr(0, 40) << ": " << s.ToString();
  }
  EXPECT_FALSE(Lexical("NEAR(").empty());  // the word "near" is searched
  EXPECT_FALSE(Lexical("vector* AND").empty());
  EXPECT_TRUE(Lexical("!!!").empty());
  EXPECT_EQ(ChunkRows(), 4);
}

TEST_F(LexicalTest, FiltersApplyBeforeTheLimit) {
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "a.ts", kMathChunks, nullptr)).ok());
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "b.py", kMathChunks, nullptr)).ok());
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("s", "c.js", kMathChunks, nullptr)).ok());
  EXPECT_EQ(Lexical("vector").size(), 6u);  // computeLength's doc and Vector3, in 3 files
  EXPECT_EQ(Lexical("vector", {"s", "", ""}).size(), 2u);
  EXPECT_EQ(Lexical("vector", {"", "python", ""}).size(), 2u);
  EXPECT_EQ(Lexical("vector", {"", "", "class"}).size(), 3u);
  EXPECT_EQ(Lexical("vector", {"r", "typescript", "class"}).size(), 1u);
  std::vector<LexicalHit> hits;
  ASSERT_TRUE(store_->SearchLexical("vector", {"", "", "class"}, 1, &hits).ok());
  EXPECT_EQ(hits.size(), 1u);
}

// The filtered query (joined to code_chunks) and the unfiltered one (the full-text table alone)
// rank alike, ties included: equal scores break by full-text rowid in both.
TEST_F(LexicalTest, FilteredAndUnfilteredQueriesRankAlike) {
  for (const char* file : {"b.ts", "a.ts", "c.ts"}) {  // identical chunks: equal scores
    ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", file, kMathChunks, nullptr)).ok());
  }
  for (const std::string q : {"vector", "user name length", "euclidean vector3"}) {
    std::vector<LexicalHit> all, filtered;
    ASSERT_TRUE(store_->SearchLexical(q, {}, 50, &all).ok());
    ASSERT_TRUE(store_->SearchLexical(q, {"r", "", ""}, 50, &filtered).ok());
    ASSERT_FALSE(all.empty()) << q;
    ASSERT_EQ(all.size(), filtered.size()) << q;
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(all[i].chunk_id, filtered[i].chunk_id) << q << " #" << i;
      EXPECT_DOUBLE_EQ(all[i].score, filtered[i].score) << q << " #" << i;
      if (i > 0) {
        EXPECT_GE(all[i - 1].score, all[i].score);
      }
    }
    // The limit keeps the best: the first of the full list.
    std::vector<LexicalHit> top;
    ASSERT_TRUE(store_->SearchLexical(q, {}, 2, &top).ok());
    ASSERT_EQ(top.size(), std::min<size_t>(2, all.size()));
    for (size_t i = 0; i < top.size(); ++i) EXPECT_EQ(top[i].chunk_id, all[i].chunk_id);
  }
  // Equal chunks in b.ts, a.ts, c.ts: written in that order, returned in that order.
  std::vector<LexicalHit> hits;
  ASSERT_TRUE(store_->SearchLexical("getUserName", {}, 10, &hits).ok());
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].chunk_id, ChunkId("r", "b.ts", 0, 50, 1));
  EXPECT_EQ(hits[1].chunk_id, ChunkId("r", "a.ts", 0, 50, 1));
  EXPECT_EQ(hits[2].chunk_id, ChunkId("r", "c.ts", 0, 50, 1));
}

TEST_F(LexicalTest, MigrationBackfillsAVersion2Index) {
  ASSERT_TRUE(store_->WriteFile(MakeSearchFile("r", "a.ts", kMathChunks, nullptr)).ok());
  store_.reset();
  // Back to version 2: no full-text table, no trigger, and no table of a later version (4:
  // repository_state; 5: vector_cache, graph_row_digests; a new version adds its own here).
  ExecSql(db_,
          "DROP TRIGGER code_chunks_fts_delete; DROP TABLE code_chunks_fts; "
          "DROP TABLE IF EXISTS repository_state; DROP TABLE IF EXISTS vector_cache; "
          "DROP TABLE IF EXISTS graph_row_digests; DELETE FROM schema_version WHERE version >= 3");
  store_ = OpenTestStore(db_);
  EXPECT_EQ(FtsRows(), 3);
  EXPECT_EQ(LinkedFtsRows(), 3);
  EXPECT_EQ(Lexical("euclidean")[0], ChunkId("r", "a.ts", 100, 150, 1));
}

}  // namespace
}  // namespace semdex::testing
