// The PostgreSQL Store's incremental side: file states, per-file deletes, the repository state,
// the per-repository writer lock (an advisory lock) and the integrity check.
#include <fmt/format.h>
#include <unistd.h>

#include <span>
#include <string>

#include "store/encoding.h"
#include "store/integrity.h"
#include "store/pg_store.h"

namespace semdex {
namespace {

// pg_try_advisory_lock(class, key) keys: the class is semdex's (pg_schema.cc uses (class, 0)
// for migrations), the key a 31-bit hash of the repository name (never 0).
constexpr int64_t kSemdexLockClass = 0x53444958;

int64_t RepositoryLockKey(std::string_view repository) {
  const int64_t key =
      static_cast<int64_t>(std::stoull(Xxh3Hex(repository).substr(0, 8), nullptr, 16) & 0x7fffffff);
  return key == 0 ? 1 : key;
}

// A session advisory lock held by its own connection: released when the connection closes,
// and by the server when the process dies (its socket closes), so a killed indexer never
// leaves a lock behind. If the server restarts, the lock is gone with the session.
class PgRepositoryLock : public RepositoryLock {
 public:
  explicit PgRepositoryLock(std::unique_ptr<PgConnection> conn) : conn_(std::move(conn)) {}

 private:
  std::unique_ptr<PgConnection> conn_;
};

// As sqlite_store_incremental.cc's checks, in PostgreSQL's dialect.
constexpr IntegrityQuery kRepositoryChecks[] = {
    {"SELECT COUNT(*), MIN(c.file_path) FROM code_chunks c WHERE c.repository = $1 AND NOT EXISTS "
     "(SELECT 1 FROM files f WHERE f.repository = c.repository AND f.file_path = c.file_path AND "
     "f.status = 'indexed')",
     "chunks of a file that is not indexed"},
    {"SELECT COUNT(*), MIN(f.file_path) FROM files f WHERE f.repository = $1 AND f.chunk_count <> "
     "(SELECT COUNT(*) FROM code_chunks c WHERE c.repository = f.repository AND c.file_path = "
     "f.file_path)",
     "files whose chunk_count differs from their chunks"},
    // A stale graph (reported below) may name files and chunks a run has changed since: its
    // rows are compared with the files only once it is fresh.
    {"SELECT COUNT(*), MIN(n.node_id) FROM nodes n WHERE n.properties->>'repository' = $1 AND "
     "n.properties->>'file_path' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM files f WHERE "
     "f.repository = $1 AND f.file_path = n.properties->>'file_path' AND f.status = 'indexed') "
     "AND NOT EXISTS (SELECT 1 FROM repository_state s WHERE s.repository = $1 AND "
     "s.graph_stale <> 0)",
     "graph nodes of a file that is not indexed"},
    {"SELECT COUNT(*), MIN(m.node_id) FROM computed_metrics m WHERE m.repository = $1 AND "
     "(NOT EXISTS (SELECT 1 FROM nodes n WHERE n.node_id = m.node_id) OR (m.chunk_id IS NOT NULL "
     "AND NOT EXISTS (SELECT 1 FROM code_chunks c WHERE c.id = m.chunk_id) AND NOT EXISTS "
     "(SELECT 1 FROM repository_state s WHERE s.repository = $1 AND s.graph_stale <> 0)))",
     "metrics of a missing node or chunk"},
    {"SELECT COUNT(*), MIN(c.id) FROM code_chunks c JOIN repositories r ON r.name = c.repository "
     "WHERE c.repository = $1 AND COALESCE(r.model_id, '') <> '' AND (c.embedding_code IS NULL OR "
     "cardinality(c.embedding_code) <> COALESCE(r.embedding_dim, 0))",
     "chunks without a vector of the repository's model dimension"},
    {"SELECT COUNT(*), MIN(c.id) FROM code_chunks c JOIN repositories r ON r.name = c.repository "
     "WHERE c.repository = $1 AND COALESCE(r.model_id, '') = '' AND c.embedding_code IS NOT NULL",
     "vectors in a repository indexed without a model"},
    {"SELECT COUNT(*), '' FROM repository_state WHERE repository = $1 AND graph_stale <> 0",
     "stale graph (an interrupted run; the next `semdex index` rebuilds it)"},
    {"SELECT COUNT(*), '' FROM repository_state WHERE repository = $1 AND (model_id IS NULL OR "
     "chunker_stamp IS NULL)",
     "rows of mixed model or chunking rules (an interrupted run; the next `semdex index` redoes "
     "them)"},
    {"SELECT COUNT(*), MIN(c.id) FROM code_chunks c WHERE c.repository = $1 AND "
     "c.search_tokens IS NULL",
     "chunks missing from the lexical search index"},
};

// Across repositories, in PostgreSQL's dialect (kPortableGlobalIntegrityChecks run first).
constexpr IntegrityQuery kGlobalChecks[] = {
    {"SELECT COUNT(*), MIN(text_hash) FROM vector_cache WHERE model_id = '' OR text_hash = '' OR "
     "COALESCE(cardinality(embedding), 0) = 0",
     "vector cache entries without a model, text hash or vector"},
    {"SELECT COUNT(*), MIN(v.text_hash) FROM vector_cache v JOIN repositories r ON r.model_id = "
     "v.model_id WHERE cardinality(v.embedding) <> COALESCE(r.embedding_dim, 0)",
     "vector cache entries whose dimension is not their model's"},
};

}  // namespace

Status PgStore::LockRepository(std::string_view repository, std::unique_ptr<RepositoryLock>* out) {
  std::unique_ptr<PgConnection> conn;
  if (Status s = PgConnection::Connect(url_, &conn); !s.ok()) {
    return Annotate(s, fmt::format("locking repository {}", repository));
  }
  const std::vector<PgParam> key = {std::to_string(kSemdexLockClass),
                                    std::to_string(RepositoryLockKey(repository))};
  PgResult r;
  if (Status s = conn->Query("SELECT pg_try_advisory_lock($1::int, $2::int)", key, &r); !s.ok()) {
    return Annotate(s, fmt::format("locking repository {} in {}", repository, conn->location()));
  }
  if (r.Text(0, 0) == "t") {
    *out = std::make_unique<PgRepositoryLock>(std::move(conn));
    return Status::Ok();
  }
  // The holder's application_name says "semdex pid N"; its address says which host.
  std::string holder = "unknown";
  if (conn->Query("SELECT COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), "
                  "'local socket') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                  "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid "
                  "AND l.objid = $2::bigint::oid AND l.objsubid = 2 LIMIT 1",
                  key, &r)
          .ok() &&
      r.rows() > 0) {
    holder = fmt::format("{} from {}", r.Text(0, 0), r.Text(0, 1));
  }
  return Status::Unsupported(fmt::format(
      "repository {} is being indexed by another semdex process ({}) into {}; wait for it to "
      "finish, or stop it",
      repository, holder, conn->location()));
}

Status PgStore::ListFileStates(std::string_view repository, std::vector<StoredFileState>* out) {
  out->clear();
  Status s = EnsureConnected();
  if (s.ok()) {
    s = ForEachRow(
        "SELECT file_path, status, COALESCE(size_bytes, 0), COALESCE(mtime_ns, 0), "
        "content_hash, reason, detail, chunk_count FROM files WHERE repository = $1",
        {std::string(repository)}, [&](const PgResult& r, int i) {
          StoredFileState f;
          f.file_path = r.Text(i, 0);
          f.status = r.Text(i, 1);
          f.size_bytes = static_cast<uint64_t>(r.Int64(i, 2));
          f.mtime_ns = r.Int64(i, 3);
          f.content_hash = r.Text(i, 4);
          f.reason = r.Text(i, 5);
          f.detail = r.Text(i, 6);
          f.chunk_count = r.Int64(i, 7);
          out->push_back(std::move(f));
        });
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("listing the files of {} in {}", repository,
                                          conn_->location()));
}

Status PgStore::LoadFileChunks(std::string_view repository,
                               const std::vector<std::string>& file_paths,
                               std::vector<ChunkRow>* out) {
  out->clear();
  Status s = EnsureConnected();
  if (s.ok() && !file_paths.empty()) {
    s = ForEachRow(
        "SELECT id, chunk_type, name, qualified_name, source_code, embedding_code FROM "
        "code_chunks WHERE repository = $1 AND file_path = ANY($2::text[])",
        {std::string(repository), PgTextArrayLiteral(file_paths)}, [&](const PgResult& r, int i) {
          ChunkRow c;
          c.id = r.Text(i, 0);
          c.chunk_type = r.Text(i, 1);
          c.name = r.Text(i, 2);
          c.qualified_name = r.Text(i, 3);
          c.source_code = r.Text(i, 4);
          if (!r.IsNull(i, 5)) ParsePgRealArray(r.View(i, 5), &c.embedding_code);
          out->push_back(std::move(c));
        });
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("reading chunks of {} from {}", repository,
                                          conn_->location()));
}

Status PgStore::DeleteFiles(std::string_view repository,
                            const std::vector<std::string>& file_paths) {
  if (file_paths.empty()) return Status::Ok();
  const std::vector<PgParam> params = {std::string(repository), PgTextArrayLiteral(file_paths)};
  Status s = InTransaction("BEGIN", /*retry=*/true, [&] {
    Status d = conn_->Query(
        "DELETE FROM code_chunks WHERE repository = $1 AND file_path = ANY($2::text[])", params);
    if (d.ok()) {
      d = conn_->Query("DELETE FROM files WHERE repository = $1 AND file_path = ANY($2::text[])",
                       params);
    }
    return d;
  });
  return s.ok() ? s
                : Annotate(s, fmt::format("deleting {} files of {} from {}", file_paths.size(),
                                          repository, conn_->location()));
}

Status PgStore::UpdateFileStat(std::string_view repository, std::string_view file_path,
                               uint64_t size_bytes, int64_t mtime_ns) {
  Status s = EnsureConnected();
  if (s.ok()) {
    s = conn_->Query(
        "UPDATE files SET size_bytes = $3, mtime_ns = $4 WHERE repository = $1 AND file_path = $2",
        {std::string(repository), std::string(file_path),
         std::to_string(static_cast<int64_t>(size_bytes)), std::to_string(mtime_ns)});
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("updating {} (repository {}) in {}", file_path,
                                          repository, conn_->location()));
}

Status PgStore::GetRepositoryState(std::string_view repository, RepositoryState* out) {
  *out = RepositoryState();
  Status s = EnsureConnected();
  if (s.ok()) {
    s = ForEachRow(
        "SELECT model_id, COALESCE(embedding_dim, 0), chunker_stamp, graph_stale FROM "
        "repository_state WHERE repository = $1",
        {std::string(repository)}, [&](const PgResult& r, int i) {
          out->recorded = true;
          if (!r.IsNull(i, 0)) out->model_id = r.Text(i, 0);
          out->embedding_dim = static_cast<int>(r.Int64(i, 1));
          if (!r.IsNull(i, 2)) out->chunker_stamp = r.Text(i, 2);
          out->graph_stale = r.Int64(i, 3) != 0;
        });
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("reading the state of {} from {}", repository,
                                          conn_->location()));
}

Status PgStore::SetRepositoryState(std::string_view repository, const RepositoryState& state) {
  Status s = EnsureConnected();
  if (s.ok()) {
    s = conn_->Query(
        "INSERT INTO repository_state (repository, model_id, embedding_dim, chunker_stamp, "
        "graph_stale, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (repository) DO "
        "UPDATE SET model_id = excluded.model_id, embedding_dim = excluded.embedding_dim, "
        "chunker_stamp = excluded.chunker_stamp, graph_stale = excluded.graph_stale, "
        "updated_at = excluded.updated_at",
        {std::string(repository), state.model_id, std::to_string(state.embedding_dim),
         state.chunker_stamp, state.graph_stale ? "1" : "0", NowTimestampUtc()});
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("writing the state of {} to {}", repository,
                                          conn_->location()));
}

Status PgStore::MarkGraphStale(std::string_view repository) {
  Status s = InTransaction("BEGIN", /*retry=*/true, [&] {
    if (Status d = DeleteGraphRows(repository); !d.ok()) return d;
    return conn_->Query(
        "INSERT INTO repository_state (repository, graph_stale, updated_at) VALUES ($1, 1, $2) "
        "ON CONFLICT (repository) DO UPDATE SET graph_stale = 1, updated_at = $2",
        {std::string(repository), NowTimestampUtc()});
  });
  return s.ok() ? s
                : Annotate(s, fmt::format("marking the graph of {} stale in {}", repository,
                                          conn_->location()));
}

Status PgStore::CheckIntegrity(std::string_view repository, std::vector<std::string>* problems) {
  std::vector<std::string> found;
  Status s = InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*retry=*/true, [&] {
    found.clear();
    return RunIntegrityChecks(repository, &found);
  });
  if (!s.ok()) return Annotate(s, fmt::format("checking {}", conn_->location()));
  problems->insert(problems->end(), found.begin(), found.end());
  return Status::Ok();
}

Status PgStore::RunIntegrityChecks(std::string_view repository,
                                   std::vector<std::string>* problems) {
  int64_t version = 0;
  if (Status v = PgReadSchemaVersion(conn_.get(), &version); !v.ok()) return v;
  if (version != PgLatestSchemaVersion()) {
    problems->push_back(
        fmt::format("index: schema version {}, expected {}", version, PgLatestSchemaVersion()));
  }
  std::vector<std::string> repositories;
  if (repository.empty()) {
    Status r = ForEachRow(
        "SELECT name FROM (SELECT name FROM repositories UNION SELECT repository FROM files "
        "UNION SELECT repository FROM code_chunks) r ORDER BY name COLLATE \"C\"",
        {}, [&](const PgResult& row, int i) { repositories.push_back(row.Text(i, 0)); });
    if (!r.ok()) return r;
  } else {
    repositories.emplace_back(repository);
  }
  auto run = [&](const IntegrityQuery& q, const std::string& name) {
    std::vector<PgParam> params;
    if (!name.empty()) params.push_back(name);
    return ForEachRow(std::string(q.sql), params, [&](const PgResult& row, int i) {
      const int64_t n = row.Int64(i, 0);
      if (n == 0) return;
      const std::string example = row.Text(i, 1);
      problems->push_back(IntegrityProblem(name, n, q, example));
    });
  };
  for (const std::string& name : repositories) {
    for (const IntegrityQuery& q : kRepositoryChecks) {
      if (Status r = run(q, name); !r.ok()) return r;
    }
  }
  using Checks = std::span<const IntegrityQuery>;
  for (Checks checks : {Checks(kPortableGlobalIntegrityChecks), Checks(kGlobalChecks)}) {
    for (const IntegrityQuery& q : checks) {
      if (Status r = run(q, ""); !r.ok()) return r;
    }
  }
  return Status::Ok();
}

}  // namespace semdex
