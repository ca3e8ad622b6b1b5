// Whole-corpus invariants: every non-blank line of every file lies in a chunk, and the chunk
// list is well formed. Prints chunk statistics and parse time (information, not assertions).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>

#include "parse_test_util.h"

namespace semdex::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> SourceFiles(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && LanguageForPath(entry.path().string())) {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct CorpusStats {
  int files = 0;
  int files_with_errors = 0;
  size_t bytes = 0;
  std::map<std::string, int> chunks_by_type;
  int split_chunks = 0;
  double parse_ms = 0;
};

// Parses each file, checks the invariants, and returns the statistics.
CorpusStats CheckCorpus(const std::vector<std::string>& files, const std::string& root) {
  CorpusStats stats;
  Parser parser;
  for (const std::string& path : files) {
    std::string source = SanitizeUtf8(ReadFileOrDie(path));
    std::string rel = fs::relative(path, root).string();
    ParsedFile parsed;
    auto start = std::chrono::steady_clock::now();
    Status s = parser.Parse(rel, *LanguageForPath(path), source, ParseOptions{}, &parsed);
    stats.parse_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(s.ok()) << rel << ": " << s.ToString();
    if (!s.ok()) continue;
    ++stats.files;
    stats.bytes += source.size();
    stats.files_with_errors += parsed.syntax_error_count > 0;
    std::vector<int> uncovered = UncoveredLines(source, parsed);
    EXPECT_TRUE(uncovered.empty()) << rel << ": line " << uncovered.front() << " in no chunk";
    std::string problem = CheckStructure(source, parsed);
    EXPECT_EQ(problem, "") << rel;
    for (const Chunk& c : parsed.chunks) {
      ++stats.chunks_by_type[std::string(ChunkTypeName(c.type))];
      if (c.part == 2) ++stats.split_chunks;
    }
  }
  return stats;
}

void Print(const std::string& corpus, const CorpusStats& stats) {
  std::cout << "[corpus] " << corpus << ": " << stats.files << " files, " << stats.bytes
            << " bytes, " << stats.files_with_errors << " with syntax errors, parse "
            << stats.parse_ms << " ms\n[corpus]   chunks:";
  int total = 0;
  for (const auto& [type, n] : stats.chunks_by_type) {
    std::cout << " " << type << "=" << n;
    total += n;
  }
  std::cout << " total=" << total << ", split into parts: " << stats.split_chunks << "\n";
}

TEST(CorpusTest, RxjsSourceEveryLineInAChunk) {
  std::string root = std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src";
  std::vector<std::string> files = SourceFiles(root);
  if (files.empty()) GTEST_SKIP() << "rxjs corpus not unpacked: " << root;
  EXPECT_GE(files.size(), 250u);
  CorpusStats stats = CheckCorpus(files, root);
  Print("rxjs-7.8.2/src", stats);
  EXPECT_EQ(stats.files_with_errors, 0);
  EXPECT_GT(stats.chunks_by_type["function"], 200);
  EXPECT_GT(stats.chunks_by_type["class"], 30);
  EXPECT_GT(stats.chunks_by_type["method"], 120);
  EXPECT_GT(stats.chunks_by_type["interface"], 50);
}

TEST(CorpusTest, ThreeSampleEveryLineInAChunk) {
  std::string root = std::string(SEMDEX_NPM_CACHE_DIR) + "/three-0.187.0/package";
  std::vector<std::string> files = SourceFiles(root + "/src");
  std::vector<std::string> jsm = SourceFiles(root + "/examples/jsm");
  files.insert(files.end(), jsm.begin(), jsm.end());
  if (files.empty()) GTEST_SKIP() << "three corpus not unpacked: " << root;
  std::vector<std::string> sample;
  for (size_t i = 0; i < files.size(); i += 8) sample.push_back(files[i]);
  // One large bundle as well: thousands of chunks and several split ones.
  if (fs::exists(root + "/build/three.core.js")) sample.push_back(root + "/build/three.core.js");
  CorpusStats stats = CheckCorpus(sample, root);
  Print("three-0.187.0 sample", stats);
  EXPECT_EQ(stats.files_with_errors, 0);
  EXPECT_GT(stats.chunks_by_type["class"], 50);
  EXPECT_GT(stats.chunks_by_type["method"], 500);
}

}  // namespace
}  // namespace semdex::testing
