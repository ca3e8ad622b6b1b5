// Helpers for the graph tests: index a fixture tree written by the test, then read its graph
// back as readable strings ("a.ts:main -calls-> b.ts:helper").
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "test_util.h"

namespace semdex::testing {

// A fixture repository: files written under a temporary root, indexed into a temporary index.
class GraphFixture {
 public:
  explicit GraphFixture(std::string repository = "fx") : repository_(std::move(repository)) {}

  void Write(const std::string& path, const std::string& content) {
    WriteFile(root_ / path, content);
  }

  // Indexes the tree; returns false (and fails the test) on error.
  bool Index(bool sequential = true, int workers = 1, const std::string& db_name = "index.db") {
    db_ = db_dir_ / db_name;
    std::unique_ptr<Store> store;
    Status s = OpenStore(db_, StoreOptions(), &store);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return false;
    IndexOptions options;
    options.root = root_.path();
    options.repository = repository_;
    options.sequential = sequential;
    options.workers = workers;
    s = RunIndex(options, store.get(), &summary_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return s.ok();
  }

  const std::string& db() const { return db_; }
  const std::string& root() const { return root_.path(); }
  const std::string& repository() const { return repository_; }
  const IndexSummary& summary() const { return summary_; }

  std::vector<std::string> Query(const std::string& sql) const { return QueryRows(db_, sql); }

  // Every edge as "<source> -<relation>-> <target>", where a node reads as its file path
  // (Module), "<file>:<qualified name>" (symbol) or "ext:<name>" (external module).
  std::set<std::string> Edges() const {
    std::vector<std::string> rows = Query(
        "SELECT " + NodeName("s") + " || ' -' || e.relation_type || '-> ' || " + NodeName("t") +
        " FROM edges e JOIN nodes s ON s.node_id = e.source_node_id "
        "JOIN nodes t ON t.node_id = e.target_node_id "
        "WHERE s.properties->>'repository' = '" +
        repository_ + "'");
    return std::set<std::string>(rows.begin(), rows.end());
  }

  // The edges of one relation leaving `source` (a node name as in Edges()).
  std::set<std::string> EdgesFrom(const std::string& source, const std::string& relation) const {
    std::set<std::string> out;
    const std::string prefix = source + " -" + relation + "-> ";
    for (const std::string& e : Edges()) {
      if (e.starts_with(prefix)) out.insert(e.substr(prefix.size()));
    }
    return out;
  }

  // The unresolved calls of a node as "<callee>:<reason>", in call order.
  std::vector<std::string> Unresolved(const std::string& node) const {
    return Query(
        "SELECT j.value->>'callee' || ':' || (j.value->>'unresolved') "
        "FROM detailed_metadata d JOIN nodes n ON n.node_id = d.node_id, "
        "json_each(d.metadata->'calls') j WHERE " +
        NodeName("n") + " = '" + node + "' AND j.value->>'unresolved' IS NOT NULL");
  }

  // One column of a node's computed_metrics row, as text.
  std::string Metric(const std::string& node, const std::string& column) const {
    std::vector<std::string> rows = Query("SELECT m." + column +
                                          " FROM computed_metrics m JOIN nodes n ON n.node_id = "
                                          "m.node_id WHERE " +
                                          NodeName("n") + " = '" + node + "'");
    return rows.size() == 1 ? rows[0] : "<" + std::to_string(rows.size()) + " rows>";
  }

  // One column of the edge_weights row of an edge named as in Edges().
  std::string Weight(const std::string& edge, const std::string& column) const {
    std::vector<std::string> rows =
        Query("SELECT w." + column +
              " FROM edge_weights w JOIN edges e ON e.edge_id = w.edge_id "
              "JOIN nodes s ON s.node_id = e.source_node_id JOIN nodes t ON t.node_id = "
              "e.target_node_id WHERE " +
              NodeName("s") + " || ' -' || e.relation_type || '-> ' || " + NodeName("t") + " = '" +
              edge + "'");
    return rows.size() == 1 ? rows[0] : "<" + std::to_string(rows.size()) + " rows>";
  }

  // Every graph row of the repository without timestamps and autoincrement ids, sorted: two
  // indexes of the same tree must give equal vectors.
  std::vector<std::string> ExportGraph() const {
    const std::string in_repo =
        "(SELECT node_id FROM nodes WHERE properties->>'repository' = '" + repository_ + "')";
    std::vector<std::string> all;
    for (const std::string& sql :
         {"SELECT 'n', node_id, node_type, label, properties FROM nodes WHERE node_id IN " +
              in_repo,
          "SELECT 'e', edge_id, source_node_id, target_node_id, relation_type, properties "
          "FROM edges WHERE source_node_id IN " +
              in_repo,
          "SELECT 'w', w.edge_id, call_count, importance_score, is_critical_path FROM "
          "edge_weights w JOIN edges e ON e.edge_id = w.edge_id WHERE e.source_node_id IN " +
              in_repo,
          "SELECT 'm', node_id, chunk_id, cyclomatic_complexity, cognitive_complexity, "
          "lines_of_code, afferent_coupling, efferent_coupling, instability, pagerank, "
          "betweenness FROM computed_metrics WHERE repository = '" +
              repository_ + "'",
          "SELECT 'd', node_id, chunk_id, metadata, version FROM detailed_metadata WHERE "
          "node_id IN " +
              in_repo}) {
      std::vector<std::string> rows = Query(sql);
      all.insert(all.end(), rows.begin(), rows.end());
    }
    std::sort(all.begin(), all.end());
    return all;
  }

 private:
  static std::string NodeName(const std::string& n) {
    return "(CASE " + n + ".node_type WHEN 'Module' THEN " + n +
           ".label WHEN 'ExternalModule' "
           "THEN 'ext:' || " +
           n + ".label ELSE (" + n + ".properties->>'file_path') || ':' || " + n + ".label END)";
  }

  std::string repository_;
  TempDir root_;
  TempDir db_dir_;
  std::string db_;
  IndexSummary summary_;
};

}  // namespace semdex::testing
