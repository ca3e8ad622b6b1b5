// The PostgreSQL Store's read side: stats and listings.
#include <fmt/format.h>

#include "store/pg_store.h"

namespace semdex {

Status PgStore::GetStats(std::string_view repository, RepositoryStats* out) {
  const std::string what =
      fmt::format("reading stats of {} from {}", repository, conn_->location());
  bool found = false;
  // One snapshot: the counts agree with each other even while another process writes.
  Status s = InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*retry=*/true, [&] {
    *out = RepositoryStats();
    out->repository = std::string(repository);
    found = false;
    return ReadStats(repository, out, &found);
  });
  if (!s.ok()) return Annotate(s, what);
  out->backend = BackendDescription();
  if (!found) {
    return Status::NotFound(
        fmt::format("repository {} is not in the index {}", repository, conn_->location()));
  }
  return Status::Ok();
}

Status PgStore::ReadStats(std::string_view repository, RepositoryStats* out, bool* found) {
  const std::vector<PgParam> repo = {std::string(repository)};
  Status s = ForEachRow(
      "SELECT root_path, model_id, COALESCE(embedding_dim, 0) FROM repositories WHERE name = $1",
      repo, [&](const PgResult& r, int i) {
        *found = true;
        out->root_path = r.Text(i, 0);
        out->model_id = r.Text(i, 1);
        out->embedding_dim = static_cast<int>(r.Int64(i, 2));
      });
  if (s.ok()) {
    s = ForEachRow("SELECT status, COUNT(*) FROM files WHERE repository = $1 GROUP BY status", repo,
                   [&](const PgResult& r, int i) {
                     *found = true;
                     const std::string status = r.Text(i, 0);
                     const int64_t n = r.Int64(i, 1);
                     if (status == "indexed") out->files = n;
                     if (status == "failed") out->failed_files = n;
                     if (status == "skipped") out->skipped_files = n;
                   });
  }
  if (s.ok()) {
    s = ForEachRow(
        "SELECT COALESCE(chunk_type, ''), COALESCE(language, ''), COUNT(*) "
        "FROM code_chunks WHERE repository = $1 GROUP BY 1, 2",
        repo, [&](const PgResult& r, int i) {
          *found = true;
          const int64_t n = r.Int64(i, 2);
          out->chunks += n;
          out->chunks_by_type[r.Text(i, 0)] += n;
          out->chunks_by_language[r.Text(i, 1)] += n;
        });
  }
  if (s.ok()) {
    s = ForEachRow(
        "SELECT COALESCE(summary::text, ''), finished_at FROM runs "
        "WHERE repository = $1 AND finished_at IS NOT NULL "
        "ORDER BY finished_at DESC, run_id DESC LIMIT 1",
        repo, [&](const PgResult& r, int i) {
          out->last_run_json = r.Text(i, 0);
          out->last_run_at = r.Text(i, 1);
        });
  }
  return s;
}

Status PgStore::ListRepositories(std::vector<std::string>* out) {
  out->clear();
  Status s = EnsureConnected();
  // Sorted bytewise (COLLATE "C"), as the SQLite index sorts them.
  if (s.ok()) {
    s = ForEachRow(
        "SELECT name FROM (SELECT name FROM repositories UNION SELECT repository FROM files) r "
        "ORDER BY name COLLATE \"C\"",
        {}, [&](const PgResult& r, int i) { out->push_back(r.Text(i, 0)); });
  }
  return s.ok() ? s : Annotate(s, fmt::format("listing repositories in {}", conn_->location()));
}

Status PgStore::ListFileProblems(std::string_view repository, std::vector<FileProblem>* out) {
  out->clear();
  Status s = EnsureConnected();
  if (s.ok()) {
    s = ForEachRow(
        "SELECT repository, file_path, status, COALESCE(reason, ''), COALESCE(detail, '') "
        "FROM files WHERE status <> 'indexed' AND ($1 = '' OR repository = $1) "
        "ORDER BY repository COLLATE \"C\", file_path COLLATE \"C\"",
        {std::string(repository)}, [&](const PgResult& r, int i) {
          FileProblem& p = out->emplace_back();
          p.repository = r.Text(i, 0);
          p.file_path = r.Text(i, 1);
          p.status = r.Text(i, 2);
          p.reason = r.Text(i, 3);
          p.detail = r.Text(i, 4);
        });
  }
  if (s.ok()) return s;
  out->clear();
  return Annotate(s, fmt::format("listing the files not indexed in {}", conn_->location()));
}

}  // namespace semdex
