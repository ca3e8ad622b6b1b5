// The graph's rows: metrics, edge weights, detailed metadata, stable ids, determinism across
// run modes, the reference design's Task 7 queries, deletes, and the store's ReplaceGraph checks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "graph_test_util.h"

namespace semdex {
namespace {

using testing::GraphFixture;
using List = std::vector<std::string>;

void WriteChain(GraphFixture* fx) {
  fx->Write("chain.ts",
            "export function x() { y(); y(); }\n"
            "export function y() { z(); }\n"
            "/** Leaf. */\n"
            "export function z(a: number, b = 2) {\n"
            "  if (a && b) {\n"
            "    return 1;\n"
            "  }\n"
            "  return 0;\n"
            "}\n");
}

double Number(const std::string& text) { return std::stod(text); }

TEST(GraphRowsTest, MetricsOnACallChain) {
  GraphFixture fx;
  WriteChain(&fx);
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.Weight("chain.ts:x -calls-> chain.ts:y", "call_count"), "2");
  EXPECT_EQ(fx.Weight("chain.ts:y -calls-> chain.ts:z", "call_count"), "1");
  EXPECT_EQ(fx.Weight("chain.ts -contains-> chain.ts:x", "call_count"), "0");
  // x -> y -> z is the longest (and only) call chain.
  EXPECT_EQ(fx.Weight("chain.ts:x -calls-> chain.ts:y", "is_critical_path"), "1");
  EXPECT_EQ(fx.Weight("chain.ts:y -calls-> chain.ts:z", "is_critical_path"), "1");
  EXPECT_EQ(fx.Weight("chain.ts -contains-> chain.ts:x", "is_critical_path"), "0");
  // Rank flows down the chain: the edge out of y carries more of it than the edge out of x.
  EXPECT_EQ(Number(fx.Weight("chain.ts:y -calls-> chain.ts:z", "importance_score")), 1.0);
  EXPECT_LT(Number(fx.Weight("chain.ts:x -calls-> chain.ts:y", "importance_score")), 1.0);
  EXPECT_GT(Number(fx.Metric("chain.ts:z", "pagerank")),
            Number(fx.Metric("chain.ts:y", "pagerank")));
  EXPECT_GT(Number(fx.Metric("chain.ts:y", "pagerank")),
            Number(fx.Metric("chain.ts:x", "pagerank")));
  EXPECT_GT(Number(fx.Metric("chain.ts:y", "betweenness")), 0.0);
  EXPECT_EQ(Number(fx.Metric("chain.ts:x", "betweenness")), 0.0);
  EXPECT_EQ(Number(fx.Metric("chain.ts:z", "betweenness")), 0.0);
  EXPECT_EQ(fx.Metric("chain.ts:y",
                      "afferent_coupling || '/' || efferent_coupling || '/' || "
                      "instability"),
            "1/1/0.5");
  EXPECT_EQ(fx.Metric("chain.ts:x", "instability"), "1.0");
  EXPECT_EQ(fx.Metric("chain.ts:z", "instability"), "0.0");
  // z: if + && (cyclomatic 3; cognitive: if +1, && +1), 7 lines with its doc comment.
  EXPECT_EQ(fx.Metric("chain.ts:z",
                      "cyclomatic_complexity || '/' || cognitive_complexity || '/' "
                      "|| lines_of_code"),
            "3/2/7");
  EXPECT_EQ(fx.Metric("chain.ts",
                      "cyclomatic_complexity || '/' || cognitive_complexity || '/' "
                      "|| lines_of_code"),
            "3/2/9");
  EXPECT_EQ(fx.Query("SELECT ROUND(SUM(pagerank), 6) FROM computed_metrics WHERE repository = "
                     "'fx'"),
            List{"1.0"});
}

TEST(GraphRowsTest, NodePropertiesAndDetailedMetadata) {
  GraphFixture fx;
  WriteChain(&fx);
  ASSERT_TRUE(fx.Index());
  const std::string z =
      "FROM nodes n JOIN detailed_metadata d ON d.node_id = n.node_id "
      "WHERE n.label = 'z'";
  EXPECT_EQ(fx.Query("SELECT n.node_type, d.chunk_id = n.properties->>'chunk_id', "
                     "d.chunk_id IN (SELECT id FROM code_chunks), d.metadata->>'node_id' = "
                     "n.node_id " +
                     z),
            List{"function|1|1|1"});
  nlohmann::json props = nlohmann::json::parse(fx.Query("SELECT n.properties " + z).at(0));
  EXPECT_EQ(props["repository"], "fx");
  EXPECT_EQ(props["name"], "z");
  EXPECT_EQ(props["qualified_name"], "z");
  EXPECT_EQ(props["file_path"], "chain.ts");
  EXPECT_EQ(props["start_line"], 3);
  EXPECT_EQ(props["end_line"], 9);
  EXPECT_EQ(props["kind"], "function");
  EXPECT_EQ(props["exported"], true);
  EXPECT_EQ(props["external"], false);
  nlohmann::json meta = nlohmann::json::parse(fx.Query("SELECT d.metadata " + z).at(0));
  EXPECT_EQ(meta["signature"], "export function z(a: number, b = 2)");
  EXPECT_EQ(meta["parameters"].size(), 2u);
  EXPECT_EQ(meta["docstring"], "/** Leaf. */");
  EXPECT_EQ(meta["calls"], nlohmann::json::array());
  // A caller's calls carry line, context and resolution.
  std::vector<std::string> x = fx.Query(
      "SELECT d.metadata->'calls' FROM detailed_metadata d JOIN nodes n ON n.node_id = d.node_id "
      "WHERE n.label = 'x'");
  ASSERT_EQ(x.size(), 1u);
  nlohmann::json calls = nlohmann::json::parse(x[0]);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["callee"], "y");
  EXPECT_EQ(calls[0]["line"], 1);
  EXPECT_EQ(calls[0]["context"], "export function x() { y(); y(); }");
  EXPECT_EQ(calls[0]["target_name"], "y");
  EXPECT_EQ(calls[0]["target_file"], "chain.ts");
  EXPECT_EQ(fx.Query("SELECT node_type || ':' || label FROM nodes WHERE node_id = '" +
                     calls[0]["target"].get<std::string>() + "'"),
            List{"function:y"});
}

TEST(GraphRowsTest, NodeIdsDependOnQualifiedPathNotOnPosition) {
  GraphFixture a, b;
  WriteChain(&a);
  b.Write("chain.ts",
          "// a new first line moves every chunk\n"
          "export function x() { y(); y(); }\nexport function y() { z(); }\n"
          "export function z() {}\n");
  ASSERT_TRUE(a.Index());
  ASSERT_TRUE(b.Index());
  const std::string sql =
      "SELECT label, node_id, properties->>'chunk_id' FROM nodes WHERE label IN ('x', 'y', "
      "'chain.ts') ORDER BY label";
  List ra = a.Query(sql), rb = b.Query(sql);
  ASSERT_EQ(ra.size(), 3u);
  ASSERT_EQ(rb.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ra[i].substr(0, ra[i].rfind('|')), rb[i].substr(0, rb[i].rfind('|')));
  }
  EXPECT_NE(ra[1], rb[1]);  // x's chunk id changed with its position; its node id did not
  const std::string edge =
      "SELECT e.edge_id FROM edges e JOIN nodes s ON s.node_id = e.source_node_id WHERE "
      "s.label = 'x' AND e.relation_type = 'calls'";
  EXPECT_EQ(a.Query(edge), b.Query(edge));
}

TEST(GraphRowsTest, SequentialAndParallelRunsGiveIdenticalGraphs) {
  GraphFixture fx;
  WriteChain(&fx);
  fx.Write("lib/index.ts", "export * from './a';\nexport { b as bee } from './b';\n");
  fx.Write("lib/a.ts", "import { z } from '../chain';\nexport class A { m() { z(); } }\n");
  fx.Write("lib/b.ts",
           "import { A } from './a';\nexport class B extends A { n() { this.m(); } }\n"
           "export function b() { return new B(); }\n");
  fx.Write("main.ts",
           "import { A, bee } from './lib';\nimport fs from 'fs';\n"
           "export function main() { new A().m(); bee(); fs.readFileSync('x'); }\n");
  ASSERT_TRUE(fx.Index(true, 1, "seq.db"));
  std::vector<std::string> sequential = fx.ExportGraph();
  ASSERT_TRUE(fx.Index(false, 3, "par.db"));
  std::vector<std::string> parallel = fx.ExportGraph();
  EXPECT_GT(sequential.size(), 40u);
  EXPECT_EQ(sequential, parallel);
}

// The reference design's Task 7 verification queries, verbatim, on a real index.
TEST(GraphRowsTest, ReferenceVerificationQueriesCountNodesAndEdges) {
  GraphFixture fx("code_test");
  WriteChain(&fx);
  fx.Write("main.ts", "import { x } from './chain';\nx();\n");
  ASSERT_TRUE(fx.Index(false, 2));
  List nodes = fx.Query(
      "SELECT COUNT(*) as total_nodes FROM nodes WHERE properties->>'repository' = 'code_test';");
  List edges = fx.Query(
      "SELECT COUNT(*) as total_edges FROM edges WHERE source_node_id IN (SELECT node_id FROM "
      "nodes WHERE properties->>'repository' = 'code_test');");
  ASSERT_EQ(nodes.size(), 1u);
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(std::stoll(nodes[0]), 5);  // chain.ts, main.ts, x, y, z
  EXPECT_GT(std::stoll(edges[0]), 0);
  EXPECT_EQ(std::stoll(nodes[0]), fx.summary().graph.nodes);
  EXPECT_EQ(std::stoll(edges[0]), fx.summary().graph.edges);
  nlohmann::json summary = SummaryToJson(fx.summary());
  EXPECT_EQ(summary["graph"]["nodes"], 5);
  EXPECT_EQ(summary["graph"]["edges"], fx.summary().graph.edges);
  std::string text = FormatSummaryText(fx.summary());
  EXPECT_NE(text.find("   - Graph nodes: 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("   - Graph edges: " + edges[0] + "\n"), std::string::npos) << text;
}

TEST(GraphRowsTest, DeleteRepositoryAndReindexLeaveNoStaleGraphRows) {
  GraphFixture fx;
  WriteChain(&fx);
  fx.Write("ext.ts", "import fs from 'fs';\n");  // an external node: metadata without a chunk
  ASSERT_TRUE(fx.Index());
  const std::string counts =
      "SELECT (SELECT COUNT(*) FROM nodes) || '/' || (SELECT COUNT(*) FROM edges) || '/' || "
      "(SELECT COUNT(*) FROM edge_weights) || '/' || (SELECT COUNT(*) FROM computed_metrics) || "
      "'/' || (SELECT COUNT(*) FROM detailed_metadata)";
  const List full = fx.Query(counts);
  ASSERT_TRUE(fx.Index());  // a second run replaces the rows
  EXPECT_EQ(fx.Query(counts), full);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(fx.db(), StoreOptions(), &store).ok());
  ASSERT_TRUE(store->DeleteRepository("fx").ok());
  EXPECT_EQ(fx.Query(counts), List{"0/0/0/0/0"});
}

TEST(GraphRowsTest, ReplaceGraphRejectsRowsItCouldNotDeleteLater) {
  GraphFixture fx;
  WriteChain(&fx);
  ASSERT_TRUE(fx.Index());
  const std::string counts =
      "SELECT (SELECT COUNT(*) FROM nodes) || '/' || "
      "(SELECT COUNT(*) FROM edges)";
  const List before = fx.Query(counts);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(fx.db(), StoreOptions(), &store).ok());

  GraphRows dangling;
  dangling.nodes.push_back({"n1", "function", "f", R"({"repository":"fx"})"});
  dangling.edges.push_back({"e1", "n1", "nowhere", "calls", "{}"});
  Status s = store->ReplaceGraph("fx", dangling);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();

  GraphRows unnamed;
  unnamed.nodes.push_back({"n1", "function", "f", R"({"repository":"other"})"});
  s = store->ReplaceGraph("fx", unnamed);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_EQ(fx.Query(counts), before);  // nothing changed

  ASSERT_TRUE(store->ReplaceGraph("fx", GraphRows()).ok());
  EXPECT_EQ(fx.Query(counts), List{"0/0"});
}

}  // namespace
}  // namespace semdex
