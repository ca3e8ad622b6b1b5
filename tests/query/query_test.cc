// Graph queries (query/query.h) on a small repository indexed by the test, where every answer
// can be checked by reading the sources, and on rxjs@7.8.2 src/ (facts checked by hand).
#include "query/query.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "graph/graph_test_util.h"

namespace semdex {
namespace {

using Names = std::vector<std::string>;

// The fixture: main -> helper -> deep (recursive); Widget.render -> helper; Widget.make -> new
// Widget; two functions named helper (b.ts and d.ts); render both a function and a method.
class QueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fx_ = new testing::GraphFixture("fx");
    fx_->Write("a.ts",
               "import { helper } from './b';\n"                           // 1
               "export function main() { return helper(1) + local(); }\n"  // 2
               "function local() { return 2; }\n"                          // 3
               "export class Widget {\n"                                   // 4
               "  render() { return helper(2); }\n"                        // 5
               "  static make() { return new Widget(); }\n"                // 6
               "}\n");                                                     // 7
    fx_->Write("b.ts",
               "import { deep } from './c';\n"                            // 1
               "export function helper(x: number) { return deep(x); }\n"  // 2
               "export function render() { return 0; }\n");               // 3
    fx_->Write("c.ts",
               "export function deep(x: number): number {\n"  // 1
               "  return x > 0 ? deep(x - 1) : 0;\n"          // 2
               "}\n"                                          // 3
               "export function lonely() { return 1; }\n");   // 4
    fx_->Write("d.ts", "export function helper() { return 3; }\n");
    ASSERT_TRUE(fx_->Index());
    std::unique_ptr<Store> store;
    ASSERT_TRUE(OpenStore(fx_->db(), StoreOptions(), &store).ok());
    Status s = CodeGraph::Load(store.get(), {"fx"}, &graph_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() {
    graph_.reset();
    delete fx_;
    fx_ = nullptr;
  }

  static NodeId Node(const std::string& symbol) {
    NodeId node = 0;
    std::vector<NodeId> candidates;
    Status s = graph_->Resolve(symbol, &node, &candidates);
    EXPECT_TRUE(s.ok()) << symbol << ": " << s.ToString();
    return node;
  }

  // Results as "<depth> <relation> <file>:<qualified name>" ("<file>" for a Module).
  static Names Show(const std::vector<QueryResult>& results) {
    Names out;
    for (const QueryResult& r : results) {
      const GraphSymbol& s = graph_->symbol(r.node);
      const std::string where =
          s.node_type == "Module" ? s.file_path : s.file_path + ":" + s.qualified_name;
      out.push_back(std::to_string(r.depth) + " " + (r.relation.empty() ? "-" : r.relation) + " " +
                    where);
    }
    return out;
  }

  static testing::GraphFixture* fx_;
  static std::unique_ptr<CodeGraph> graph_;
};

testing::GraphFixture* QueryTest::fx_ = nullptr;
std::unique_ptr<CodeGraph> QueryTest::graph_;

TEST_F(QueryTest, ResolvesEachSymbolForm) {
  struct Case {
    std::string symbol, file, qualified_name, type;
  };
  for (const Case& c : std::vector<Case>{
           {"main", "a.ts", "main", "function"},
           {"Widget.render", "a.ts", "Widget.render", "method"},
           // An exact qualified name wins over plain names: the method Widget.render is only
           // named `render`.
           {"render", "b.ts", "render", "function"},
           {"make", "a.ts", "Widget.make", "method"},
           {"b.ts:helper", "b.ts", "helper", "function"},
           {"a.ts:render", "a.ts", "Widget.render", "method"},
           {"a.ts:Widget.render", "a.ts", "Widget.render", "method"},
           {"c.ts", "c.ts", "c", "Module"},
           {"c", "c.ts", "c", "Module"},
       }) {
    NodeId node = 0;
    std::vector<NodeId> candidates;
    Status s = graph_->Resolve(c.symbol, &node, &candidates);
    ASSERT_TRUE(s.ok()) << c.symbol << ": " << s.ToString();
    const GraphSymbol& got = graph_->symbol(node);
    EXPECT_EQ(got.file_path, c.file) << c.symbol;
    EXPECT_EQ(got.qualified_name, c.qualified_name) << c.symbol;
    EXPECT_EQ(got.node_type, c.type) << c.symbol;
    EXPECT_TRUE(candidates.empty());
  }
}

TEST_F(QueryTest, AmbiguousSymbolListsCandidates) {
  NodeId node = 0;
  std::vector<NodeId> candidates;
  Status s = graph_->Resolve("helper", &node, &candidates);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("ambiguous"), std::string::npos) << s.message();
  Names described;
  for (NodeId c : candidates) described.push_back(graph_->Describe(c));
  EXPECT_EQ(described, (Names{"b.ts:helper (function, line 2)", "d.ts:helper (function, line 1)"}));
}

TEST_F(QueryTest, UnknownSymbolIsNotFound) {
  for (const std::string symbol : {"nosuch", "c.ts:nosuch", "x.ts:deep", "Widget.nosuch", ""}) {
    NodeId node = 0;
    std::vector<NodeId> candidates;
    Status s = graph_->Resolve(symbol, &node, &candidates);
    EXPECT_EQ(s.code(), Status::Code::kNotFound) << symbol << ": " << s.ToString();
    EXPECT_TRUE(candidates.empty());
  }
}

TEST_F(QueryTest, CallersByDepth) {
  // deep calls itself: it is not its own caller in the answer.
  EXPECT_EQ(Show(graph_->Callers(Node("deep"), 1)), (Names{"1 called_by b.ts:helper"}));
  EXPECT_EQ(Show(graph_->Callers(Node("deep"), 2)),
            (Names{"1 called_by b.ts:helper", "2 called_by a.ts:main",
                   "2 called_by a.ts:Widget.render"}));
  EXPECT_EQ(Show(graph_->Callers(Node("deep"), 5)), Show(graph_->Callers(Node("deep"), 2)));
  EXPECT_TRUE(graph_->Callers(Node("lonely"), 3).empty());
}

TEST_F(QueryTest, CalleesByDepth) {
  EXPECT_EQ(Show(graph_->Callees(Node("main"), 1)),
            (Names{"1 calls a.ts:local", "1 calls b.ts:helper"}));
  EXPECT_EQ(Show(graph_->Callees(Node("main"), 2)),
            (Names{"1 calls a.ts:local", "1 calls b.ts:helper", "2 calls c.ts:deep"}));
  // `new Widget()` is a call of the class.
  EXPECT_EQ(Show(graph_->Callees(Node("Widget.make"), 1)), (Names{"1 calls a.ts:Widget"}));
}

TEST_F(QueryTest, NeighborsInAndOutWithEveryRelation) {
  EXPECT_EQ(Show(graph_->Neighbors(Node("b.ts:helper"))),
            (Names{"1 called_by a.ts:main", "1 called_by a.ts:Widget.render", "1 contained_in b.ts",
                   "1 calls c.ts:deep"}));
  // A self-call shows both ways.
  EXPECT_EQ(Show(graph_->Neighbors(Node("deep"))),
            (Names{"1 called_by b.ts:helper", "1 contained_in c.ts", "1 called_by c.ts:deep",
                   "1 calls c.ts:deep"}));
  const Names module = Show(graph_->Neighbors(Node("b.ts")));
  EXPECT_NE(std::find(module.begin(), module.end(), "1 imported_by a.ts"), module.end());
  EXPECT_NE(std::find(module.begin(), module.end(), "1 imports c.ts"), module.end());
  EXPECT_NE(std::find(module.begin(), module.end(), "1 contains b.ts:helper"), module.end());
}

TEST_F(QueryTest, ShortestPathPrefersCalls) {
  PathOptions options;
  EXPECT_EQ(Show(graph_->ShortestPath(Node("main"), Node("deep"), options)),
            (Names{"0 - a.ts:main", "1 calls b.ts:helper", "2 calls c.ts:deep"}));
  EXPECT_EQ(Show(graph_->ShortestPath(Node("main"), Node("main"), options)),
            (Names{"0 - a.ts:main"}));
  // No chain of calls from lonely to deep: through its file instead, unless calls only.
  EXPECT_EQ(Show(graph_->ShortestPath(Node("lonely"), Node("deep"), options)),
            (Names{"0 - c.ts:lonely", "1 contained_in c.ts", "2 contains c.ts:deep"}));
  // Through imports: a.ts imports b.ts.
  EXPECT_EQ(
      Show(graph_->ShortestPath(Node("local"), Node("render"), options)),
      (Names{"0 - a.ts:local", "1 contained_in a.ts", "2 imports b.ts", "3 contains b.ts:render"}));
  options.calls_only = true;
  EXPECT_TRUE(graph_->ShortestPath(Node("lonely"), Node("deep"), options).empty());
  // Edges are followed in their direction only: nothing leads from c.ts back up to a.ts.
  options.calls_only = false;
  EXPECT_TRUE(graph_->ShortestPath(Node("deep"), Node("main"), options).empty());
}

TEST_F(QueryTest, JsonHasTheContractKeys) {
  nlohmann::json j =
      QueryResultsToJson(*graph_, "main", graph_->ShortestPath(Node("main"), Node("deep"), {}));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j["symbol"], "main");
  ASSERT_EQ(j["results"].size(), 3u);
  for (const nlohmann::json& row : j["results"]) {
    Names keys;
    for (const auto& [key, value] : row.items()) keys.push_back(key);
    EXPECT_EQ(keys, (Names{"depth", "file", "line", "name", "qualified_name", "relation"}));
  }
  EXPECT_EQ(j["results"][0]["relation"], nullptr);
  EXPECT_EQ(j["results"][1], (nlohmann::json{{"name", "helper"},
                                             {"qualified_name", "helper"},
                                             {"file", "b.ts"},
                                             {"line", 2},
                                             {"relation", "calls"},
                                             {"depth", 1}}));
}

TEST_F(QueryTest, OverviewCountsAndRanks) {
  GraphOverview o = graph_->Overview(3);
  EXPECT_EQ(o.nodes, static_cast<int64_t>(graph_->node_count()));
  EXPECT_EQ(o.nodes_by_type["Module"], 4);
  EXPECT_EQ(o.nodes_by_type["function"], 7);
  EXPECT_EQ(o.nodes_by_type["method"], 2);
  EXPECT_EQ(o.nodes_by_type["class"], 1);
  int64_t edges = 0;
  for (const auto& [relation, n] : o.edges_by_relation) edges += n;
  EXPECT_EQ(edges, o.edges);
  // main -> helper, local; render -> helper; make -> Widget; helper -> deep; deep -> deep.
  EXPECT_EQ(o.edges_by_relation["calls"], 6);
  EXPECT_EQ(o.edges_by_relation["imports"], 2);
  ASSERT_EQ(o.top_pagerank.size(), 3u);
  for (size_t i = 1; i < o.top_pagerank.size(); ++i) {
    EXPECT_GE(graph_->symbol(o.top_pagerank[i - 1]).pagerank,
              graph_->symbol(o.top_pagerank[i]).pagerank);
  }
  EXPECT_GT(graph_->symbol(o.top_pagerank[0]).pagerank, 0);
}

TEST_F(QueryTest, UnknownRepositoryIsNotFound) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(fx_->db(), StoreOptions(), &store).ok());
  std::unique_ptr<CodeGraph> graph;
  EXPECT_EQ(CodeGraph::Load(store.get(), {"nope"}, &graph).code(), Status::Code::kNotFound);
  // No repository named: every repository (here the one).
  ASSERT_TRUE(CodeGraph::Load(store.get(), {}, &graph).ok());
  EXPECT_EQ(graph->node_count(), graph_->node_count());
}

// rxjs@7.8.2 src/: answers checked against the sources.
TEST(RxjsQueryTest, CallersCalleesAndPaths) {
  const std::string src = std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src";
  ASSERT_TRUE(std::filesystem::is_directory(src)) << src << " missing: run scripts/setup.sh";
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(dir / "index.db", StoreOptions(), &store).ok());
  IndexOptions options;
  options.root = src;
  options.repository = "rxjs";
  options.workers = 2;
  IndexSummary summary;
  ASSERT_TRUE(RunIndex(options, store.get(), &summary).ok());
  std::unique_ptr<CodeGraph> graph;
  ASSERT_TRUE(CodeGraph::Load(store.get(), {"rxjs"}, &graph).ok());
  auto node = [&](const std::string& symbol) {
    NodeId id = 0;
    std::vector<NodeId> candidates;
    EXPECT_TRUE(graph->Resolve(symbol, &id, &candidates).ok()) << symbol;
    return id;
  };
  auto names = [&](const std::vector<QueryResult>& results) {
    std::set<std::string> out;
    for (const QueryResult& r : results) out.insert(graph->symbol(r.node).qualified_name);
    return out;
  };
  // map.ts: `return operate((source, subscriber) => { ... })`; filter, mergeMap, take and tap
  // are built on operate too.
  const std::set<std::string> operate_callers = names(graph->Callers(node("operate"), 1));
  for (const char* caller : {"map", "filter", "mergeMap", "take", "tap"}) {
    EXPECT_TRUE(operate_callers.count(caller)) << caller;
  }
  // mapTo.ts: `return map(() => value)`; mergeMap.ts: `map((b, ii) => ...)`.
  const std::set<std::string> map_callers = names(graph->Callers(node("map"), 1));
  EXPECT_TRUE(map_callers.count("mapTo"));
  EXPECT_TRUE(map_callers.count("mergeMap"));
  EXPECT_EQ(names(graph->Callees(node("internal/operators/map.ts:map"), 1)),
            (std::set<std::string>{"createOperatorSubscriber", "operate"}));
  // concatMap.ts: `return mergeMap(project, 1)`; mergeMap calls operate.
  std::vector<QueryResult> path = graph->ShortestPath(node("concatMap"), node("operate"), {});
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(graph->symbol(path[1].node).qualified_name, "mergeMap");
  // `next` is a method of several classes.
  NodeId id = 0;
  std::vector<NodeId> candidates;
  EXPECT_EQ(graph->Resolve("next", &id, &candidates).code(), Status::Code::kInvalidArgument);
  EXPECT_GE(candidates.size(), 5u);
  EXPECT_EQ(graph->symbol(node("Subscriber.next")).file_path, "internal/Subscriber.ts");
}

}  // namespace
}  // namespace semdex
