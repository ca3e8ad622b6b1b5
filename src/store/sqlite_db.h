// sqlite_db: a thin RAII layer over the SQLite C API for the store's SQLite backend. Not part of
// the store's contract: only src/store/ (and its tests) include it.
//
// Thread-safety: an SqliteDb and its statements are used by one thread at a time (connections are
// opened with SQLITE_OPEN_NOMUTEX).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex {

// A prepared statement. Move-only; finalized on destruction. Bind errors are remembered and
// reported by the next Step, so call sites can bind without checking each call.
class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  bool valid() const { return stmt_ != nullptr; }

  // Parameters are 1-based, as in sqlite3_bind_*. Values are copied (SQLITE_TRANSIENT).
  void BindText(int index, std::string_view value);
  // Binds NULL for an empty value.
  void BindTextOrNull(int index, std::string_view value);
  void BindInt64(int index, int64_t value);
  void BindDouble(int index, double value);
  // Binds NULL for an empty value.
  void BindBlobOrNull(int index, std::string_view bytes);
  void BindNull(int index);

  // Advances the statement. On success sets *has_row (true: a row is readable with Column*).
  // REQUIRES: valid().
  Status Step(bool* has_row);
  // Steps a statement that returns no rows (or whose rows are not wanted) to completion.
  Status Run();

  // Columns are 0-based, as in sqlite3_column_*.
  bool ColumnIsNull(int column) const;
  int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;  // "" for NULL
  // The text without a copy: valid until the next Step, Reset or column call on this column.
  std::string_view ColumnTextView(int column) const;  // "" for NULL
  std::string ColumnBlob(int column) const;           // "" for NULL

  // Resets the statement and clears its bindings so it can be reused.
  void Reset();

 private:
  void NoteBind(int rc);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

// Resets a statement when it goes out of scope, so a cached statement never stays mid-step
// (which would keep a read transaction open).
class StatementResetter {
 public:
  explicit StatementResetter(SqliteStatement* stmt) : stmt_(stmt) {}
  StatementResetter(const StatementResetter&) = delete;
  StatementResetter& operator=(const StatementResetter&) = delete;
  ~StatementResetter() { stmt_->Reset(); }

 private:
  SqliteStatement* stmt_;
};

// One SQLite connection. Closed on destruction.
class SqliteDb {
 public:
  // Opens (creating if missing) the database file at `path`. Errors carry SQLite's reason only;
  // callers add the path.
  static Status Open(const std::string& path, std::unique_ptr<SqliteDb>* out);

  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  sqlite3* handle() const { return db_; }

  // Runs one or more SQL statements, discarding any rows.
  Status Exec(std::string_view sql);
  Status Prepare(std::string_view sql, SqliteStatement* out);
  // The text of a single-row, single-column query (e.g. a PRAGMA); "" if it returns no row.
  Status QueryText(std::string_view sql, std::string* out);
  Status QueryInt64(std::string_view sql, int64_t* out);

  // True while a transaction is open on this connection.
  bool InTransaction() const;
  // Rolls back the open transaction, if any; errors are ignored (SQLite may already have rolled
  // back on its own, e.g. after SQLITE_FULL).
  void RollbackQuietly();

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// A database error for `rc` on `db`: SQLite's message (sqlite3_errmsg) when it belongs to `rc`,
// else the generic text for the code.
Status SqliteError(sqlite3* db, int rc);

// `s` with "<context>: " put before its message; the code is kept. OK stays OK.
Status Annotate(const Status& s, std::string_view context);

}  // namespace semdex
