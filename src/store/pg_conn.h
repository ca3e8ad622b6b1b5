// pg_conn: one libpq connection to a PostgreSQL server and the results it returns. Internal to
// src/store/ (the PostgreSQL Store and its tests).
//
// Every parameterised statement is prepared once per connection (the SQL text is the key), so
// the per-file write path sends only parameters. Error messages name the server as
// RedactedPgLocation does: user, host, port and database, never the password.
//
// Thread-safety: a PgConnection is used by one thread at a time.
#pragma once

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sqlite_db.h"  // Annotate
#include "util/util.h"

namespace semdex {

// True for postgresql:// and postgres:// URLs.
bool IsPostgresUrl(std::string_view location);

// "postgresql://user@host:port/dbname" for a libpq URL: what messages may show. The password
// (in the URL, a password= parameter or PGPASSWORD) never appears; parts the URL leaves to the
// PG* environment variables or libpq's defaults are filled in as libpq would.
std::string RedactedPgLocation(const std::string& url);

// A statement parameter; nullopt is SQL NULL. Values travel as text.
using PgParam = std::optional<std::string>;

// The rows of one statement. Move-only; frees the libpq result.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;  // "" for NULL
  std::string_view View(int row, int column) const;
  int64_t Int64(int row, int column) const;  // 0 for NULL
  double Double(int row, int column) const;  // 0 for NULL
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const;

 private:
  PGresult* result_ = nullptr;
};

class PgConnection {
 public:
  // Connects to `url` (a libpq URL; the PG* environment variables fill what it leaves out).
  // Errors say why (unreachable, authentication, too many clients: with what to do) and name
  // the server by RedactedPgLocation.
  static Status Connect(const std::string& url, std::unique_ptr<PgConnection>* out);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // "postgresql://user@host:port/dbname".
  const std::string& location() const { return location_; }
  // The server's version, e.g. "15.18".
  std::string server_version() const;

  // Runs `sql` (one or more statements, no parameters).
  Status Exec(std::string_view sql);
  // Runs one statement with $1..$n bound to `params`, prepared on first use on this connection.
  // `result` (may be null) receives its rows.
  Status Query(const std::string& sql, const std::vector<PgParam>& params,
               PgResult* result = nullptr);
  // COPY ... FROM STDIN: `copy_sql` starts it, each of `lines` is one row in COPY text format
  // (AppendCopyField). A false from `before_line(i)` (the store's fault injector) aborts the
  // COPY before row i, which fails the transaction as a database error would.
  template <typename BeforeLine>
  Status CopyIn(std::string_view copy_sql, const std::vector<std::string>& lines,
                BeforeLine&& before_line);

  // True when the server connection is gone (killed server, network, administrator command).
  bool broken() const;
  // Reconnects (prepared statements are prepared again on use).
  Status Reconnect();
  // ROLLBACK, ignoring errors: the transaction is abandoned either way.
  void RollbackQuietly();

  PGconn* handle() { return conn_; }

 private:
  PgConnection(std::string url, PGconn* conn);
  // The Status for a failed result (or a lost connection when result is null).
  Status ErrorOf(PGresult* result, std::string_view what) const;
  Status StartCopy(std::string_view copy_sql);
  Status PutCopyLine(const std::string& line);
  Status EndCopy(const char* abort_reason);

  std::string url_;
  std::string location_;
  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

// Appends `value` to a COPY text-format line, escaped (backslash, tab, newline, carriage
// return); nullopt is written as \N. Fields are separated by the caller with '\t'.
void AppendCopyField(const PgParam& value, std::string* line);

template <typename BeforeLine>
Status PgConnection::CopyIn(std::string_view copy_sql, const std::vector<std::string>& lines,
                            BeforeLine&& before_line) {
  if (Status s = StartCopy(copy_sql); !s.ok()) return s;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!before_line(i)) {
      (void)EndCopy("aborted by the fault injector");
      return Status::DatabaseError(fmt::format("fault injected before chunk {}", i));
    }
    if (Status s = PutCopyLine(lines[i]); !s.ok()) {
      (void)EndCopy("client error");
      return s;
    }
  }
  return EndCopy(nullptr);
}

}  // namespace semdex
