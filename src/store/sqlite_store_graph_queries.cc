// The SQLite Store's read side for queries over a finished index: a repository's graph as graph
// queries walk it (LoadGraph), and the files that were not indexed (ListFileProblems).
#include <fmt/format.h>

#include "store/sqlite_store.h"

namespace semdex {
namespace {

// Runs `sql` with ?1 bound to `param`, calling on_row(stmt) for each row.
template <typename OnRow>
Status ForEachRowOf(SqliteDb* db, std::string_view sql, std::string_view param, OnRow&& on_row) {
  SqliteStatement stmt;
  if (Status s = db->Prepare(sql, &stmt); !s.ok()) return s;
  stmt.BindText(1, param);
  for (;;) {
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) return s;
    if (!has_row) return Status::Ok();
    on_row(stmt);
  }
}

// The repository's nodes use the nodes_by_repository expression index; the metrics row is found
// through computed_metrics_by_node.
constexpr std::string_view kNodesSql =
    "SELECT n.node_id, COALESCE(n.node_type, ''), COALESCE(n.properties->>'name', ''), "
    "COALESCE(n.properties->>'qualified_name', ''), COALESCE(n.properties->>'file_path', ''), "
    "COALESCE(n.properties->>'start_line', 0), COALESCE(n.properties->>'end_line', 0), "
    "(SELECT m.pagerank FROM computed_metrics m WHERE m.node_id = n.node_id LIMIT 1) "
    "FROM nodes n WHERE n.properties->>'repository' = ?1";

constexpr std::string_view kEdgesSql =
    "SELECT e.source_node_id, e.target_node_id, COALESCE(e.relation_type, '') FROM nodes n "
    "JOIN edges e ON e.source_node_id = n.node_id WHERE n.properties->>'repository' = ?1";

}  // namespace

Status SqliteStore::LoadGraph(std::string_view repository, GraphSnapshot* out) {
  *out = GraphSnapshot();
  const std::string what = fmt::format("reading the graph of {} from {}", repository, path_);
  // One read transaction: nodes and edges come from the same graph even while another process
  // replaces it.
  if (Status s = db_->Exec("BEGIN"); !s.ok()) return Annotate(s, what);
  Status s = ReadGraphSnapshot(repository, out);
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    db_->RollbackQuietly();
    *out = GraphSnapshot();
    return Annotate(s, what);
  }
  return Status::Ok();
}

Status SqliteStore::ReadGraphSnapshot(std::string_view repository, GraphSnapshot* out) {
  // A stale graph's rows may name what a run has changed since (pipeline.h): never served.
  bool stale = false;
  Status s = ForEachRowOf(
      db_.get(), "SELECT graph_stale FROM repository_state WHERE repository = ?1", repository,
      [&](const SqliteStatement& row) { stale = row.ColumnInt64(0) != 0; });
  if (!s.ok()) return s;
  if (stale) {
    return StaleGraphError(repository);
  }
  s = ForEachRowOf(db_.get(), kNodesSql, repository, [&](const SqliteStatement& row) {
    GraphNodeInfo& n = out->nodes.emplace_back();
    n.node_id = row.ColumnText(0);
    n.node_type = row.ColumnText(1);
    n.name = row.ColumnText(2);
    n.qualified_name = row.ColumnText(3);
    n.file_path = row.ColumnText(4);
    n.start_line = static_cast<int>(row.ColumnInt64(5));
    n.end_line = static_cast<int>(row.ColumnInt64(6));
    n.pagerank = row.ColumnIsNull(7) ? 0 : row.ColumnDouble(7);
  });
  if (!s.ok()) return s;
  return ForEachRowOf(db_.get(), kEdgesSql, repository, [&](const SqliteStatement& row) {
    GraphEdgeInfo& e = out->edges.emplace_back();
    e.source_node_id = row.ColumnText(0);
    e.target_node_id = row.ColumnText(1);
    e.relation_type = row.ColumnText(2);
  });
}

Status SqliteStore::ListFileProblems(std::string_view repository, std::vector<FileProblem>* out) {
  out->clear();
  Status s = ForEachRowOf(
      db_.get(),
      "SELECT repository, file_path, status, COALESCE(reason, ''), COALESCE(detail, '') "
      "FROM files WHERE status <> 'indexed' AND (?1 = '' OR repository = ?1) "
      "ORDER BY repository, file_path",
      repository, [&](const SqliteStatement& row) {
        FileProblem& p = out->emplace_back();
        p.repository = row.ColumnText(0);
        p.file_path = row.ColumnText(1);
        p.status = row.ColumnText(2);
        p.reason = row.ColumnText(3);
        p.detail = row.ColumnText(4);
      });
  if (s.ok()) return s;
  out->clear();
  return Annotate(s, fmt::format("listing the files not indexed in {}", path_));
}

}  // namespace semdex
