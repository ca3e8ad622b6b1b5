#include "store/sqlite_db.h"

#include <fmt/format.h>

#include <cstring>
#include <utility>

namespace semdex {

Status SqliteError(sqlite3* db, int rc) {
  const char* msg = nullptr;
  if (db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (rc & 0xff)) {
    msg = sqlite3_errmsg(db);
  }
  if (msg == nullptr) msg = sqlite3_errstr(rc);
  std::string text = msg;
  // Open and I/O failures say more with the OS's reason ("Permission denied", ...).
  const int primary = rc & 0xff;
  if (db != nullptr && (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) &&
      sqlite3_system_errno(db) != 0) {
    text += fmt::format(" ({})", std::strerror(sqlite3_system_errno(db)));
  }
  return Status::DatabaseError(std::move(text));
}

Status Annotate(const Status& s, std::string_view context) {
  std::string msg = fmt::format("{}: {}", context, s.message());
  switch (s.code()) {
    case Status::Code::kOk:
      return s;
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(std::move(msg));
    case Status::Code::kNotFound:
      return Status::NotFound(std::move(msg));
    case Status::Code::kIoError:
      return Status::IoError(std::move(msg));
    case Status::Code::kParseError:
      return Status::ParseError(std::move(msg));
    case Status::Code::kDatabaseError:
      return Status::DatabaseError(std::move(msg));
    case Status::Code::kUnsupported:
      return Status::Unsupported(std::move(msg));
    case Status::Code::kCancelled:
      return Status::Cancelled(std::move(msg));
    case Status::Code::kInternal:
      return Status::Internal(std::move(msg));
  }
  return Status::Internal(std::move(msg));
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(std::exchange(other.bind_rc_, SQLITE_OK)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = std::exchange(other.bind_rc_, SQLITE_OK);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void SqliteStatement::BindText(int index, std::string_view value) {
  NoteBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void SqliteStatement::BindTextOrNull(int index, std::string_view value) {
  if (value.empty()) {
    BindNull(index);
  } else {
    BindText(index, value);
  }
}

void SqliteStatement::BindInt64(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value));
}

void SqliteStatement::BindDouble(int index, double value) {
  NoteBind(sqlite3_bind_double(stmt_, index, value));
}

void SqliteStatement::BindBlobOrNull(int index, std::string_view bytes) {
  if (bytes.empty()) {
    BindNull(index);
  } else {
    NoteBind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  }
}

void SqliteStatement::BindNull(int index) { NoteBind(sqlite3_bind_null(stmt_, index)); }

Status SqliteStatement::Step(bool* has_row) {
  *has_row = false;
  if (bind_rc_ != SQLITE_OK) {
    return Status::DatabaseError(std::string("binding a parameter: ") + sqlite3_errstr(bind_rc_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    *has_row = true;
    return Status::Ok();
  }
  if (rc == SQLITE_DONE) return Status::Ok();
  return SqliteError(db_, rc);
}

Status SqliteStatement::Run() {
  bool has_row = true;
  while (has_row) {
    if (Status s = Step(&has_row); !s.ok()) return s;
  }
  return Status::Ok();
}

bool SqliteStatement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double SqliteStatement::ColumnDouble(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  int n = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
}

std::string_view SqliteStatement::ColumnTextView(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  int n = sqlite3_column_bytes(stmt_, column);
  return std::string_view(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
}

std::string SqliteStatement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return "";
  int n = sqlite3_column_bytes(stmt_, column);
  return std::string(static_cast<const char*>(blob), static_cast<size_t>(n));
}

void SqliteStatement::Reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

Status SqliteDb::Open(const std::string& path, std::unique_ptr<SqliteDb>* out) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteError(db, rc);
    sqlite3_close_v2(db);  // a handle is returned even on failure
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  out->reset(new SqliteDb(db));
  return Status::Ok();
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return Status::DatabaseError(msg);
}

Status SqliteDb::Prepare(std::string_view sql, SqliteStatement* out) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db_, rc);
  }
  *out = SqliteStatement(db_, stmt);
  return Status::Ok();
}

Status SqliteDb::QueryText(std::string_view sql, std::string* out) {
  out->clear();
  SqliteStatement stmt;
  if (Status s = Prepare(sql, &stmt); !s.ok()) return s;
  bool has_row = false;
  if (Status s = stmt.Step(&has_row); !s.ok()) return s;
  if (has_row) *out = stmt.ColumnText(0);
  return Status::Ok();
}

Status SqliteDb::QueryInt64(std::string_view sql, int64_t* out) {
  *out = 0;
  SqliteStatement stmt;
  if (Status s = Prepare(sql, &stmt); !s.ok()) return s;
  bool has_row = false;
  if (Status s = stmt.Step(&has_row); !s.ok()) return s;
  if (has_row) *out = stmt.ColumnInt64(0);
  return Status::Ok();
}

bool SqliteDb::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

void SqliteDb::RollbackQuietly() {
  if (InTransaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace semdex
