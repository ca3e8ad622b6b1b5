// The SQLite Store's incremental side: file states, per-file deletes, the repository state
// (model, chunking rules, stale graph), the per-repository writer lock and the integrity check.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string>

#include "store/encoding.h"
#include "store/integrity.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_store.h"

namespace semdex {
namespace {

// Runs `body` in BEGIN IMMEDIATE ... COMMIT; rolls back when it or COMMIT fails.
template <typename Body>
Status InTransaction(SqliteDb* db, Body&& body) {
  if (Status s = db->Exec("BEGIN IMMEDIATE"); !s.ok()) {
    return Annotate(s, "starting a write transaction");
  }
  Status s = body();
  if (s.ok()) s = db->Exec("COMMIT");
  if (!s.ok()) db->RollbackQuietly();
  return s;
}

// Prepares `sql`, binds ?1 to `repository` (when non-empty) and calls on_row for each row.
template <typename OnRow>
Status QueryEach(SqliteDb* db, std::string_view sql, std::string_view repository, OnRow&& on_row) {
  SqliteStatement stmt;
  if (Status s = db->Prepare(sql, &stmt); !s.ok()) return Annotate(s, sql);
  if (!repository.empty()) stmt.BindText(1, repository);
  for (;;) {
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) return Annotate(s, sql);
    if (!has_row) return Status::Ok();
    on_row(stmt);
  }
}

// An flock(2) on a file next to the database: released by close(), and by the kernel when the
// process dies, so a killed indexer never blocks the next one.
class FlockRepositoryLock : public RepositoryLock {
 public:
  explicit FlockRepositoryLock(int fd) : fd_(fd) {}
  ~FlockRepositoryLock() override {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  FlockRepositoryLock(const FlockRepositoryLock&) = delete;
  FlockRepositoryLock& operator=(const FlockRepositoryLock&) = delete;

 private:
  int fd_;
};

class NoRepositoryLock : public RepositoryLock {};

// Integrity queries (IntegrityQuery); ?1 is the repository.
// Per repository.
constexpr IntegrityQuery kRepositoryChecks[] = {
    {"SELECT COUNT(*), MIN(c.file_path) FROM code_chunks c WHERE c.repository = ?1 AND NOT EXISTS "
     "(SELECT 1 FROM files f WHERE f.repository = c.repository AND f.file_path = c.file_path AND "
     "f.status = 'indexed')",
     "chunks of a file that is not indexed"},
    {"SELECT COUNT(*), MIN(f.file_path) FROM files f WHERE f.repository = ?1 AND f.chunk_count <> "
     "(SELECT COUNT(*) FROM code_chunks c WHERE c.repository = f.repository AND c.file_path = "
     "f.file_path)",
     "files whose chunk_count differs from their chunks"},
    // A stale graph (reported below) may name files and chunks a run has changed since: its
    // rows are compared with the files only once it is fresh.
    {"SELECT COUNT(*), MIN(n.node_id) FROM nodes n WHERE n.properties->>'repository' = ?1 AND "
     "n.properties->>'file_path' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM files f WHERE "
     "f.repository = ?1 AND f.file_path = n.properties->>'file_path' AND f.status = 'indexed') "
     "AND NOT EXISTS (SELECT 1 FROM repository_state s WHERE s.repository = ?1 AND "
     "s.graph_stale <> 0)",
     "graph nodes of a file that is not indexed"},
    {"SELECT COUNT(*), MIN(m.node_id) FROM computed_metrics m WHERE m.repository = ?1 AND "
     "(NOT EXISTS (SELECT 1 FROM nodes n WHERE n.node_id = m.node_id) OR (m.chunk_id IS NOT NULL "
     "AND NOT EXISTS (SELECT 1 FROM code_chunks c WHERE c.id = m.chunk_id) AND NOT EXISTS "
     "(SELECT 1 FROM repository_state s WHERE s.repository = ?1 AND s.graph_stale <> 0)))",
     "metrics of a missing node or chunk"},
    {"SELECT COUNT(*), MIN(c.id) FROM code_chunks c JOIN repositories r ON r.name = c.repository "
     "WHERE c.repository = ?1 AND COALESCE(r.model_id, '') <> '' AND (c.embedding_code IS NULL OR "
     "length(c.embedding_code) <> 4 * COALESCE(r.embedding_dim, 0))",
     "chunks without a vector of the repository's model dimension"},
    {"SELECT COUNT(*), MIN(c.id) FROM code_chunks c JOIN repositories r ON r.name = c.repository "
     "WHERE c.repository = ?1 AND COALESCE(r.model_id, '') = '' AND c.embedding_code IS NOT NULL",
     "vectors in a repository indexed without a model"},
    {"SELECT ABS((SELECT COUNT(*) FROM graph_row_digests WHERE repository = ?1 AND kind = 0) - "
     "(SELECT COUNT(*) FROM nodes WHERE properties->>'repository' = ?1)), '' WHERE EXISTS "
     "(SELECT 1 FROM graph_row_digests WHERE repository = ?1)",
     "graph nodes without a row digest, or digests without a node (the next rebuild rewrites "
     "the graph)"},
    {"SELECT COUNT(*), '' FROM repository_state WHERE repository = ?1 AND graph_stale <> 0",
     "stale graph (an interrupted run; the next `semdex index` rebuilds it)"},
    {"SELECT COUNT(*), '' FROM repository_state WHERE repository = ?1 AND (model_id IS NULL OR "
     "chunker_stamp IS NULL)",
     "rows of mixed model or chunking rules (an interrupted run; the next `semdex index` redoes "
     "them)"},
};

// Across repositories, in SQLite's dialect (kPortableGlobalIntegrityChecks run first).
constexpr IntegrityQuery kGlobalChecks[] = {
    {"SELECT COUNT(*), MIN(text_hash) FROM vector_cache WHERE model_id = '' OR text_hash = '' OR "
     "length(embedding) = 0 OR length(embedding) % 4 <> 0",
     "vector cache entries without a model, text hash or vector"},
    {"SELECT COUNT(*), MIN(v.text_hash) FROM vector_cache v JOIN repositories r ON r.model_id = "
     "v.model_id WHERE length(v.embedding) <> 4 * COALESCE(r.embedding_dim, 0)",
     "vector cache entries whose dimension is not their model's"},
};

Status RunIntegrityQuery(SqliteDb* db, const IntegrityQuery& q, std::string_view repository,
                         std::vector<std::string>* problems) {
  return QueryEach(db, q.sql, repository, [&](const SqliteStatement& row) {
    const int64_t n = row.ColumnInt64(0);
    if (n == 0) return;
    std::string example = row.ColumnText(1);
    problems->push_back(IntegrityProblem(repository, n, q, example));
  });
}

}  // namespace

Status SqliteStore::LockRepository(std::string_view repository,
                                   std::unique_ptr<RepositoryLock>* out) {
  if (path_ == ":memory:" || path_.empty()) {  // a private database: no other writer
    *out = std::make_unique<NoRepositoryLock>();
    return Status::Ok();
  }
  const std::string lock_path = fmt::format("{}.lock-{}", path_, Xxh3Hex(repository));
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IoError(
        fmt::format("cannot open the lock file {}: {}", lock_path, std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char holder[64] = {};
    ssize_t n = ::pread(fd, holder, sizeof(holder) - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) {
      return Status::IoError(fmt::format("cannot lock {}: {}", lock_path, std::strerror(err)));
    }
    std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Status::Unsupported(fmt::format(
        "repository {} is being indexed by another semdex process (pid {}) into {}; wait for it "
        "to finish, or stop it",
        repository, pid, path_));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid only improves the second indexer's message; the lock holds without it.
  }
  *out = std::make_unique<FlockRepositoryLock>(fd);
  return Status::Ok();
}

Status SqliteStore::ListFileStates(std::string_view repository, std::vector<StoredFileState>* out) {
  out->clear();
  Status s = QueryEach(db_.get(),
                       "SELECT file_path, status, COALESCE(size_bytes, 0), COALESCE(mtime_ns, 0), "
                       "content_hash, reason, detail, chunk_count FROM files WHERE repository = ?1",
                       repository, [&](const SqliteStatement& row) {
                         StoredFileState f;
                         f.file_path = row.ColumnText(0);
                         f.status = row.ColumnText(1);
                         f.size_bytes = static_cast<uint64_t>(row.ColumnInt64(2));
                         f.mtime_ns = row.ColumnInt64(3);
                         f.content_hash = row.ColumnText(4);
                         f.reason = row.ColumnText(5);
                         f.detail = row.ColumnText(6);
                         f.chunk_count = row.ColumnInt64(7);
                         out->push_back(std::move(f));
                       });
  return s.ok() ? s : Annotate(s, fmt::format("listing the files of {} in {}", repository, path_));
}

Status SqliteStore::LoadFileChunks(std::string_view repository,
                                   const std::vector<std::string>& file_paths,
                                   std::vector<ChunkRow>* out) {
  out->clear();
  SqliteStatement stmt;
  Status s = db_->Prepare(
      "SELECT id, chunk_type, name, qualified_name, source_code, embedding_code FROM code_chunks "
      "WHERE repository = ?1 AND file_path = ?2",
      &stmt);
  for (size_t i = 0; s.ok() && i < file_paths.size(); ++i) {
    StatementResetter reset(&stmt);
    stmt.BindText(1, repository);
    stmt.BindText(2, file_paths[i]);
    for (;;) {
      bool has_row = false;
      if (s = stmt.Step(&has_row); !s.ok() || !has_row) break;
      ChunkRow c;
      c.id = stmt.ColumnText(0);
      c.chunk_type = stmt.ColumnText(1);
      c.name = stmt.ColumnText(2);
      c.qualified_name = stmt.ColumnText(3);
      c.source_code = stmt.ColumnText(4);
      DecodeEmbedding(stmt.ColumnBlob(5), &c.embedding_code);
      out->push_back(std::move(c));
    }
  }
  return s.ok() ? s : Annotate(s, fmt::format("reading chunks of {} from {}", repository, path_));
}

Status SqliteStore::DeleteFiles(std::string_view repository,
                                const std::vector<std::string>& file_paths) {
  if (file_paths.empty()) return Status::Ok();
  Status s = InTransaction(db_.get(), [&] {
    SqliteStatement chunks, files;
    if (Status p = db_->Prepare("DELETE FROM code_chunks WHERE repository = ?1 AND file_path = ?2",
                                &chunks);
        !p.ok()) {
      return p;
    }
    if (Status p =
            db_->Prepare("DELETE FROM files WHERE repository = ?1 AND file_path = ?2", &files);
        !p.ok()) {
      return p;
    }
    for (const std::string& path : file_paths) {
      for (SqliteStatement* stmt : {&chunks, &files}) {
        StatementResetter reset(stmt);
        stmt->BindText(1, repository);
        stmt->BindText(2, path);
        if (Status r = stmt->Run(); !r.ok()) return r;
      }
    }
    return Status::Ok();
  });
  return s.ok() ? s
                : Annotate(s, fmt::format("deleting {} files of {} from {}", file_paths.size(),
                                          repository, path_));
}

Status SqliteStore::UpdateFileStat(std::string_view repository, std::string_view file_path,
                                   uint64_t size_bytes, int64_t mtime_ns) {
  SqliteStatement stmt;
  Status s = db_->Prepare(
      "UPDATE files SET size_bytes = ?3, mtime_ns = ?4 WHERE repository = ?1 AND file_path = ?2",
      &stmt);
  if (s.ok()) {
    stmt.BindText(1, repository);
    stmt.BindText(2, file_path);
    stmt.BindInt64(3, static_cast<int64_t>(size_bytes));
    stmt.BindInt64(4, mtime_ns);
    s = stmt.Run();
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("updating {} (repository {}) in {}", file_path,
                                          repository, path_));
}

Status SqliteStore::GetRepositoryState(std::string_view repository, RepositoryState* out) {
  *out = RepositoryState();
  Status s =
      QueryEach(db_.get(),
                "SELECT model_id, COALESCE(embedding_dim, 0), chunker_stamp, graph_stale FROM "
                "repository_state WHERE repository = ?1",
                repository, [&](const SqliteStatement& row) {
                  out->recorded = true;
                  if (!row.ColumnIsNull(0)) out->model_id = row.ColumnText(0);
                  out->embedding_dim = static_cast<int>(row.ColumnInt64(1));
                  if (!row.ColumnIsNull(2)) out->chunker_stamp = row.ColumnText(2);
                  out->graph_stale = row.ColumnInt64(3) != 0;
                });
  return s.ok() ? s
                : Annotate(s, fmt::format("reading the state of {} from {}", repository, path_));
}

Status SqliteStore::SetRepositoryState(std::string_view repository, const RepositoryState& state) {
  SqliteStatement stmt;
  Status s = db_->Prepare(
      "REPLACE INTO repository_state (repository, model_id, embedding_dim, chunker_stamp, "
      "graph_stale, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      &stmt);
  if (s.ok()) {
    stmt.BindText(1, repository);
    if (state.model_id) {
      stmt.BindText(2, *state.model_id);
    } else {
      stmt.BindNull(2);
    }
    stmt.BindInt64(3, state.embedding_dim);
    if (state.chunker_stamp) {
      stmt.BindText(4, *state.chunker_stamp);
    } else {
      stmt.BindNull(4);
    }
    stmt.BindInt64(5, state.graph_stale ? 1 : 0);
    stmt.BindText(6, NowTimestampUtc());
    s = stmt.Run();
  }
  return s.ok() ? s : Annotate(s, fmt::format("writing the state of {} to {}", repository, path_));
}

Status SqliteStore::MarkGraphStale(std::string_view repository) {
  Status s = InTransaction(db_.get(), [&] {
    if (Status d = DeleteGraphRows(repository); !d.ok()) return d;
    SqliteStatement stmt;
    if (Status p = db_->Prepare(
            "INSERT INTO repository_state (repository, graph_stale, updated_at) VALUES (?1, 1, ?2) "
            "ON CONFLICT (repository) DO UPDATE SET graph_stale = 1, updated_at = ?2",
            &stmt);
        !p.ok()) {
      return p;
    }
    stmt.BindText(1, repository);
    stmt.BindText(2, NowTimestampUtc());
    return stmt.Run();
  });
  return s.ok()
             ? s
             : Annotate(s, fmt::format("marking the graph of {} stale in {}", repository, path_));
}

Status SqliteStore::CheckIntegrity(std::string_view repository,
                                   std::vector<std::string>* problems) {
  const std::string what = fmt::format("checking {}", path_);
  // One read transaction: the counts agree with each other even while another process writes.
  if (Status s = db_->Exec("BEGIN"); !s.ok()) return Annotate(s, what);
  Status s = [&] {
    int64_t version = 0;
    if (Status v = ReadSchemaVersion(db_.get(), &version); !v.ok()) return v;
    if (version != LatestSchemaVersion()) {
      problems->push_back(
          fmt::format("index: schema version {}, expected {}", version, LatestSchemaVersion()));
    }
    std::vector<std::string> repositories;
    if (repository.empty()) {
      Status r = QueryEach(
          db_.get(),
          "SELECT name FROM repositories UNION SELECT repository FROM files "
          "UNION SELECT repository FROM code_chunks ORDER BY 1",
          "", [&](const SqliteStatement& row) { repositories.push_back(row.ColumnText(0)); });
      if (!r.ok()) return r;
    } else {
      repositories.emplace_back(repository);
    }
    for (const std::string& name : repositories) {
      for (const IntegrityQuery& q : kRepositoryChecks) {
        if (Status r = RunIntegrityQuery(db_.get(), q, name, problems); !r.ok()) return r;
      }
    }
    using Checks = std::span<const IntegrityQuery>;
    for (Checks checks : {Checks(kPortableGlobalIntegrityChecks), Checks(kGlobalChecks)}) {
      for (const IntegrityQuery& q : checks) {
        if (Status r = RunIntegrityQuery(db_.get(), q, "", problems); !r.ok()) return r;
      }
    }
    return Status::Ok();
  }();
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    db_->RollbackQuietly();
    return Annotate(s, what);
  }
  return Status::Ok();
}

}  // namespace semdex
