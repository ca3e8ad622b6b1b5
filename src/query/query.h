// query: questions asked of an indexed repository's code graph (graph/graph.h builds it, the
// store keeps it): who calls a symbol, what it calls, how one symbol reaches another, what is
// next to it, and the graph's overall shape. `semdex graph` and the MCP server's graph tools
// are front ends of this one library.
//
// A CodeGraph is loaded once from the store (nodes and edges of one or more repositories, in
// memory as adjacency lists); every query afterwards is a walk over those lists that touches
// only the nodes it reaches, so it takes micro- to milliseconds even on a 20k-node graph.
//
// Symbols: a query names its symbol as
//   - a qualified name (`Subscriber.next`), a plain name (`map`), a file path (`util/lift.ts`,
//     a Module) or an external module's name (`tslib`);
//   - `path/to/file.ts:name`: the symbol of that file whose qualified name (else name) is
//     `name`; the path may be a suffix of the indexed path at a `/` (`operators/map.ts:map`).
// Without a path, the first of these tiers that matches anything decides: (1) exact qualified
// name or module path, (2) exact name, (3) qualified name ending in `.name`, module path ending
// in `/name`. Several matches in the deciding tier make the symbol ambiguous; Resolve lists
// them.
//
// Results name each node reached: name, qualified name, file, line, how it relates to the
// symbol asked about (`relation`, below) and its distance from it (`depth`, in edges). Results
// are ordered by depth, then repository, file, line and qualified name.
//
// Relations read "SYMBOL <relation> RESULT": an edge SYMBOL -r-> X gives X with relation r
// (`calls`, `imports`, `contains`, `extends`, `implements`, `re_exports`); an edge X -r-> SYMBOL
// gives X with the inverse (`called_by`, `imported_by`, `contained_in`, `extended_by`,
// `implemented_by`, `re_exported_by`).
//
// Thread-safety: a CodeGraph is immutable after Load; its const methods may run concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "util/util.h"

namespace semdex {

// A node's position in a CodeGraph. Nodes are numbered in result order (repository, file path,
// start line, qualified name, node type, id), so ordering by NodeId orders by place in the code.
using NodeId = uint32_t;

// One node as queries report it.
struct GraphSymbol {
  std::string repository;
  std::string node_id;    // the nodes row's id
  std::string node_type;  // function, method, class, ..., Module, ExternalModule
  std::string name;
  std::string qualified_name;
  std::string file_path;  // "" for external modules
  int start_line = 0;     // 0 when the node has no place in a file
  int end_line = 0;
  double pagerank = 0;
};

// One row of a query's answer.
struct QueryResult {
  NodeId node = 0;
  std::string relation;  // see the file comment; "" for the first node of a path
  int depth = 0;         // edges from the symbol asked about
};

struct PathOptions {
  // Only `calls` edges. Otherwise, when no chain of calls leads from FROM to TO, the path may
  // use every relation in its direction, plus `contained_in` (a symbol to its class or file),
  // so that a path through imports (f contained_in a.ts imports b.ts contains g) is found.
  bool calls_only = false;
};

// Counts and the most central nodes of a loaded graph.
struct GraphOverview {
  int64_t nodes = 0;
  int64_t edges = 0;
  std::map<std::string, int64_t> nodes_by_type;
  std::map<std::string, int64_t> edges_by_relation;
  std::vector<NodeId> top_pagerank;  // highest PageRank first (ties: NodeId order)
};

class CodeGraph {
 public:
  // Loads the graphs of `repositories` from `store`; all repositories in the index when the
  // list is empty. NotFound names a repository that is not in the index.
  static Status Load(Store* store, const std::vector<std::string>& repositories,
                     std::unique_ptr<CodeGraph>* out);
  // Builds a graph from snapshots already read, keyed by repository.
  static std::unique_ptr<CodeGraph> FromSnapshots(
      const std::vector<std::pair<std::string, GraphSnapshot>>& snapshots);

  ~CodeGraph();
  CodeGraph(const CodeGraph&) = delete;
  CodeGraph& operator=(const CodeGraph&) = delete;

  size_t node_count() const;
  size_t edge_count() const;
  // REQUIRES: node < node_count().
  const GraphSymbol& symbol(NodeId node) const;
  // "file:qualified_name (type, line N)", the form Resolve accepts back; prefixed with
  // "[repository] " when the graph holds several repositories.
  std::string Describe(NodeId node) const;

  // Resolves a symbol as the file comment describes. NotFound when nothing matches;
  // InvalidArgument when several nodes do, with them in *candidates (NodeId order).
  Status Resolve(std::string_view symbol, NodeId* out, std::vector<NodeId>* candidates) const;

  // Nodes with a chain of at most `depth` calls edges to `node` (callers) or from it (callees),
  // each once at its shortest distance. `node` itself is never in the answer (a recursive
  // function is not listed as its own caller; Neighbors shows the self-call).
  // relation: called_by (callers) or calls (callees). REQUIRES: depth >= 1.
  std::vector<QueryResult> Callers(NodeId node, int depth) const;
  std::vector<QueryResult> Callees(NodeId node, int depth) const;

  // Every node joined to `node` by an edge of any relation, in or out, once per relation;
  // depth 1.
  std::vector<QueryResult> Neighbors(NodeId node) const;

  // A shortest path from `from` to `to` (see PathOptions): its nodes in order, `from` first
  // (relation "", depth 0), each next one with the relation of the edge taken to reach it.
  // Empty when there is none; just `from` when from == to.
  std::vector<QueryResult> ShortestPath(NodeId from, NodeId to, const PathOptions& options) const;

  // Counts by type and relation, and the `top` nodes with the highest PageRank.
  GraphOverview Overview(size_t top) const;

  // The in-memory layout (query_internal.h); opaque outside src/query/.
  struct Impl;

 private:
  explicit CodeGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The answer to a query as JSON: {"symbol": <symbol>, "results": [{"name", "qualified_name",
// "file", "line", "relation", "depth"}]}. file and line are null for nodes outside any file
// (external modules); relation is null for the first node of a path.
nlohmann::json QueryResultsToJson(const CodeGraph& graph, std::string_view symbol,
                                  const std::vector<QueryResult>& results);

}  // namespace semdex
