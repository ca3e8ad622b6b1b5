// The graph tools: get_callers, get_callees, find_path, graph_stats. The graph is loaded once
// (query/query.h; ~0.2 s for three.js's 12k nodes and 27k edges) and kept until the store's
// change stamp moves, so answers follow re-indexing by this server or any other process, and a
// query on a loaded graph takes well under a millisecond.
#include <fmt/format.h>

#include "mcp/mcp_internal.h"
#include "query/query.h"

namespace semdex {
namespace {

using nlohmann::json;

// The graph of args.repository (all when absent): the cached one while the store's rows have
// not changed, else loaded afresh. Sets *graph, or returns why not.
std::string LoadGraph(McpServer::State* state, const json& args, const CodeGraph** graph) {
  const std::string scope = args.value("repository", "");
  std::string stamp;
  if (Status s = state->store->GetChangeStamp(&stamp); !s.ok()) return s.message();
  if (state->graph == nullptr || state->graph_scope != scope || state->graph_stamp != stamp) {
    state->graph.reset();
    std::vector<std::string> repositories;
    if (!scope.empty()) repositories.push_back(scope);
    std::unique_ptr<CodeGraph> loaded;
    if (Status s = CodeGraph::Load(state->store, repositories, &loaded); !s.ok()) {
      return s.message();
    }
    state->graph = std::move(loaded);
    state->graph_scope = scope;
    state->graph_stamp = stamp;
  }
  if (state->graph->node_count() == 0) {
    return "the index holds no code graph yet (index a repository)";
  }
  *graph = state->graph.get();
  return "";
}

// Resolves a symbol argument; "" or why not (with the candidates when ambiguous).
std::string Resolve(const CodeGraph& graph, const std::string& symbol, NodeId* node) {
  std::vector<NodeId> candidates;
  Status s = graph.Resolve(symbol, node, &candidates);
  if (s.ok()) return "";
  std::string why = s.message();
  for (NodeId c : candidates) why += "\n  " + graph.Describe(c);
  return why;
}

// QueryResultsToJson, cut to args.limit; "total" says how many there were.
json LimitedResults(const CodeGraph& graph, const std::string& symbol,
                    std::vector<QueryResult> results, const json& args) {
  const size_t total = results.size();
  const size_t limit = args.value("limit", 100);
  if (results.size() > limit) results.resize(limit);
  json out = QueryResultsToJson(graph, symbol, results);
  out["total"] = total;
  out["truncated"] = total > results.size();
  return out;
}

ToolOutcome RunCallWalk(McpServer::State* state, const json& args, bool callers) {
  const CodeGraph* graph = nullptr;
  if (std::string why = LoadGraph(state, args, &graph); !why.empty()) {
    return ToolOutcome::Error(why);
  }
  const std::string symbol = args["symbol"].get<std::string>();
  NodeId node = 0;
  if (std::string why = Resolve(*graph, symbol, &node); !why.empty()) {
    return ToolOutcome::Error(why);
  }
  const int depth = args.value("depth", 1);
  std::vector<QueryResult> results =
      callers ? graph->Callers(node, depth) : graph->Callees(node, depth);
  json out = LimitedResults(*graph, symbol, std::move(results), args);
  out["resolved"] = graph->Describe(node);
  return {std::move(out), ""};
}

}  // namespace

ToolOutcome RunGetCallers(McpServer::State* state, const json& args) {
  return RunCallWalk(state, args, /*callers=*/true);
}

ToolOutcome RunGetCallees(McpServer::State* state, const json& args) {
  return RunCallWalk(state, args, /*callers=*/false);
}

ToolOutcome RunFindPath(McpServer::State* state, const json& args) {
  const CodeGraph* graph = nullptr;
  if (std::string why = LoadGraph(state, args, &graph); !why.empty()) {
    return ToolOutcome::Error(why);
  }
  const std::string from_symbol = args["from"].get<std::string>();
  NodeId from = 0, to = 0;
  if (std::string why = Resolve(*graph, from_symbol, &from); !why.empty()) {
    return ToolOutcome::Error("from: " + why);
  }
  if (std::string why = Resolve(*graph, args["to"].get<std::string>(), &to); !why.empty()) {
    return ToolOutcome::Error("to: " + why);
  }
  PathOptions options;
  options.calls_only = args.value("calls_only", false);
  json out = QueryResultsToJson(*graph, from_symbol, graph->ShortestPath(from, to, options));
  out["found"] = !out["results"].empty();
  out["from"] = graph->Describe(from);
  out["to"] = graph->Describe(to);
  return {std::move(out), ""};
}

ToolOutcome RunGraphStats(McpServer::State* state, const json& args) {
  const CodeGraph* graph = nullptr;
  if (std::string why = LoadGraph(state, args, &graph); !why.empty()) {
    return ToolOutcome::Error(why);
  }
  const GraphOverview o = graph->Overview(args.value("top", 10));
  json top = json::array();
  for (NodeId id : o.top_pagerank) {
    const GraphSymbol& s = graph->symbol(id);
    top.push_back({{"name", s.name},
                   {"qualified_name", s.qualified_name},
                   {"type", s.node_type},
                   {"repository", s.repository},
                   {"file", s.file_path.empty() ? json(nullptr) : json(s.file_path)},
                   {"line", s.file_path.empty() ? json(nullptr) : json(s.start_line)},
                   {"pagerank", s.pagerank}});
  }
  return {{{"nodes", o.nodes},
           {"edges", o.edges},
           {"nodes_by_type", o.nodes_by_type},
           {"edges_by_relation", o.edges_by_relation},
           {"top_pagerank", std::move(top)}},
          ""};
}

}  // namespace semdex
