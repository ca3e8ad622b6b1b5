// Exports an index's rows, from SQLite or PostgreSQL, in one comparable form: every table the
// index writes, without timestamps (mtimes included), run ids and generated ids; JSON re-serialised
// with sorted keys (jsonb reorders keys), reals to 12 significant digits, rows sorted.
#pragma once

#include <fmt/format.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace semdex::testing {

// One table's export: SQL that runs on both backends, and each column's kind: t text,
// i integer, r real, j JSON.
struct ExportQuery {
  std::string table;
  std::string sql;
  std::string kinds;
};

inline const std::vector<ExportQuery>& IndexExportQueries() {
  static const std::vector<ExportQuery> queries = {
      {"code_chunks",
       "SELECT id, repository, file_path, language, chunk_type, name, qualified_name, "
       "source_code, start_line, end_line, part, parent_id, CASE WHEN embedding_code IS NULL "
       "THEN 0 ELSE 1 END, metadata FROM code_chunks",
       "tttttttt"
       "iiitij"},
      {"files",
       // Not mtime_ns: a file modified within the last second is stored with 0 (pipeline.h).
       "SELECT repository, file_path, language, size_bytes, content_hash, status, reason, "
       "detail, chunk_count, metadata FROM files",
       "ttt"
       "it"
       "ttt"
       "ij"},
      {"nodes", "SELECT node_id, node_type, label, properties FROM nodes", "tttj"},
      {"edges",
       "SELECT edge_id, source_node_id, target_node_id, relation_type, properties FROM edges",
       "ttttj"},
      {"computed_metrics",
       "SELECT node_id, chunk_id, repository, cyclomatic_complexity, cognitive_complexity, "
       "lines_of_code, afferent_coupling, efferent_coupling, instability, pagerank, betweenness "
       "FROM computed_metrics",
       "ttt"
       "iiiii"
       "rrr"},
      {"edge_weights",
       "SELECT edge_id, call_count, importance_score, is_critical_path FROM edge_weights", "tiri"},
      {"detailed_metadata", "SELECT node_id, chunk_id, metadata, version FROM detailed_metadata",
       "ttji"},
      {"repository_state",
       "SELECT repository, model_id, embedding_dim, chunker_stamp, graph_stale FROM "
       "repository_state",
       "ttiti"},
      {"repositories", "SELECT name, root_path, model_id, embedding_dim FROM repositories", "ttti"},
  };
  return queries;
}

inline std::string NormalizeValue(const std::optional<std::string>& text, char kind) {
  if (!text) return "NULL";
  if (kind == 'j') {
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    return j.is_discarded() ? "BAD JSON: " + *text : j.dump();
  }
  if (kind == 'r') return fmt::format("{:.12g}", std::stod(*text));
  return *text;
}

// Table name -> its rows (columns joined by '|'), sorted.
using IndexExport = std::map<std::string, std::vector<std::string>>;

inline IndexExport ExportSqliteIndex(const std::string& path) {
  IndexExport out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  for (const ExportQuery& q : IndexExportQueries()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, q.sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      std::string e = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw std::runtime_error(e);
    }
    std::vector<std::string>& rows = out[q.table];
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (size_t c = 0; c < q.kinds.size(); ++c) {
        const int col = static_cast<int>(c);
        std::optional<std::string> value;
        if (sqlite3_column_type(stmt, col) != SQLITE_NULL) {
          value = q.kinds[c] == 'r'
                      ? fmt::format("{}", sqlite3_column_double(stmt, col))
                      : std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, col)));
        }
        if (c > 0) row += '|';
        row += NormalizeValue(value, q.kinds[c]);
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    std::sort(rows.begin(), rows.end());
  }
  sqlite3_close(db);
  return out;
}

inline IndexExport ExportPgIndex(const std::string& url) {
  IndexExport out;
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    PQfinish(conn);
    throw std::runtime_error("cannot connect");
  }
  for (const ExportQuery& q : IndexExportQueries()) {
    PGresult* r = PQexec(conn, q.sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::string e = PQresultErrorMessage(r);
      PQclear(r);
      PQfinish(conn);
      throw std::runtime_error(e);
    }
    std::vector<std::string>& rows = out[q.table];
    for (int i = 0; i < PQntuples(r); ++i) {
      std::string row;
      for (size_t c = 0; c < q.kinds.size(); ++c) {
        const int col = static_cast<int>(c);
        std::optional<std::string> value;
        if (!PQgetisnull(r, i, col)) value = PQgetvalue(r, i, col);
        if (c > 0) row += '|';
        row += NormalizeValue(value, q.kinds[c]);
      }
      rows.push_back(std::move(row));
    }
    PQclear(r);
    std::sort(rows.begin(), rows.end());
  }
  PQfinish(conn);
  return out;
}

// Compares two exports table by table, reporting the first differing row of each table.
inline void ExpectSameIndex(const IndexExport& sqlite, const IndexExport& pg) {
  for (const auto& [table, rows] : sqlite) {
    const std::vector<std::string>& other = pg.at(table);
    EXPECT_EQ(rows.size(), other.size()) << table;
    for (size_t i = 0; i < std::min(rows.size(), other.size()); ++i) {
      if (rows[i] != other[i]) {
        ADD_FAILURE() << table << " row " << i << " differs:\n sqlite: " << rows[i].substr(0, 600)
                      << "\n     pg: " << other[i].substr(0, 600);
        break;
      }
    }
  }
}

}  // namespace semdex::testing
