// The SQLite Store's graph side: reading what the graph is built from and replacing a
// repository's graph rows (nodes, edges, edge_weights, computed_metrics, detailed_metadata).
#include <fmt/format.h>

#include <string_view>
#include <unordered_set>

#include "store/sqlite_store.h"

namespace semdex {
namespace {

// The graph rows of one repository, dependents first, as in the reference design's cleanup.
// detailed_metadata is matched by chunk (the reference design's way) and by node: Module and
// external-module nodes have metadata but not always a chunk.
constexpr std::string_view kDeleteGraphSql[] = {
    "DELETE FROM edge_weights WHERE edge_id IN (SELECT edge_id FROM edges WHERE source_node_id IN "
    "(SELECT node_id FROM nodes WHERE properties->>'repository' = ?1))",
    "DELETE FROM computed_metrics WHERE repository = ?1",
    "DELETE FROM detailed_metadata WHERE chunk_id IN "
    "(SELECT id FROM code_chunks WHERE repository = ?1)",
    "DELETE FROM detailed_metadata WHERE node_id IN "
    "(SELECT node_id FROM nodes WHERE properties->>'repository' = ?1)",
    "DELETE FROM edges WHERE source_node_id IN "
    "(SELECT node_id FROM nodes WHERE properties->>'repository' = ?1)",
    "DELETE FROM nodes WHERE properties->>'repository' = ?1",
    "DELETE FROM graph_row_digests WHERE repository = ?1",
};

// Inserts every row of `rows` with `sql`, binding each with bind(statement, row).
template <typename Row, typename Bind>
Status InsertAll(SqliteDb* db, std::string_view sql, const std::vector<Row>& rows, Bind&& bind) {
  SqliteStatement stmt;
  if (Status s = db->Prepare(sql, &stmt); !s.ok()) return s;
  for (const Row& row : rows) {
    StatementResetter reset(&stmt);
    bind(&stmt, row);
    if (Status s = stmt.Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

void BindOptional(SqliteStatement* stmt, int index, const std::optional<int64_t>& value) {
  if (value) {
    stmt->BindInt64(index, *value);
  } else {
    stmt->BindNull(index);
  }
}

}  // namespace

Status CheckGraphRows(std::string_view repository, const GraphRows& rows) {
  std::unordered_set<std::string_view> nodes, edges;
  nodes.reserve(rows.nodes.size());
  for (const GraphNodeRow& n : rows.nodes) {
    if (n.node_id.empty() || !nodes.insert(n.node_id).second) {
      return Status::InvalidArgument(fmt::format("node id '{}' is empty or repeated", n.node_id));
    }
  }
  auto known = [&](std::string_view id) { return nodes.count(id) != 0; };
  edges.reserve(rows.edges.size());
  for (const GraphEdgeRow& e : rows.edges) {
    if (e.edge_id.empty() || !edges.insert(e.edge_id).second) {
      return Status::InvalidArgument(fmt::format("edge id '{}' ({} {} -> {}) is empty or repeated",
                                                 e.edge_id, e.relation_type, e.source_node_id,
                                                 e.target_node_id));
    }
    if (!known(e.source_node_id) || !known(e.target_node_id)) {
      return Status::InvalidArgument(fmt::format(
          "edge {} joins nodes that are not in the graph of {}", e.edge_id, repository));
    }
  }
  for (const EdgeWeightRow& w : rows.edge_weights) {
    if (edges.count(w.edge_id) == 0) {
      return Status::InvalidArgument(fmt::format("weight of unknown edge {}", w.edge_id));
    }
  }
  for (const NodeMetricsRow& m : rows.metrics) {
    if (!known(m.node_id))
      return Status::InvalidArgument(fmt::format("metrics of unknown node {}", m.node_id));
  }
  for (const DetailedMetadataRow& d : rows.detailed_metadata) {
    if (!known(d.node_id))
      return Status::InvalidArgument(fmt::format("metadata of unknown node {}", d.node_id));
  }
  return Status::Ok();
}

Status SqliteStore::DeleteGraphRows(std::string_view repository) {
  for (std::string_view sql : kDeleteGraphSql) {
    SqliteStatement stmt;
    if (Status s = db_->Prepare(sql, &stmt); !s.ok()) return s;
    stmt.BindText(1, repository);
    if (Status s = stmt.Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status SqliteStore::InsertGraphRows(std::string_view repository, const GraphRows& rows,
                                    const std::string& now) {
  SqliteDb* db = db_.get();
  Status s = InsertAll(db,
                       "INSERT INTO nodes (node_id, node_type, label, properties, created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
                       rows.nodes, [&](SqliteStatement* st, const GraphNodeRow& n) {
                         st->BindText(1, n.node_id);
                         st->BindTextOrNull(2, n.node_type);
                         st->BindTextOrNull(3, n.label);
                         st->BindTextOrNull(4, n.properties_json);
                         st->BindText(5, now);
                       });
  if (!s.ok()) return Annotate(s, "nodes");
  if (s = CheckNodesFound(repository, static_cast<int64_t>(rows.nodes.size())); !s.ok()) return s;
  s = InsertAll(db,
                "INSERT INTO edges (edge_id, source_node_id, target_node_id, relation_type, "
                "properties, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rows.edges, [&](SqliteStatement* st, const GraphEdgeRow& e) {
                  st->BindText(1, e.edge_id);
                  st->BindText(2, e.source_node_id);
                  st->BindText(3, e.target_node_id);
                  st->BindTextOrNull(4, e.relation_type);
                  st->BindTextOrNull(5, e.properties_json);
                  st->BindText(6, now);
                });
  if (!s.ok()) return Annotate(s, "edges");
  s = InsertAll(db,
                "INSERT INTO edge_weights (edge_id, call_count, importance_score, "
                "is_critical_path, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                rows.edge_weights, [&](SqliteStatement* st, const EdgeWeightRow& w) {
                  st->BindText(1, w.edge_id);
                  st->BindInt64(2, w.call_count);
                  st->BindDouble(3, w.importance_score);
                  st->BindInt64(4, w.is_critical_path ? 1 : 0);
                  st->BindText(5, now);
                });
  if (!s.ok()) return Annotate(s, "edge weights");
  if (s = InsertMetrics(repository, rows.metrics, now); !s.ok()) return Annotate(s, "metrics");
  s = InsertAll(db,
                "INSERT INTO detailed_metadata (node_id, chunk_id, metadata, version, "
                "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                rows.detailed_metadata, [&](SqliteStatement* st, const DetailedMetadataRow& d) {
                  st->BindText(1, d.node_id);
                  st->BindTextOrNull(2, d.chunk_id);
                  st->BindTextOrNull(3, d.metadata_json);
                  st->BindInt64(4, d.version);
                  st->BindText(5, now);
                });
  return s.ok() ? s : Annotate(s, "detailed metadata");
}

Status SqliteStore::CheckNodesFound(std::string_view repository, int64_t expected) {
  SqliteStatement count;
  if (Status s = db_->Prepare(kCountNodesSql, &count); !s.ok()) {
    return s;
  }
  count.BindText(1, repository);
  bool has_row = false;
  if (Status s = count.Step(&has_row); !s.ok()) return s;
  const int64_t found = has_row ? count.ColumnInt64(0) : 0;
  if (found != expected) {
    return Status::InvalidArgument(
        fmt::format("{} of {} nodes do not name repository {} in their properties",
                    expected - found, expected, repository));
  }
  return Status::Ok();
}

Status SqliteStore::InsertMetrics(std::string_view repository,
                                  const std::vector<NodeMetricsRow>& rows, const std::string& now) {
  return InsertAll(db_.get(),
                   "INSERT INTO computed_metrics (node_id, chunk_id, repository, "
                   "cyclomatic_complexity, cognitive_complexity, lines_of_code, afferent_coupling, "
                   "efferent_coupling, instability, pagerank, betweenness, computed_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                   rows, [&](SqliteStatement* st, const NodeMetricsRow& m) {
                     st->BindText(1, m.node_id);
                     st->BindTextOrNull(2, m.chunk_id);
                     st->BindText(3, repository);
                     BindOptional(st, 4, m.cyclomatic_complexity);
                     BindOptional(st, 5, m.cognitive_complexity);
                     BindOptional(st, 6, m.lines_of_code);
                     st->BindInt64(7, m.afferent_coupling);
                     st->BindInt64(8, m.efferent_coupling);
                     st->BindDouble(9, m.instability);
                     st->BindDouble(10, m.pagerank);
                     st->BindDouble(11, m.betweenness);
                     st->BindText(12, now);
                   });
}

Status SqliteStore::LoadGraphInput(std::string_view repository, GraphInput* out) {
  *out = GraphInput();
  const std::string what = fmt::format("reading the graph input of {} from {}", repository, path_);
  // One read transaction: files and chunks agree even while another process writes.
  if (Status s = db_->Exec("BEGIN"); !s.ok()) return Annotate(s, what);
  Status s = ReadGraphInput(repository, out);
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    db_->RollbackQuietly();
    return Annotate(s, what);
  }
  return Status::Ok();
}

Status SqliteStore::ReadGraphInput(std::string_view repository, GraphInput* out) {
  SqliteStatement root, files, chunks;
  for (const auto& [stmt, sql] :
       {std::pair{&root, "SELECT root_path FROM repositories WHERE name = ?1"},
        std::pair{&files,
                  "SELECT file_path, language, metadata FROM files "
                  "WHERE repository = ?1 AND status = 'indexed'"},
        std::pair{&chunks,
                  "SELECT id, file_path, chunk_type, name, qualified_name, parent_id, "
                  "start_line, end_line, part, metadata, source_code FROM code_chunks "
                  "WHERE repository = ?1"}}) {
    if (Status s = db_->Prepare(sql, stmt); !s.ok()) return s;
  }
  bool has_row = false;
  root.BindText(1, repository);
  if (Status s = root.Step(&has_row); !s.ok()) return s;
  if (has_row) out->root_path = root.ColumnText(0);
  root.Reset();

  files.BindText(1, repository);
  for (;;) {
    if (Status s = files.Step(&has_row); !s.ok()) return s;
    if (!has_row) break;
    out->files.push_back({files.ColumnText(0), files.ColumnText(1), files.ColumnText(2)});
  }
  chunks.BindText(1, repository);
  for (;;) {
    if (Status s = chunks.Step(&has_row); !s.ok()) return s;
    if (!has_row) break;
    GraphInputChunk& c = out->chunks.emplace_back();
    c.id = chunks.ColumnText(0);
    c.file_path = chunks.ColumnText(1);
    c.chunk_type = chunks.ColumnText(2);
    c.name = chunks.ColumnText(3);
    c.qualified_name = chunks.ColumnText(4);
    c.parent_id = chunks.ColumnText(5);
    c.start_line = static_cast<int>(chunks.ColumnInt64(6));
    c.end_line = static_cast<int>(chunks.ColumnInt64(7));
    c.part = static_cast<int>(chunks.ColumnInt64(8));
    c.metadata_json = chunks.ColumnText(9);
    c.source_code = chunks.ColumnText(10);
  }
  return Status::Ok();
}

}  // namespace semdex
