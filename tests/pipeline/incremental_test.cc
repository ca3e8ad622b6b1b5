// Incremental runs of RunIndex: an unchanged tree costs no parse and no Embed() call, a changed
// file re-embeds only its new texts, deletions and renames (no Embed() call), model and chunking
// rule changes redo everything and say so, cancellation leaves a consistent index, one writer per
// repository; and whatever the history, the index (chunks, files, graph) equals a full rebuild's.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <mutex>

#include "fake_embedder.h"
#include "pipeline/pipeline.h"
#include "test_util.h"

namespace semdex {
namespace {

using testing::ExportChunks;
using testing::ExportFiles;
using testing::ExportGraphRows;
using testing::FakeEmbedder;
using testing::QueryRows;
using testing::TempDir;
using testing::WriteFile;

struct IndexRun {
  Status status;
  IndexSummary summary;
  std::vector<FileEvent> events;
};

struct RunSettings {
  const Embedder* embedder = nullptr;
  bool full = false;
  bool sequential = true;
  int workers = 1;
  ParseOptions parse;
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(int64_t done)> after_file;
  std::function<void()> after_scan;  // after the scan, before any file is read
};

IndexRun Index(const std::string& root, const std::string& db, const RunSettings& settings) {
  IndexRun r;
  std::unique_ptr<Store> store;
  r.status = OpenStore(db, StoreOptions(), &store);
  if (!r.status.ok()) return r;
  IndexOptions options;
  options.root = root;
  options.repository = "repo";
  options.sequential = settings.sequential;
  options.workers = settings.workers;
  options.full = settings.full;
  options.embedder = settings.embedder;
  options.parse = settings.parse;
  options.cancel = settings.cancel;
  options.on_file = [&](const FileEvent& e, int64_t done, int64_t) {
    r.events.push_back(e);
    if (settings.after_file) settings.after_file(done);
  };
  if (settings.after_scan) options.on_scanned = [&](int64_t) { settings.after_scan(); };
  r.status = RunIndex(options, store.get(), &r.summary);
  return r;
}

// The index of `db` equals a full index of `root` made now into a fresh database.
void ExpectEqualsFullRebuild(const std::string& root, const std::string& db,
                             const Embedder* embedder) {
  TempDir fresh;
  const std::string clean = fresh / "clean.db";
  RunSettings settings;
  settings.embedder = embedder;
  IndexRun full = Index(root, clean, settings);
  ASSERT_TRUE(full.status.ok()) << full.status.ToString();
  EXPECT_EQ(ExportChunks(db, "repo"), ExportChunks(clean, "repo"));
  EXPECT_EQ(ExportFiles(db, "repo"), ExportFiles(clean, "repo"));
  EXPECT_EQ(ExportGraphRows(db), ExportGraphRows(clean));
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(db, StoreOptions(), &store).ok());
  std::vector<std::string> problems;
  ASSERT_TRUE(store->CheckIntegrity("", &problems).ok());
  EXPECT_TRUE(problems.empty()) << problems.front();
}

// Runs `sql` on the index at `db` behind semdex's back (to damage it).
void ExecSql(const std::string& db, const char* sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);
}

// Sets a file's mtime an hour back, so that it is not "racy" (see ProcessFile).
void Age(const std::string& path) {
  std::filesystem::last_write_time(
      path, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
}

// A small tree with imports and calls between files, every file aged.
void WriteTree(const TempDir& dir) {
  WriteFile(dir / "src/util.ts",
            "export function add(a: number, b: number) { return a + b; }\n"
            "export function mul(a: number, b: number) { return a * b; }\n");
  WriteFile(dir / "src/calc.ts",
            "import { add, mul } from './util';\n"
            "export class Calc {\n  sum(x: number) { return add(x, 1); }\n"
            "  prod(x: number) { return mul(x, 2); }\n}\n");
  WriteFile(
      dir / "src/main.ts",
      "import { Calc } from './calc';\nexport function run() { return new Calc().sum(3); }\n");
  WriteFile(dir / "lib/helper.js",
            "function helper(x) { return x * 3; }\nmodule.exports = { helper };\n");
  for (const char* f : {"src/util.ts", "src/calc.ts", "src/main.ts", "lib/helper.js"}) Age(dir / f);
}

// Each test's tree (WriteTree, written before the test) and index, and the settings of its runs.
class IncrementalTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteTree(dir); }

  // One run of `settings` over the tree into the test's index.
  IndexRun Reindex() const { return Index(dir.path(), db, settings); }

  // The test's index equals a full index of the tree made now with settings.embedder.
  void ExpectFresh() const { ExpectEqualsFullRebuild(dir.path(), db, settings.embedder); }

  TempDir dir, db_dir;
  const std::string db = db_dir / "i.db";
  RunSettings settings;
};

TEST_F(IncrementalTest, UnchangedTreeParsesAndEmbedsNothing) {
  FakeEmbedder model("count@1");
  settings.embedder = &model;
  IndexRun first = Reindex();
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  EXPECT_EQ(first.summary.changes.added, 4);
  EXPECT_TRUE(first.summary.graph.rebuilt);
  model.Clear();

  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok());
  EXPECT_TRUE(again.events.empty());  // no file read
  EXPECT_EQ(model.calls(), 0);
  EXPECT_EQ(again.summary.changes.unchanged, 4);
  EXPECT_EQ(again.summary.success_files, first.summary.success_files);
  EXPECT_EQ(again.summary.total_chunks, first.summary.total_chunks);
  EXPECT_FALSE(again.summary.graph.rebuilt);
  ExpectFresh();
}

TEST_F(IncrementalTest, TouchedFileIsConfirmedByHashNotParsed) {
  ASSERT_TRUE(Reindex().status.ok());
  std::filesystem::last_write_time(
      dir / "src/util.ts",
      std::filesystem::file_time_type::clock::now() - std::chrono::minutes(30));
  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok());
  ASSERT_EQ(again.events.size(), 1u);
  EXPECT_EQ(again.events[0].kind, FileEvent::Kind::kUnchanged);
  EXPECT_FALSE(again.summary.graph.rebuilt);
  EXPECT_TRUE(Reindex().events.empty());  // mtime recorded
}

TEST_F(IncrementalTest, ChangedFileEmbedsOnlyItsNewTexts) {
  FakeEmbedder model("count@1");
  settings.embedder = &model;
  ASSERT_TRUE(Reindex().status.ok());
  model.Clear();
  WriteFile(dir / "src/util.ts",
            "export function add(a: number, b: number) { return a + b; }\n"
            "export function mul(a: number, b: number) { return a * b * 1; }\n");
  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.summary.changes.changed, 1);
  EXPECT_EQ(again.summary.changes.unchanged, 3);
  ASSERT_EQ(model.texts().size(), 1u);  // mul; add's vector is reused
  EXPECT_NE(model.texts()[0].find("a * b * 1"), std::string::npos);
  EXPECT_EQ(again.summary.changes.reused_vectors, 1);
  EXPECT_TRUE(again.summary.graph.rebuilt);
  ExpectFresh();
}

TEST_F(IncrementalTest, DeletedFileLosesItsRowsAndGraph) {
  ASSERT_TRUE(Reindex().status.ok());
  std::filesystem::remove(dir / "src/calc.ts");
  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.summary.changes.deleted, 1);
  EXPECT_TRUE(again.events.empty());
  EXPECT_TRUE(QueryRows(db, "SELECT 1 FROM code_chunks WHERE file_path = 'src/calc.ts'").empty());
  EXPECT_TRUE(
      QueryRows(db, "SELECT 1 FROM nodes WHERE properties->>'file_path' = 'src/calc.ts'").empty());
  ExpectFresh();
}

TEST_F(IncrementalTest, FilesDeletedAfterTheScanAreDroppedNotRecordedAsProblems) {
  ASSERT_TRUE(Reindex().status.ok());
  // A changed file and a new one, both gone by the time the run reads them (an editor's
  // temporary file, a branch switch going on during the run).
  WriteFile(dir / "src/calc.ts", "export class Calc {}\n");
  WriteFile(dir / "src/fleeting.ts", "export function fleeting() {}\n");
  settings.after_scan = [&] {
    std::filesystem::remove(dir / "src/calc.ts");
    std::filesystem::remove(dir / "src/fleeting.ts");
  };
  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_EQ(again.summary.changes.deleted, 1);
  EXPECT_EQ(again.summary.changes.added, 0);
  EXPECT_EQ(again.summary.skipped_files, 0);
  EXPECT_EQ(again.summary.error_files, 0);
  EXPECT_TRUE(QueryRows(db,
                        "SELECT file_path FROM files WHERE file_path IN "
                        "('src/calc.ts', 'src/fleeting.ts')")
                  .empty());
  settings.after_scan = nullptr;
  ExpectFresh();
}

TEST_F(IncrementalTest, RenamedFileReusesEveryVector) {
  FakeEmbedder model("count@1");
  settings.embedder = &model;
  ASSERT_TRUE(Reindex().status.ok());
  model.Clear();
  std::filesystem::rename(dir / "lib/helper.js", dir / "lib/helpers.js");
  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(model.calls(), 0);
  EXPECT_EQ(again.summary.changes.added, 1);
  EXPECT_EQ(again.summary.changes.deleted, 1);
  EXPECT_GT(again.summary.changes.reused_vectors, 0);
  ExpectFresh();
}

TEST_F(IncrementalTest, ModelChangeReembedsEverythingAndSaysSo) {
  FakeEmbedder one("count@1"), two("count@2");
  settings.embedder = &one;
  IndexRun first = Reindex();
  ASSERT_TRUE(first.status.ok());
  settings.embedder = &two;
  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok());
  EXPECT_NE(again.summary.changes.redo_reason.find("model changed"), std::string::npos)
      << again.summary.changes.redo_reason;
  EXPECT_EQ(static_cast<int64_t>(two.texts().size()), first.summary.total_chunks);
  EXPECT_EQ(again.summary.changes.reused_vectors, 0);
  ExpectFresh();
  // And --no-embed drops the vectors.
  settings.embedder = nullptr;
  ASSERT_TRUE(Reindex().status.ok());
  EXPECT_EQ(QueryRows(db,
                      "SELECT COUNT(*) FROM code_chunks WHERE embedding_code IS "
                      "NOT NULL")[0],
            "0");
}

TEST_F(IncrementalTest, ChunkingRulesChangeRechunksEveryFileReusingVectors) {
  FakeEmbedder model("count@1");
  settings.embedder = &model;
  ASSERT_TRUE(Reindex().status.ok());
  model.Clear();
  settings.parse.max_chunk_lines = 300;  // changes the stamp, not these small files' chunks
  IndexRun again = Reindex();
  ASSERT_TRUE(again.status.ok());
  EXPECT_NE(again.summary.changes.redo_reason.find("chunking rules changed"), std::string::npos);
  EXPECT_EQ(again.events.size(), 4u);
  EXPECT_EQ(model.calls(), 0);
  EXPECT_EQ(again.summary.changes.reused_vectors, again.summary.total_chunks);
}

TEST_F(IncrementalTest, SequentialAndParallelIncrementalRunsAgree) {
  TempDir b;  // a second index, beside the test's
  FakeEmbedder model("count@1");
  RunSettings seq;
  seq.embedder = &model;
  RunSettings par = seq;
  par.sequential = false;
  par.workers = 4;
  ASSERT_TRUE(Index(dir.path(), db, seq).status.ok());
  ASSERT_TRUE(Index(dir.path(), b / "i.db", par).status.ok());
  WriteFile(dir / "src/main.ts", "import { add } from './util';\nexport const z = add(1, 2);\n");
  std::filesystem::remove(dir / "lib/helper.js");
  ASSERT_TRUE(Index(dir.path(), db, seq).status.ok());
  ASSERT_TRUE(Index(dir.path(), b / "i.db", par).status.ok());
  EXPECT_EQ(ExportChunks(db, "repo"), ExportChunks(b / "i.db", "repo"));
  EXPECT_EQ(ExportGraphRows(db), ExportGraphRows(b / "i.db"));
}

TEST_F(IncrementalTest, FileThatBecomesIgnoredLosesItsChunks) {
  ASSERT_TRUE(Reindex().status.ok());
  WriteFile(dir / ".gitignore", "lib/\n");
  ASSERT_TRUE(Reindex().status.ok());
  EXPECT_TRUE(QueryRows(db, "SELECT 1 FROM code_chunks WHERE file_path LIKE 'lib/%'").empty());
  ExpectFresh();
}

TEST_F(IncrementalTest, CancelledRunLeavesAConsistentIndexTheNextRunCompletes) {
  // Its own tree, beside WriteTree's files (which no run changes).
  auto write_original = [&](int step) {
    for (int i = 0; i < 40; i += step) {
      const std::string path = dir / ("src/f" + std::to_string(i) + ".ts");
      WriteFile(path, "import { g } from './f" + std::to_string((i + 1) % 40) +
                          "';\nexport function f" + std::to_string(i) +
                          "() { return g(); }\nexport function g() { return " + std::to_string(i) +
                          "; }\n");
      Age(path);
    }
  };
  write_original(1);
  FakeEmbedder model("count@1");
  for (bool sequential : {true, false}) {
    SCOPED_TRACE(sequential ? "sequential" : "parallel");
    std::filesystem::remove(db);
    settings.embedder = &model;
    settings.sequential = sequential;
    settings.workers = 3;
    ASSERT_TRUE(Reindex().status.ok());  // with a graph
    for (int i = 0; i < 40; i += 2) {
      const std::string path = dir / ("src/f" + std::to_string(i) + ".ts");
      WriteFile(path, "export function f" + std::to_string(i) + "() { return 7; }\n");
      Age(path);
    }
    std::atomic<bool> cancel{false};
    settings.cancel = &cancel;
    settings.after_file = [&](int64_t done) {
      if (done == 5) cancel = true;
    };
    IndexRun cut = Reindex();
    ASSERT_TRUE(cut.status.ok()) << cut.status.ToString();
    EXPECT_TRUE(cut.summary.interrupted);
    EXPECT_EQ(cut.summary.files_done, 5);
    EXPECT_EQ(cut.summary.files_to_process, 20);
    {
      std::unique_ptr<Store> store;
      ASSERT_TRUE(OpenStore(db, StoreOptions(), &store).ok());
      std::vector<std::string> problems;
      ASSERT_TRUE(store->CheckIntegrity("repo", &problems).ok());
      ASSERT_EQ(problems.size(), 1u);  // no orphans: only the graph to rebuild
      EXPECT_NE(problems[0].find("stale graph"), std::string::npos) << problems[0];
      GraphSnapshot snapshot;  // a stale graph is never served
      Status graph = store->LoadGraph("repo", &snapshot);
      EXPECT_FALSE(graph.ok());
      EXPECT_NE(graph.message().find("out of date"), std::string::npos) << graph.ToString();
    }
    settings.cancel = nullptr;
    settings.after_file = nullptr;
    IndexRun rest = Reindex();
    ASSERT_TRUE(rest.status.ok());
    EXPECT_EQ(rest.summary.changes.changed, 15);
    EXPECT_TRUE(rest.summary.graph.rebuilt);
    ExpectFresh();
    {
      std::unique_ptr<Store> store;
      ASSERT_TRUE(OpenStore(db, StoreOptions(), &store).ok());
      GraphSnapshot snapshot;
      ASSERT_TRUE(store->LoadGraph("repo", &snapshot).ok());
      EXPECT_FALSE(snapshot.nodes.empty());
    }
    write_original(2);  // back to the original tree for the next mode
  }
}

// The graph of an incremental run is written as the rows that differ from the stored ones
// (Store::ReplaceGraph): after edits that add, drop and break edges it still equals a full
// rebuild's, and the rows of what no edit touched are not rewritten.
TEST_F(IncrementalTest, GraphAfterEditsThatChangeEdgesEqualsAFullRebuild) {
  ASSERT_TRUE(Reindex().status.ok());
  const std::string helper_node =
      "SELECT created_at FROM nodes WHERE properties->>'file_path' = 'lib/helper.js' AND "
      "node_type = 'Module'";
  const std::vector<std::string> helper_time = QueryRows(db, helper_node);
  ASSERT_EQ(helper_time.size(), 1u);
  const std::vector<std::function<void()>> edits = {
      [&] {  // a new call and import
        WriteFile(dir / "src/main.ts",
                  "import { Calc } from './calc';\nimport { mul } from './util';\n"
                  "export function run() { return mul(new Calc().sum(3), 2); }\n");
      },
      [&] {  // a callee removed: calc's call to mul is left unresolved
        WriteFile(dir / "src/util.ts",
                  "export function add(a: number, b: number) { return a + b; }\n");
      },
      [&] {  // a module renamed: main's import of './calc' is left missing
        std::filesystem::rename(dir / "src/calc.ts", dir / "src/calculator.ts");
      },
      [&] {  // a new file with a class hierarchy
        WriteFile(dir / "src/more.ts",
                  "import { add } from './util';\nexport class Base { b() { return add(1, 2); } }\n"
                  "export class Derived extends Base { d() { return this.b(); } }\n");
      },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    SCOPED_TRACE("edit " + std::to_string(i));
    edits[i]();
    IndexRun run = Reindex();
    ASSERT_TRUE(run.status.ok()) << run.status.ToString();
    EXPECT_TRUE(run.summary.graph.rebuilt);
    ExpectFresh();
  }
  EXPECT_EQ(QueryRows(db, helper_node), helper_time);
}

// The vector cache (Store::ListCachedVectors): a text that leaves the tree and comes back gets
// its vector from the cache, with no Embed() call.
TEST_F(IncrementalTest, TextRemovedThenRestoredIsNotEmbeddedAgain) {
  FakeEmbedder model("count@1");
  settings.embedder = &model;
  ASSERT_TRUE(Reindex().status.ok());
  const std::string original =
      "export function add(a: number, b: number) { return a + b; }\n"
      "export function mul(a: number, b: number) { return a * b; }\n";
  WriteFile(dir / "src/util.ts", "export function add(a: number, b: number) { return a + b; }\n");
  ASSERT_TRUE(Reindex().status.ok());
  model.Clear();
  WriteFile(dir / "src/util.ts", original);
  IndexRun restored = Reindex();
  ASSERT_TRUE(restored.status.ok());
  EXPECT_EQ(restored.summary.changes.changed, 1);
  EXPECT_EQ(model.calls(), 0);
  EXPECT_EQ(restored.summary.embedding.chunks, 0);
  EXPECT_GT(restored.summary.changes.reused_vectors, 0);
  ExpectFresh();
}

// A cached vector of another dimension than the model's (an index damaged by hand, or a model
// directory replaced under the same id) is listed but not used: the text is embedded again on the
// writer thread and the index still equals a full rebuild's.
TEST_F(IncrementalTest, CachedVectorOfAnotherDimensionIsEmbeddedAgain) {
  FakeEmbedder model("count@1");
  settings.embedder = &model;
  ASSERT_TRUE(Reindex().status.ok());
  WriteFile(dir / "src/util.ts", "export function add(a: number, b: number) { return a + b; }\n");
  ASSERT_TRUE(Reindex().status.ok());
  // mul's text is now only in the cache: give its vector (and every other) one value.
  ASSERT_NO_FATAL_FAILURE(ExecSql(db, "UPDATE vector_cache SET embedding = x'0000803f'"));
  const std::string damaged = "SELECT COUNT(*) FROM vector_cache WHERE length(embedding) <> 16";
  const int64_t damaged_before = std::stoll(QueryRows(db, damaged).at(0));
  model.Clear();
  WriteTree(dir);  // mul comes back
  IndexRun restored = Reindex();
  ASSERT_TRUE(restored.status.ok()) << restored.status.ToString();
  bool mul_embedded = false;
  for (const std::string& text : model.texts())
    mul_embedded |= text.find("a * b") != std::string::npos;
  EXPECT_TRUE(mul_embedded);
  EXPECT_EQ(restored.summary.embedding.chunks, static_cast<int64_t>(model.texts().size()));
  // The rewritten file's entries (the texts embedded again among them) hold the vectors written;
  // the others stay damaged (semdex check reports them) until they are dropped.
  EXPECT_LE(std::stoll(QueryRows(db, damaged).at(0)),
            damaged_before - static_cast<int64_t>(model.texts().size()));
  ASSERT_NO_FATAL_FAILURE(ExecSql(db, "DELETE FROM vector_cache WHERE length(embedding) <> 16"));
  ExpectFresh();
}

// Cached vectors are the model's own: another model embeds every text, and the cache then drops
// the vectors of the model no repository uses any more (so switching back embeds again).
TEST_F(IncrementalTest, CachedVectorsOfAnotherModelAreNotReused) {
  FakeEmbedder one("count@1"), two("count@2");
  settings.embedder = &one;
  IndexRun first = Reindex();
  ASSERT_TRUE(first.status.ok());
  EXPECT_GT(std::stoll(QueryRows(db,
                                 "SELECT COUNT(*) FROM vector_cache WHERE model_id "
                                 "= 'count@1'")[0]),
            0);
  settings.embedder = &two;
  ASSERT_TRUE(Reindex().status.ok());
  EXPECT_EQ(static_cast<int64_t>(two.texts().size()), first.summary.total_chunks);
  EXPECT_EQ(QueryRows(db, "SELECT DISTINCT model_id FROM vector_cache"),
            std::vector<std::string>{"count@2"});
  one.Clear();
  settings.embedder = &one;
  ASSERT_TRUE(Reindex().status.ok());
  EXPECT_EQ(static_cast<int64_t>(one.texts().size()), first.summary.total_chunks);
  ExpectFresh();
}

// Vectors from the cache make the same rows and the same Embed() calls in every mode.
TEST_F(IncrementalTest, SequentialAndParallelRunsAgreeWithCachedVectors) {
  TempDir b;  // a second index, beside the test's
  FakeEmbedder seq_model("count@1"), par_model("count@1");
  RunSettings seq;
  seq.embedder = &seq_model;
  RunSettings par = seq;
  par.embedder = &par_model;
  par.sequential = false;
  par.workers = 4;
  auto both = [&] {
    ASSERT_TRUE(Index(dir.path(), db, seq).status.ok());
    ASSERT_TRUE(Index(dir.path(), b / "i.db", par).status.ok());
  };
  both();
  WriteFile(dir / "src/util.ts", "export function add(a: number, b: number) { return a + b; }\n");
  std::filesystem::remove(dir / "lib/helper.js");
  both();
  seq_model.Clear();
  par_model.Clear();
  WriteTree(dir);  // mul and helper come back, with a new file of known and new texts
  WriteFile(dir / "src/new.ts",
            "export function mul(a: number, b: number) { return a * b; }\n"
            "export function neg(a: number) { return -a; }\n");
  both();
  EXPECT_EQ(seq_model.CallSignatures(), par_model.CallSignatures());
  ASSERT_FALSE(seq_model.texts().empty());  // neg's text is new; mul's and helper's come back
  for (const std::string& text : seq_model.texts()) {
    EXPECT_EQ(text.find("a * b"), std::string::npos) << text;
    EXPECT_EQ(text.find("x * 3"), std::string::npos) << text;
  }
  EXPECT_EQ(ExportChunks(db, "repo"), ExportChunks(b / "i.db", "repo"));
  EXPECT_EQ(ExportGraphRows(db), ExportGraphRows(b / "i.db"));
  EXPECT_EQ(QueryRows(db,
                      "SELECT model_id, text_hash, hex(embedding) FROM vector_cache "
                      "ORDER BY 1, 2"),
            QueryRows(b / "i.db",
                      "SELECT model_id, text_hash, hex(embedding) FROM vector_cache "
                      "ORDER BY 1, 2"));
}

TEST_F(IncrementalTest, SecondWriterOfARepositoryIsRefused) {
  std::unique_ptr<Store> holder;
  ASSERT_TRUE(OpenStore(db, StoreOptions(), &holder).ok());
  std::unique_ptr<RepositoryLock> lock;
  ASSERT_TRUE(holder->LockRepository("repo", &lock).ok());
  IndexRun refused = Reindex();
  EXPECT_FALSE(refused.status.ok());
  EXPECT_NE(refused.status.message().find("being indexed by another semdex process"),
            std::string::npos)
      << refused.status.ToString();
  lock.reset();
  EXPECT_TRUE(Reindex().status.ok());
}

TEST_F(IncrementalTest, CheckFindsOrphansAndBadCounts) {
  ASSERT_TRUE(Reindex().status.ok());
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(db, StoreOptions(), &store).ok());
  std::vector<std::string> problems;
  ASSERT_TRUE(store->CheckIntegrity("", &problems).ok());
  EXPECT_TRUE(problems.empty()) << problems.front();
  store.reset();
  ASSERT_NO_FATAL_FAILURE(ExecSql(db,
                                  "DELETE FROM files WHERE file_path = 'src/util.ts';"
                                  "DELETE FROM nodes WHERE node_type = 'Module' AND "
                                  "properties->>'file_path' = 'src/main.ts';"));
  ASSERT_TRUE(OpenStore(db, StoreOptions(), &store).ok());
  problems.clear();
  ASSERT_TRUE(store->CheckIntegrity("repo", &problems).ok());
  std::string all;
  for (const std::string& p : problems) all += p + "\n";
  EXPECT_NE(all.find("chunks of a file that is not indexed"), std::string::npos) << all;
  EXPECT_NE(all.find("edges whose source or target node is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("graph nodes of a file that is not indexed"), std::string::npos) << all;
}

}  // namespace
}  // namespace semdex
