// The SQLite Store's write side: opening, per-file writes, problems, runs and deletes. The read
// side (stats, listings) is in sqlite_store_queries.cc.
#include "store/sqlite_store.h"

#include <fmt/format.h>

#include <optional>
#include <utility>

#include "store/code_tokens.h"
#include "store/encoding.h"
#include "store/sqlite_schema.h"

namespace semdex {
namespace {

// Connection settings. foreign_keys stays off: the schema declares no foreign keys and the store
// deletes dependent rows itself (DeleteRepository). cache_size is negative: KiB, i.e. 32 MiB.
constexpr int kBusyTimeoutMs = 5000;
constexpr std::string_view kConnectionPragmas =
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = OFF;"
    "PRAGMA cache_size = -32768;"
    "PRAGMA temp_store = MEMORY;";

Status ConfigureConnection(SqliteDb* db) {
  sqlite3_busy_timeout(db->handle(), kBusyTimeoutMs);
  // The first statement reads the file's header: a file that is not a database fails here.
  std::string mode;
  if (Status s = db->QueryText("PRAGMA journal_mode = WAL", &mode); !s.ok()) return s;
  if (mode != "wal" && mode != "memory") {  // "memory": an in-memory database (":memory:")
    return Status::DatabaseError(fmt::format(
        "cannot switch to WAL journal mode (got '{}'); is the file system local?", mode));
  }
  return db->Exec(kConnectionPragmas);
}

// The rest of the reference design's cleanup (the graph rows go first: DeleteGraphRows).
constexpr std::string_view kDeleteRepositorySql[] = {
    "DELETE FROM code_chunks WHERE repository = ?1",
    "DELETE FROM files WHERE repository = ?1",
    "DELETE FROM runs WHERE repository = ?1",
    "DELETE FROM repositories WHERE name = ?1",
    "DELETE FROM repository_state WHERE repository = ?1",
};

// An embedding dimension; 0 (no vectors) is stored as NULL.
void BindDim(SqliteStatement* statement, int index, int dim) {
  if (dim > 0) {
    statement->BindInt64(index, dim);
  } else {
    statement->BindNull(index);
  }
}

}  // namespace

Status SqliteStore::Open(const std::string& path, const StoreOptions& options,
                         std::unique_ptr<Store>* out) {
  std::unique_ptr<SqliteDb> db;
  if (Status s = SqliteDb::Open(path, &db); !s.ok()) return s;
  if (Status s = ConfigureConnection(db.get()); !s.ok()) return s;
  if (Status s = RegisterCodeTokensFunction(db.get()); !s.ok()) return s;
  if (Status s = MigrateSchema(db.get()); !s.ok()) return s;
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, options, std::move(db)));
  if (Status s = store->PrepareStatements(); !s.ok()) return s;
  *out = std::move(store);
  return Status::Ok();
}

SqliteStore::SqliteStore(std::string path, const StoreOptions& options,
                         std::unique_ptr<SqliteDb> db)
    : path_(std::move(path)), options_(options), db_(std::move(db)) {}

SqliteStore::~SqliteStore() {
  (void)db_->Exec("PRAGMA optimize");  // cheap; keeps the planner's statistics current
}

Status SqliteStore::PrepareStatements() {
  const std::pair<SqliteStatement*, std::string_view> statements[] = {
      {&stmts_.begin_immediate, "BEGIN IMMEDIATE"},
      {&stmts_.commit, "COMMIT"},
      {&stmts_.delete_file_chunks,
       "DELETE FROM code_chunks WHERE repository = ?1 AND file_path = ?2"},
      {&stmts_.insert_chunk,
       "INSERT INTO code_chunks (id, repository, file_path, language, chunk_type, name, "
       "qualified_name, source_code, start_line, end_line, part, parent_id, embedding_code, "
       "metadata, indexed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
       "?14, ?15)"},
      {&stmts_.insert_chunk_tokens,  // as schema version 3's backfill
       "INSERT INTO code_chunks_fts (rowid, name, qualified_name, doc, source, chunk_id) "
       "SELECT rowid, semdex_code_tokens(name), semdex_code_tokens(qualified_name), "
       "semdex_code_tokens(COALESCE(metadata->>'signature', '') || ' ' || "
       "COALESCE(metadata->>'docstring', '')), semdex_code_tokens(source_code), id "
       "FROM code_chunks WHERE rowid = last_insert_rowid()"},
      {&stmts_.replace_indexed_file,
       "REPLACE INTO files (repository, file_path, language, size_bytes, mtime_ns, content_hash, "
       "status, chunk_count, metadata, indexed_at) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'indexed', ?7, ?8, ?9)"},
      {&stmts_.replace_problem_file,
       "REPLACE INTO files (repository, file_path, language, status, reason, detail, "
       "chunk_count, indexed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)"},
      {&stmts_.touch_repository,
       "INSERT INTO repositories (name, created_at, last_indexed_at) VALUES (?1, ?2, ?2) "
       "ON CONFLICT (name) DO UPDATE SET last_indexed_at = excluded.last_indexed_at"},
      {&stmts_.ensure_repository,
       "INSERT INTO repositories (name, created_at) VALUES (?1, ?2) "
       "ON CONFLICT (name) DO NOTHING"},
      // A cached vector of another size than the one written is unusable (the run embedded the
      // text again): the written one replaces it. One of the same size stays as it is.
      {&stmts_.upsert_cached_vector,
       "INSERT INTO vector_cache (model_id, text_hash, embedding, used_at) VALUES (?1, ?2, ?3, "
       "?4) ON CONFLICT (model_id, text_hash) DO UPDATE SET embedding = CASE WHEN "
       "length(embedding) = length(excluded.embedding) THEN embedding ELSE excluded.embedding "
       "END, used_at = excluded.used_at"},
  };
  for (const auto& [stmt, sql] : statements) {
    if (Status s = db_->Prepare(sql, stmt); !s.ok()) {
      return Annotate(s, fmt::format("preparing \"{}\"", sql));
    }
  }
  return Status::Ok();
}

template <typename Body>
Status SqliteStore::InWriteTransaction(Body&& body) {
  Status s = [&] {
    StatementResetter reset(&stmts_.begin_immediate);
    return stmts_.begin_immediate.Run();
  }();
  if (!s.ok()) return Annotate(s, "starting a write transaction");
  s = body();
  if (s.ok()) {
    StatementResetter reset(&stmts_.commit);
    s = stmts_.commit.Run();
  }
  if (!s.ok()) db_->RollbackQuietly();
  return s;
}

Status SqliteStore::WriteFile(const FileRow& file) {
  const std::string what =
      fmt::format("writing {} (repository {}) to {}", file.file_path, file.repository, path_);
  if (Status s = CheckFileRowKeys(file, what); !s.ok()) return s;
  const std::string now = NowTimestampUtc();
  Status s = InWriteTransaction([&] { return WriteFileRows(file, now); });
  return s.ok() ? s : Annotate(s, what);
}

Status SqliteStore::WriteFileRows(const FileRow& file, const std::string& now) {
  {
    SqliteStatement& del = stmts_.delete_file_chunks;
    StatementResetter reset(&del);
    del.BindText(1, file.repository);
    del.BindText(2, file.file_path);
    if (Status s = del.Run(); !s.ok()) return s;
  }
  for (size_t i = 0; i < file.chunks.size(); ++i) {
    if (options_.fault_injector && !options_.fault_injector(file, i)) {
      return Status::DatabaseError(fmt::format("fault injected before chunk {}", i));
    }
    if (Status s = InsertChunk(file, file.chunks[i], now); !s.ok()) {
      return Annotate(s, fmt::format("chunk {} ({})", i, file.chunks[i].id));
    }
  }
  if (Status s = CacheFileVectors(file, now); !s.ok()) return s;
  {
    SqliteStatement& rep = stmts_.replace_indexed_file;
    StatementResetter reset(&rep);
    rep.BindText(1, file.repository);
    rep.BindText(2, file.file_path);
    rep.BindTextOrNull(3, file.language);
    rep.BindInt64(4, static_cast<int64_t>(file.size_bytes));
    rep.BindInt64(5, file.mtime_ns);
    rep.BindTextOrNull(6, file.content_hash);
    rep.BindInt64(7, static_cast<int64_t>(file.chunks.size()));
    rep.BindTextOrNull(8, file.metadata_json);
    rep.BindText(9, now);
    if (Status s = rep.Run(); !s.ok()) return s;
  }
  SqliteStatement& touch = stmts_.touch_repository;
  StatementResetter reset(&touch);
  touch.BindText(1, file.repository);
  touch.BindText(2, now);
  return touch.Run();
}

Status SqliteStore::InsertChunk(const FileRow& file, const ChunkRow& chunk,
                                const std::string& now) {
  SqliteStatement& ins = stmts_.insert_chunk;
  StatementResetter reset(&ins);
  ins.BindText(1, chunk.id);
  ins.BindText(2, file.repository);
  ins.BindText(3, file.file_path);
  ins.BindTextOrNull(4, file.language);
  ins.BindTextOrNull(5, chunk.chunk_type);
  ins.BindTextOrNull(6, chunk.name);
  ins.BindTextOrNull(7, chunk.qualified_name);
  ins.BindText(8, chunk.source_code);
  ins.BindInt64(9, chunk.start_line);
  ins.BindInt64(10, chunk.end_line);
  ins.BindInt64(11, chunk.part);
  ins.BindTextOrNull(12, chunk.parent_id);
  ins.BindBlobOrNull(13, EncodeEmbedding(chunk.embedding_code));
  ins.BindTextOrNull(14, chunk.metadata_json);
  ins.BindText(15, now);
  if (Status s = ins.Run(); !s.ok()) return s;
  StatementResetter reset_tokens(&stmts_.insert_chunk_tokens);
  return stmts_.insert_chunk_tokens.Run();
}

Status SqliteStore::RecordProblem(const FileProblem& problem) {
  const std::string what = fmt::format("recording {} file {} (repository {}) in {}", problem.status,
                                       problem.file_path, problem.repository, path_);
  if (problem.repository.empty() || problem.file_path.empty()) {
    return Status::InvalidArgument(what + ": repository and file path must not be empty");
  }
  if (problem.status != "failed" && problem.status != "skipped") {
    return Status::InvalidArgument(what + ": status must be \"failed\" or \"skipped\"");
  }
  const std::string now = NowTimestampUtc();
  Status s = InWriteTransaction([&] { return RecordProblemRows(problem, now); });
  return s.ok() ? s : Annotate(s, what);
}

Status SqliteStore::RecordProblemRows(const FileProblem& problem, const std::string& now) {
  {
    SqliteStatement& del = stmts_.delete_file_chunks;
    StatementResetter reset(&del);
    del.BindText(1, problem.repository);
    del.BindText(2, problem.file_path);
    if (Status s = del.Run(); !s.ok()) return s;
  }
  {
    std::optional<Language> lang = LanguageForPath(problem.file_path);
    SqliteStatement& rep = stmts_.replace_problem_file;
    StatementResetter reset(&rep);
    rep.BindText(1, problem.repository);
    rep.BindText(2, problem.file_path);
    rep.BindTextOrNull(3, lang ? LanguageName(*lang) : std::string_view());
    rep.BindText(4, problem.status);
    rep.BindTextOrNull(5, problem.reason);
    rep.BindTextOrNull(6, problem.detail);
    rep.BindText(7, now);
    if (Status s = rep.Run(); !s.ok()) return s;
  }
  SqliteStatement& ensure = stmts_.ensure_repository;
  StatementResetter reset(&ensure);
  ensure.BindText(1, problem.repository);
  ensure.BindText(2, now);
  return ensure.Run();
}

Status SqliteStore::DeleteRepository(std::string_view repository) {
  Status s = InWriteTransaction([&] { return DeleteRepositoryRows(repository); });
  return s.ok() ? s : Annotate(s, fmt::format("deleting repository {} from {}", repository, path_));
}

Status SqliteStore::DeleteRepositoryRows(std::string_view repository) {
  if (Status s = DeleteGraphRows(repository); !s.ok()) return s;
  for (std::string_view sql : kDeleteRepositorySql) {
    SqliteStatement stmt;
    if (Status s = db_->Prepare(sql, &stmt); !s.ok()) return s;
    stmt.BindText(1, repository);
    if (Status s = stmt.Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status SqliteStore::ReplaceGraph(std::string_view repository, const GraphRows& rows) {
  const std::string what = fmt::format("writing the graph of {} to {}", repository, path_);
  if (Status s = CheckGraphRows(repository, rows); !s.ok()) return Annotate(s, what);
  const std::string now = NowTimestampUtc();
  Status s = InWriteTransaction([&] { return WriteGraphDiff(repository, rows, now); });
  return s.ok() ? s : Annotate(s, what);
}

Status SqliteStore::BeginRun(const RunRecord& run, int64_t* run_id) {
  *run_id = 0;
  if (run.repository.empty()) {
    return Status::InvalidArgument(fmt::format("starting a run in {}: no repository", path_));
  }
  const std::string now = NowTimestampUtc();
  Status s = InWriteTransaction([&] { return BeginRunRows(run, now, run_id); });
  return s.ok() ? s : Annotate(s, fmt::format("starting a run of {} in {}", run.repository, path_));
}

Status SqliteStore::BeginRunRows(const RunRecord& run, const std::string& now, int64_t* run_id) {
  SqliteStatement insert;
  if (Status s = db_->Prepare(
          "INSERT INTO runs (repository, root_path, mode, workers, embed, model_id, started_at, "
          "embedding_dim) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
          &insert);
      !s.ok()) {
    return s;
  }
  insert.BindText(1, run.repository);
  insert.BindTextOrNull(2, run.root_path);
  insert.BindTextOrNull(3, run.mode);
  insert.BindInt64(4, run.workers);
  insert.BindInt64(5, run.embed ? 1 : 0);
  insert.BindTextOrNull(6, run.model_id);
  insert.BindText(7, now);
  BindDim(&insert, 8, run.embedding_dim);
  if (Status s = insert.Run(); !s.ok()) return s;
  *run_id = sqlite3_last_insert_rowid(db_->handle());

  // The repository's root and model are those of its latest run.
  SqliteStatement repo;
  if (Status s = db_->Prepare("INSERT INTO repositories (name, root_path, created_at, model_id, "
                              "embedding_dim) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO "
                              "UPDATE SET root_path = excluded.root_path, model_id = "
                              "excluded.model_id, embedding_dim = excluded.embedding_dim",
                              &repo);
      !s.ok()) {
    return s;
  }
  repo.BindText(1, run.repository);
  repo.BindTextOrNull(2, run.root_path);
  repo.BindText(3, now);
  repo.BindTextOrNull(4, run.model_id);
  BindDim(&repo, 5, run.embedding_dim);
  return repo.Run();
}

Status SqliteStore::FinishRun(int64_t run_id, std::string_view summary_json) {
  const std::string now = NowTimestampUtc();
  Status s = InWriteTransaction([&] { return FinishRunRows(run_id, summary_json, now); });
  return s.ok() ? s : Annotate(s, fmt::format("finishing run {} in {}", run_id, path_));
}

Status SqliteStore::FinishRunRows(int64_t run_id, std::string_view summary_json,
                                  const std::string& now) {
  SqliteStatement update;
  if (Status s =
          db_->Prepare("UPDATE runs SET finished_at = ?2, summary = ?3 WHERE run_id = ?1", &update);
      !s.ok()) {
    return s;
  }
  update.BindInt64(1, run_id);
  update.BindText(2, now);
  update.BindTextOrNull(3, summary_json);
  if (Status s = update.Run(); !s.ok()) return s;
  if (sqlite3_changes(db_->handle()) == 0) return Status::NotFound("no such run");

  SqliteStatement touch;
  if (Status s = db_->Prepare("UPDATE repositories SET last_indexed_at = ?2 "
                              "WHERE name = (SELECT repository FROM runs WHERE run_id = ?1)",
                              &touch);
      !s.ok()) {
    return s;
  }
  touch.BindInt64(1, run_id);
  touch.BindText(2, now);
  return touch.Run();
}

}  // namespace semdex
