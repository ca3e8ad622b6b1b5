// semdex processes sharing one PostgreSQL database: two indexers of two repositories at once, a
// second indexer of one repository (refused, naming the holder), and a server killed in the
// middle of a run (every file fully written or absent; the next run completes the index).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "pg/index_export.h"
#include "pg/pg_test_util.h"
#include "store/store.h"
#include "test_util.h"

namespace semdex::testing {
namespace {

const std::string kSemdex = SEMDEX_BINARY;
const std::string kRxjsInternal =
    std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src/internal";

std::string IndexCommand(const std::string& dir, const std::string& repository,
                         const std::string& db, const std::string& extra = "") {
  return kSemdex + " index " + dir + " --repository " + repository + " --no-embed --db '" + db +
         "' " + extra;
}

TEST(PgRunsTest, TwoProcessesIndexTwoRepositoriesIntoOneDatabase) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  ASSERT_TRUE(std::filesystem::is_directory(kRxjsInternal)) << "run scripts/setup.sh";
  TempDir tmp;
  const std::string url = NewPgDatabase("concurrent");
  const std::string ops = kRxjsInternal + "/operators";
  const std::string obs = kRxjsInternal + "/observable";
  // Both at once; each exit status printed.
  CommandResult both =
      RunCommand("(" + IndexCommand(ops, "ops", url, "--workers 2") + " >" + tmp / "a.log" +
                 " 2>&1 & a=$!; " + IndexCommand(obs, "obs", url, "--workers 2") + " >" +
                 tmp / "b.log" + " 2>&1 & b=$!; wait $a; echo a=$?; wait $b; echo b=$?)");
  EXPECT_NE(both.out.find("a=0"), std::string::npos)
      << both.out << RunCommand("cat " + tmp / "a.log").out;
  EXPECT_NE(both.out.find("b=0"), std::string::npos)
      << both.out << RunCommand("cat " + tmp / "b.log").out;

  // The same two repositories indexed one after the other into SQLite: the same rows.
  const std::string lite = tmp / "index.db";
  ASSERT_EQ(RunCommand(IndexCommand(ops, "ops", lite)).exit_code, 0);
  ASSERT_EQ(RunCommand(IndexCommand(obs, "obs", lite)).exit_code, 0);
  ExpectSameIndex(ExportSqliteIndex(lite), ExportPgIndex(url));
  // Nothing mixed: every chunk's file belongs to its repository's tree.
  for (const auto& [repo, dir] : {std::pair{"ops", ops}, std::pair{"obs", obs}}) {
    for (const std::string& path :
         PgRows(url, fmt::format("SELECT DISTINCT file_path FROM code_chunks WHERE repository "
                                 "= '{}'",
                                 repo))) {
      EXPECT_TRUE(std::filesystem::exists(dir + "/" + path)) << repo << ": " << path;
    }
  }
  CommandResult check = RunCommand(kSemdex + " check --db '" + url + "'");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(PgRunsTest, SecondIndexerOfARepositoryExitsWithAClearMessage) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  const std::string url = NewPgDatabase("locked");
  std::unique_ptr<Store> store;
  ASSERT_EQ(OpenStore(url, StoreOptions(), &store).ToString(), "OK");
  std::unique_ptr<RepositoryLock> lock;  // as a first indexer would hold it
  ASSERT_EQ(store->LockRepository("ops", &lock).ToString(), "OK");
  CommandResult r = RunCommand(IndexCommand(kRxjsInternal + "/operators", "ops", url));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("repository ops is being indexed by another semdex process (semdex pid " +
                       std::to_string(::getpid())),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(kPgPassword), std::string::npos) << r.err;
  lock.reset();
  r = RunCommand(IndexCommand(kRxjsInternal + "/operators", "ops", url));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(PgRunsTest, MoreWorkersThanTheServerAcceptsStopsWithWhatToDo) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  const std::string url = NewPgDatabase("clients");
  // One connection per worker: more workers than max_connections cannot all connect.
  CommandResult r = RunCommand(IndexCommand(kRxjsInternal + "/scheduled", "s", url,
                                            fmt::format("--workers {}", kPgMaxConnections + 4)));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("run with fewer --workers"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("max_connections"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kPgPassword), std::string::npos) << r.err;
  // Nothing half-written: no file was written before the run stopped.
  EXPECT_EQ(PgRows(url, "SELECT COUNT(*) FROM code_chunks"), std::vector<std::string>{"0"});

  // A --full re-index that cannot get its connections stops before it deletes anything.
  r = RunCommand(IndexCommand(kRxjsInternal + "/scheduled", "s", url, "--workers 1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> chunks = PgRows(url, "SELECT COUNT(*) FROM code_chunks");
  ASSERT_NE(chunks, std::vector<std::string>{"0"});
  r = RunCommand(IndexCommand(kRxjsInternal + "/scheduled", "s", url,
                              fmt::format("--full --workers {}", kPgMaxConnections + 4)));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("max_connections"), std::string::npos) << r.err;
  EXPECT_EQ(PgRows(url, "SELECT COUNT(*) FROM code_chunks"), chunks);
}

// Every file row is whole: an indexed file has exactly its chunk_count chunks, and no chunk
// lacks its indexed file.
void ExpectNoHalfWrittenFile(const std::string& url) {
  EXPECT_EQ(PgRows(url,
                   "SELECT COUNT(*) FROM files f WHERE f.chunk_count <> (SELECT COUNT(*) FROM "
                   "code_chunks c WHERE c.repository = f.repository AND c.file_path = "
                   "f.file_path)"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(PgRows(url,
                   "SELECT COUNT(*) FROM code_chunks c WHERE NOT EXISTS (SELECT 1 FROM files f "
                   "WHERE f.repository = c.repository AND f.file_path = c.file_path AND "
                   "f.status = 'indexed')"),
            std::vector<std::string>{"0"});
}

TEST(PgRunsTest, ServerKilledMidRunLeavesWholeFilesAndTheRerunCompletes) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  PgTestServer& server = PgTestServer::Get();
  TempDir tmp;
  const std::string url = NewPgDatabase("fault");
  const std::string src = kRxjsInternal;
  const int64_t total_files = std::stoll(RunCommand("(find " + src + " -name '*.ts' | wc -l)").out);

  // The run in the background; the server is killed once some files are committed.
  const std::string log = tmp / "run.log";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string cmd = IndexCommand(src, "rxjs", url, "--workers 1") + " >" + log + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    ::_exit(127);
  }
  int64_t committed = 0;
  for (int i = 0; i < 3000 && committed < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    try {
      committed = std::stoll(PgRows(url, "SELECT COUNT(*) FROM files")[0]);
    } catch (const std::exception&) {
    }
  }
  ASSERT_EQ(server.Stop(/*immediate=*/true), "");
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  const std::string output = RunCommand("cat " + log).out;
  ASSERT_TRUE(WIFEXITED(status)) << output;  // it ends by itself, with a message
  EXPECT_EQ(output.find(kPgPassword), std::string::npos) << output;
  // The run stops with the reason: the server is gone (the files it could not write fail).
  EXPECT_NE(output.find("cannot reconnect to PostgreSQL at postgresql://"), std::string::npos)
      << output;
  EXPECT_EQ(output.find("WARNING"), std::string::npos) << output;  // no libpq chatter
  ASSERT_EQ(server.Start(), "");

  const int64_t written = std::stoll(PgRows(url, "SELECT COUNT(*) FROM files")[0]);
  EXPECT_LT(written, total_files) << "the server was killed after the run had finished";
  EXPECT_GE(written, committed);
  ExpectNoHalfWrittenFile(url);

  CommandResult rerun = RunCommand(IndexCommand(src, "rxjs", url, "--workers 2"));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  ExpectNoHalfWrittenFile(url);
  CommandResult check = RunCommand(kSemdex + " check --db '" + url + "'");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const std::string lite = tmp / "index.db";
  ASSERT_EQ(RunCommand(IndexCommand(src, "rxjs", lite)).exit_code, 0);
  ExpectSameIndex(ExportSqliteIndex(lite), ExportPgIndex(url));
}

}  // namespace
}  // namespace semdex::testing
