// Helpers for the store tests: temporary directories, sample rows, and raw SQL access to an
// index through the SQLite C API (as any outside reader of the index would do it).
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"

namespace semdex::testing {

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/semdex_store_test.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A file of `repository` with `n` chunks; `tag` goes into every chunk's source so two versions of
// one file can be told apart.
inline FileRow MakeFile(const std::string& repository, const std::string& path, int n,
                        const std::string& tag = "v1") {
  FileRow file;
  file.repository = repository;
  file.file_path = path;
  file.language = "typescript";
  file.size_bytes = 100u * static_cast<uint64_t>(n);
  file.mtime_ns = 1'700'000'000'000'000'000;
  file.content_hash = "hash-" + tag;
  file.metadata_json = R"({"imports":["./a"],"syntax_errors":0})";
  for (int i = 0; i < n; ++i) {
    ChunkRow c;
    const uint32_t start = static_cast<uint32_t>(i * 100);
    c.id = ChunkId(repository, path, start, start + 99, 1) + (tag == "v1" ? "" : "-" + tag);
    c.chunk_type = i % 2 == 0 ? "function" : "class";
    c.name = fmt::format("f{}", i);
    c.qualified_name = fmt::format("mod.f{}", i);
    c.source_code = fmt::format("function f{}() {{ return '{}'; }}", i, tag);
    c.start_line = i * 10 + 1;
    c.end_line = i * 10 + 9;
    c.metadata_json = R"({"calls":[]})";
    file.chunks.push_back(std::move(c));
  }
  return file;
}

// A plain SQLite connection to an index file.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  sqlite3* handle() const { return db_; }

  // Runs one or more statements; fails the test on error.
  void Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      ADD_FAILURE() << "SQL failed: " << (err ? err : "?") << "\n" << sql;
    }
    sqlite3_free(err);
  }

  // The rows of a query, each column as text ("NULL" for NULL), columns joined by '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "prepare failed: " << sqlite3_errmsg(db_) << "\n" << sql;
      return rows;
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) row += "|";
        const unsigned char* t = sqlite3_column_text(stmt, i);
        row += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
      rows.push_back(row);
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << "step failed: " << sqlite3_errmsg(db_) << "\n" << sql;
    sqlite3_finalize(stmt);
    return rows;
  }

  // The first column of the first row, as text ("" if no row).
  std::string Text(const std::string& sql) {
    std::vector<std::string> rows = Rows(sql);
    return rows.empty() ? "" : rows[0];
  }
  int64_t Int(const std::string& sql) { return std::stoll(Text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

// Hand-inserts graph rows for `repository`, as the graph stage will: `nodes` nodes whose
// properties name the repository, a chain of nodes-1 edges between them with one weight each,
// one computed_metrics row per node, and one detailed_metadata row per id in `chunk_ids`.
inline void InsertGraphRows(RawDb* raw, const std::string& repository, int nodes,
                            const std::vector<std::string>& chunk_ids) {
  for (int i = 0; i < nodes; ++i) {
    raw->Exec(fmt::format(
        "INSERT INTO nodes VALUES ('{0}-n{1}', 'function', 'f{1}', "
        "'{{\"repository\": \"{0}\", \"file_path\": \"a.ts\"}}', '2025-01-01T00:00:00.000Z');"
        "INSERT INTO computed_metrics (node_id, repository, cyclomatic_complexity) "
        "VALUES ('{0}-n{1}', '{0}', 3);",
        repository, i));
    if (i + 1 < nodes) {
      raw->Exec(fmt::format(
          "INSERT INTO edges VALUES ('{0}-e{1}', '{0}-n{1}', '{0}-n{2}', 'calls', '{{}}', "
          "'2025-01-01T00:00:00.000Z');"
          "INSERT INTO edge_weights (edge_id, call_count) VALUES ('{0}-e{1}', 1);",
          repository, i, i + 1));
    }
  }
  for (const std::string& id : chunk_ids) {
    raw->Exec(
        fmt::format("INSERT INTO detailed_metadata (node_id, chunk_id, metadata, version) "
                    "VALUES ('{}-n0', '{}', '{{}}', 1)",
                    repository, id));
  }
}

// Opens the index at `path` or fails the test.
inline std::unique_ptr<Store> OpenIndex(const std::string& path,
                                        const StoreOptions& options = StoreOptions()) {
  std::unique_ptr<Store> store;
  Status s = OpenStore(path, options, &store);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return store;
}

}  // namespace semdex::testing
