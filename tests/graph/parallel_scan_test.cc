// Graphs large enough for the graph stage to split work over two threads (source scans of
// symbols, node rows: source_scan.cc ScanSources, graph_rows.cc MakeRows): every symbol and node
// of both halves gets its locals, resolutions and rows, as in a small graph.
#include <gtest/gtest.h>

#include <string>

#include "graph_test_util.h"

namespace semdex {
namespace {

using testing::GraphFixture;

// 600 files of 3 functions: 1,800 symbols and 2,400 nodes, above both thresholds.
TEST(ParallelScanTest, EverySymbolOfALargeGraphIsScannedAndResolved) {
  constexpr int kFiles = 600;
  GraphFixture fx;
  for (int i = 0; i < kFiles; ++i) {
    // `g` inside f is a local (the scan finds it): the call stays unresolved, never an edge to
    // the top-level g. k resolves in the file.
    fx.Write("m" + std::to_string(i) + ".ts",
             "export function g() { return 1; }\n"
             "export function f(x: number) {\n  const g = () => 2;\n"
             "  if (x > 0) { return g() + k(); }\n  return 0;\n}\n"
             "function k() { return 3; }\n");
  }
  ASSERT_TRUE(fx.Index());
  std::set<std::string> calls, expected;  // every calls edge: f -> k in each file, no other
  for (const std::string& e : fx.Edges()) {
    if (e.find(" -calls-> ") != std::string::npos) calls.insert(e);
  }
  for (int i = 0; i < kFiles; ++i) {
    const std::string file = "m" + std::to_string(i) + ".ts";
    expected.insert(file + ":f -calls-> " + file + ":k");
  }
  EXPECT_EQ(calls, expected);
  // The local call of every f is unresolved as a local, with the reason in its metadata.
  EXPECT_EQ(fx.Query("SELECT COUNT(*) FROM detailed_metadata d, json_each(d.metadata->'calls') j "
                     "WHERE j.value->>'callee' = 'g' AND j.value->>'unresolved' = 'local'"),
            std::vector<std::string>{std::to_string(kFiles)});
  // Cognitive complexity of every f: 1 for its `if`.
  EXPECT_EQ(fx.Query("SELECT COUNT(*) FROM computed_metrics m JOIN nodes n ON n.node_id = "
                     "m.node_id WHERE n.label = 'f' AND m.cognitive_complexity = 1"),
            std::vector<std::string>{std::to_string(kFiles)});
  EXPECT_EQ(fx.Query("SELECT COUNT(*) FROM nodes"), std::vector<std::string>{"2400"});
}

}  // namespace
}  // namespace semdex
