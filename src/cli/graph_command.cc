// semdex graph callers|callees SYMBOL [--depth D]
// semdex graph path FROM TO [--calls-only]
// semdex graph neighbors SYMBOL
//   each with [--repository NAME] [--db PATH] [--json]
//
// --json prints {"symbol", "results": [{"name", "qualified_name", "file", "line", "relation",
// "depth"}]} (query/query.h: QueryResultsToJson); for path, "symbol" is FROM and the results
// are the path's nodes in order. An unknown or ambiguous symbol exits 2 with the message (and
// the candidates) on stderr; an empty answer is not an error.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "cli/commands.h"
#include "query/query.h"
#include "store/store.h"

namespace semdex::cli {
namespace {

enum class GraphQuery { kCallers, kCallees, kPath, kNeighbors };

struct GraphFlags {
  GraphQuery query = GraphQuery::kCallers;
  std::string symbol;
  std::string to;  // path only
  int depth = 1;
  bool calls_only = false;
  std::string repository;
  std::string db;
  bool json = false;
};

constexpr const char* kCommand = "semdex graph";

// Resolves `symbol`, printing why not (and the candidates) on stderr.
bool ResolveOrReport(const CodeGraph& graph, const std::string& symbol, NodeId* node) {
  std::vector<NodeId> candidates;
  Status s = graph.Resolve(symbol, node, &candidates);
  if (s.ok()) return true;
  fmt::print(stderr, "{}: error: {}\n", kCommand, s.message());
  for (NodeId c : candidates) fmt::print(stderr, "  {}\n", graph.Describe(c));
  return false;
}

std::string Location(const GraphSymbol& s) {
  if (s.file_path.empty()) return "(external module)";
  return s.start_line > 0 ? fmt::format("{}:{}", s.file_path, s.start_line) : s.file_path;
}

// One aligned line per result: depth, relation, qualified name, location.
std::string ResultsText(const CodeGraph& graph, const std::string& title,
                        const std::vector<QueryResult>& results) {
  std::string out = title + "\n";
  size_t relation_width = 8, name_width = 4;
  for (const QueryResult& r : results) {
    relation_width = std::max(relation_width, r.relation.size());
    name_width = std::max(name_width, graph.symbol(r.node).qualified_name.size());
  }
  name_width = std::min<size_t>(name_width, 60);
  out += fmt::format("  {:>5}  {:<{}}  {:<{}}  {}\n", "depth", "relation", relation_width, "name",
                     name_width, "location");
  for (const QueryResult& r : results) {
    const GraphSymbol& s = graph.symbol(r.node);
    out += fmt::format("  {:>5}  {:<{}}  {:<{}}  {}\n", r.depth, r.relation, relation_width,
                       s.qualified_name, name_width, Location(s));
  }
  return out;
}

int RunGraphCommand(const GraphFlags& flags) {
  std::string location;
  if (Status s = ResolveDbLocation(flags.db, &location); !s.ok()) {
    fmt::print(stderr, "{}: error: {}\n", kCommand, s.message());
    return 2;
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(location, StoreOptions(), &store); !s.ok()) {
    fmt::print(stderr, "{}: error: {}\n", kCommand, s.ToString());
    return 2;
  }
  std::vector<std::string> repositories;
  if (!flags.repository.empty()) repositories.push_back(flags.repository);
  std::unique_ptr<CodeGraph> graph;
  if (Status s = CodeGraph::Load(store.get(), repositories, &graph); !s.ok()) {
    fmt::print(stderr, "{}: error: {}\n", kCommand, s.ToString());
    return 2;
  }
  if (graph->node_count() == 0) {
    fmt::print(stderr, "{}: error: the index {} holds no graph{} (run semdex index first)\n",
               kCommand, DisplayLocation(location),
               flags.repository.empty() ? "" : fmt::format(" for {}", flags.repository));
    return 2;
  }
  NodeId node = 0;
  if (!ResolveOrReport(*graph, flags.symbol, &node)) return 2;
  std::vector<QueryResult> results;
  std::string title;
  const std::string what = graph->Describe(node);
  switch (flags.query) {
    case GraphQuery::kCallers:
      results = graph->Callers(node, flags.depth);
      title = fmt::format("Callers of {}, depth <= {}: {}", what, flags.depth, results.size());
      break;
    case GraphQuery::kCallees:
      results = graph->Callees(node, flags.depth);
      title = fmt::format("Callees of {}, depth <= {}: {}", what, flags.depth, results.size());
      break;
    case GraphQuery::kNeighbors:
      results = graph->Neighbors(node);
      title = fmt::format("Neighbors of {}: {}", what, results.size());
      break;
    case GraphQuery::kPath: {
      NodeId to = 0;
      if (!ResolveOrReport(*graph, flags.to, &to)) return 2;
      PathOptions options;
      options.calls_only = flags.calls_only;
      results = graph->ShortestPath(node, to, options);
      title = results.empty() ? fmt::format("No path from {} to {}", what, graph->Describe(to))
                              : fmt::format("Path from {} to {}: {} steps", what,
                                            graph->Describe(to), results.size() - 1);
      break;
    }
  }
  if (flags.json) {
    fmt::print("{}\n", QueryResultsToJson(*graph, flags.symbol, results)
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (results.empty()) {
    fmt::print("{}\n", title);
  } else {
    fmt::print("{}", ResultsText(*graph, title, results));
  }
  return 0;
}

}  // namespace

CommandRunner AddGraphCommand(CLI::App* app) {
  auto flags = std::make_shared<GraphFlags>();
  CLI::App* graph = app->add_subcommand(
      "graph", "Query the code graph: callers, callees, paths between symbols, neighbors");
  graph->require_subcommand(1);
  // The shared options may come before or after the query's name.
  graph->fallthrough();
  graph->add_option("--repository", flags->repository,
                    "Only this repository (default: every repository in the index)");
  AddDbOption(graph, &flags->db);
  graph->add_flag("--json", flags->json,
                  "Print {symbol, results: [{name, qualified_name, file, line, relation, depth}]}");
  const std::string symbol_help =
      "A name (map), a qualified name (Subscriber.next), a file path, or path/to/file.ts:name";
  const std::string shared_options =
      "Also the options of semdex graph, before or after the query's name: --repository NAME, "
      "--db PATH, --json. Exit codes: 0 with or without results; 2 an unknown or ambiguous "
      "symbol (the candidates are listed), usage or database errors";

  auto add_walk = [&](const char* name, const char* help, GraphQuery query) {
    CLI::App* cmd = graph->add_subcommand(name, help);
    cmd->add_option("SYMBOL", flags->symbol, symbol_help)->required();
    cmd->footer(shared_options);
    cmd->add_option("--depth", flags->depth, "Follow chains of up to this many calls (default 1)")
        ->check(CLI::Range(1, 1000));
    cmd->callback([flags, query] { flags->query = query; });
  };
  add_walk("callers", "Symbols that call SYMBOL (through calls edges)", GraphQuery::kCallers);
  add_walk("callees", "Symbols SYMBOL calls (through calls edges)", GraphQuery::kCallees);

  CLI::App* path = graph->add_subcommand(
      "path",
      "A shortest path from FROM to TO: through calls edges first; when calls alone do not "
      "connect them, through every relation (imports, re_exports, contains, extends, "
      "implements, and a symbol to its file or class)");
  path->add_option("FROM", flags->symbol, symbol_help)->required();
  path->add_option("TO", flags->to, symbol_help)->required();
  path->add_flag("--calls-only", flags->calls_only, "Follow calls edges only");
  path->footer(shared_options);
  path->callback([flags] { flags->query = GraphQuery::kPath; });

  CLI::App* neighbors = graph->add_subcommand(
      "neighbors", "Every node joined to SYMBOL by an edge, in or out, with the relation");
  neighbors->add_option("SYMBOL", flags->symbol, symbol_help)->required();
  neighbors->footer(shared_options);
  neighbors->callback([flags] { flags->query = GraphQuery::kNeighbors; });
  return [flags] { return RunGraphCommand(*flags); };
}

}  // namespace semdex::cli
