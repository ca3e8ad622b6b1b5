#include "store/pg_conn.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>

namespace semdex {
namespace {

// Seconds libpq waits for a server before giving up, unless the URL says otherwise.
constexpr const char* kDefaultConnectTimeout = "10";

// libpq messages end with a newline and may span lines; one line reads better in a log.
std::string OneLine(std::string_view message) {
  std::string out;
  for (char c : message) {
    if (c == '\n' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// What to do about a failed connection, from libpq's message (connection failures carry no
// SQLSTATE on the client side).
std::string ConnectHint(std::string_view message) {
  if (message.find("too many clients") != std::string_view::npos ||
      message.find("remaining connection slots") != std::string_view::npos) {
    return "; the server has no free connection: run with fewer --workers (semdex opens one "
           "connection per worker), or raise the server's max_connections";
  }
  if (message.find("password authentication failed") != std::string_view::npos ||
      message.find("no password supplied") != std::string_view::npos ||
      message.find("authentication failed") != std::string_view::npos) {
    return "; check the user and password (in the URL, PGPASSWORD or ~/.pgpass)";
  }
  if (message.find("does not exist") != std::string_view::npos) {
    return "; create the database first (createdb), or name an existing one in the URL";
  }
  return "";
}

// The connection keywords, defaults first: with expand_dbname, the URL (given as dbname)
// overrides the keywords before it.
PGconn* ConnectTo(const std::string& url) {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  // Shown by pg_stat_activity: who holds a repository's lock (PgStore::LockRepository).
  const std::string application = fmt::format("semdex pid {} on {}", ::getpid(), host);
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {kDefaultConnectTimeout, application.c_str(), url.c_str(), nullptr};
  return PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
}

}  // namespace

bool IsPostgresUrl(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string RedactedPgLocation(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);  // the message may quote the URL, password included
    return "postgresql://(malformed URL)";
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    const std::string_view key = o->keyword;
    // The URL's value, else the environment variable libpq would use, else libpq's default.
    const char* value = o->val;
    if (value == nullptr && o->envvar != nullptr) value = std::getenv(o->envvar);
    if (value == nullptr) value = o->compiled;
    if (value == nullptr) continue;
    if (key == "user") user = value;
    if (key == "host") host = value;
    if (key == "port") port = value;
    if (key == "dbname") dbname = value;
  }
  PQconninfoFree(options);
  if (host.empty()) host = "localhost";
  if (port.empty()) port = "5432";
  return fmt::format("postgresql://{}{}{}:{}/{}", user, user.empty() ? "" : "@", host, port,
                     dbname);
}

PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return result_ == nullptr ? 0 : PQntuples(result_); }

bool PgResult::IsNull(int row, int column) const {
  return result_ == nullptr || PQgetisnull(result_, row, column) != 0;
}

std::string_view PgResult::View(int row, int column) const {
  if (IsNull(row, column)) return {};
  return {PQgetvalue(result_, row, column), static_cast<size_t>(PQgetlength(result_, row, column))};
}

std::string PgResult::Text(int row, int column) const { return std::string(View(row, column)); }

int64_t PgResult::Int64(int row, int column) const {
  const std::string_view v = View(row, column);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

double PgResult::Double(int row, int column) const {
  const std::string_view v = View(row, column);
  double out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

int64_t PgResult::affected() const {
  if (result_ == nullptr) return 0;
  return std::strtoll(PQcmdTuples(result_), nullptr, 10);
}

Status PgConnection::Connect(const std::string& url, std::unique_ptr<PgConnection>* out) {
  PGconn* conn = ConnectTo(url);
  if (conn == nullptr) return Status::IoError("cannot allocate a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    return Status::IoError(fmt::format("cannot connect to PostgreSQL at {}: {}{}",
                                       RedactedPgLocation(url), message, ConnectHint(message)));
  }
  // Server notices (e.g. "terminating connection due to administrator command") would reach
  // stderr unformatted; errors carry what matters.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  out->reset(new PgConnection(url, conn));
  // No NOTICEs (e.g. "relation already exists, skipping") on the wire.
  return (*out)->Exec("SET client_min_messages = warning");
}

PgConnection::PgConnection(std::string url, PGconn* conn)
    : url_(std::move(url)), location_(RedactedPgLocation(url_)), conn_(conn) {}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::server_version() const {
  const int v = PQserverVersion(conn_);
  return fmt::format("{}.{}", v / 10000, v % 10000);
}

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::Reconnect() {
  prepared_.clear();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = OneLine(PQerrorMessage(conn_));
    return Status::IoError(fmt::format("cannot reconnect to PostgreSQL at {}: {}{}", location_,
                                       message, ConnectHint(message)));
  }
  return Exec("SET client_min_messages = warning");
}

void PgConnection::RollbackQuietly() {
  if (broken()) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

Status PgConnection::ErrorOf(PGresult* result, std::string_view what) const {
  std::string message =
      OneLine(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = OneLine(PQerrorMessage(conn_));
  if (broken()) {
    return Status::IoError(
        fmt::format("lost the connection to PostgreSQL at {} ({}): {}", location_, what, message));
  }
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return Status::DatabaseError(
      fmt::format("{}{}", message, state != nullptr ? fmt::format(" (SQLSTATE {})", state) : ""));
}

namespace {

bool Succeeded(PGresult* result) {
  const ExecStatusType st = PQresultStatus(result);
  return result != nullptr &&
         (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN);
}

}  // namespace

Status PgConnection::Exec(std::string_view sql) {
  PGresult* result = PQexec(conn_, std::string(sql).c_str());
  Status s = Succeeded(result) ? Status::Ok() : ErrorOf(result, "running a statement");
  PQclear(result);
  return s;
}

Status PgConnection::Query(const std::string& sql, const std::vector<PgParam>& params,
                           PgResult* out) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = fmt::format("semdex_{}", prepared_.size());
    PGresult* prepared = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    Status s = Succeeded(prepared) ? Status::Ok() : ErrorOf(prepared, "preparing a statement");
    PQclear(prepared);
    if (!s.ok()) return Annotate(s, fmt::format("preparing \"{}\"", sql));
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i] ? params[i]->c_str() : nullptr;
  }
  PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                    values.data(), nullptr, nullptr, /*resultFormat=*/0);
  if (!Succeeded(result)) {
    Status s = ErrorOf(result, "running a statement");
    PQclear(result);
    return s;
  }
  if (out != nullptr) {
    *out = PgResult(result);
  } else {
    PQclear(result);
  }
  return Status::Ok();
}

Status PgConnection::StartCopy(std::string_view copy_sql) {
  PGresult* result = PQexec(conn_, std::string(copy_sql).c_str());
  const bool ok = PQresultStatus(result) == PGRES_COPY_IN;
  Status s = ok ? Status::Ok() : ErrorOf(result, "starting a COPY");
  PQclear(result);
  return s;
}

Status PgConnection::PutCopyLine(const std::string& line) {
  if (PQputCopyData(conn_, line.data(), static_cast<int>(line.size())) != 1) {
    return ErrorOf(nullptr, "sending COPY rows");
  }
  return Status::Ok();
}

Status PgConnection::EndCopy(const char* abort_reason) {
  if (PQputCopyEnd(conn_, abort_reason) != 1) return ErrorOf(nullptr, "ending a COPY");
  Status s = Status::Ok();
  // The COPY's outcome, then the end of its results.
  for (PGresult* result = PQgetResult(conn_); result != nullptr; result = PQgetResult(conn_)) {
    if (s.ok() && PQresultStatus(result) != PGRES_COMMAND_OK) s = ErrorOf(result, "COPY");
    PQclear(result);
  }
  return s;
}

void AppendCopyField(const PgParam& value, std::string* line) {
  if (!value) {
    line->append("\\N");
    return;
  }
  for (char c : *value) {
    switch (c) {
      case '\\':
        line->append("\\\\");
        break;
      case '\t':
        line->append("\\t");
        break;
      case '\n':
        line->append("\\n");
        break;
      case '\r':
        line->append("\\r");
        break;
      default:
        line->push_back(c);
    }
  }
}

}  // namespace semdex
