// End-to-end tests of the semdex binary: flags, exit codes, output formats.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace semdex {
namespace {

using testing::QueryRows;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

const std::string kSemdex = SEMDEX_BINARY;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

bool HasControlCharacters(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\n' && c != '\t') return true;
  }
  return false;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(src_ / "lib/math.ts",
              "/** Adds. */\nexport function add(a: number, b: number): number { return a + b; }\n"
              "export class Calc {\n  twice(x: number) { return add(x, x); }\n}\n");
    WriteFile(src_ / "lib/util.js",
              "function helper() { return 1; }\nmodule.exports = { helper };\n");
    WriteFile(src_ / "README.md", "# not source\n");
  }
  std::string Index(const std::string& flags) {
    return kSemdex + " index " + Quote(src_.path()) + " --db " + Quote(db_ / "index.db") + " " +
           flags;
  }
  TempDir src_, db_;
};

TEST_F(CliTest, IndexJsonSummaryHasTheContractKeys) {
  auto r = RunCommand(Index("--no-embed --json --repository demo"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["repository"], "demo");
  EXPECT_EQ(j["total_files"], 2);
  EXPECT_EQ(j["success_files"], 2);
  EXPECT_EQ(j["error_files"], 0);
  EXPECT_EQ(j["skipped_files"], 0);
  EXPECT_GE(j["total_chunks"].get<int>(), 4);
  EXPECT_TRUE(j["errors"].is_array());
  EXPECT_TRUE(j["skipped"].is_array());
  EXPECT_TRUE(j["elapsed_s"].is_number());
  EXPECT_FALSE(HasControlCharacters(r.out + r.err));
  // The reference design's verification query runs as written.
  auto rows = QueryRows(db_ / "index.db",
                        "SELECT COUNT(*) as total_chunks FROM code_chunks WHERE repository = "
                        "'demo';");
  EXPECT_EQ(rows[0], std::to_string(j["total_chunks"].get<int>()));
}

TEST_F(CliTest, IndexTextSummaryAndVerboseLogNoControlCharactersOffTty) {
  auto r = RunCommand(Index("--no-embed --verbose --sequential"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Success: 2 (100%)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total chunks:"), std::string::npos);
  EXPECT_NE(r.err.find("lib/math.ts"), std::string::npos) << r.err;  // --verbose logs files
  EXPECT_FALSE(HasControlCharacters(r.out + r.err));
}

TEST_F(CliTest, RepositoryDefaultsToBaseNameAndStatsReportsIt) {
  ASSERT_EQ(RunCommand(Index("--no-embed --workers 2")).exit_code, 0);
  std::string base = std::filesystem::path(src_.path()).filename().string();
  auto r = RunCommand(kSemdex + " stats --json --db " + Quote(db_ / "index.db") + " --repository " +
                      Quote(base));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["files"], 2);
  EXPECT_EQ(j["chunks_by_language"]["typescript"].get<int>() +
                j["chunks_by_language"]["javascript"].get<int>(),
            j["chunks"].get<int>());
  EXPECT_EQ(j["chunks_by_type"]["method"], 1);
  EXPECT_TRUE(j["model"].is_null());
  EXPECT_EQ(j["last_run"]["mode"], "parallel");
  auto text = RunCommand(kSemdex + " stats --db " + Quote(db_ / "index.db"));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Repository: " + base), std::string::npos) << text.out;
}

TEST_F(CliTest, DefaultDatabaseLocationFollowsTheEnvironment) {
  TempDir home;
  std::string env = "env -u SEMDEX_DB XDG_DATA_HOME=" + Quote(home / "xdg") + " ";
  auto r = RunCommand(env + kSemdex + " index " + Quote(src_.path()) + " --no-embed --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home / "xdg/semdex/index.db"));
  std::string env2 = "env -u SEMDEX_DB -u XDG_DATA_HOME HOME=" + Quote(home.path()) + " ";
  r = RunCommand(env2 + kSemdex + " index " + Quote(src_.path()) + " --no-embed --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home / ".local/share/semdex/index.db"));
  r = RunCommand("SEMDEX_DB=" + Quote(home / "env.db") + " " + kSemdex + " index " +
                 Quote(src_.path()) + " --no-embed --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home / "env.db"));
}

TEST_F(CliTest, InputAndUsageErrorsExitTwoWithAClearMessage) {
  auto missing =
      RunCommand(kSemdex + " index /nonexistent/dir --no-embed --db " + Quote(db_ / "i.db"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/dir"), std::string::npos) << missing.err;

  auto file = RunCommand(kSemdex + " index " + Quote(src_ / "lib/math.ts") + " --no-embed --db " +
                         Quote(db_ / "i.db"));
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.err.find("math.ts"), std::string::npos) << file.err;

  WriteFile(db_ / "plainfile", "x");
  auto unwritable = RunCommand(kSemdex + " index " + Quote(src_.path()) + " --no-embed --db " +
                               Quote(db_ / "plainfile/sub/i.db"));
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_NE(unwritable.err.find("plainfile"), std::string::npos) << unwritable.err;

  EXPECT_EQ(RunCommand(kSemdex + " index").exit_code, 2);
  EXPECT_EQ(RunCommand(kSemdex + " index . --workers 0 --no-embed").exit_code, 2);
  EXPECT_EQ(RunCommand(kSemdex + " index . --bogus").exit_code, 2);
  EXPECT_EQ(RunCommand(kSemdex).exit_code, 2);
  auto pg = RunCommand(kSemdex + " index " + Quote(src_.path()) +
                       " --no-embed --db postgresql://u:secret@localhost/x");
  EXPECT_EQ(pg.exit_code, 2);
  EXPECT_EQ(pg.err.find("secret"), std::string::npos) << pg.err;
}

TEST_F(CliTest, IndexEmbedsWithTheDefaultModelAndRecordsIt) {
  auto r = RunCommand(Index("--json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["embedding"]["model"], "use-lite-en@0.2.0");
  EXPECT_EQ(summary["embedding"]["dim"], 512);
  EXPECT_EQ(summary["embedding"]["chunks"], summary["total_chunks"]);
  EXPECT_GT(summary["embedding"]["tokens"].get<int64_t>(), 0);
  // Every chunk has a 512-float vector of unit length.
  auto rows = QueryRows(db_ / "index.db",
                        "SELECT COUNT(*), MIN(length(embedding_code)), MAX(length(embedding_code)) "
                        "FROM code_chunks");
  EXPECT_EQ(rows, std::vector<std::string>{summary["total_chunks"].dump() + "|2048|2048"});
  auto stats = RunCommand(kSemdex + " stats --json --db " + Quote(db_ / "index.db"));
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  auto repo = nlohmann::json::parse(stats.out)["repositories"][0];
  EXPECT_EQ(repo["model"], "use-lite-en@0.2.0");
  EXPECT_EQ(repo["embedding_dim"], 512);
  auto text = RunCommand(Index(""));
  EXPECT_NE(text.out.find("Embedded chunks: "), std::string::npos) << text.out;
}

TEST_F(CliTest, AModelThatCannotLoadStopsTheRunBeforeAnythingIsWritten) {
  auto missing = RunCommand(Index("--model /nonexistent/model-dir"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/model-dir"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("--no-embed"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(db_ / "index.db"));
  // An endpoint nobody answers: the probe fails at load, naming the URL, before any write.
  auto remote = RunCommand(Index("--model http://user:hunter2@127.0.0.1:9/v1"));
  EXPECT_EQ(remote.exit_code, 2);
  EXPECT_NE(remote.err.find("127.0.0.1:9/v1/embeddings"), std::string::npos) << remote.err;
  EXPECT_EQ(remote.err.find("hunter2"), std::string::npos) << remote.err;
  EXPECT_FALSE(std::filesystem::exists(db_ / "index.db"));
  auto precision = RunCommand(Index("--precision fp64"));
  EXPECT_EQ(precision.exit_code, 2);
  EXPECT_NE(precision.err.find("fp64"), std::string::npos) << precision.err;
  auto both = RunCommand(Index("--no-embed --model default"));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
}

// Runs `args` (argv[0] a path) with stdout and stderr to /dev/null; returns the exit code and
// sets *max_rss_kb to the process's peak resident set.
int RunAndMeasure(const std::vector<std::string>& args, long* max_rss_kb) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    // Under AddressSanitizer freed memory sits in a quarantine that grows with everything
    // allocated, not with what is live; without it the sanitizer build measures what the normal
    // build does (the variable is ignored by a normal build).
    ::setenv("ASAN_OPTIONS", "quarantine_size_mb=0:thread_local_quarantine_size_kb=0", 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid) return -1;
  *max_rss_kb = usage.ru_maxrss;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Issue 3: one copy of the model for all workers, and a bounded number of embedding calls at
// once: peak RSS with --workers 8 within 1.15x of --workers 1 on the same corpus.
TEST(CliMemoryTest, PeakRssWithEightWorkersIsWithinFifteenPercentOfOne) {
  const std::string src =
      std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src/internal/observable";
  ASSERT_TRUE(std::filesystem::is_directory(src)) << src << " missing: run scripts/setup.sh";
  TempDir db;
  long rss[2] = {0, 0};
  const char* workers[2] = {"1", "8"};
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(RunAndMeasure({kSemdex, "index", src, "--db", db / (std::string(workers[i]) + ".db"),
                             "--workers", workers[i], "--json"},
                            &rss[i]),
              0);
  }
  EXPECT_EQ(QueryRows(db / "1.db", "SELECT COUNT(*) FROM code_chunks WHERE embedding_code IS NULL"),
            std::vector<std::string>{"0"});
  const double ratio = static_cast<double>(rss[1]) / static_cast<double>(rss[0]);
  std::printf("peak RSS: --workers 1 %ld KB, --workers 8 %ld KB (%.3fx)\n", rss[0], rss[1], ratio);
  EXPECT_LE(ratio, 1.15) << rss[0] << " KB vs " << rss[1] << " KB";
}

TEST_F(CliTest, ProgressBarOnATerminal) {
  // script(1) gives the command a pseudo-terminal, so stderr is a TTY.
  auto r = RunCommand("script -qec " + Quote(Index("--no-embed")) + " /dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\r["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2/2 files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("INDEXING COMPLETE"), std::string::npos);
}

TEST_F(CliTest, HelpListsTheContractFlags) {
  auto r = RunCommand(kSemdex + " index --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--repository", "--workers", "--sequential", "--verbose", "--db",
                           "--no-embed", "--model", "--precision", "--full", "--json"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace semdex
