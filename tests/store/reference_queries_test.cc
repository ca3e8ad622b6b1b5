// The reference design's Task 7 SQL (parallel-indexing-plan.md, steps 7.1 and 7.3), verbatim,
// against an index written by the store. The strings below are copied unchanged from the plan.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "store/store.h"
#include "store_test_util.h"

namespace semdex {
namespace {

using testing::InsertGraphRows;
using testing::MakeFile;
using testing::OpenIndex;
using testing::RawDb;
using testing::TempDir;

// Step 7.1: "Clear existing code_test data".
constexpr const char* kCleanupSql = R"sql(
DELETE FROM edge_weights WHERE edge_id IN (SELECT edge_id FROM edges WHERE source_node_id IN (SELECT node_id FROM nodes WHERE properties->>'repository' = 'code_test'));
DELETE FROM computed_metrics WHERE repository = 'code_test';
DELETE FROM detailed_metadata WHERE chunk_id IN (SELECT chunk_id FROM code_chunks WHERE repository = 'code_test');
DELETE FROM edges WHERE source_node_id IN (SELECT node_id FROM nodes WHERE properties->>'repository' = 'code_test');
DELETE FROM nodes WHERE properties->>'repository' = 'code_test';
DELETE FROM code_chunks WHERE repository = 'code_test';
)sql";

// Step 7.3: "Verify 100% completion".
constexpr const char* kVerifySql = R"sql(
SELECT COUNT(*) as total_chunks FROM code_chunks WHERE repository = 'code_test';
SELECT COUNT(*) as total_nodes FROM nodes WHERE properties->>'repository' = 'code_test';
SELECT COUNT(*) as total_edges FROM edges WHERE source_node_id IN (SELECT node_id FROM nodes WHERE properties->>'repository' = 'code_test');
)sql";

// Runs every statement of `script` in turn, as psql -c does; returns "<column>=<value>" of the
// first row of each statement that returns rows.
std::vector<std::string> RunScript(sqlite3* db, const char* script) {
  std::vector<std::string> results;
  const char* sql = script;
  while (sql != nullptr && *sql != '\0') {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, &tail) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db) << " in: " << sql;
      return results;
    }
    if (stmt != nullptr) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        results.push_back(std::string(sqlite3_column_name(stmt, 0)) + "=" +
                          reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
      } else if (rc != SQLITE_DONE) {
        ADD_FAILURE() << sqlite3_errmsg(db) << " in: " << sql;
      }
      sqlite3_finalize(stmt);
    }
    sql = tail;
  }
  return results;
}

class ReferenceQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("index.db");
    std::unique_ptr<Store> store = OpenIndex(db_);
    ASSERT_NE(store, nullptr);
    for (const char* repo : {"code_test", "other"}) {
      for (int f = 0; f < 3; ++f) {
        FileRow file = MakeFile(repo, "src/f" + std::to_string(f) + ".ts", f + 2);
        ASSERT_TRUE(store->WriteFile(file).ok());
        chunk_ids_[repo].push_back(file.chunks[0].id);
      }
    }
    RawDb raw(db_);
    InsertGraphRows(&raw, "code_test", 4, chunk_ids_["code_test"]);
    InsertGraphRows(&raw, "other", 2, chunk_ids_["other"]);
  }

  TempDir dir_;
  std::string db_;
  std::map<std::string, std::vector<std::string>> chunk_ids_;
};

TEST_F(ReferenceQueriesTest, VerificationQueriesCountTheRepository) {
  RawDb raw(db_);
  EXPECT_EQ(RunScript(raw.handle(), kVerifySql),
            (std::vector<std::string>{"total_chunks=9", "total_nodes=4", "total_edges=3"}));
}

TEST_F(ReferenceQueriesTest, NodeLookupByRepositoryUsesTheIndex) {
  RawDb raw(db_);
  std::vector<std::string> plan = raw.Rows(
      "EXPLAIN QUERY PLAN SELECT node_id FROM nodes WHERE properties->>'repository' = 'code_test'");
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("USING INDEX nodes_by_repository"), std::string::npos) << plan[0];
}

TEST_F(ReferenceQueriesTest, CleanupClearsOnlyThatRepository) {
  RawDb raw(db_);
  RunScript(raw.handle(), kCleanupSql);
  EXPECT_EQ(RunScript(raw.handle(), kVerifySql),
            (std::vector<std::string>{"total_chunks=0", "total_nodes=0", "total_edges=0"}));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM edge_weights WHERE edge_id LIKE 'code_test-%'"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM computed_metrics WHERE repository = 'code_test'"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM detailed_metadata WHERE node_id LIKE 'code_test-%'"), 0);
  // The other repository is untouched, its detailed_metadata included: the plan's
  // "SELECT chunk_id FROM code_chunks" relies on code_chunks having a chunk_id column.
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM code_chunks WHERE repository = 'other'"), 9);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM nodes WHERE properties->>'repository' = 'other'"), 2);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM edges"), 1);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM edge_weights"), 1);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM computed_metrics"), 2);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM detailed_metadata WHERE node_id LIKE 'other-%'"), 3);
}

TEST_F(ReferenceQueriesTest, DeleteRepositoryMatchesTheCleanup) {
  {
    std::unique_ptr<Store> store = OpenIndex(db_);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->DeleteRepository("code_test").ok());
  }
  RawDb raw(db_);
  EXPECT_EQ(RunScript(raw.handle(), kVerifySql),
            (std::vector<std::string>{"total_chunks=0", "total_nodes=0", "total_edges=0"}));
  EXPECT_EQ(raw.Rows("SELECT (SELECT COUNT(*) FROM edge_weights), "
                     "(SELECT COUNT(*) FROM computed_metrics), "
                     "(SELECT COUNT(*) FROM detailed_metadata), "
                     "(SELECT COUNT(*) FROM code_chunks)"),
            std::vector<std::string>{"1|2|3|9"});
}

}  // namespace
}  // namespace semdex
