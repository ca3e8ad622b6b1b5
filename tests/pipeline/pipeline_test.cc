// The reference design's four integration tests, plus determinism, per-file atomicity and bad
// inputs, run through RunIndex into a real SQLite index.
#include "pipeline/pipeline.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "test_util.h"

namespace semdex {
namespace {

using testing::ExportChunks;
using testing::ExportFiles;
using testing::QueryRows;
using testing::TempDir;
using testing::WriteFile;

struct Indexed {
  Status status;
  IndexSummary summary;
};

Indexed Index(const std::string& root, const std::string& db, const std::string& repository,
              int workers, bool sequential, StoreOptions store_options = {}) {
  Indexed result;
  std::unique_ptr<Store> store;
  result.status = OpenStore(db, store_options, &store);
  if (!result.status.ok()) return result;
  IndexOptions options;
  options.root = root;
  options.repository = repository;
  options.workers = workers;
  options.sequential = sequential;
  result.status = RunIndex(options, store.get(), &result.summary);
  return result;
}

int64_t ChunkCount(const std::string& db, const std::string& repository) {
  return std::stoll(
      QueryRows(db, "SELECT COUNT(*) FROM code_chunks WHERE repository = '" + repository + "'")[0]);
}

// Reference design: test_worker_isolation_no_shared_memory_leak.
TEST(PipelineTest, TenOneFunctionFilesWithTwoWorkers) {
  TempDir dir, db;
  for (int i = 0; i < 10; ++i) {
    WriteFile(
        dir / ("file" + std::to_string(i) + ".ts"),
        "export function func" + std::to_string(i) + "() { return " + std::to_string(i) + "; }");
  }
  Indexed r = Index(dir.path(), db / "index.db", "test_parallel", 2, false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.summary.total_files, 10);
  EXPECT_EQ(r.summary.success_files, 10);
  EXPECT_EQ(r.summary.error_files, 0);
  EXPECT_EQ(r.summary.total_chunks, 10);
  EXPECT_EQ(ChunkCount(db / "index.db", "test_parallel"), 10);
  EXPECT_EQ(ExitCodeFor(r.summary), 0);
}

// Reference design: test_parallel_pipeline_handles_errors_gracefully.
TEST(PipelineTest, InvalidFileDoesNotStopTheRun) {
  TempDir dir, db;
  WriteFile(dir / "valid1.ts", "export function f1() { return 1; }");
  WriteFile(dir / "invalid.ts", "!!!INVALID SYNTAX!!!");
  WriteFile(dir / "valid2.ts", "export function f2() { return 2; }");
  Indexed r = Index(dir.path(), db / "index.db", "test_parallel", 2, false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.summary.total_files, 3);
  EXPECT_GE(r.summary.success_files, 2);
  EXPECT_LE(r.summary.errors.size(), 1u);
  auto names = QueryRows(
      db / "index.db", "SELECT name FROM code_chunks WHERE chunk_type = 'function' ORDER BY name");
  EXPECT_EQ(names, (std::vector<std::string>{"f1", "f2"}));
  // semdex indexes the invalid file with its syntax errors recorded.
  auto errors = QueryRows(db / "index.db",
                          "SELECT metadata->>'syntax_errors' FROM files WHERE file_path = "
                          "'invalid.ts' AND status = 'indexed'");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_GT(std::stoi(errors[0]), 0);
}

// Reference design: test_parallel_with_single_worker_matches_sequential.
TEST(PipelineTest, OneWorkerMatchesSequential) {
  TempDir dir, db;
  for (int i = 0; i < 5; ++i) {
    WriteFile(
        dir / ("file" + std::to_string(i) + ".ts"),
        "export function func" + std::to_string(i) + "() { return " + std::to_string(i) + "; }");
  }
  Indexed seq = Index(dir.path(), db / "seq.db", "test_parallel", 1, true);
  Indexed one = Index(dir.path(), db / "one.db", "test_parallel", 1, false);
  ASSERT_TRUE(seq.status.ok() && one.status.ok());
  EXPECT_EQ(one.summary.total_files, 5);
  EXPECT_EQ(one.summary.success_files, 5);
  EXPECT_EQ(one.summary.total_chunks, 5);
  EXPECT_EQ(ExportChunks(db / "seq.db", "test_parallel"),
            ExportChunks(db / "one.db", "test_parallel"));
  EXPECT_EQ(ExportFiles(db / "seq.db", "test_parallel"),
            ExportFiles(db / "one.db", "test_parallel"));
}

// Reference design: test_parallel_pipeline_empty_directory.
TEST(PipelineTest, EmptyDirectory) {
  TempDir dir, db;
  std::filesystem::create_directory(dir / "empty");
  Indexed r = Index(dir / "empty", db / "index.db", "test_parallel", 2, false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.summary.total_files, 0);
  EXPECT_EQ(r.summary.success_files, 0);
  EXPECT_EQ(r.summary.total_chunks, 0);
  EXPECT_EQ(ExitCodeFor(r.summary), 0);
}

TEST(PipelineTest, SequentialEqualsParallelOnRxjs) {
  const std::string src = std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src";
  ASSERT_TRUE(std::filesystem::is_directory(src)) << src << " missing: run scripts/setup.sh";
  TempDir db;
  Indexed seq = Index(src, db / "seq.db", "rxjs", 1, true);
  Indexed one = Index(src, db / "one.db", "rxjs", 1, false);
  Indexed par = Index(src, db / "par.db", "rxjs", 4, false);
  ASSERT_TRUE(seq.status.ok() && one.status.ok() && par.status.ok());
  EXPECT_GE(seq.summary.success_files, 251);
  EXPECT_EQ(seq.summary.error_files, 0);
  EXPECT_GT(seq.summary.total_chunks, seq.summary.success_files);
  EXPECT_EQ(seq.summary.total_chunks, par.summary.total_chunks);
  auto seq_chunks = ExportChunks(db / "seq.db", "rxjs");
  EXPECT_EQ(seq_chunks.size(), static_cast<size_t>(seq.summary.total_chunks));
  EXPECT_TRUE(seq_chunks == ExportChunks(db / "one.db", "rxjs"));
  EXPECT_TRUE(seq_chunks == ExportChunks(db / "par.db", "rxjs"));
  EXPECT_TRUE(ExportFiles(db / "seq.db", "rxjs") == ExportFiles(db / "par.db", "rxjs"));
}

TEST(PipelineTest, FailedWriteLeavesNoRowOfThatFile) {
  TempDir dir, db;
  WriteFile(dir / "a.ts", "export function a() {}\nexport function a2() {}\n");
  WriteFile(dir / "b.ts", "export function b() {}\nexport function b2() {}\n");
  WriteFile(dir / "c.ts", "export function c() {}\n");
  StoreOptions options;
  // Fail b.ts after its first chunk row went in.
  options.fault_injector = [](const FileRow& file, size_t chunk_index) {
    return !(file.file_path == "b.ts" && chunk_index == 1);
  };
  Indexed r = Index(dir.path(), db / "index.db", "repo", 2, false, options);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.summary.success_files, 2);
  EXPECT_EQ(r.summary.error_files, 1);
  ASSERT_EQ(r.summary.errors.size(), 1u);
  EXPECT_EQ(r.summary.errors[0].file, "b.ts");
  EXPECT_EQ(ExitCodeFor(r.summary), 1);
  EXPECT_TRUE(
      QueryRows(db / "index.db", "SELECT id FROM code_chunks WHERE file_path = 'b.ts'").empty());
  EXPECT_EQ(QueryRows(db / "index.db", "SELECT status FROM files WHERE file_path = 'b.ts'"),
            std::vector<std::string>{"failed"});
  EXPECT_EQ(ChunkCount(db / "index.db", "repo"), 3);
}

TEST(PipelineTest, BadInputsAreSkippedOrIndexedAndTheRestGoesOn) {
  TempDir dir, db;
  WriteFile(dir / "good.ts", "export function good() { return 1; }\n");
  WriteFile(dir / "binary.js", std::string("\x7f"
                                           "ELF\0\0\0\x01\x02",
                                           9) +
                                   std::string(100, '\0'));
  WriteFile(dir / "latin1.ts", "// caf\xe9\nexport function latin() { return '\xff'; }\n");
  WriteFile(dir / "huge.js", std::string(5 * 1024 * 1024, 'a'));
  // 50,000-deep nesting, one bracket per line (a single 100 KB line would be "minified").
  std::string deep = "export const deep = ";
  for (int i = 0; i < 50000; ++i) deep += "[\n";
  for (int i = 0; i < 50000; ++i) deep += "]\n";
  WriteFile(dir / "deep.ts", deep + ";\n");
  WriteFile(dir / "minified.js", "var a=1;" + std::string(200000, ';') + "\n");
  std::filesystem::create_directory_symlink(dir.path(), dir / "loop");
  std::filesystem::create_symlink("/etc/hostname", dir / "outside.ts");

  Indexed r = Index(dir.path(), db / "index.db", "bad", 2, false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  std::set<std::string> skipped;
  for (const FileSkip& s : r.summary.skipped) skipped.insert(s.file + "=" + s.reason);
  EXPECT_TRUE(skipped.count("binary.js=binary")) << ::testing::PrintToString(skipped);
  EXPECT_TRUE(skipped.count("huge.js=too_large"));
  EXPECT_TRUE(skipped.count("minified.js=minified"));
  EXPECT_TRUE(skipped.count("outside.ts=symlink_outside"));
  EXPECT_EQ(r.summary.error_files, 0);
  auto indexed =
      QueryRows(db / "index.db", "SELECT file_path FROM files WHERE status = 'indexed' ORDER BY 1");
  EXPECT_EQ(indexed, (std::vector<std::string>{"deep.ts", "good.ts", "latin1.ts"}));
  auto repaired =
      QueryRows(db / "index.db",
                "SELECT metadata->>'invalid_utf8_replaced' FROM files WHERE file_path = "
                "'latin1.ts'");
  EXPECT_EQ(repaired, std::vector<std::string>{"1"});
  EXPECT_EQ(ExitCodeFor(r.summary), 0);
}

TEST(PipelineTest, MissingRootFailsBeforeTouchingTheIndex) {
  TempDir dir, db;
  WriteFile(dir / "a.ts", "export function a() {}\n");
  ASSERT_TRUE(Index(dir.path(), db / "index.db", "repo", 1, true).status.ok());
  Indexed r = Index(dir / "nope", db / "index.db", "repo", 1, true);
  EXPECT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("nope"), std::string::npos) << r.status.message();
  EXPECT_EQ(ChunkCount(db / "index.db", "repo"), 1);  // the previous index is intact
}

TEST(PipelineTest, ReindexReplacesRowsAndDefaultsRepositoryToBaseName) {
  TempDir dir, db;
  WriteFile(dir / "proj/a.ts", "export function a() {}\n");
  ASSERT_TRUE(Index(dir / "proj", db / "index.db", "", 2, false).status.ok());
  WriteFile(dir / "proj/a.ts", "export function renamed() {}\n");
  Indexed r = Index(dir / "proj", db / "index.db", "", 2, false);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.summary.repository, "proj");
  EXPECT_EQ(QueryRows(db / "index.db", "SELECT name FROM code_chunks WHERE repository = 'proj'"),
            std::vector<std::string>{"renamed"});
}

TEST(SummaryTest, TextShowsPercentageAndFirstTenFailuresTruncated) {
  IndexSummary s;
  s.repository = "r";
  s.mode = "parallel";
  s.workers = 2;
  s.total_files = 20;
  s.success_files = 8;
  s.error_files = 12;
  for (int i = 0; i < 12; ++i) {
    // std::string("f") + ...: g++ 12 at -O3 flags "f" + std::string as a bogus -Wrestrict.
    s.errors.push_back({std::string("f") + std::to_string(i) + ".ts", std::string(300, 'x')});
  }
  std::string text = FormatSummaryText(s);
  EXPECT_NE(text.find("Success: 8 (40%)"), std::string::npos) << text;
  EXPECT_NE(text.find("f9.ts"), std::string::npos);
  EXPECT_EQ(text.find("f10.ts"), std::string::npos);
  EXPECT_NE(text.find("and 2 more"), std::string::npos);
  EXPECT_EQ(text.find(std::string(101, 'x')), std::string::npos);
  nlohmann::json j = SummaryToJson(s);
  for (const char* key : {"total_files", "success_files", "error_files", "skipped_files",
                          "total_chunks", "errors", "skipped", "elapsed_s"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["errors"].size(), 12u);
}

}  // namespace
}  // namespace semdex
