// RunWatch in-process on temporary trees (--no-embed): after each change the test polls the
// database until the change shows (never asserting on time), then checks the rows; and the
// watched index equals a fresh index of the final tree.
#include "watch/watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "test_util.h"

namespace semdex {
namespace {

using testing::ExportChunks;
using testing::ExportFiles;
using testing::ExportGraphRows;
using testing::QueryRows;
using testing::TempDir;
using testing::WriteFile;

// How long a change may take to show before the test fails: generous, for loaded CI machines.
constexpr std::chrono::seconds kPatience(30);

std::string Function(const std::string& name) {
  return "export function " + name + "(x: number) {\n  return x + 1;\n}\n";
}

// Chunk names of one file, sorted.
std::vector<std::string> Names(const std::string& db, const std::string& file) {
  return QueryRows(db, "SELECT name FROM code_chunks WHERE repository = 'repo' AND file_path = '" +
                           file + "' ORDER BY name");
}

std::vector<std::string> IndexedFiles(const std::string& db) {
  return QueryRows(db,
                   "SELECT file_path FROM files WHERE repository = 'repo' AND status = 'indexed' "
                   "ORDER BY file_path");
}

// Runs RunWatch on a thread over `tree` into `db` (repository "repo") until Stop().
class Watcher {
 public:
  Watcher(const std::string& tree, const std::string& db) : db_(db) {
    if (!OpenStore(db, StoreOptions(), &store_).ok()) throw std::runtime_error("cannot open db");
    options_.index.root = tree;
    options_.index.repository = "repo";
    options_.index.workers = 2;
    options_.index.cancel = &stop_;
    options_.on_batch = [this](const WatchBatch& b) {
      std::lock_guard<std::mutex> lock(mu_);
      batches_.push_back(b);
    };
    thread_ = std::thread([this] {
      status_ = RunWatch(options_, store_.get(), &result_);
      finished_ = true;
    });
  }
  ~Watcher() { Stop(); }

  bool Finished() const { return finished_; }

  // Polls until the initial batch is reported: from then on every directory is watched and a
  // change starts a batch of its own.
  bool WaitUntilWatching() {
    return WaitFor([&] { return !batches().empty() || Finished(); });
  }

  Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return status_;
  }

  // Polls the database until `ready` holds; false after kPatience.
  bool WaitFor(const std::function<bool()>& ready) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
      if (ready()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ready();
  }

  // Polls until `file`'s chunk names are `names` and the graph is current (every batch up to
  // then has finished).
  bool WaitForNames(const std::string& file, const std::vector<std::string>& names) {
    return WaitFor([&] { return Names(db_, file) == names && GraphCurrent(); });
  }

  bool GraphCurrent() {
    std::vector<std::string> stale =
        QueryRows(db_, "SELECT graph_stale FROM repository_state WHERE repository = 'repo'");
    return stale.size() == 1 && stale[0] == "0";
  }

  std::vector<WatchBatch> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  const WatchResult& result() const { return result_; }

 private:
  std::string db_;
  std::unique_ptr<Store> store_;
  WatchOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::mutex mu_;
  std::vector<WatchBatch> batches_;
  Status status_;
  WatchResult result_;
  std::thread thread_;
};

// The watched index comes to equal a fresh full index of `tree`: chunks, files and graph. Polls
// (the watcher may still have a batch to run: a file it read may have changed or gone since),
// then compares once more for the failure message.
void ExpectWatchedEqualsFreshIndex(Watcher& w, const std::string& tree, const std::string& watched,
                                   const std::string& fresh) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(fresh, StoreOptions(), &store).ok());
  IndexOptions options;
  options.root = tree;
  options.repository = "repo";
  IndexSummary summary;
  ASSERT_TRUE(RunIndex(options, store.get(), &summary).ok());
  w.WaitFor([&] {
    return w.GraphCurrent() && ExportFiles(watched, "repo") == ExportFiles(fresh, "repo") &&
           ExportChunks(watched, "repo") == ExportChunks(fresh, "repo") &&
           ExportGraphRows(watched) == ExportGraphRows(fresh);
  });
  EXPECT_EQ(ExportChunks(watched, "repo"), ExportChunks(fresh, "repo"));
  EXPECT_EQ(ExportFiles(watched, "repo"), ExportFiles(fresh, "repo"));
  EXPECT_EQ(ExportGraphRows(watched), ExportGraphRows(fresh));
}

TEST(WatchTest, ModifiedAddedAndDeletedFilesAreReindexed) {
  TempDir dir, db;
  WriteFile(dir / "a.ts", Function("alpha"));
  WriteFile(dir / "b.ts", Function("beta"));
  Watcher w(dir.path(), db / "i.db");
  ASSERT_TRUE(w.WaitUntilWatching());
  ASSERT_TRUE(w.WaitForNames("a.ts", {"alpha"}));

  WriteFile(dir / "a.ts", Function("alpha2") + Function("alpha3"));
  ASSERT_TRUE(w.WaitForNames("a.ts", {"alpha2", "alpha3"}));
  WriteFile(dir / "c.ts", Function("gamma"));
  ASSERT_TRUE(w.WaitForNames("c.ts", {"gamma"}));
  std::filesystem::remove(dir / "b.ts");
  ASSERT_TRUE(w.WaitForNames("b.ts", {}));
  EXPECT_EQ(IndexedFiles(db / "i.db"), (std::vector<std::string>{"a.ts", "c.ts"}));

  ExpectWatchedEqualsFreshIndex(w, dir.path(), db / "i.db", db / "fresh.db");
  ASSERT_TRUE(w.Stop().ok());
  EXPECT_FALSE(w.result().interrupted);
  std::vector<WatchBatch> batches = w.batches();
  ASSERT_GE(batches.size(), 4u);  // the initial batch and one per change
  EXPECT_EQ(batches[0].trigger, "initial");
  EXPECT_EQ(batches[0].summary.changes.added, 2);
  EXPECT_GE(batches[0].directories, 1u);
}

TEST(WatchTest, RenameAndReplaceSavesAreReindexed) {
  TempDir dir, db;
  WriteFile(dir / "src/a.ts", Function("alpha"));
  Watcher w(dir.path(), db / "i.db");
  ASSERT_TRUE(w.WaitUntilWatching());
  ASSERT_TRUE(w.WaitForNames("src/a.ts", {"alpha"}));

  // Write a temporary file, rename it over the original (VS Code, IntelliJ, many tools).
  WriteFile(dir / "src/.a.ts.tmp", Function("beta"));
  std::filesystem::rename(dir / "src/.a.ts.tmp", dir / "src/a.ts");
  ASSERT_TRUE(w.WaitForNames("src/a.ts", {"beta"}));

  // Move the original aside, write the new file, delete the backup (vim with backupcopy=no).
  std::filesystem::rename(dir / "src/a.ts", dir / "src/a.ts~");
  WriteFile(dir / "src/a.ts", Function("gamma"));
  std::filesystem::remove(dir / "src/a.ts~");
  ASSERT_TRUE(w.WaitForNames("src/a.ts", {"gamma"}));

  // A rename of an indexed file: the old path goes, the new one comes.
  std::filesystem::rename(dir / "src/a.ts", dir / "src/b.ts");
  ASSERT_TRUE(w.WaitFor([&] {
    return Names(db / "i.db", "src/b.ts") == std::vector<std::string>{"gamma"} &&
           Names(db / "i.db", "src/a.ts").empty() && w.GraphCurrent();
  }));
  ExpectWatchedEqualsFreshIndex(w, dir.path(), db / "i.db", db / "fresh.db");
  ASSERT_TRUE(w.Stop().ok());
}

TEST(WatchTest, NewDirectoriesAreIndexedAndWatchedAndRemovedOnesForgotten) {
  TempDir dir, db;
  WriteFile(dir / "a.ts", Function("alpha"));
  Watcher w(dir.path(), db / "i.db");
  ASSERT_TRUE(w.WaitUntilWatching());
  ASSERT_TRUE(w.WaitForNames("a.ts", {"alpha"}));
  const size_t watched_at_start = w.batches().at(0).directories;

  // A new directory tree with files already in it (as `cp -r` or `git checkout` make it).
  WriteFile(dir / "lib/deep/er/x.ts", Function("xray"));
  WriteFile(dir / "lib/y.py", "def yankee():\n    return 1\n");
  ASSERT_TRUE(w.WaitForNames("lib/deep/er/x.ts", {"xray"}));
  ASSERT_TRUE(w.WaitForNames("lib/y.py", {"yankee"}));
  // The new directories are watched: a later file in the deepest one is seen.
  WriteFile(dir / "lib/deep/er/z.ts", Function("zulu"));
  ASSERT_TRUE(w.WaitForNames("lib/deep/er/z.ts", {"zulu"}));
  EXPECT_TRUE(w.WaitFor([&] { return w.batches().back().directories == watched_at_start + 3; }));

  std::filesystem::remove_all(dir / "lib");
  ASSERT_TRUE(w.WaitFor([&] {
    return IndexedFiles(db / "i.db") == std::vector<std::string>{"a.ts"} && w.GraphCurrent();
  }));
  ASSERT_TRUE(w.WaitFor([&] { return w.batches().back().directories == watched_at_start; }));
  ExpectWatchedEqualsFreshIndex(w, dir.path(), db / "i.db", db / "fresh.db");
  ASSERT_TRUE(w.Stop().ok());
}

TEST(WatchTest, BurstOfChangesLikeABranchSwitchEndsEqualToAFreshIndex) {
  TempDir dir, db;
  for (int i = 0; i < 100; ++i) {
    WriteFile(dir / ("src/m" + std::to_string(i) + ".ts"), Function("f" + std::to_string(i)));
  }
  Watcher w(dir.path(), db / "i.db");
  ASSERT_TRUE(w.WaitUntilWatching());
  ASSERT_TRUE(w.WaitForNames("src/m99.ts", {"f99"}));
  const size_t batches_before = w.batches().size();

  // 200 changes at once: 100 files rewritten, 50 deleted, 50 added in a new directory, and a
  // file that appears and vanishes within the burst.
  for (int i = 0; i < 100; ++i) {
    WriteFile(dir / ("src/m" + std::to_string(i) + ".ts"), Function("g" + std::to_string(i)));
  }
  WriteFile(dir / "src/fleeting.ts", Function("fleeting"));
  for (int i = 50; i < 100; ++i)
    std::filesystem::remove(dir / ("src/m" + std::to_string(i) + ".ts"));
  for (int i = 0; i < 50; ++i) {
    WriteFile(dir / ("other/n" + std::to_string(i) + ".ts"), Function("n" + std::to_string(i)));
  }
  std::filesystem::remove(dir / "src/fleeting.ts");
  ASSERT_TRUE(w.WaitFor([&] {
    return Names(db / "i.db", "src/m0.ts") == std::vector<std::string>{"g0"} &&
           Names(db / "i.db", "src/m49.ts") == std::vector<std::string>{"g49"} &&
           Names(db / "i.db", "other/n49.ts") == std::vector<std::string>{"n49"} &&
           IndexedFiles(db / "i.db").size() == 100 && w.GraphCurrent();
  }));
  ExpectWatchedEqualsFreshIndex(w, dir.path(), db / "i.db", db / "fresh.db");
  ASSERT_TRUE(w.Stop().ok());
  // Batched, not one run per event (the debounce may still split the burst in a few).
  EXPECT_LT(w.batches().size() - batches_before, 50u);
}

TEST(WatchTest, GitignoreChangesDropAndRestoreFiles) {
  TempDir dir, db;
  WriteFile(dir / "a.ts", Function("alpha"));
  WriteFile(dir / "b.ts", Function("beta"));
  WriteFile(dir / "gen/c.ts", Function("gamma"));
  Watcher w(dir.path(), db / "i.db");
  ASSERT_TRUE(w.WaitUntilWatching());
  ASSERT_TRUE(w.WaitForNames("gen/c.ts", {"gamma"}));
  const size_t watched_at_start = w.batches().at(0).directories;

  WriteFile(dir / ".gitignore", "b.ts\ngen/\n");
  ASSERT_TRUE(w.WaitFor([&] {
    return IndexedFiles(db / "i.db") == std::vector<std::string>{"a.ts"} && w.GraphCurrent();
  }));
  EXPECT_TRUE(Names(db / "i.db", "b.ts").empty());
  EXPECT_TRUE(Names(db / "i.db", "gen/c.ts").empty());
  // The ignored directory is no longer watched.
  ASSERT_TRUE(w.WaitFor([&] { return w.batches().back().directories == watched_at_start - 1; }));

  std::filesystem::remove(dir / ".gitignore");
  ASSERT_TRUE(w.WaitForNames("b.ts", {"beta"}));
  ASSERT_TRUE(w.WaitForNames("gen/c.ts", {"gamma"}));
  // Watched again: a new file there is seen.
  WriteFile(dir / "gen/d.ts", Function("delta"));
  ASSERT_TRUE(w.WaitForNames("gen/d.ts", {"delta"}));
  ExpectWatchedEqualsFreshIndex(w, dir.path(), db / "i.db", db / "fresh.db");
  ASSERT_TRUE(w.Stop().ok());
}

TEST(WatchTest, MissingRootIsAnError) {
  TempDir dir, db;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(db / "i.db", StoreOptions(), &store).ok());
  std::atomic<bool> stop{false};
  WatchOptions options;
  options.index.root = dir / "missing";
  options.index.cancel = &stop;
  WatchResult result;
  Status s = RunWatch(options, store.get(), &result);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.ToString();
}

TEST(WatchTest, RemovingTheRootEndsTheWatchWithAnError) {
  TempDir dir, db;
  WriteFile(dir / "tree/a.ts", Function("alpha"));
  Watcher w(dir / "tree", db / "i.db");
  ASSERT_TRUE(w.WaitUntilWatching());
  ASSERT_TRUE(w.WaitForNames("a.ts", {"alpha"}));
  std::filesystem::remove_all(dir / "tree");
  ASSERT_TRUE(w.WaitFor([&] { return w.Finished(); }));
  Status s = w.Stop();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.ToString();
}

TEST(WatchTest, AnotherWriterOfTheRepositoryIsAnError) {
  TempDir dir, db;
  WriteFile(dir / "a.ts", Function("alpha"));
  std::unique_ptr<Store> store, other;
  ASSERT_TRUE(OpenStore(db / "i.db", StoreOptions(), &store).ok());
  ASSERT_TRUE(OpenStore(db / "i.db", StoreOptions(), &other).ok());
  std::unique_ptr<RepositoryLock> lock;
  ASSERT_TRUE(other->LockRepository("repo", &lock).ok());
  std::atomic<bool> stop{false};
  WatchOptions options;
  options.index.root = dir.path();
  options.index.repository = "repo";
  options.index.cancel = &stop;
  WatchResult result;
  Status s = RunWatch(options, store.get(), &result);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("being indexed by another semdex process"), std::string::npos)
      << s.ToString();
}

TEST(WatchTest, OnlyEventsThatCanChangeTheIndexCount) {
  EXPECT_TRUE(EventMayChangeIndex("a.ts", false));
  EXPECT_TRUE(EventMayChangeIndex("a.py", false));
  EXPECT_TRUE(EventMayChangeIndex("x.mjs", false));
  EXPECT_TRUE(EventMayChangeIndex(".gitignore", false));
  EXPECT_TRUE(EventMayChangeIndex(".semdexignore", false));
  EXPECT_TRUE(EventMayChangeIndex("lib", true));
  EXPECT_TRUE(EventMayChangeIndex("", false));  // the watched directory itself
  EXPECT_FALSE(EventMayChangeIndex(".a.ts.swp", false));
  EXPECT_FALSE(EventMayChangeIndex("a.ts~", false));
  EXPECT_FALSE(EventMayChangeIndex("4913", false));  // vim's write test
  EXPECT_FALSE(EventMayChangeIndex("index.db-wal", false));
  EXPECT_FALSE(EventMayChangeIndex("README.md", false));
}

}  // namespace
}  // namespace semdex
