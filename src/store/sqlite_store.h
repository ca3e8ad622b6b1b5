// sqlite_store: the Store backed by one SQLite database file (WAL mode). Internal to src/store/;
// other stages reach it through OpenStore in store/store.h.
//
// Thread-safety: as Store, one thread at a time. Several processes may open the same index:
// writes take SQLite's write lock (BEGIN IMMEDIATE) and wait up to 5 s for it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace semdex {

// InvalidArgument unless every row of `rows` hangs off one of its nodes (see
// Store::ReplaceGraph). Both backends check with it (sqlite_store_graph.cc).
Status CheckGraphRows(std::string_view repository, const GraphRows& rows);

// Counts the nodes of repository ?1. Through the nodes_by_repository index by name: with one
// repository in the file the planner (sqlite_stat1: every row matches) would scan the table
// and parse every node's properties JSON instead, ten times the cost.
inline constexpr const char* kCountNodesSql =
    "SELECT COUNT(*) FROM nodes INDEXED BY nodes_by_repository "
    "WHERE properties->>'repository' = ?1";

class SqliteStore : public Store {
 public:
  // Opens or creates the database file at `path`, configures the connection and migrates the
  // schema. REQUIRES: the parent directory of `path` exists. Error messages do not name `path`;
  // OpenStore adds it.
  static Status Open(const std::string& path, const StoreOptions& options,
                     std::unique_ptr<Store>* out);

  ~SqliteStore() override;

  Status DeleteRepository(std::string_view repository) override;
  Status WriteFile(const FileRow& file) override;
  Status RecordProblem(const FileProblem& problem) override;
  Status BeginRun(const RunRecord& run, int64_t* run_id) override;
  Status FinishRun(int64_t run_id, std::string_view summary_json) override;
  Status LoadGraphInput(std::string_view repository, GraphInput* out) override;
  Status ReplaceGraph(std::string_view repository, const GraphRows& rows) override;
  Status GetStats(std::string_view repository, RepositoryStats* out) override;
  Status ListRepositories(std::vector<std::string>* out) override;
  // Search (sqlite_store_search.cc).
  Status SearchLexical(std::string_view query, const ChunkFilter& filter, int64_t limit,
                       std::vector<LexicalHit>* out) override;
  Status LoadSearchChunks(const ChunkFilter& filter, bool with_vectors,
                          const std::function<void(SearchChunkRow&)>& on_row) override;
  Status LoadChunkSources(const std::vector<std::string>& ids,
                          std::vector<std::string>* sources) override;
  Status GetChangeStamp(std::string* out) override;
  // Incremental indexing: sqlite_store_incremental.cc.
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
  Status LoadGraph(std::string_view repository, GraphSnapshot* out) override;
  Status ListFileProblems(std::string_view repository, std::vector<FileProblem>* out) override;
  // The vector cache: sqlite_store_vector_cache.cc.
  Status ListCachedVectors(std::string_view model_id,
                           std::vector<std::string>* text_hashes) override;
  Status LoadCachedVectors(std::string_view model_id, int dim,
                           const std::vector<std::string>& text_hashes,
                           std::vector<std::vector<float>>* vectors) override;
  Status PruneVectorCache(int64_t spare_entries) override;

 private:
  // Statements prepared once per Store: the per-file write path.
  struct Statements {
    SqliteStatement begin_immediate;
    SqliteStatement commit;
    SqliteStatement delete_file_chunks;
    SqliteStatement insert_chunk;
    SqliteStatement insert_chunk_tokens;  // the full-text row of the chunk just inserted
    SqliteStatement replace_indexed_file;
    SqliteStatement replace_problem_file;
    SqliteStatement touch_repository;
    SqliteStatement ensure_repository;
    SqliteStatement upsert_cached_vector;
  };

  SqliteStore(std::string path, const StoreOptions& options, std::unique_ptr<SqliteDb> db);

  Status PrepareStatements();
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if `body` or COMMIT fails.
  template <typename Body>
  Status InWriteTransaction(Body&& body);

  Status WriteFileRows(const FileRow& file, const std::string& now);
  Status InsertChunk(const FileRow& file, const ChunkRow& chunk, const std::string& now);
  // Puts the file's vectors into the vector cache. REQUIRES: a write transaction.
  Status CacheFileVectors(const FileRow& file, const std::string& now);
  Status RecordProblemRows(const FileProblem& problem, const std::string& now);
  Status DeleteRepositoryRows(std::string_view repository);
  // Deletes the graph rows of `repository` (see ReplaceGraph). REQUIRES: a write transaction.
  Status DeleteGraphRows(std::string_view repository);
  Status InsertGraphRows(std::string_view repository, const GraphRows& rows,
                         const std::string& now);
  // Makes the repository's graph rows equal to `rows` writing only the rows that differ, found
  // by their digests (sqlite_store_graph_diff.cc). REQUIRES: a write transaction;
  // CheckGraphRows passed.
  Status WriteGraphDiff(std::string_view repository, const GraphRows& rows, const std::string& now);
  // InvalidArgument unless `expected` nodes name `repository` in their properties (a node that
  // does not could never be found, or deleted, again).
  Status CheckNodesFound(std::string_view repository, int64_t expected);
  // The repository's stored nodes and metrics rows.
  Status CountGraphRows(std::string_view repository, int64_t* nodes, int64_t* metrics);
  Status InsertMetrics(std::string_view repository, const std::vector<NodeMetricsRow>& rows,
                       const std::string& now);
  Status ReadGraphInput(std::string_view repository, GraphInput* out);
  Status BeginRunRows(const RunRecord& run, const std::string& now, int64_t* run_id);
  Status FinishRunRows(int64_t run_id, std::string_view summary_json, const std::string& now);
  Status ReadStats(std::string_view repository, RepositoryStats* out, bool* found);
  Status ReadGraphSnapshot(std::string_view repository, GraphSnapshot* out);

  std::string path_;
  StoreOptions options_;
  std::unique_ptr<SqliteDb> db_;  // declared before stmts_: statements finalize first
  Statements stmts_;
};

}  // namespace semdex
