// BuildGraph and BuildRepositoryGraph: the stage's entry points.
#include <fmt/format.h>

#include <chrono>

#include "graph/graph.h"
#include "graph/graph_internal.h"

namespace semdex {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void CountRows(const GraphRows& rows, GraphStats* stats) {
  stats->nodes = static_cast<int64_t>(rows.nodes.size());
  stats->edges = static_cast<int64_t>(rows.edges.size());
  std::unordered_map<std::string_view, std::pair<int, int>> degree;  // (all, dependency)
  for (const GraphNodeRow& n : rows.nodes) {
    stats->nodes_by_type[n.node_type]++;
    degree[n.node_id];
  }
  for (const GraphEdgeRow& e : rows.edges) {
    stats->edges_by_type[e.relation_type]++;
    const bool dependency = e.relation_type != "contains";
    for (const std::string& end : {e.source_node_id, e.target_node_id}) {
      auto& d = degree[end];
      d.first++;
      if (dependency) d.second++;
    }
  }
  for (const auto& [id, d] : degree) {
    if (d.first == 0) stats->isolated_nodes++;
    if (d.second == 0) stats->no_dependency_nodes++;
  }
}

}  // namespace

Status BuildGraph(std::string_view repository, const GraphInput& input, const GraphOptions& options,
                  GraphRows* rows, GraphStats* stats) {
  using namespace graph_internal;
  const double load_s = stats->load_s;
  *stats = GraphStats();
  stats->load_s = load_s;
  Clock::time_point start = Clock::now();
  Model model;
  LoadModel(input, &model);
  ScanSources(&model);
  ModuleResolver modules(&model, LoadProjectConfig(input.root_path, model));
  ResolveModules(&model, &modules);
  SymbolResolver symbols(&model, &modules);
  Graph graph;
  BuildEdges(&model, &symbols, &modules, &graph, stats);
  stats->resolve_s = SecondsSince(start);

  start = Clock::now();
  std::vector<NodeMetrics> node_metrics;
  std::vector<EdgeMetrics> edge_metrics;
  ComputeMetrics(model, graph, options, &node_metrics, &edge_metrics);
  stats->metrics_s = SecondsSince(start);

  start = Clock::now();
  MakeRows(repository, model, graph, node_metrics, edge_metrics, rows);
  CountRows(*rows, stats);
  stats->rows_s = SecondsSince(start);
  return Status::Ok();
}

Status BuildRepositoryGraph(Store* store, std::string_view repository, const GraphOptions& options,
                            GraphStats* stats) {
  *stats = GraphStats();
  Clock::time_point start = Clock::now();
  GraphInput input;
  if (Status s = store->LoadGraphInput(repository, &input); !s.ok()) return s;
  stats->load_s = SecondsSince(start);
  GraphRows rows;
  if (Status s = BuildGraph(repository, input, options, &rows, stats); !s.ok()) return s;
  start = Clock::now();
  if (Status s = store->ReplaceGraph(repository, rows); !s.ok()) return s;
  stats->write_s = SecondsSince(start);
  return Status::Ok();
}

}  // namespace semdex
