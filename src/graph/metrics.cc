// ComputeMetrics: coupling, instability, PageRank, betweenness, edge importance and critical
// paths. Every algorithm is linear or near-linear in edges (betweenness: pivots x edges), and
// deterministic: same edges in, same numbers out.
//
// Definitions (docs/graph.md has the long form):
//  - Dependency edges: calls, imports, extends, implements, re_exports (not contains). Afferent
//    coupling = distinct nodes with a dependency edge to the node, efferent = distinct nodes it
//    has one to; instability = Ce / (Ca + Ce), 0 when both are 0.
//  - Flow graph: calls (weight = call sites) and imports (weight = statements), self-loops
//    dropped. PageRank: damping 0.85, dangling rank spread uniformly, power iteration until the
//    L1 change is below 1e-10 (at most 200 rounds); ranks sum to 1.
//  - Betweenness: Brandes on the flow graph (unweighted, directed), normalised by
//    (n-1)(n-2). Exact up to GraphOptions::betweenness_exact_max_nodes nodes; above, from
//    GraphOptions::betweenness_pivots sources drawn with a fixed seed among nodes with outgoing
//    edges, scaled by (such nodes / pivots).
//  - importance_score: for calls and imports edges, the PageRank mass that flows along the edge
//    (rank(source) x weight / source's total weight); for other edges, the rank of the target.
//    Both divided by the largest value of their kind, so in [0, 1].
//  - is_critical_path: the edge lies on a longest chain of the calls graph (calls edges) or of
//    the imports graph (imports edges), chains counted in strongly connected components (a
//    cycle counts once). These are the dependency chains a change propagates furthest along.
#include <algorithm>
#include <cstdint>
#include <random>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

constexpr double kDamping = 0.85;
constexpr double kTolerance = 1e-10;
constexpr int kMaxRounds = 200;
constexpr uint32_t kPivotSeed = 20240917;

bool IsDependency(std::string_view relation) { return relation != "contains"; }
bool IsFlow(std::string_view relation) { return relation == "calls" || relation == "imports"; }

// Compressed adjacency: targets of node v are to[start[v] .. start[v+1]).
struct Csr {
  std::vector<int> start;
  std::vector<int> to;
  std::vector<double> weight;
};

// Distinct (source, target) pairs with summed weights, self-loops dropped.
Csr MakeCsr(int nodes, std::vector<std::tuple<int, int, double>> arcs) {
  std::sort(arcs.begin(), arcs.end());
  Csr g;
  g.start.assign(nodes + 1, 0);
  for (size_t i = 0; i < arcs.size(); ++i) {
    auto [u, v, w] = arcs[i];
    if (u == v) continue;
    if (!g.to.empty() && i > 0 && std::get<0>(arcs[i - 1]) == u && std::get<1>(arcs[i - 1]) == v) {
      g.weight.back() += w;
      continue;
    }
    g.to.push_back(v);
    g.weight.push_back(w);
    g.start[u + 1]++;
  }
  for (int v = 0; v < nodes; ++v) g.start[v + 1] += g.start[v];
  return g;
}

std::vector<double> PageRank(const Csr& g, int n) {
  std::vector<double> rank(n, 1.0 / n), next(n);
  std::vector<double> out_weight(n, 0);
  for (int u = 0; u < n; ++u) {
    for (int i = g.start[u]; i < g.start[u + 1]; ++i) out_weight[u] += g.weight[i];
  }
  for (int round = 0; round < kMaxRounds; ++round) {
    double dangling = 0;
    for (int u = 0; u < n; ++u) {
      if (out_weight[u] == 0) dangling += rank[u];
    }
    const double base = (1 - kDamping) / n + kDamping * dangling / n;
    std::fill(next.begin(), next.end(), base);
    for (int u = 0; u < n; ++u) {
      if (out_weight[u] == 0) continue;
      const double share = kDamping * rank[u] / out_weight[u];
      for (int i = g.start[u]; i < g.start[u + 1]; ++i) next[g.to[i]] += share * g.weight[i];
    }
    double change = 0;
    for (int v = 0; v < n; ++v) change += std::abs(next[v] - rank[v]);
    rank.swap(next);
    if (change < kTolerance) break;
  }
  return rank;
}

// Brandes' dependency accumulation from each source in `sources`.
std::vector<double> Betweenness(const Csr& g, int n, const std::vector<int>& sources) {
  std::vector<double> centrality(n, 0), delta(n, 0), sigma(n, 0);
  std::vector<int> dist(n, -1), order, queue;
  order.reserve(n);
  queue.reserve(n);
  for (int s : sources) {
    order.clear();
    queue.clear();
    dist[s] = 0;
    sigma[s] = 1;
    queue.push_back(s);
    for (size_t head = 0; head < queue.size(); ++head) {
      int v = queue[head];
      order.push_back(v);
      for (int i = g.start[v]; i < g.start[v + 1]; ++i) {
        int w = g.to[i];
        if (dist[w] < 0) {
          dist[w] = dist[v] + 1;
          queue.push_back(w);
        }
        if (dist[w] == dist[v] + 1) sigma[w] += sigma[v];
      }
    }
    // Predecessors are the neighbours one step closer: no predecessor lists needed.
    for (size_t k = order.size(); k-- > 0;) {
      int v = order[k];
      for (int i = g.start[v]; i < g.start[v + 1]; ++i) {
        int w = g.to[i];
        if (dist[w] == dist[v] + 1) delta[v] += sigma[v] / sigma[w] * (1 + delta[w]);
      }
      if (v != s) centrality[v] += delta[v];
    }
    for (int v : order) {
      dist[v] = -1;
      sigma[v] = 0;
      delta[v] = 0;
    }
  }
  return centrality;
}

// Strongly connected components (iterative Tarjan). Components are numbered in reverse
// topological order: every edge goes from a higher or equal number to a lower or equal one.
std::vector<int> Components(const Csr& g, int n, int* count) {
  std::vector<int> index(n, -1), low(n, 0), comp(n, -1), stack;
  std::vector<std::pair<int, int>> call;  // (node, next edge)
  int counter = 0;
  *count = 0;
  for (int root = 0; root < n; ++root) {
    if (index[root] >= 0) continue;
    call.push_back({root, g.start[root]});
    index[root] = low[root] = counter++;
    stack.push_back(root);
    while (!call.empty()) {
      auto& [v, next] = call.back();
      if (next < g.start[v + 1]) {
        int w = g.to[next++];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          call.push_back({w, g.start[w]});
        } else if (comp[w] < 0) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          comp[w] = *count;
        } while (w != v);
        ++*count;
      }
      int done = v;
      call.pop_back();
      if (!call.empty()) low[call.back().first] = std::min(low[call.back().first], low[done]);
    }
  }
  return comp;
}

// Marks `critical[e]` for the edges of `relation` on a longest chain of components.
void MarkCriticalPaths(const Graph& graph, int n, std::string_view relation,
                       std::vector<EdgeMetrics>* edges) {
  std::vector<std::tuple<int, int, double>> arcs;
  for (const Edge& e : graph.edges) {
    if (e.relation == relation) arcs.emplace_back(e.source, e.target, 1.0);
  }
  if (arcs.empty()) return;
  Csr g = MakeCsr(n, std::move(arcs));
  int count = 0;
  std::vector<int> comp = Components(g, n, &count);
  // down[c]: components on the longest chain starting at c; up[c]: ending at c.
  std::vector<int> down(count, 1), up(count, 1);
  std::vector<std::vector<int>> members(count);
  for (int v = 0; v < n; ++v) members[comp[v]].push_back(v);
  for (int c = 0; c < count; ++c) {  // successors have lower numbers: already final
    for (int v : members[c]) {
      for (int i = g.start[v]; i < g.start[v + 1]; ++i) {
        int d = comp[g.to[i]];
        if (d != c) down[c] = std::max(down[c], 1 + down[d]);
      }
    }
  }
  for (int c = count - 1; c >= 0; --c) {
    for (int v : members[c]) {
      for (int i = g.start[v]; i < g.start[v + 1]; ++i) {
        int d = comp[g.to[i]];
        if (d != c) up[d] = std::max(up[d], up[c] + 1);
      }
    }
  }
  int longest = *std::max_element(down.begin(), down.end());
  if (longest < 2) return;
  for (size_t i = 0; i < graph.edges.size(); ++i) {
    const Edge& e = graph.edges[i];
    if (e.relation != relation) continue;
    int cu = comp[e.source], cv = comp[e.target];
    if (cu != cv && up[cu] + down[cv] == longest) (*edges)[i].critical = true;
  }
}

std::vector<int> BetweennessSources(const Csr& g, int n, const GraphOptions& options,
                                    double* scale) {
  std::vector<int> active;
  for (int v = 0; v < n; ++v) {
    if (g.start[v + 1] > g.start[v]) active.push_back(v);
  }
  *scale = 1;
  if (n <= options.betweenness_exact_max_nodes ||
      static_cast<int>(active.size()) <= options.betweenness_pivots) {
    return active;
  }
  // Fisher-Yates with mt19937, whose output is fixed by the standard: same pivots everywhere.
  std::mt19937 random(kPivotSeed);
  const int k = std::max(1, options.betweenness_pivots);
  for (int i = 0; i < k; ++i) {
    uint32_t span = static_cast<uint32_t>(active.size() - i);
    int j = i + static_cast<int>(random() % span);
    std::swap(active[i], active[j]);
  }
  *scale = static_cast<double>(active.size()) / k;
  active.resize(k);
  std::sort(active.begin(), active.end());
  return active;
}

}  // namespace

void ComputeMetrics(const Model& model, const Graph& graph, const GraphOptions& options,
                    std::vector<NodeMetrics>* nodes, std::vector<EdgeMetrics>* edges) {
  const int n = model.NodeCount();
  nodes->assign(n, NodeMetrics());
  edges->assign(graph.edges.size(), EdgeMetrics());
  if (n == 0) return;

  std::vector<std::pair<int, int>> deps;
  std::vector<std::tuple<int, int, double>> flow;
  for (const Edge& e : graph.edges) {
    if (IsDependency(e.relation) && e.source != e.target) deps.emplace_back(e.source, e.target);
    if (IsFlow(e.relation))
      flow.emplace_back(e.source, e.target, e.relation == "calls" ? e.call_count : 1);
  }
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  for (auto [u, v] : deps) {
    (*nodes)[u].efferent++;
    (*nodes)[v].afferent++;
  }
  for (NodeMetrics& m : *nodes) {
    int64_t total = m.afferent + m.efferent;
    m.instability = total == 0 ? 0 : static_cast<double>(m.efferent) / static_cast<double>(total);
  }

  Csr g = MakeCsr(n, std::move(flow));
  std::vector<double> rank = PageRank(g, n);
  double scale = 1;
  std::vector<int> sources = BetweennessSources(g, n, options, &scale);
  std::vector<double> between = Betweenness(g, n, sources);
  const double pairs = n > 2 ? static_cast<double>(n - 1) * static_cast<double>(n - 2) : 1;
  for (int v = 0; v < n; ++v) {
    (*nodes)[v].pagerank = rank[v];
    (*nodes)[v].betweenness = between[v] * scale / pairs;
  }

  // Edge importance: rank flowing along flow edges; target rank for the others.
  std::vector<double> out_weight(n, 0);
  for (int u = 0; u < n; ++u) {
    for (int i = g.start[u]; i < g.start[u + 1]; ++i) out_weight[u] += g.weight[i];
  }
  double max_flow = 0, max_rank = *std::max_element(rank.begin(), rank.end());
  for (size_t i = 0; i < graph.edges.size(); ++i) {
    const Edge& e = graph.edges[i];
    double& score = (*edges)[i].importance;
    if (IsFlow(e.relation)) {
      double w = e.relation == "calls" ? e.call_count : 1;
      score = out_weight[e.source] > 0 && e.source != e.target
                  ? rank[e.source] * w / out_weight[e.source]
                  : 0;
      max_flow = std::max(max_flow, score);
    } else {
      score = rank[e.target];
    }
  }
  for (size_t i = 0; i < graph.edges.size(); ++i) {
    double& score = (*edges)[i].importance;
    double top = IsFlow(graph.edges[i].relation) ? max_flow : max_rank;
    score = top > 0 ? score / top : 0;
  }
  MarkCriticalPaths(graph, n, "calls", edges);
  MarkCriticalPaths(graph, n, "imports", edges);
}

}  // namespace semdex::graph_internal
