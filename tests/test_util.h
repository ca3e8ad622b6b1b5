// Helpers shared by the tests: temporary trees, file writing, and reading an index back.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace semdex::testing {

// A directory under /tmp removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "semdex-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // Restore permissions a test may have removed so cleanup can proceed.
    for (auto it = std::filesystem::recursive_directory_iterator(
             path_, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add, ec);
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Writes `content` to `path`, creating parent directories.
inline void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Runs a SQL query on an SQLite file and returns each row as its columns joined by '|'
// (NULL as "NULL"), in the order the query gives.
inline std::vector<std::string> QueryRows(const std::string& db_path, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string err = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("bad query: " + err);
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      if (i > 0) row += '|';
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row += text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

// Every chunk row of a repository except timestamps, ordered by id: two indexes of the same
// tree must give equal vectors.
inline std::vector<std::string> ExportChunks(const std::string& db_path,
                                             const std::string& repository) {
  return QueryRows(db_path,
                   "SELECT id, repository, file_path, language, chunk_type, name, qualified_name, "
                   "source_code, start_line, end_line, part, parent_id, hex(embedding_code), "
                   "metadata FROM code_chunks WHERE repository = '" +
                       repository + "' ORDER BY id");
}

// Every file row of a repository except timestamps, ordered by path.
inline std::vector<std::string> ExportFiles(const std::string& db_path,
                                            const std::string& repository) {
  return QueryRows(db_path,
                   "SELECT file_path, language, size_bytes, content_hash, status, reason, "
                   "chunk_count, metadata FROM files WHERE repository = '" +
                       repository + "' ORDER BY file_path");
}

// Every graph row (nodes, edges, metrics, edge weights, detailed metadata) except timestamps, in
// a fixed order: an incremental or watched index must equal a fresh one.
inline std::vector<std::string> ExportGraphRows(const std::string& db) {
  std::vector<std::string> out;
  for (const char* sql : {
           "SELECT node_id, node_type, label, properties FROM nodes ORDER BY node_id",
           "SELECT edge_id, source_node_id, target_node_id, relation_type, properties FROM edges "
           "ORDER BY edge_id",
           "SELECT node_id, chunk_id, repository, cyclomatic_complexity, cognitive_complexity, "
           "lines_of_code, afferent_coupling, efferent_coupling, instability, pagerank, "
           "betweenness FROM computed_metrics ORDER BY node_id",
           "SELECT edge_id, call_count, importance_score, is_critical_path FROM edge_weights "
           "ORDER BY edge_id",
           "SELECT node_id, chunk_id, metadata, version FROM detailed_metadata ORDER BY node_id, "
           "chunk_id",
       }) {
    for (std::string& row : QueryRows(db, sql)) out.push_back(std::move(row));
    out.push_back("--");
  }
  return out;
}

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a shell command line, capturing stdout and stderr (stdin is /dev/null).
inline CommandResult RunCommand(const std::string& command) {
  TempDir tmp;
  std::string cmd = command + " </dev/null >" + tmp / "out" + " 2>" + tmp / "err";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream out(tmp / "out"), err(tmp / "err");
  r.out.assign(std::istreambuf_iterator<char>(out), {});
  r.err.assign(std::istreambuf_iterator<char>(err), {});
  return r;
}

}  // namespace semdex::testing
