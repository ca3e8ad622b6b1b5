// The PostgreSQL store through the Store interface: per-file writes and rollback, problems,
// graph rows, the reference design's jsonb queries, migrations, the repository lock, and the
// connection errors (which never show the password).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "pg/pg_test_util.h"
#include "store/pg_conn.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace semdex::testing {
namespace {

// store_test_util.h's file, with docstrings that JSON must escape (a tab, a backslash).
FileRow MakeEscapedFile(const std::string& repository, const std::string& path, int n,
                        const std::string& tag = "v1") {
  FileRow file = MakeFile(repository, path, n, tag);
  for (ChunkRow& c : file.chunks) {
    c.metadata_json = R"j({"signature":"f()","docstring":"Says hello.\tTabbed\\"})j";
  }
  return file;
}

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RequirePgServer());
    url_ = NewPgDatabase("store");
    ASSERT_EQ(OpenStore(url_, StoreOptions(), &store_).ToString(), "OK");
  }

  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_F(PgStoreTest, WritesReadsAndReplacesFiles) {
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "a.ts", 3)).ToString(), "OK");
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "b.ts", 2)).ToString(), "OK");
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "a.ts", 1, "v2")).ToString(),
            "OK");  // replaces a.ts

  RepositoryStats stats;
  ASSERT_EQ(store_->GetStats("demo", &stats).ToString(), "OK");
  EXPECT_EQ(stats.files, 2);
  EXPECT_EQ(stats.chunks, 3);
  EXPECT_EQ(PgRows(url_, "SELECT source_code FROM code_chunks WHERE file_path = 'a.ts'"),
            (std::vector<std::string>{"function f0() { return 'v2'; }"}));
  // metadata is jsonb: the reference design's ->> queries run unchanged.
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM files WHERE metadata->>'syntax_errors' = '0'"),
            (std::vector<std::string>{"2"}));

  std::vector<StoredFileState> states;
  ASSERT_EQ(store_->ListFileStates("demo", &states).ToString(), "OK");
  EXPECT_EQ(states.size(), 2u);
  std::vector<ChunkRow> chunks;
  ASSERT_EQ(store_->LoadFileChunks("demo", {"a.ts", "b.ts"}, &chunks).ToString(), "OK");
  EXPECT_EQ(chunks.size(), 3u);
  std::vector<std::string> repositories;
  ASSERT_EQ(store_->ListRepositories(&repositories).ToString(), "OK");
  EXPECT_EQ(repositories, std::vector<std::string>{"demo"});

  ASSERT_EQ(store_->DeleteFiles("demo", {"b.ts"}).ToString(), "OK");
  ASSERT_EQ(store_->GetStats("demo", &stats).ToString(), "OK");
  EXPECT_EQ(stats.files, 1);
  ASSERT_EQ(store_->DeleteRepository("demo").ToString(), "OK");
  EXPECT_EQ(store_->GetStats("demo", &stats).code(), Status::Code::kNotFound);
}

TEST_F(PgStoreTest, FailedWriteLeavesThePreviousVersion) {
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "a.ts", 3)).ToString(), "OK");
  StoreOptions options;
  options.fault_injector = [](const FileRow&, size_t chunk) { return chunk < 2; };
  std::unique_ptr<Store> faulty;
  ASSERT_EQ(OpenStore(url_, options, &faulty).ToString(), "OK");
  Status s = faulty->WriteFile(MakeEscapedFile("demo", "a.ts", 4, "v2"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("a.ts"), std::string::npos) << s.message();
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM code_chunks WHERE source_code LIKE '%v1%'"),
            (std::vector<std::string>{"3"}));
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM code_chunks"), (std::vector<std::string>{"3"}));
  std::vector<std::string> problems;
  ASSERT_EQ(store_->CheckIntegrity("", &problems).ToString(), "OK");
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST_F(PgStoreTest, RecordsProblemsAndRuns) {
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "a.ts", 2)).ToString(), "OK");
  ASSERT_EQ(store_->RecordProblem({"demo", "a.ts", "failed", "parse error", ""}).ToString(), "OK");
  ASSERT_EQ(store_->RecordProblem({"demo", "big.js", "skipped", "too_large", "2 MB"}).ToString(),
            "OK");
  std::vector<FileProblem> problems;
  ASSERT_EQ(store_->ListFileProblems("demo", &problems).ToString(), "OK");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].file_path, "a.ts");
  EXPECT_EQ(problems[1].reason, "too_large");
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM code_chunks"), (std::vector<std::string>{"0"}));

  RunRecord run;
  run.repository = "demo";
  run.root_path = "/src/demo";
  int64_t id = 0;
  ASSERT_EQ(store_->BeginRun(run, &id).ToString(), "OK");
  ASSERT_EQ(store_->FinishRun(id, R"({"files": 2, "mode": "parallel"})").ToString(), "OK");
  RepositoryStats stats;
  ASSERT_EQ(store_->GetStats("demo", &stats).ToString(), "OK");
  EXPECT_EQ(stats.root_path, "/src/demo");
  EXPECT_NE(stats.last_run_json.find("\"files\": 2"), std::string::npos) << stats.last_run_json;
  EXPECT_EQ(store_->FinishRun(id + 100, "{}").code(), Status::Code::kNotFound);
}

TEST_F(PgStoreTest, ReplacesGraphRowsInOneTransaction) {
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "a.ts", 2)).ToString(), "OK");
  GraphRows rows;
  for (int i = 0; i < 3; ++i) {
    rows.nodes.push_back({fmt::format("n{}", i), "function", fmt::format("f{}", i),
                          fmt::format(R"({{"repository": "demo", "name": "f{}", "file_path": )"
                                      R"("a.ts", "start_line": {}}})",
                                      i, i + 1)});
    NodeMetricsRow m;
    m.node_id = fmt::format("n{}", i);
    m.pagerank = 0.25 * i;
    rows.metrics.push_back(m);
  }
  rows.edges.push_back({"e0", "n0", "n1", "calls", "{}"});
  rows.edge_weights.push_back({"e0", 2, 0.5, true});
  rows.detailed_metadata.push_back({"n0", "", R"({"doc": "x"})", 1});
  ASSERT_EQ(store_->ReplaceGraph("demo", rows).ToString(), "OK");
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM nodes WHERE properties->>'repository' = 'demo'"),
            (std::vector<std::string>{"3"}));
  GraphSnapshot graph;
  ASSERT_EQ(store_->LoadGraph("demo", &graph).ToString(), "OK");
  EXPECT_EQ(graph.nodes.size(), 3u);
  ASSERT_EQ(graph.edges.size(), 1u);
  EXPECT_EQ(graph.edges[0].relation_type, "calls");

  // A node that does not name the repository: nothing written, the old graph stays.
  GraphRows bad = rows;
  bad.nodes[2].properties_json = R"({"repository": "other"})";
  EXPECT_EQ(store_->ReplaceGraph("demo", bad).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM edge_weights"), (std::vector<std::string>{"1"}));

  // A graph marked stale (a run is changing files) is never served, though its rows are there.
  RepositoryState stale;
  stale.graph_stale = true;
  ASSERT_EQ(store_->SetRepositoryState("demo", stale).ToString(), "OK");
  Status refused = store_->LoadGraph("demo", &graph);
  EXPECT_EQ(refused.code(), Status::Code::kUnsupported);
  EXPECT_NE(refused.ToString().find("out of date"), std::string::npos) << refused.ToString();
  EXPECT_TRUE(graph.nodes.empty());
  stale.graph_stale = false;
  ASSERT_EQ(store_->SetRepositoryState("demo", stale).ToString(), "OK");
  ASSERT_EQ(store_->LoadGraph("demo", &graph).ToString(), "OK");
  EXPECT_EQ(graph.nodes.size(), 3u);

  ASSERT_EQ(store_->MarkGraphStale("demo").ToString(), "OK");
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM nodes"), (std::vector<std::string>{"0"}));
  RepositoryState state;
  ASSERT_EQ(store_->GetRepositoryState("demo", &state).ToString(), "OK");
  EXPECT_TRUE(state.graph_stale);
}

TEST_F(PgStoreTest, LexicalSearchUsesCodeAwareTokens) {
  FileRow file = MakeEscapedFile("demo", "a.ts", 1);
  file.chunks[0].name = "getUserName";
  file.chunks[0].source_code = "function getUserName() { return MAX_RETRY; }";
  ASSERT_EQ(store_->WriteFile(file).ToString(), "OK");
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "b.ts", 2)).ToString(), "OK");
  for (const char* query : {"user name", "getusername", "max_retry", "retry", "GetUserName"}) {
    std::vector<LexicalHit> hits;
    ASSERT_EQ(store_->SearchLexical(query, ChunkFilter(), 10, &hits).ToString(), "OK");
    ASSERT_EQ(hits.size(), 1u) << query;
    EXPECT_EQ(hits[0].chunk_id, file.chunks[0].id);
  }
  std::vector<LexicalHit> hits;
  ASSERT_EQ(
      store_->SearchLexical("'; DROP TABLE code_chunks; --", ChunkFilter(), 10, &hits).ToString(),
      "OK");
  EXPECT_TRUE(hits.empty());
  EXPECT_EQ(PgRows(url_, "SELECT COUNT(*) FROM code_chunks"), (std::vector<std::string>{"3"}));
  EXPECT_EQ(PgRows(url_,
                   "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN "
                   "('code_chunks_search', 'code_chunks_name_trgm')"),
            (std::vector<std::string>{"2"}));
}

TEST_F(PgStoreTest, VectorsRoundTripAsRealArrays) {
  FileRow file = MakeEscapedFile("demo", "a.ts", 2);
  file.chunks[0].embedding_code = {0.1f, -2.5f, 3.0e-8f, 1e30f};
  ASSERT_EQ(store_->WriteFile(file).ToString(), "OK");
  std::vector<SearchChunkRow> rows;
  ASSERT_EQ(
      store_
          ->LoadSearchChunks(ChunkFilter(), true, [&](SearchChunkRow& row) { rows.push_back(row); })
          .ToString(),
      "OK");
  ASSERT_EQ(rows.size(), 2u);
  for (const SearchChunkRow& row : rows) {
    if (row.id == file.chunks[0].id) {
      EXPECT_EQ(row.embedding, file.chunks[0].embedding_code);
    } else {
      EXPECT_TRUE(row.embedding.empty());
    }
  }
  std::string before, after;
  ASSERT_EQ(store_->GetChangeStamp(&before).ToString(), "OK");
  ASSERT_EQ(store_->WriteFile(MakeEscapedFile("demo", "b.ts", 1)).ToString(), "OK");
  ASSERT_EQ(store_->GetChangeStamp(&after).ToString(), "OK");
  EXPECT_NE(before, after);
}

TEST_F(PgStoreTest, MigratesOnceAndRefusesNewerSchemas) {
  EXPECT_EQ(PgRows(url_, "SELECT version FROM schema_version ORDER BY version"),
            (std::vector<std::string>{"1", "2", "3"}));
  std::unique_ptr<Store> again;
  ASSERT_EQ(OpenStore(url_, StoreOptions(), &again).ToString(), "OK");
  PgRows(url_, "INSERT INTO schema_version VALUES (99, 'x')");
  Status s = OpenStore(url_, StoreOptions(), &again);
  EXPECT_EQ(s.code(), Status::Code::kUnsupported) << s.ToString();
  EXPECT_NE(s.message().find("newer"), std::string::npos);
}

TEST_F(PgStoreTest, SecondWriterOfARepositoryIsRefusedWithTheHolder) {
  std::unique_ptr<RepositoryLock> lock, second;
  ASSERT_EQ(store_->LockRepository("demo", &lock).ToString(), "OK");
  std::unique_ptr<Store> other;
  ASSERT_EQ(OpenStore(url_, StoreOptions(), &other).ToString(), "OK");
  Status s = other->LockRepository("demo", &second);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("being indexed by another semdex process (semdex pid"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find(kPgPassword), std::string::npos);
  EXPECT_EQ(other->LockRepository("another", &second).ToString(),
            "OK");  // other repositories: free
  lock.reset();
  std::unique_ptr<RepositoryLock> third;
  EXPECT_EQ(other->LockRepository("demo", &third).ToString(), "OK");
}

// Connection errors say what is wrong and what to do, and never show the password.
TEST(PgErrorsTest, ConnectionErrorsAreClearAndHideThePassword) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  PgTestServer& server = PgTestServer::Get();
  std::unique_ptr<Store> store;

  Status s =
      OpenStore(server.UrlWithPassword("postgres", "wrong-Secret-77"), StoreOptions(), &store);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("password authentication failed"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("check the user and password"), std::string::npos);
  EXPECT_EQ(s.message().find("wrong-Secret-77"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(fmt::format("{}@127.0.0.1:{}/postgres", kPgUser, server.port())),
            std::string::npos)
      << s.message();

  const std::string unreachable =
      fmt::format("postgresql://{}:{}@127.0.0.1:1/postgres", kPgUser, kPgPassword);
  s = OpenStore(unreachable, StoreOptions(), &store);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot connect to PostgreSQL at"), std::string::npos);
  EXPECT_NE(s.message().find("refused"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(kPgPassword), std::string::npos) << s.message();

  // Too many clients: hold every connection the server allows, then ask for one more.
  std::vector<std::unique_ptr<PgConnection>> held;
  Status last;
  for (int i = 0; i < kPgMaxConnections + 2 && last.ok(); ++i) {
    std::unique_ptr<PgConnection> conn;
    last = PgConnection::Connect(server.Url("postgres"), &conn);
    if (last.ok()) held.push_back(std::move(conn));
  }
  ASSERT_FALSE(last.ok());
  EXPECT_NE(last.message().find("too many clients"), std::string::npos) << last.message();
  EXPECT_NE(last.message().find("fewer --workers"), std::string::npos) << last.message();
  EXPECT_NE(last.message().find("max_connections"), std::string::npos);
  EXPECT_EQ(last.message().find(kPgPassword), std::string::npos);
}

TEST(PgErrorsTest, RedactedLocationNeverShowsThePassword) {
  EXPECT_EQ(RedactedPgLocation("postgresql://u:p%40ss@db.example:6543/idx?sslmode=disable"),
            "postgresql://u@db.example:6543/idx");
  EXPECT_EQ(RedactedPgLocation("postgresql://u@h/d?password=hunter2").find("hunter2"),
            std::string::npos);
  EXPECT_EQ(RedactedPgLocation("postgresql://u:hunter2@[::1"), "postgresql://(malformed URL)");
}

}  // namespace
}  // namespace semdex::testing
