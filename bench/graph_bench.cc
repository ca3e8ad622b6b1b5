// Graph build benchmark: builds the graph of an indexed repository RUNS times (default 5), as
// the index command's last phase does (the repository's graph rows are cleared first, untimed),
// and prints each phase's median wall time (load from the store, resolve, metrics, rows, write)
// and CPU time, then the graph's figures: nodes and edges by type, call-site resolution and
// isolated nodes.
//   graph_bench DB REPOSITORY [RUNS]
// Index first, e.g.: semdex index .cache/npm/three-0.187.0/package --repository three
//                    --no-embed --db /tmp/three.db
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace semdex;
  if (argc < 3) {
    fmt::print(stderr, "usage: graph_bench DB REPOSITORY [RUNS]\n");
    return 2;
  }
  const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(argv[1], StoreOptions(), &store); !s.ok()) {
    fmt::print(stderr, "{}\n", s.ToString());
    return 2;
  }
  std::vector<double> load, resolve, metrics, rows, write, build, total;
  GraphStats stats;
  std::vector<double> cpu;
  for (int i = 0; i < runs; ++i) {
    if (Status s = store->ReplaceGraph(argv[2], GraphRows()); !s.ok()) {
      fmt::print(stderr, "{}\n", s.ToString());
      return 1;
    }
    const double cpu_start = CpuSeconds();
    auto start = std::chrono::steady_clock::now();
    if (Status s = BuildRepositoryGraph(store.get(), argv[2], GraphOptions(), &stats); !s.ok()) {
      fmt::print(stderr, "{}\n", s.ToString());
      return 1;
    }
    total.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    cpu.push_back(CpuSeconds() - cpu_start);
    load.push_back(stats.load_s);
    resolve.push_back(stats.resolve_s);
    metrics.push_back(stats.metrics_s);
    rows.push_back(stats.rows_s);
    write.push_back(stats.write_s);
    build.push_back(stats.resolve_s + stats.metrics_s + stats.rows_s);
  }
  fmt::print("repository {}: {} runs, median seconds\n", argv[2], runs);
  fmt::print("  load {:.3f}  resolve {:.3f}  metrics {:.3f}  rows {:.3f}  write {:.3f}\n",
             Median(load), Median(resolve), Median(metrics), Median(rows), Median(write));
  fmt::print(
      "  build+metrics (resolve+metrics+rows) {:.3f}   total with load and write {:.3f} "
      "(CPU {:.3f})\n",
      Median(build), Median(total), Median(cpu));
  fmt::print("nodes {}:", stats.nodes);
  for (const auto& [type, n] : stats.nodes_by_type) fmt::print(" {} {}", type, n);
  fmt::print("\nedges {}:", stats.edges);
  for (const auto& [type, n] : stats.edges_by_type) fmt::print(" {} {}", type, n);
  int64_t unresolved = stats.call_sites - stats.call_sites_internal - stats.call_sites_external;
  fmt::print(
      "\ncall sites {}: internal {} ({:.1f}%), external {} ({:.1f}%), unresolved {} "
      "({:.1f}%)\n  unresolved by reason:",
      stats.call_sites, stats.call_sites_internal,
      Percent(stats.call_sites_internal, stats.call_sites), stats.call_sites_external,
      Percent(stats.call_sites_external, stats.call_sites), unresolved,
      Percent(unresolved, stats.call_sites));
  for (const auto& [reason, n] : stats.unresolved_by_reason) {
    fmt::print(" {} {} ({:.1f}%)", reason, n, Percent(n, stats.call_sites));
  }
  fmt::print("\nisolated nodes (no edge) {} ({:.1f}%); without dependency edges {} ({:.1f}%)\n",
             stats.isolated_nodes, Percent(stats.isolated_nodes, stats.nodes),
             stats.no_dependency_nodes, Percent(stats.no_dependency_nodes, stats.nodes));
  return 0;
}
