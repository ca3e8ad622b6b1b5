// graph: the code graph of a repository, built after indexing from what the store holds (files'
// imports/exports, chunks' calls, heritage and flags), so sequential, parallel and later
// incremental runs give the same rows. docs/graph.md describes the rows in full.
//
// Nodes: one per named chunk (function, method, class, interface, type, enum, namespace; a chunk
// split into parts is one node), one "Module" per file, one "ExternalModule" per npm package or
// Node builtin imported. Node ids are stable: xxh3-128 of repository, kind and qualified path.
//
// Edges (relation_type): contains (file -> top-level symbols, class/namespace -> members),
// imports (file -> file or external module, one per import statement, with the names),
// re_exports (barrel file -> each symbol it re-exports), calls (caller -> callee, one edge per
// pair, call_count = call sites), extends, implements (class/interface -> class/interface).
// Calls are resolved through scope only (locals, enclosing namespaces, the file's symbols,
// import bindings through re-export chains, this./super. up the extends chain, new C); what
// cannot be resolved without guessing stays unresolved: no edge, no synthetic node; the call's
// entry in the caller's detailed_metadata "calls" says why ("unresolved": "<reason>"), next to
// its callee text, line and context. Calls through a binding of an external module are calls
// edges to that module's node.
//
// Module resolution follows TypeScript/Node: relative specifiers with extension probing, `.js`
// specifiers naming `.ts` sources, index files, tsconfig.json baseUrl/paths (read from the
// repository root), workspace packages (package.json "name" in the tree), else external.
//
// Thread-safety: the functions are thread-compatible; they keep no state between calls. A large
// graph's source scans and node rows are made on two threads (RunInTwoParts, graph_internal.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "store/store.h"
#include "util/util.h"

namespace semdex {

struct GraphOptions {
  // Betweenness (on the calls + imports graph) is exact, Brandes from every node, when the
  // graph has at most this many nodes; above, Brandes runs from `betweenness_pivots` sources
  // drawn with a fixed seed among the nodes with outgoing edges, and the sums are scaled by
  // (such nodes / pivots). Cost: pivots x (nodes + edges).
  int betweenness_exact_max_nodes = 2000;
  int betweenness_pivots = 256;
};

// What a build found; the counts describe the rows written.
struct GraphStats {
  int64_t nodes = 0;
  int64_t edges = 0;
  std::map<std::string, int64_t> nodes_by_type;
  std::map<std::string, int64_t> edges_by_type;
  int64_t call_sites = 0;                               // every call site of every chunk
  int64_t call_sites_internal = 0;                      // resolved to a symbol of the repository
  int64_t call_sites_external = 0;                      // resolved to an external module
  std::map<std::string, int64_t> unresolved_by_reason;  // see docs/graph.md
  int64_t isolated_nodes = 0;                           // no edge at all
  int64_t no_dependency_nodes = 0;                      // no edge other than contains
  // Wall time of each phase, in seconds (load and write: only BuildRepositoryGraph).
  double load_s = 0, resolve_s = 0, metrics_s = 0, rows_s = 0, write_s = 0;
};

// Builds the graph rows of `repository` from `input`. Pure: reads only `input`, plus
// tsconfig.json and package.json files under input.root_path when it names a directory.
// Never fails on odd metadata: what cannot be read is left out of the graph.
Status BuildGraph(std::string_view repository, const GraphInput& input, const GraphOptions& options,
                  GraphRows* rows, GraphStats* stats);

// Loads the input of `repository` from `store`, builds its graph and replaces the repository's
// graph rows with it in one transaction. REQUIRES: the repository's files were written.
Status BuildRepositoryGraph(Store* store, std::string_view repository, const GraphOptions& options,
                            GraphStats* stats);

}  // namespace semdex
