// DeleteRepository, runs, GetStats and ListRepositories.
#include <gtest/gtest.h>

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

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("index.db");
    store_ = OpenIndex(db_);
    ASSERT_NE(store_, nullptr);
  }

  // Indexes `repository` as a run would: a run, two files, one failure, one skip.
  void IndexRepository(const std::string& repository) {
    int64_t run_id = 0;
    ASSERT_TRUE(
        store_->BeginRun({repository, "/src/" + repository, "parallel", 4, false, ""}, &run_id)
            .ok());
    FileRow a = MakeFile(repository, "a.ts", 3);
    FileRow b = MakeFile(repository, "b.py", 2);
    b.language = "python";
    ASSERT_TRUE(store_->WriteFile(a).ok());
    ASSERT_TRUE(store_->WriteFile(b).ok());
    ASSERT_TRUE(store_->RecordProblem({repository, "c.ts", "failed", "boom", ""}).ok());
    ASSERT_TRUE(store_->RecordProblem({repository, "d.bin", "skipped", "binary", ""}).ok());
    ASSERT_TRUE(store_->FinishRun(run_id, R"({"total_files":4,"success_files":2})").ok());
    RawDb raw(db_);
    InsertGraphRows(&raw, repository, 3, {a.chunks[0].id, b.chunks[0].id});
  }

  // Row counts of every table for `repository`, in a fixed order.
  std::vector<int64_t> CountsOf(const std::string& r) {
    RawDb raw(db_);
    std::vector<int64_t> counts;
    for (const char* sql : {
             "SELECT COUNT(*) FROM code_chunks WHERE repository = '{0}'",
             "SELECT COUNT(*) FROM files WHERE repository = '{0}'",
             "SELECT COUNT(*) FROM runs WHERE repository = '{0}'",
             "SELECT COUNT(*) FROM repositories WHERE name = '{0}'",
             "SELECT COUNT(*) FROM nodes WHERE properties->>'repository' = '{0}'",
             "SELECT COUNT(*) FROM edges WHERE edge_id LIKE '{0}-%'",
             "SELECT COUNT(*) FROM edge_weights WHERE edge_id LIKE '{0}-%'",
             "SELECT COUNT(*) FROM computed_metrics WHERE repository = '{0}'",
             "SELECT COUNT(*) FROM detailed_metadata WHERE node_id LIKE '{0}-%'",
         }) {
      counts.push_back(raw.Int(fmt::format(fmt::runtime(sql), r)));
    }
    return counts;
  }

  TempDir dir_;
  std::string db_;
  std::unique_ptr<Store> store_;
};

TEST_F(RepositoryTest, DeleteRepositoryRemovesOnlyThatRepository) {
  IndexRepository("alpha");
  IndexRepository("beta");
  const std::vector<int64_t> full = {5, 4, 1, 1, 3, 2, 2, 3, 2};
  ASSERT_EQ(CountsOf("alpha"), full);
  ASSERT_EQ(CountsOf("beta"), full);

  ASSERT_TRUE(store_->DeleteRepository("alpha").ok());
  EXPECT_EQ(CountsOf("alpha"), std::vector<int64_t>(9, 0));
  EXPECT_EQ(CountsOf("beta"), full);

  std::vector<std::string> repos;
  ASSERT_TRUE(store_->ListRepositories(&repos).ok());
  EXPECT_EQ(repos, std::vector<std::string>{"beta"});
}

TEST_F(RepositoryTest, DeleteUnknownRepositoryIsANoOp) {
  IndexRepository("alpha");
  EXPECT_TRUE(store_->DeleteRepository("nope").ok());
  EXPECT_EQ(CountsOf("alpha")[0], 5);
}

TEST_F(RepositoryTest, GetStatsCountsFilesChunksAndLastRun) {
  IndexRepository("alpha");
  IndexRepository("beta");
  RepositoryStats stats;
  ASSERT_TRUE(store_->GetStats("alpha", &stats).ok());
  EXPECT_EQ(stats.repository, "alpha");
  EXPECT_EQ(stats.root_path, "/src/alpha");
  EXPECT_EQ(stats.files, 2);
  EXPECT_EQ(stats.failed_files, 1);
  EXPECT_EQ(stats.skipped_files, 1);
  EXPECT_EQ(stats.chunks, 5);
  EXPECT_EQ(stats.chunks_by_type, (std::map<std::string, int64_t>{{"function", 3}, {"class", 2}}));
  EXPECT_EQ(stats.chunks_by_language,
            (std::map<std::string, int64_t>{{"python", 2}, {"typescript", 3}}));
  EXPECT_EQ(stats.model_id, "");
  EXPECT_EQ(stats.last_run_json, R"({"total_files":4,"success_files":2})");
  EXPECT_EQ(stats.last_run_at.size(), 24u) << stats.last_run_at;
}

TEST_F(RepositoryTest, GetStatsReportsTheLatestFinishedRun) {
  int64_t first = 0, second = 0, unfinished = 0;
  ASSERT_TRUE(store_->BeginRun({"r", "/old", "sequential", 1, true, "model-a"}, &first).ok());
  ASSERT_TRUE(store_->FinishRun(first, R"({"n":1})").ok());
  ASSERT_TRUE(store_->BeginRun({"r", "/new", "parallel", 2, true, "model-b"}, &second).ok());
  ASSERT_TRUE(store_->FinishRun(second, R"({"n":2})").ok());
  ASSERT_TRUE(store_->BeginRun({"r", "/newest", "parallel", 2, true, "model-c"}, &unfinished).ok());
  EXPECT_LT(first, second);
  EXPECT_LT(second, unfinished);

  RepositoryStats stats;
  ASSERT_TRUE(store_->GetStats("r", &stats).ok());
  EXPECT_EQ(stats.last_run_json, R"({"n":2})");
  EXPECT_EQ(stats.model_id, "model-c");  // the latest run's, finished or not
  EXPECT_EQ(stats.root_path, "/newest");
  EXPECT_EQ(stats.files, 0);
  EXPECT_EQ(stats.chunks, 0);

  RawDb raw(db_);
  EXPECT_EQ(raw.Rows("SELECT run_id, mode, workers, embed, model_id, finished_at IS NOT NULL, "
                     "summary->>'n' FROM runs ORDER BY run_id"),
            (std::vector<std::string>{fmt::format("{}|sequential|1|1|model-a|1|1", first),
                                      fmt::format("{}|parallel|2|1|model-b|1|2", second),
                                      fmt::format("{}|parallel|2|1|model-c|0|NULL", unfinished)}));
  EXPECT_EQ(raw.Text("SELECT last_indexed_at = (SELECT finished_at FROM runs WHERE run_id = " +
                     std::to_string(second) + ") FROM repositories"),
            "1");
}

TEST_F(RepositoryTest, FinishUnknownRunIsNotFound) {
  Status s = store_->FinishRun(42, "{}");
  EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.ToString();
}

TEST_F(RepositoryTest, FinishRunRefusesMalformedSummary) {
  int64_t run_id = 0;
  ASSERT_TRUE(store_->BeginRun({"r", "/x", "parallel", 1, false, ""}, &run_id).ok());
  EXPECT_EQ(store_->FinishRun(run_id, "{oops").code(), Status::Code::kDatabaseError);
  RepositoryStats stats;
  ASSERT_TRUE(store_->GetStats("r", &stats).ok());
  EXPECT_EQ(stats.last_run_json, "");
  EXPECT_EQ(stats.last_run_at, "");
}

TEST_F(RepositoryTest, GetStatsOfUnknownRepositoryIsNotFound) {
  IndexRepository("alpha");
  RepositoryStats stats;
  Status s = store_->GetStats("nope", &stats);
  EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("nope"), std::string::npos) << s.message();
}

TEST_F(RepositoryTest, GetStatsSeesChunksWithoutARegistryRow) {
  RawDb raw(db_);
  raw.Exec(
      "INSERT INTO code_chunks (id, repository, file_path, chunk_type, language) "
      "VALUES ('x', 'hand', 'a.ts', 'function', 'typescript')");
  RepositoryStats stats;
  ASSERT_TRUE(store_->GetStats("hand", &stats).ok());
  EXPECT_EQ(stats.chunks, 1);
  EXPECT_EQ(stats.files, 0);
}

TEST_F(RepositoryTest, ListRepositoriesIsSorted) {
  std::vector<std::string> repos = {"stale"};
  ASSERT_TRUE(store_->ListRepositories(&repos).ok());
  EXPECT_TRUE(repos.empty());
  for (const char* r : {"zeta", "alpha", "mid"}) {
    ASSERT_TRUE(store_->WriteFile(MakeFile(r, "a.ts", 1)).ok());
  }
  ASSERT_TRUE(store_->WriteFile(MakeFile("alpha", "b.ts", 1)).ok());
  ASSERT_TRUE(store_->ListRepositories(&repos).ok());
  EXPECT_EQ(repos, (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

}  // namespace
}  // namespace semdex
