// The PostgreSQL Store's graph side: what the graph is built from, replacing a repository's graph
// rows (with COPY), and the graph as queries read it.
#include <fmt/format.h>

#include <optional>
#include <string_view>

#include "store/encoding.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"  // CheckGraphRows

namespace semdex {
namespace {

// As sqlite_store_graph.cc's kDeleteGraphSql: dependents first.
const std::string kDeleteGraphSql[] = {
    "DELETE FROM edge_weights WHERE edge_id IN (SELECT edge_id FROM edges WHERE source_node_id IN "
    "(SELECT node_id FROM nodes WHERE properties->>'repository' = $1))",
    "DELETE FROM computed_metrics WHERE repository = $1",
    "DELETE FROM detailed_metadata WHERE chunk_id IN "
    "(SELECT id FROM code_chunks WHERE repository = $1)",
    "DELETE FROM detailed_metadata WHERE node_id IN "
    "(SELECT node_id FROM nodes WHERE properties->>'repository' = $1)",
    "DELETE FROM edges WHERE source_node_id IN "
    "(SELECT node_id FROM nodes WHERE properties->>'repository' = $1)",
    "DELETE FROM nodes WHERE properties->>'repository' = $1",
};

PgParam TextOrNull(std::string_view value) {
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

PgParam OptionalInt(const std::optional<int64_t>& value) {
  if (!value) return std::nullopt;
  return std::to_string(*value);
}

// A double in a form PostgreSQL reads back to the same value.
std::string Real(double value) { return fmt::format("{}", value); }

// COPY text lines of `rows`, each made by fields(row) -> std::vector<PgParam>.
template <typename Row, typename Fields>
std::vector<std::string> CopyLines(const std::vector<Row>& rows, Fields&& fields) {
  std::vector<std::string> lines;
  lines.reserve(rows.size());
  for (const Row& row : rows) {
    std::string line;
    bool first = true;
    for (const PgParam& f : fields(row)) {
      if (!first) line.push_back('\t');
      first = false;
      AppendCopyField(f, &line);
    }
    line.push_back('\n');
    lines.push_back(std::move(line));
  }
  return lines;
}

Status CopyRows(PgConnection* conn, std::string_view sql, const std::vector<std::string>& lines) {
  if (lines.empty()) return Status::Ok();
  return conn->CopyIn(sql, lines, [](size_t) { return true; });
}

constexpr std::string_view kNodesSql =
    "SELECT n.node_id, COALESCE(n.node_type, ''), COALESCE(n.properties->>'name', ''), "
    "COALESCE(n.properties->>'qualified_name', ''), COALESCE(n.properties->>'file_path', ''), "
    "COALESCE(n.properties->>'start_line', '0'), COALESCE(n.properties->>'end_line', '0'), "
    "(SELECT m.pagerank FROM computed_metrics m WHERE m.node_id = n.node_id LIMIT 1) "
    "FROM nodes n WHERE n.properties->>'repository' = $1";

constexpr std::string_view kEdgesSql =
    "SELECT e.source_node_id, e.target_node_id, COALESCE(e.relation_type, '') FROM nodes n "
    "JOIN edges e ON e.source_node_id = n.node_id WHERE n.properties->>'repository' = $1";

}  // namespace

Status PgStore::DeleteGraphRows(std::string_view repository) {
  for (const std::string& sql : kDeleteGraphSql) {
    if (Status s = conn_->Query(sql, {std::string(repository)}); !s.ok()) return s;
  }
  return Status::Ok();
}

Status PgStore::ReplaceGraph(std::string_view repository, const GraphRows& rows) {
  const std::string what =
      fmt::format("writing the graph of {} to {}", repository, conn_->location());
  if (Status s = CheckGraphRows(repository, rows); !s.ok()) return Annotate(s, what);
  const std::string now = NowTimestampUtc();
  Status s = InTransaction("BEGIN", /*retry=*/true, [&] {
    Status d = DeleteGraphRows(repository);
    return d.ok() ? InsertGraphRows(repository, rows, now) : d;
  });
  return s.ok() ? s : Annotate(s, what);
}

Status PgStore::InsertGraphRows(std::string_view repository, const GraphRows& rows,
                                const std::string& now) {
  PgConnection* conn = conn_.get();
  Status s = CopyRows(
      conn, "COPY nodes (node_id, node_type, label, properties, created_at) FROM STDIN",
      CopyLines(rows.nodes, [&](const GraphNodeRow& n) {
        return std::vector<PgParam>{n.node_id, TextOrNull(n.node_type), TextOrNull(n.label),
                                    TextOrNull(n.properties_json), now};
      }));
  if (!s.ok()) return Annotate(s, "nodes");
  // Every node must be found again by the repository lookup, or its rows could never be deleted.
  PgResult count;
  if (s = conn->Query("SELECT COUNT(*) FROM nodes WHERE properties->>'repository' = $1",
                      {std::string(repository)}, &count);
      !s.ok()) {
    return s;
  }
  const int64_t found = count.Int64(0, 0);
  if (found != static_cast<int64_t>(rows.nodes.size())) {
    return Status::InvalidArgument(fmt::format(
        "{} of {} nodes do not name repository {} in their properties",
        static_cast<int64_t>(rows.nodes.size()) - found, rows.nodes.size(), repository));
  }
  s = CopyRows(conn,
               "COPY edges (edge_id, source_node_id, target_node_id, relation_type, properties, "
               "created_at) FROM STDIN",
               CopyLines(rows.edges, [&](const GraphEdgeRow& e) {
                 return std::vector<PgParam>{e.edge_id,
                                             e.source_node_id,
                                             e.target_node_id,
                                             TextOrNull(e.relation_type),
                                             TextOrNull(e.properties_json),
                                             now};
               }));
  if (!s.ok()) return Annotate(s, "edges");
  s = CopyRows(conn,
               "COPY edge_weights (edge_id, call_count, importance_score, is_critical_path, "
               "updated_at) FROM STDIN",
               CopyLines(rows.edge_weights, [&](const EdgeWeightRow& w) {
                 return std::vector<PgParam>{w.edge_id, std::to_string(w.call_count),
                                             Real(w.importance_score),
                                             w.is_critical_path ? "1" : "0", now};
               }));
  if (!s.ok()) return Annotate(s, "edge weights");
  const std::string repo(repository);
  s = CopyRows(conn,
               "COPY computed_metrics (node_id, chunk_id, repository, cyclomatic_complexity, "
               "cognitive_complexity, lines_of_code, afferent_coupling, efferent_coupling, "
               "instability, pagerank, betweenness, computed_at) FROM STDIN",
               CopyLines(rows.metrics, [&](const NodeMetricsRow& m) {
                 return std::vector<PgParam>{m.node_id,
                                             TextOrNull(m.chunk_id),
                                             repo,
                                             OptionalInt(m.cyclomatic_complexity),
                                             OptionalInt(m.cognitive_complexity),
                                             OptionalInt(m.lines_of_code),
                                             std::to_string(m.afferent_coupling),
                                             std::to_string(m.efferent_coupling),
                                             Real(m.instability),
                                             Real(m.pagerank),
                                             Real(m.betweenness),
                                             now};
               }));
  if (!s.ok()) return Annotate(s, "metrics");
  s = CopyRows(conn,
               "COPY detailed_metadata (node_id, chunk_id, metadata, version, created_at) "
               "FROM STDIN",
               CopyLines(rows.detailed_metadata, [&](const DetailedMetadataRow& d) {
                 return std::vector<PgParam>{d.node_id, TextOrNull(d.chunk_id),
                                             TextOrNull(d.metadata_json), std::to_string(d.version),
                                             now};
               }));
  return s.ok() ? s : Annotate(s, "detailed metadata");
}

Status PgStore::LoadGraphInput(std::string_view repository, GraphInput* out) {
  *out = GraphInput();
  const std::string what =
      fmt::format("reading the graph input of {} from {}", repository, conn_->location());
  // One snapshot: files and chunks agree even while another process writes.
  Status s = InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*retry=*/true, [&] {
    *out = GraphInput();
    return ReadGraphInput(repository, out);
  });
  return s.ok() ? s : Annotate(s, what);
}

Status PgStore::ReadGraphInput(std::string_view repository, GraphInput* out) {
  const std::vector<PgParam> repo = {std::string(repository)};
  Status s = ForEachRow("SELECT root_path FROM repositories WHERE name = $1", repo,
                        [&](const PgResult& r, int i) { out->root_path = r.Text(i, 0); });
  if (s.ok()) {
    s = ForEachRow(
        "SELECT file_path, language, metadata FROM files "
        "WHERE repository = $1 AND status = 'indexed'",
        repo, [&](const PgResult& r, int i) {
          out->files.push_back({r.Text(i, 0), r.Text(i, 1), r.Text(i, 2)});
        });
  }
  if (s.ok()) {
    s = ForEachRow(
        "SELECT id, file_path, chunk_type, name, qualified_name, parent_id, start_line, "
        "end_line, part, metadata, source_code FROM code_chunks WHERE repository = $1",
        repo, [&](const PgResult& r, int i) {
          GraphInputChunk& c = out->chunks.emplace_back();
          c.id = r.Text(i, 0);
          c.file_path = r.Text(i, 1);
          c.chunk_type = r.Text(i, 2);
          c.name = r.Text(i, 3);
          c.qualified_name = r.Text(i, 4);
          c.parent_id = r.Text(i, 5);
          c.start_line = static_cast<int>(r.Int64(i, 6));
          c.end_line = static_cast<int>(r.Int64(i, 7));
          c.part = static_cast<int>(r.Int64(i, 8));
          c.metadata_json = r.Text(i, 9);
          c.source_code = r.Text(i, 10);
        });
  }
  return s;
}

Status PgStore::LoadGraph(std::string_view repository, GraphSnapshot* out) {
  *out = GraphSnapshot();
  Status s = InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*retry=*/true, [&] {
    *out = GraphSnapshot();
    return ReadGraphSnapshot(repository, out);
  });
  if (s.ok()) return s;
  *out = GraphSnapshot();
  return Annotate(s, fmt::format("reading the graph of {} from {}", repository, conn_->location()));
}

Status PgStore::ReadGraphSnapshot(std::string_view repository, GraphSnapshot* out) {
  const std::vector<PgParam> repo = {std::string(repository)};
  // A stale graph's rows may name what a run has changed since (pipeline.h): never served.
  bool stale = false;
  Status s = ForEachRow("SELECT graph_stale FROM repository_state WHERE repository = $1", repo,
                        [&](const PgResult& r, int i) { stale = r.Int64(i, 0) != 0; });
  if (!s.ok()) return s;
  if (stale) {
    return StaleGraphError(repository);
  }
  s = ForEachRow(std::string(kNodesSql), repo, [&](const PgResult& r, int i) {
    GraphNodeInfo& n = out->nodes.emplace_back();
    n.node_id = r.Text(i, 0);
    n.node_type = r.Text(i, 1);
    n.name = r.Text(i, 2);
    n.qualified_name = r.Text(i, 3);
    n.file_path = r.Text(i, 4);
    n.start_line = static_cast<int>(r.Int64(i, 5));
    n.end_line = static_cast<int>(r.Int64(i, 6));
    n.pagerank = r.IsNull(i, 7) ? 0 : r.Double(i, 7);
  });
  if (!s.ok()) return s;
  return ForEachRow(std::string(kEdgesSql), repo, [&](const PgResult& r, int i) {
    GraphEdgeInfo& e = out->edges.emplace_back();
    e.source_node_id = r.Text(i, 0);
    e.target_node_id = r.Text(i, 1);
    e.relation_type = r.Text(i, 2);
  });
}

}  // namespace semdex
