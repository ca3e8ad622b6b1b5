// The semdex binary's watch command: a change is indexed while it runs, SIGINT/SIGTERM end it
// with exit 0 and an index that semdex check passes, --json prints one object per batch, a
// concurrent semdex index of the same repository is refused, a missing DIR is exit 2.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "test_util.h"

namespace semdex {
namespace {

using testing::QueryRows;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

const std::string kSemdex = SEMDEX_BINARY;

// Starts `semdex watch` through sh with stdout and stderr to files; returns its pid.
pid_t SpawnWatch(const std::string& args, const std::string& out, const std::string& err) {
  const std::string cmd = "exec " + kSemdex + " watch " + args + " >" + out + " 2>" + err;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Polls until `ready` holds (false after 30 s); the database may not exist yet.
bool WaitFor(const std::function<bool()>& ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (ready()) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::vector<std::string> Names(const std::string& db, const std::string& file) {
  return QueryRows(db, "SELECT name FROM code_chunks WHERE repository = 'repo' AND file_path = '" +
                           file + "' ORDER BY name");
}

bool GraphCurrent(const std::string& db) {
  std::vector<std::string> stale =
      QueryRows(db, "SELECT graph_stale FROM repository_state WHERE repository = 'repo'");
  return stale.size() == 1 && stale[0] == "0";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

int WaitExit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void StopAndExpectCleanExit(pid_t pid, int signal, const std::string& err) {
  ::kill(pid, signal);
  EXPECT_EQ(WaitExit(pid), 0) << ReadAll(err);
  EXPECT_NE(ReadAll(err).find("semdex watch: stopped"), std::string::npos) << ReadAll(err);
}

// `semdex watch --no-embed` of dir/tree (one file, a.ts) into `index`, its output in out/o and
// out/e: its pid once it says it is watching, else -1 (the watcher killed).
pid_t StartWatching(const TempDir& dir, const std::string& index, const TempDir& out) {
  WriteFile(dir / "tree/a.ts", "export function alpha() { return 1; }\n");
  const pid_t pid = SpawnWatch(dir / "tree" + " --no-embed --repository repo --db " + index,
                               out / "o", out / "e");
  if (WaitFor([&] { return ReadAll(out / "e").find("watching") != std::string::npos; })) return pid;
  ADD_FAILURE() << "semdex watch did not start watching: " << ReadAll(out / "e");
  ::kill(pid, SIGKILL);
  WaitExit(pid);
  return -1;
}

TEST(WatchCliTest, IndexesChangesPrintsJsonAndSigintExitsCleanly) {
  TempDir dir, db, out;
  WriteFile(dir / "tree/a.ts", "export function alpha() { return 1; }\n");
  const std::string index = db / "i.db";
  pid_t pid = SpawnWatch(dir / "tree" + " --no-embed --repository repo --json --db " + index,
                         out / "o", out / "e");
  ASSERT_TRUE(WaitFor([&] { return Names(index, "a.ts") == std::vector<std::string>{"alpha"}; }))
      << ReadAll(out / "e");
  // The initial batch is reported once every directory is watched.
  ASSERT_TRUE(WaitFor([&] { return !ReadAll(out / "o").empty(); })) << ReadAll(out / "e");
  WriteFile(dir / "tree/a.ts", "export function beta() { return 2; }\n");
  ASSERT_TRUE(WaitFor([&] {
    return Names(index, "a.ts") == std::vector<std::string>{"beta"} && GraphCurrent(index);
  })) << ReadAll(out / "e");
  // The batch's JSON line is printed once the batch is done: wait for it too.
  ASSERT_TRUE(WaitFor([&] {
    std::string text = ReadAll(out / "o");
    return std::count(text.begin(), text.end(), '\n') >= 2;
  }));
  StopAndExpectCleanExit(pid, SIGINT, out / "e");

  std::istringstream lines(ReadAll(out / "o"));
  std::string line;
  std::vector<nlohmann::json> batches;
  while (std::getline(lines, line)) batches.push_back(nlohmann::json::parse(line));
  ASSERT_GE(batches.size(), 2u);
  EXPECT_EQ(batches[0]["batch"], 0);
  EXPECT_EQ(batches[0]["trigger"], "initial");
  EXPECT_EQ(batches[0]["summary"]["changes"]["added"], 1);
  EXPECT_FALSE(batches[0]["summary"].contains("skipped"));
  const nlohmann::json& change = batches.back();
  EXPECT_EQ(change["trigger"], "changes");
  EXPECT_EQ(change["summary"]["changes"]["changed"], 1);
  EXPECT_GE(change["events"].get<int>(), 1);

  testing::CommandResult check = RunCommand(kSemdex + " check --repository repo --db " + index);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(WatchCliTest, SigtermExitsCleanlyAndTextModePrintsALinePerBatch) {
  TempDir dir, db, out;
  const std::string index = db / "i.db";
  const pid_t pid = StartWatching(dir, index, out);
  ASSERT_GT(pid, 0);
  WriteFile(dir / "tree/b.ts", "export function beta() { return 2; }\n");
  ASSERT_TRUE(WaitFor([&] {
    return ReadAll(out / "e").find("batch 1 (changes") != std::string::npos;
  })) << ReadAll(out / "e");
  StopAndExpectCleanExit(pid, SIGTERM, out / "e");
  const std::string err = ReadAll(out / "e");
  EXPECT_NE(err.find("semdex watch: indexed 1 files"), std::string::npos) << err;
  EXPECT_NE(err.find("batch 1 (changes, "), std::string::npos) << err;
  EXPECT_NE(err.find("): 1 added; searchable after "), std::string::npos) << err;
  EXPECT_TRUE(ReadAll(out / "o").empty());
  EXPECT_EQ(RunCommand(kSemdex + " check --repository repo --db " + index).exit_code, 0);
}

TEST(WatchCliTest, ConcurrentIndexOfTheWatchedRepositoryIsRefused) {
  TempDir dir, db, out;
  const std::string index = db / "i.db";
  const pid_t pid = StartWatching(dir, index, out);
  ASSERT_GT(pid, 0);
  testing::CommandResult r = RunCommand(kSemdex + " index " + dir / "tree" +
                                        " --no-embed --repository repo --db " + index);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("repository repo is being indexed by another semdex process (pid " +
                       std::to_string(pid) + ")"),
            std::string::npos)
      << r.err;
  StopAndExpectCleanExit(pid, SIGINT, out / "e");
}

TEST(WatchCliTest, MissingDirectoryExits2) {
  TempDir dir, db;
  testing::CommandResult r =
      RunCommand(kSemdex + " watch " + dir / "missing" + " --no-embed --db " + db / "i.db");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("semdex watch: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace semdex
