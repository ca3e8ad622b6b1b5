// The SQLite Store's read side: stats and listings.
#include <fmt/format.h>

#include "store/sqlite_store.h"

namespace semdex {
namespace {

// Runs `sql` with ?1 bound to `repository`, calling on_row(stmt) for each row.
template <typename OnRow>
Status ForEachRow(SqliteDb* db, std::string_view sql, std::string_view repository, OnRow&& on_row) {
  SqliteStatement stmt;
  if (Status s = db->Prepare(sql, &stmt); !s.ok()) return s;
  stmt.BindText(1, repository);
  for (;;) {
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) return s;
    if (!has_row) return Status::Ok();
    on_row(stmt);
  }
}

}  // namespace

Status SqliteStore::GetStats(std::string_view repository, RepositoryStats* out) {
  *out = RepositoryStats();
  out->repository = std::string(repository);
  const std::string what = fmt::format("reading stats of {} from {}", repository, path_);
  // One read transaction: the counts agree with each other even while another process writes.
  if (Status s = db_->Exec("BEGIN"); !s.ok()) return Annotate(s, what);
  bool found = false;
  Status s = ReadStats(repository, out, &found);
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    db_->RollbackQuietly();
    return Annotate(s, what);
  }
  out->backend = "sqlite";
  if (!found) {
    return Status::NotFound(fmt::format("repository {} is not in the index {}", repository, path_));
  }
  return Status::Ok();
}

Status SqliteStore::ReadStats(std::string_view repository, RepositoryStats* out, bool* found) {
  SqliteDb* db = db_.get();
  Status s = ForEachRow(db,
                        "SELECT root_path, model_id, COALESCE(embedding_dim, 0) FROM repositories "
                        "WHERE name = ?1",
                        repository, [&](const SqliteStatement& row) {
                          *found = true;
                          out->root_path = row.ColumnText(0);
                          out->model_id = row.ColumnText(1);
                          out->embedding_dim = static_cast<int>(row.ColumnInt64(2));
                        });
  if (s.ok()) {
    s = ForEachRow(db, "SELECT status, COUNT(*) FROM files WHERE repository = ?1 GROUP BY status",
                   repository, [&](const SqliteStatement& row) {
                     *found = true;
                     const std::string status = row.ColumnText(0);
                     const int64_t n = row.ColumnInt64(1);
                     if (status == "indexed") out->files = n;
                     if (status == "failed") out->failed_files = n;
                     if (status == "skipped") out->skipped_files = n;
                   });
  }
  if (s.ok()) {
    s = ForEachRow(db,
                   "SELECT COALESCE(chunk_type, ''), COALESCE(language, ''), COUNT(*) "
                   "FROM code_chunks WHERE repository = ?1 GROUP BY 1, 2",
                   repository, [&](const SqliteStatement& row) {
                     *found = true;
                     const int64_t n = row.ColumnInt64(2);
                     out->chunks += n;
                     out->chunks_by_type[row.ColumnText(0)] += n;
                     out->chunks_by_language[row.ColumnText(1)] += n;
                   });
  }
  if (s.ok()) {
    s = ForEachRow(db,
                   "SELECT COALESCE(summary, ''), finished_at FROM runs "
                   "WHERE repository = ?1 AND finished_at IS NOT NULL "
                   "ORDER BY finished_at DESC, run_id DESC LIMIT 1",
                   repository, [&](const SqliteStatement& row) {
                     out->last_run_json = row.ColumnText(0);
                     out->last_run_at = row.ColumnText(1);
                   });
  }
  return s;
}

Status SqliteStore::ListRepositories(std::vector<std::string>* out) {
  out->clear();
  // Every write registers its repository, so the registry and the files table cover all rows
  // the store wrote (code_chunks is not scanned: it is the largest table).
  SqliteStatement stmt;
  Status s = db_->Prepare(
      "SELECT name FROM repositories UNION SELECT repository FROM files ORDER BY 1", &stmt);
  for (bool has_row = true; s.ok();) {
    s = stmt.Step(&has_row);
    if (!has_row) break;
    if (s.ok()) out->push_back(stmt.ColumnText(0));
  }
  return s.ok() ? s : Annotate(s, fmt::format("listing repositories in {}", path_));
}

}  // namespace semdex
