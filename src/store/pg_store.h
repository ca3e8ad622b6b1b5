// pg_store: the Store backed by a PostgreSQL database (libpq). Internal to src/store/; other
// stages reach it through OpenStore in store/store.h with a postgresql:// URL.
//
// Same tables and columns as the SQLite index (pg_schema.h). Each write is one transaction; the
// chunks of a file go in with COPY. A write that fails because the connection was lost (server
// restarted, network) is rolled back by the server, and is retried once on a new connection.
// Vectors are real[], searched on the client (the search stage's exact scan or HNSW) unless the
// server has pgvector: then SearchVectors runs the search on the server, with an HNSW index per
// dimension, and falls back to the client when any step fails (pg_vector.h).
//
// Thread-safety: as Store, one thread at a time; each PgStore has its own connection, so
// several threads may each use their own (OpenWriter) on one database. Several processes may
// write one database: each repository is written by one process at a time (LockRepository: a
// PostgreSQL advisory lock, so it holds across hosts).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/pg_conn.h"
#include "store/pg_schema.h"
#include "store/store.h"

namespace semdex {

class PgStore : public Store {
 public:
  // Connects to `url`, migrates the schema and detects the server's features. Errors name the
  // server without its password.
  static Status Open(const std::string& url, const StoreOptions& options,
                     std::unique_ptr<Store>* out);

  // Another store on the same database: one more connection, for another writer thread.
  Status OpenWriter(std::unique_ptr<Store>* out) override;

  // "postgresql 15.18 at postgresql://u@h:5432/db; vectors: pgvector not installed: client-side
  // search (exact scan or hnswlib); ..." or "vectors: pgvector 0.8.0: server-side HNSW ...".
  std::string BackendDescription() const;

  Status DeleteRepository(std::string_view repository) override;
  Status WriteFile(const FileRow& file) override;
  Status RecordProblem(const FileProblem& problem) override;
  Status BeginRun(const RunRecord& run, int64_t* run_id) override;
  Status FinishRun(int64_t run_id, std::string_view summary_json) override;
  // Graph: pg_store_graph.cc.
  Status LoadGraphInput(std::string_view repository, GraphInput* out) override;
  Status ReplaceGraph(std::string_view repository, const GraphRows& rows) override;
  Status LoadGraph(std::string_view repository, GraphSnapshot* out) override;
  // Reads: pg_store_queries.cc.
  Status GetStats(std::string_view repository, RepositoryStats* out) override;
  Status ListRepositories(std::vector<std::string>* out) override;
  Status ListFileProblems(std::string_view repository, std::vector<FileProblem>* out) override;
  // Search: pg_store_search.cc.
  Status SearchLexical(std::string_view query, const ChunkFilter& filter, int64_t limit,
                       std::vector<LexicalHit>* out) override;
  Status LoadSearchChunks(const ChunkFilter& filter, bool with_vectors,
                          const std::function<void(SearchChunkRow&)>& on_row) override;
  Status LoadChunkSources(const std::vector<std::string>& ids,
                          std::vector<std::string>* sources) override;
  // The vector cache: pg_store_vector_cache.cc.
  Status ListCachedVectors(std::string_view model_id,
                           std::vector<std::string>* text_hashes) override;
  Status LoadCachedVectors(std::string_view model_id, int dim,
                           const std::vector<std::string>& text_hashes,
                           std::vector<std::vector<float>>* vectors) override;
  Status PruneVectorCache(int64_t spare_entries) override;
  // pgvector: pg_vector.cc.
  Status SearchVectors(const VectorSearch& search, VectorSearchResult* out) override;
  Status GetChangeStamp(std::string* out) override;
  // Incremental indexing: pg_store_incremental.cc.
  Status LockRepository(std::string_view repository, std::unique_ptr<RepositoryLock>* out) override;
  Status ListFileStates(std::string_view repository, std::vector<StoredFileState>* out) override;
  Status LoadFileChunks(std::string_view repository, const std::vector<std::string>& file_paths,
                        std::vector<ChunkRow>* out) override;
  Status DeleteFiles(std::string_view repository,
                     const std::vector<std::string>& file_paths) override;
  Status UpdateFileStat(std::string_view repository, std::string_view file_path,
                        uint64_t size_bytes, int64_t mtime_ns) override;
  Status GetRepositoryState(std::string_view repository, RepositoryState* out) override;
  Status SetRepositoryState(std::string_view repository, const RepositoryState& state) override;
  Status MarkGraphStale(std::string_view repository) override;
  Status CheckIntegrity(std::string_view repository, std::vector<std::string>* problems) override;

 private:
  PgStore(std::string url, const StoreOptions& options, std::unique_ptr<PgConnection> conn,
          PgFeatures features);

  // Reconnects when the connection was lost since the last call.
  Status EnsureConnected();
  // Runs `body` between `begin` (e.g. "BEGIN") and COMMIT, rolling back when either fails.
  // With `retry`, a body that failed because the connection was lost runs once more on a new
  // connection (the server rolled the first attempt back).
  template <typename Body>
  Status InTransaction(std::string_view begin, bool retry, Body&& body);
  // Runs `sql` with `params`, calling on_row(result, row) for each row.
  template <typename OnRow>
  Status ForEachRow(const std::string& sql, const std::vector<PgParam>& params, OnRow&& on_row);

  Status WriteFileRows(const FileRow& file, const std::string& now);
  Status RecordProblemRows(const FileProblem& problem, const std::string& now);
  // Puts the file's vectors into the vector cache (FileRow::embedding_model_id).
  Status CacheFileVectors(const FileRow& file, const std::string& now);
  Status TouchRepository(const std::string& repository, const std::string& now);
  Status DeleteGraphRows(std::string_view repository);
  Status InsertGraphRows(std::string_view repository, const GraphRows& rows,
                         const std::string& now);
  Status ReadGraphInput(std::string_view repository, GraphInput* out);
  Status ReadGraphSnapshot(std::string_view repository, GraphSnapshot* out);
  Status ReadStats(std::string_view repository, RepositoryStats* out, bool* found);
  Status RunIntegrityChecks(std::string_view repository, std::vector<std::string>* problems);

  std::string url_;
  StoreOptions options_;
  std::unique_ptr<PgConnection> conn_;
  PgFeatures features_;
  std::set<std::string, std::less<>> touched_repositories_;  // registered by this connection
  std::set<int> indexed_dims_;           // dimensions whose HNSW index is known to exist
  bool vector_search_given_up_ = false;  // a server-side search failed: client-side from now on
  bool vector_warning_given_ = false;    // SearchVectors said why it does not serve
};

template <typename Body>
Status PgStore::InTransaction(std::string_view begin, bool retry, Body&& body) {
  Status s;
  for (int attempt = 0; attempt < (retry ? 2 : 1); ++attempt) {
    if (s = EnsureConnected(); !s.ok()) return s;
    s = conn_->Exec(begin);
    if (s.ok()) s = body();
    if (s.ok()) s = conn_->Exec("COMMIT");
    if (s.ok()) return s;
    conn_->RollbackQuietly();
    if (!conn_->broken()) return s;
    touched_repositories_.clear();  // the first attempt's registration was rolled back too
  }
  return s;
}

template <typename OnRow>
Status PgStore::ForEachRow(const std::string& sql, const std::vector<PgParam>& params,
                           OnRow&& on_row) {
  PgResult result;
  if (Status s = conn_->Query(sql, params, &result); !s.ok()) return s;
  for (int i = 0; i < result.rows(); ++i) on_row(result, i);
  return Status::Ok();
}

// A vector as a PostgreSQL real[] literal ("{0.5,-1.25}"), and back. Parse returns false on a
// malformed literal.
std::string PgRealArrayLiteral(const std::vector<float>& values);
bool ParsePgRealArray(std::string_view literal, std::vector<float>* out);
// A text[] literal of `values` (quoted and escaped).
std::string PgTextArrayLiteral(const std::vector<std::string>& values);

}  // namespace semdex
