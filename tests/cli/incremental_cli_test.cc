// The semdex binary under interruption: killed with SIGKILL at random moments, the index stays
// consistent (semdex check finds nothing but a graph to rebuild) and the next run completes it to
// what a clean run gives; SIGINT exits 130 saying how far it got; a second indexer of the same
// repository is refused with a clear message; semdex check's exit codes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "store/store.h"
#include "test_util.h"

namespace semdex {
namespace {

using testing::ExportChunks;
using testing::ExportFiles;
using testing::ExportGraphRows;
using testing::QueryRows;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

const std::string kSemdex = SEMDEX_BINARY;

// A TypeScript file that imports the next one and calls into it; `variant` changes its text.
std::string SourceFile(int i, int files, int variant) {
  std::string text = "import { f" + std::to_string((i + 1) % files) + " } from './m" +
                     std::to_string((i + 1) % files) + "';\n";
  for (int k = 0; k < 8; ++k) {
    text += "export function h" + std::to_string(k) + "_" + std::to_string(i) + "(x: number) {\n" +
            "  if (x > " + std::to_string(k + variant) + ") { return x * 2; }\n  return x + " +
            std::to_string(variant) + ";\n}\n";
  }
  text += "export function f" + std::to_string(i) + "() { return f" +
          std::to_string((i + 1) % files) + "(); }\n";
  return text;
}

void WriteTree(const std::string& root, int files) {
  for (int i = 0; i < files; ++i) {
    WriteFile(root + "/src/m" + std::to_string(i) + ".ts", SourceFile(i, files, 0));
  }
}

// Starts `semdex args...` with stdout/stderr to /dev/null; returns its pid.
pid_t Spawn(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kSemdex.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execv(kSemdex.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// `semdex check` output problems other than the ones an interrupted run may leave.
std::vector<std::string> UnexpectedProblems(const std::string& db) {
  testing::CommandResult r = RunCommand(kSemdex + " check --db " + db);
  std::vector<std::string> bad;
  size_t pos = 0;
  while (pos < r.out.size()) {
    size_t end = r.out.find('\n', pos);
    std::string line = r.out.substr(pos, end == std::string::npos ? end : end - pos);
    pos = end == std::string::npos ? r.out.size() : end + 1;
    if (line.rfind("problem: ", 0) != 0) continue;
    if (line.find("stale graph") != std::string::npos) continue;
    if (line.find("mixed model or chunking rules") != std::string::npos) continue;
    bad.push_back(line);
  }
  if (r.exit_code == 2) bad.push_back("check failed: " + r.err);
  return bad;
}

TEST(IncrementalCliTest, KilledAtRandomMomentsTheIndexStaysConsistentAndCompletes) {
  TempDir dir, db;
  const int kFiles = 120;
  WriteTree(dir / "tree", kFiles);
  const std::string index = db / "i.db";
  std::mt19937 rng(20240607);
  // Change some files, delete one, add one: every run has work to be cut.
  auto change_tree = [&](int round) {
    for (int k = 0; k < 15; ++k) {
      int i = static_cast<int>(rng() % kFiles);
      WriteFile(dir / ("tree/src/m" + std::to_string(i) + ".ts"), SourceFile(i, kFiles, round + 1));
    }
    std::filesystem::remove(dir / ("tree/src/extra" + std::to_string(round - 1) + ".ts"));
    WriteFile(dir / ("tree/src/extra" + std::to_string(round) + ".ts"),
              "export const e" + std::to_string(round) + " = 1;\n");
  };
  // How long a full and an incremental run take on this machine, so that the kills land while
  // the indexer runs however fast or slow the machine is.
  auto timed_run = [&](const std::string& db_path) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(RunCommand(kSemdex + " index " + dir / "tree" +
                         " --no-embed --workers 2 --repository repo --db " + db_path)
                  .exit_code,
              0);
    return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start)
                                    .count());
  };
  const int64_t full_ms = timed_run(db / "timing.db");
  change_tree(0);
  const int64_t incremental_ms = timed_run(db / "timing.db");
  int kills = 0;
  for (int round = 0; round < 20; ++round) {
    change_tree(round);
    pid_t pid = Spawn({"index", dir / "tree", "--no-embed", "--repository", "repo", "--db", index,
                       "--workers", "2"});
    const int64_t span = round == 0 ? full_ms : incremental_ms;
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(rng()) % span));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++kills;
    if (!std::filesystem::exists(index)) continue;  // killed before the database existed
    std::vector<std::string> bad = UnexpectedProblems(index);
    EXPECT_TRUE(bad.empty()) << "round " << round << ": " << bad.front();
    if (round % 5 == 4) {  // a complete run now and then: check must then pass outright
      testing::CommandResult r = RunCommand(kSemdex + " index " + dir / "tree" +
                                            " --no-embed --repository repo --db " + index);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      testing::CommandResult c = RunCommand(kSemdex + " check --db " + index);
      EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
    }
  }
  EXPECT_GT(kills, 5);  // most runs were cut
  testing::CommandResult last = RunCommand(kSemdex + " index " + dir / "tree" +
                                           " --no-embed --repository repo --db " + index);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(RunCommand(kSemdex + " check --db " + index).exit_code, 0);
  const std::string clean = db / "clean.db";
  ASSERT_EQ(
      RunCommand(kSemdex + " index " + dir / "tree" + " --no-embed --repository repo --db " + clean)
          .exit_code,
      0);
  EXPECT_EQ(ExportChunks(index, "repo"), ExportChunks(clean, "repo"));
  EXPECT_EQ(ExportFiles(index, "repo"), ExportFiles(clean, "repo"));
  EXPECT_EQ(ExportGraphRows(index), ExportGraphRows(clean));
}

TEST(IncrementalCliTest, SigintStopsBetweenFilesAndExits130) {
  TempDir dir, db;
  WriteTree(dir / "tree", 800);
  const std::string index = db / "i.db";
  TempDir out;
  const std::string cmd = kSemdex + " index " + dir / "tree" +
                          " --no-embed --sequential --repository repo --db " + index + " >" +
                          out / "o" + " 2>" + out / "e";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until files are being committed, then interrupt.
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!std::filesystem::exists(index)) continue;
    try {
      if (QueryRows(index, "SELECT COUNT(*) FROM files")[0] != "0") break;
    } catch (const std::exception&) {
    }
  }
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  std::ifstream err(out / "e");
  std::string text((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(text.find("interrupted: "), std::string::npos) << text;
  EXPECT_NE(text.find(" of 800 files done"), std::string::npos) << text;
  EXPECT_TRUE(UnexpectedProblems(index).empty());
  testing::CommandResult rest = RunCommand(kSemdex + " index " + dir / "tree" +
                                           " --no-embed --repository repo --db " + index);
  EXPECT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(RunCommand(kSemdex + " check --db " + index + " --repository repo").exit_code, 0);
}

TEST(IncrementalCliTest, SecondIndexerOfTheSameRepositoryIsRefused) {
  TempDir dir, db;
  WriteTree(dir / "tree", 3);
  const std::string index = db / "i.db";
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(index, StoreOptions(), &store).ok());
  std::unique_ptr<RepositoryLock> lock;
  ASSERT_TRUE(store->LockRepository("repo", &lock).ok());
  testing::CommandResult r = RunCommand(kSemdex + " index " + dir / "tree" +
                                        " --no-embed --repository repo --db " + index);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("repository repo is being indexed by another semdex process (pid " +
                       std::to_string(::getpid()) + ")"),
            std::string::npos)
      << r.err;
  // Another repository of the same index is not blocked.
  EXPECT_EQ(RunCommand(kSemdex + " index " + dir / "tree" + " --no-embed --repository other --db " +
                       index)
                .exit_code,
            0);
}

TEST(IncrementalCliTest, CheckExitCodes) {
  TempDir dir, db;
  WriteTree(dir / "tree", 3);
  const std::string index = db / "i.db";
  ASSERT_EQ(
      RunCommand(kSemdex + " index " + dir / "tree" + " --no-embed --repository repo --db " + index)
          .exit_code,
      0);
  testing::CommandResult ok = RunCommand(kSemdex + " check --db " + index);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(RunCommand(kSemdex + " check --repository nope --db " + index).exit_code, 2);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(index.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE files SET chunk_count = chunk_count + 1 WHERE rowid = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  testing::CommandResult bad = RunCommand(kSemdex + " check --db " + index);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("files whose chunk_count differs from their chunks"), std::string::npos)
      << bad.out;
}

}  // namespace
}  // namespace semdex
