// LoadGraphInput and ReplaceGraph: what the graph stage reads and how its rows are replaced.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

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

// Every graph row except timestamps and the tables' integer row ids, in a fixed order.
std::vector<std::string> ExportGraphRows(RawDb* raw) {
  std::vector<std::string> out;
  for (const char* sql : {
           "SELECT node_id, node_type, label, properties FROM nodes ORDER BY node_id",
           "SELECT edge_id, source_node_id, target_node_id, relation_type, properties FROM edges "
           "ORDER BY edge_id",
           "SELECT node_id, chunk_id, repository, cyclomatic_complexity, cognitive_complexity, "
           "lines_of_code, afferent_coupling, efferent_coupling, instability, pagerank, "
           "betweenness FROM computed_metrics ORDER BY node_id, pagerank",
           "SELECT edge_id, call_count, importance_score, is_critical_path FROM edge_weights "
           "ORDER BY edge_id, call_count",
           "SELECT node_id, chunk_id, metadata, version FROM detailed_metadata ORDER BY node_id, "
           "metadata",
       }) {
    for (std::string& row : raw->Rows(sql)) out.push_back(std::move(row));
    out.push_back("--");
  }
  return out;
}

// ReplaceGraph over stored rows writes only what differs (sqlite_store_graph_diff.cc): the rows
// are then those of a fresh write, and a row that did not change keeps its timestamp.
TEST(GraphStoreTest, ReplaceGraphOverStoredRowsEqualsAFreshWriteAndKeepsUnchangedRows) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenIndex(dir.File("index.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->ReplaceGraph("a", SampleGraph("a", 6)).ok());
  ASSERT_TRUE(store->ReplaceGraph("b", SampleGraph("b", 3)).ok());
  RawDb raw(dir.File("index.db"));
  const std::string n0_time = raw.Text("SELECT created_at FROM nodes WHERE node_id = 'a-n0'");
  const std::string n1_time = raw.Text("SELECT created_at FROM nodes WHERE node_id = 'a-n1'");

  GraphRows next = SampleGraph("a", 6);
  next.nodes[1].label = "renamed";           // updated
  next.metrics[2].pagerank = 0.25;           // updated
  next.metrics[2].cognitive_complexity = 4;  // NULL -> 4
  next.edge_weights[1].call_count = 9;       // updated (edge a-e2)
  next.detailed_metadata[3].metadata_json = R"({"x":1})";
  next.nodes.erase(next.nodes.begin() + 5);  // a-n5 and its rows go
  next.metrics.erase(next.metrics.begin() + 5);
  next.detailed_metadata.erase(next.detailed_metadata.begin() + 5);
  next.edges.pop_back();
  next.edge_weights.pop_back();
  next.nodes.push_back({"a-n9", "class", "C", R"({"repository": "a"})"});  // inserted
  next.metrics.push_back({"a-n9", "", 2, 1, 7, 1, 0, 1, 0.1, 0.2});
  next.detailed_metadata.push_back({"a-n9", "", "{}", 1});
  next.edges.push_back({"a-e9", "a-n9", "a-n1", "extends", "{}"});
  next.edge_weights.push_back({"a-e9", 0, 0, false});
  ASSERT_TRUE(store->ReplaceGraph("b", SampleGraph("b", 3)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // timestamps have milliseconds
  ASSERT_TRUE(store->ReplaceGraph("a", next).ok());

  TempDir fresh_dir;
  std::unique_ptr<Store> fresh = OpenIndex(fresh_dir.File("index.db"));
  ASSERT_NE(fresh, nullptr);
  ASSERT_TRUE(fresh->ReplaceGraph("a", next).ok());
  ASSERT_TRUE(fresh->ReplaceGraph("b", SampleGraph("b", 3)).ok());
  RawDb fresh_raw(fresh_dir.File("index.db"));
  EXPECT_EQ(ExportGraphRows(&raw), ExportGraphRows(&fresh_raw));
  EXPECT_EQ(raw.Text("SELECT created_at FROM nodes WHERE node_id = 'a-n0'"), n0_time);
  EXPECT_NE(raw.Text("SELECT created_at FROM nodes WHERE node_id = 'a-n1'"), n1_time);

  std::vector<std::string> problems;
  ASSERT_TRUE(store->CheckIntegrity("", &problems).ok());
  EXPECT_TRUE(problems.empty()) << problems.front();
}

// graph_row_digests keeps its format (sqlite_store_graph_diff.cc Digest): an index written by an
// earlier semdex then matches its unchanged rows instead of rewriting every one. A node row
// hashes as its values, each the byte '0' + type (3: text) then the text's 8-byte length and
// bytes.
TEST(GraphStoreTest, RowDigestsKeepTheirFormat) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenIndex(dir.File("index.db"));
  ASSERT_NE(store, nullptr);
  const GraphRows rows = SampleGraph("a", 2);
  ASSERT_TRUE(store->ReplaceGraph("a", rows).ok());
  std::string bytes;
  const GraphNodeRow& n = rows.nodes[1];
  for (const std::string& text : {n.node_id, n.node_type, n.label, n.properties_json}) {
    const uint64_t size = text.size();
    bytes.push_back('3');
    bytes.append(reinterpret_cast<const char*>(&size), sizeof(size));
    bytes.append(text);
  }
  RawDb raw(dir.File("index.db"));
  EXPECT_EQ(raw.Text("SELECT digest FROM graph_row_digests WHERE repository = 'a' AND kind = 0 "
                     "AND key = 'a-n1'"),
            Xxh3Hex(bytes));
  // An unreadable stored digest counts as a changed row: the row is rewritten, not kept.
  ASSERT_EQ(raw.Int("SELECT COUNT(*) FROM graph_row_digests WHERE key = 'a-n1' AND kind = 0"), 1);
  raw.Exec("UPDATE graph_row_digests SET digest = 'not a digest' WHERE key = 'a-n1' AND kind = 0");
  raw.Exec("UPDATE nodes SET label = 'stale' WHERE node_id = 'a-n1'");
  ASSERT_TRUE(store->ReplaceGraph("a", rows).ok());
  EXPECT_EQ(raw.Text("SELECT label FROM nodes WHERE node_id = 'a-n1'"), "f");
  EXPECT_EQ(raw.Text("SELECT digest FROM graph_row_digests WHERE repository = 'a' AND kind = 0 "
                     "AND key = 'a-n1'"),
            Xxh3Hex(bytes));
}

// Rows that cannot be matched one to one (two metrics rows of a node, in the new rows or the
// stored ones) are replaced whole.
TEST(GraphStoreTest, ReplaceGraphWithRepeatedKeysReplacesTheRowsWhole) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenIndex(dir.File("index.db"));
  ASSERT_NE(store, nullptr);
  GraphRows twice = SampleGraph("a", 3);
  twice.metrics.push_back(twice.metrics[0]);
  twice.metrics.back().pagerank = 0.75;
  ASSERT_TRUE(store->ReplaceGraph("a", twice).ok());
  RawDb raw(dir.File("index.db"));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM computed_metrics WHERE node_id = 'a-n0'"), 2);
  ASSERT_TRUE(store->ReplaceGraph("a", SampleGraph("a", 3)).ok());
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM computed_metrics WHERE node_id = 'a-n0'"), 1);
  EXPECT_EQ(raw.Text("SELECT pagerank FROM computed_metrics WHERE node_id = 'a-n0'"), "0.5");
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM computed_metrics"), 3);
}

}  // namespace
}  // namespace semdex
