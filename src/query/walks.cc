// The queries: breadth-first walks over a CodeGraph's adjacency lists. Each touches only the
// nodes it reaches; bookkeeping is kept in hash maps of the reached nodes, not in arrays the
// size of the graph, so a query near a leaf costs microseconds on any graph.
#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "query/query_internal.h"

namespace semdex {
namespace {

bool ByDepthThenNode(const QueryResult& a, const QueryResult& b) {
  return std::tie(a.depth, a.node, a.relation) < std::tie(b.depth, b.node, b.relation);
}

// Nodes within `depth` calls edges of `start`, following `lists` (out: callees, in: callers).
std::vector<QueryResult> CallWalk(const std::vector<std::vector<HalfEdge>>& lists, NodeId start,
                                  int depth, const char* relation) {
  std::vector<QueryResult> results;
  std::unordered_map<NodeId, int> seen{{start, 0}};
  std::vector<NodeId> frontier{start};
  for (int level = 1; level <= depth && !frontier.empty(); ++level) {
    std::vector<NodeId> next;
    for (NodeId node : frontier) {
      for (const HalfEdge& e : lists[node]) {
        if (e.relation != kCalls || !seen.emplace(e.node, level).second) continue;
        next.push_back(e.node);
        results.push_back({e.node, relation, level});
      }
    }
    frontier = std::move(next);
  }
  std::sort(results.begin(), results.end(), ByDepthThenNode);
  return results;
}

// Breadth-first search from `from` to `to` over the edges `allowed` admits; the path, or empty.
template <typename Allowed>
std::vector<QueryResult> Bfs(const CodeGraph::Impl& g, NodeId from, NodeId to, Allowed&& allowed) {
  struct Step {
    NodeId parent;
    std::string relation;
  };
  std::unordered_map<NodeId, Step> parent{{from, {from, ""}}};
  std::deque<NodeId> queue{from};
  auto visit = [&](NodeId node, NodeId next, const char* relation) {
    if (!parent.emplace(next, Step{node, relation}).second) return false;
    queue.push_back(next);
    return next == to;
  };
  bool found = from == to;
  while (!found && !queue.empty()) {
    const NodeId node = queue.front();
    queue.pop_front();
    // Nodes first reached through this one keep it as their parent; `to` is only ever
    // reached once, so finishing the lists after finding it changes nothing.
    for (const HalfEdge& e : g.out[node]) {
      if (allowed(e.relation, /*forward=*/true))
        found |= visit(node, e.node, kRelationNames[e.relation]);
    }
    for (const HalfEdge& e : g.in[node]) {
      if (allowed(e.relation, /*forward=*/false))
        found |= visit(node, e.node, kInverseRelationNames[e.relation]);
    }
  }
  if (!found) return {};
  std::vector<QueryResult> path;
  for (NodeId node = to;; node = parent[node].parent) {
    path.push_back({node, parent[node].relation, 0});
    if (node == from) break;
  }
  std::reverse(path.begin(), path.end());
  for (size_t i = 0; i < path.size(); ++i) path[i].depth = static_cast<int>(i);
  return path;
}

}  // namespace

std::vector<QueryResult> CodeGraph::Callers(NodeId node, int depth) const {
  return CallWalk(impl_->in, node, depth, kInverseRelationNames[kCalls]);
}

std::vector<QueryResult> CodeGraph::Callees(NodeId node, int depth) const {
  return CallWalk(impl_->out, node, depth, kRelationNames[kCalls]);
}

std::vector<QueryResult> CodeGraph::Neighbors(NodeId node) const {
  std::set<std::pair<NodeId, std::string>> seen;
  std::vector<QueryResult> results;
  auto add = [&](NodeId other, const char* relation) {
    if (seen.emplace(other, relation).second) results.push_back({other, relation, 1});
  };
  for (const HalfEdge& e : impl_->out[node]) add(e.node, kRelationNames[e.relation]);
  for (const HalfEdge& e : impl_->in[node]) add(e.node, kInverseRelationNames[e.relation]);
  std::sort(results.begin(), results.end(), ByDepthThenNode);
  return results;
}

std::vector<QueryResult> CodeGraph::ShortestPath(NodeId from, NodeId to,
                                                 const PathOptions& options) const {
  std::vector<QueryResult> path =
      Bfs(*impl_, from, to, [](Relation r, bool forward) { return forward && r == kCalls; });
  if (!path.empty() || options.calls_only) return path;
  return Bfs(*impl_, from, to, [](Relation r, bool forward) {
    return r != kOtherRelation && (forward || r == kContains);
  });
}

GraphOverview CodeGraph::Overview(size_t top) const {
  GraphOverview o;
  o.nodes = static_cast<int64_t>(impl_->symbols.size());
  o.edges = static_cast<int64_t>(impl_->edges);
  o.edges_by_relation = impl_->edges_by_relation;
  std::vector<NodeId> ranked(impl_->symbols.size());
  for (NodeId id = 0; id < ranked.size(); ++id) {
    ranked[id] = id;
    ++o.nodes_by_type[impl_->symbols[id].node_type];
  }
  const size_t n = std::min(top, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<ptrdiff_t>(n), ranked.end(),
                    [&](NodeId a, NodeId b) {
                      const double ra = impl_->symbols[a].pagerank;
                      const double rb = impl_->symbols[b].pagerank;
                      return ra != rb ? ra > rb : a < b;
                    });
  ranked.resize(n);
  o.top_pagerank = std::move(ranked);
  return o;
}

nlohmann::json QueryResultsToJson(const CodeGraph& graph, std::string_view symbol,
                                  const std::vector<QueryResult>& results) {
  nlohmann::json rows = nlohmann::json::array();
  for (const QueryResult& r : results) {
    const GraphSymbol& s = graph.symbol(r.node);
    const bool in_file = !s.file_path.empty();
    rows.push_back(
        {{"name", s.name},
         {"qualified_name", s.qualified_name},
         {"file", in_file ? nlohmann::json(s.file_path) : nlohmann::json(nullptr)},
         {"line", in_file ? nlohmann::json(s.start_line) : nlohmann::json(nullptr)},
         {"relation", r.relation.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.relation)},
         {"depth", r.depth}});
  }
  return {{"symbol", symbol}, {"results", std::move(rows)}};
}

}  // namespace semdex
