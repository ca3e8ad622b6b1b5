// LoadGraphInput and ReplaceGraph: what the graph stage reads and how its rows are replaced.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/store.h"
#include "store_test_util.h"

namespace semdex {
namespace {

using testing::MakeFile;
using testing::OpenIndex;
using testing::RawDb;
using testing::TempDir;

GraphRows SampleGraph(const std::string& repository, int nodes) {
  GraphRows rows;
  for (int i = 0; i < nodes; ++i) {
    std::string id = repository + "-n" + std::to_string(i);
    rows.nodes.push_back({id, "function", "f", R"({"repository": ")" + repository + "\"}"});
    rows.metrics.push_back({id, "", 1, std::nullopt, 3, 0, 0, 0, 0.5, 0});
    rows.detailed_metadata.push_back({id, "", "{}", 1});
    if (i > 0) {
      std::string edge = repository + "-e" + std::to_string(i);
      rows.edges.push_back({edge, repository + "-n0", id, "calls", "{}"});
      rows.edge_weights.push_back({edge, 2, 0.5, true});
    }
  }
  return rows;
}

TEST(GraphStoreTest, LoadGraphInputReturnsIndexedFilesChunksAndRoot) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenIndex(dir.File("index.db"));
  ASSERT_NE(store, nullptr);
  int64_t run = 0;
  ASSERT_TRUE(store->BeginRun({"r", "/src/r", "sequential", 1, false, ""}, &run).ok());
  ASSERT_TRUE(store->WriteFile(MakeFile("r", "a.ts", 2)).ok());
  ASSERT_TRUE(store->WriteFile(MakeFile("other", "b.ts", 1)).ok());
  ASSERT_TRUE(store->RecordProblem({"r", "c.ts", "failed", "boom", ""}).ok());
  GraphInput input;
  ASSERT_TRUE(store->LoadGraphInput("r", &input).ok());
  EXPECT_EQ(input.root_path, "/src/r");
  ASSERT_EQ(input.files.size(), 1u);  // the failed file has no rows to build from
  EXPECT_EQ(input.files[0].file_path, "a.ts");
  EXPECT_EQ(input.files[0].metadata_json, R"({"imports":["./a"],"syntax_errors":0})");
  ASSERT_EQ(input.chunks.size(), 2u);
  std::sort(input.chunks.begin(), input.chunks.end(),
            [](const GraphInputChunk& a, const GraphInputChunk& b) { return a.name < b.name; });
  EXPECT_EQ(input.chunks[0].name, "f0");
  EXPECT_EQ(input.chunks[0].qualified_name, "mod.f0");
  EXPECT_EQ(input.chunks[0].start_line, 1);
  EXPECT_EQ(input.chunks[1].source_code, "function f1() { return 'v1'; }");
  EXPECT_EQ(input.chunks[1].metadata_json, R"({"calls":[]})");

  ASSERT_TRUE(store->LoadGraphInput("unknown", &input).ok());
  EXPECT_TRUE(input.files.empty() && input.chunks.empty() && input.root_path.empty());
}

TEST(GraphStoreTest, ReplaceGraphSwapsOneRepositoryInOneTransaction) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenIndex(dir.File("index.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->ReplaceGraph("a", SampleGraph("a", 4)).ok());
  ASSERT_TRUE(store->ReplaceGraph("b", SampleGraph("b", 3)).ok());
  ASSERT_TRUE(store->ReplaceGraph("a", SampleGraph("a", 2)).ok());
  RawDb raw(dir.File("index.db"));
  const std::string counts =
      "SELECT (SELECT COUNT(*) FROM nodes) || '/' || (SELECT COUNT(*) FROM edges) || '/' || "
      "(SELECT COUNT(*) FROM edge_weights) || '/' || (SELECT COUNT(*) FROM computed_metrics) || "
      "'/' || (SELECT COUNT(*) FROM detailed_metadata)";
  EXPECT_EQ(raw.Text(counts), "5/3/3/5/5");
  EXPECT_EQ(raw.Rows("SELECT node_id, repository, cyclomatic_complexity, cognitive_complexity, "
                     "chunk_id FROM computed_metrics WHERE node_id = 'a-n1'"),
            std::vector<std::string>{"a-n1|a|1|NULL|NULL"});
  EXPECT_EQ(raw.Text("SELECT call_count || '/' || importance_score || '/' || is_critical_path "
                     "FROM edge_weights WHERE edge_id = 'a-e1'"),
            "2/0.5/1");

  // A failing write leaves the previous rows.
  GraphRows bad = SampleGraph("a", 3);
  bad.detailed_metadata[1].metadata_json = "{not json";
  EXPECT_FALSE(store->ReplaceGraph("a", bad).ok());
  EXPECT_EQ(raw.Text(counts), "5/3/3/5/5");
  ASSERT_TRUE(store->DeleteRepository("b").ok());
  EXPECT_EQ(raw.Text(counts), "2/1/1/2/2");
}

}  // namespace
}  // namespace semdex
