// store: where an index lives. The Store interface hides the database (SQLite by default;
// PostgreSQL for shared indexes) behind per-file atomic writes and a few queries.
//
// Schema: the reference design's tables and columns (code_chunks, nodes, edges,
// computed_metrics, edge_weights, detailed_metadata) plus semdex's own (schema_version,
// repositories, files, runs). JSON columns hold JSON text and are queryable with ->> in SQLite
// (e.g. SELECT COUNT(*) FROM nodes WHERE properties->>'repository' = 'rxjs').
//
// Thread-safety: a Store is used by one thread at a time. The pipeline funnels all writes
// through one writer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex {

struct ChunkRow {
  std::string id;  // stable: derived from repository, path, span and part (see ChunkId)
  std::string chunk_type;
  std::string name;
  std::string qualified_name;
  std::string source_code;
  int start_line = 0;
  int end_line = 0;
  int part = 1;
  std::string parent_id;              // id of the enclosing chunk, or ""
  std::string metadata_json;          // JSON object
  std::vector<float> embedding_code;  // empty: NULL (e.g. --no-embed)
  // xxh3-128 hex of the text embedding_code was made from (pipeline's EmbedText): the key of the
  // vector cache (Store::ListCachedVectors); "" keeps the vector out of the cache.
  std::string embedding_text_hash;
};

// One indexed file and its chunks; written in one transaction.
struct FileRow {
  std::string repository;
  std::string file_path;  // relative to the repository root
  std::string language;
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  std::string content_hash;   // xxh3-64 hex of the file's bytes
  std::string metadata_json;  // file-level metadata: imports, exports, syntax errors, flags
  std::vector<ChunkRow> chunks;
  // The model of the chunks' vectors: with it, WriteFile also puts each vector with an
  // embedding_text_hash into the vector cache, in the same transaction. "": nothing cached.
  std::string embedding_model_id;
};

// A file that was not indexed this run.
struct FileProblem {
  std::string repository;
  std::string file_path;
  std::string status;  // "failed" or "skipped"
  std::string reason;  // failed: the error; skipped: the SkipReason name
  std::string detail;
};

struct RunRecord {
  std::string repository;
  std::string root_path;
  std::string mode;  // "sequential" or "parallel"
  int workers = 1;
  bool embed = false;
  std::string model_id;   // "" with --no-embed
  int embedding_dim = 0;  // 0 with --no-embed
};

struct RepositoryStats {
  std::string repository;
  std::string root_path;
  int64_t files = 0;  // files with status 'indexed'
  int64_t failed_files = 0;
  int64_t skipped_files = 0;
  int64_t chunks = 0;
  std::map<std::string, int64_t> chunks_by_type;
  std::map<std::string, int64_t> chunks_by_language;
  std::string model_id;  // the model of the vectors in embedding_code; "" when none
  int embedding_dim = 0;
  std::string last_run_json;  // the last finished run's summary, "" if none
  std::string last_run_at;    // ISO-8601 UTC
  // The index's backend and what it can do, e.g. "sqlite" or "postgresql 15.18 at
  // postgresql://user@host:5432/db; vectors: real[] ... (pgvector ...)"; never a password.
  std::string backend;
};

// What the graph stage reads back for one repository (Store::LoadGraphInput): the indexed files
// and their chunks, with the metadata JSON the pipeline wrote. Rows come in no particular order.
struct GraphInputFile {
  std::string file_path;
  std::string language;
  std::string metadata_json;  // files.metadata ("" when NULL)
};

struct GraphInputChunk {
  std::string id;
  std::string file_path;
  std::string chunk_type;
  std::string name;
  std::string qualified_name;
  std::string parent_id;  // "" when NULL
  int start_line = 0;
  int end_line = 0;
  int part = 1;
  std::string metadata_json;  // code_chunks.metadata ("" when NULL)
  std::string source_code;
};

struct GraphInput {
  std::string root_path;  // repositories.root_path: the directory last indexed ("" if unknown)
  std::vector<GraphInputFile> files;    // files with status 'indexed'
  std::vector<GraphInputChunk> chunks;  // every chunk of the repository
};

// The graph rows of one repository (Store::ReplaceGraph), as the reference design's tables hold
// them. JSON fields hold JSON object text. Node ids are unique within the rows.
struct GraphNodeRow {
  std::string node_id;
  std::string node_type;
  std::string label;
  std::string properties_json;  // must name the repository: {"repository": "<name>", ...}
};

struct GraphEdgeRow {
  std::string edge_id;
  std::string source_node_id;
  std::string target_node_id;
  std::string relation_type;
  std::string properties_json;
};

struct NodeMetricsRow {
  std::string node_id;
  std::string chunk_id;                          // "" -> NULL
  std::optional<int64_t> cyclomatic_complexity;  // nullopt -> NULL
  std::optional<int64_t> cognitive_complexity;
  std::optional<int64_t> lines_of_code;
  int64_t afferent_coupling = 0;
  int64_t efferent_coupling = 0;
  double instability = 0;
  double pagerank = 0;
  double betweenness = 0;
};

struct EdgeWeightRow {
  std::string edge_id;
  int64_t call_count = 0;
  double importance_score = 0;
  bool is_critical_path = false;
};

struct DetailedMetadataRow {
  std::string node_id;
  std::string chunk_id;  // "" -> NULL
  std::string metadata_json;
  int64_t version = 1;
};

struct GraphRows {
  std::vector<GraphNodeRow> nodes;
  std::vector<GraphEdgeRow> edges;
  std::vector<NodeMetricsRow> metrics;
  std::vector<EdgeWeightRow> edge_weights;
  std::vector<DetailedMetadataRow> detailed_metadata;
};

// A repository's graph as graph queries read it (Store::LoadGraph): each node with the fields of
// its properties JSON that queries show, and every edge leaving a node of the repository.
struct GraphNodeInfo {
  std::string node_id;
  std::string node_type;       // function, method, class, ..., Module, ExternalModule
  std::string name;            // a Module: its file name; an external module: the package
  std::string qualified_name;  // Class.method; a Module: its path without the extension
  std::string file_path;       // "" for external modules
  int start_line = 0;          // 0 when the node has none (external modules)
  int end_line = 0;
  double pagerank = 0;  // computed_metrics.pagerank; 0 without a metrics row
};

struct GraphEdgeInfo {
  std::string source_node_id;
  std::string target_node_id;
  std::string relation_type;  // contains, imports, re_exports, calls, extends, implements
};

struct GraphSnapshot {
  std::vector<GraphNodeInfo> nodes;  // in no particular order
  std::vector<GraphEdgeInfo> edges;  // in no particular order; one per edges row
};

// What the index holds about one file of a repository (Store::ListFileStates): what an
// incremental run compares with the file on disk.
struct StoredFileState {
  std::string file_path;
  std::string status;  // "indexed", "failed" or "skipped"
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;      // 0 when not recorded (failed and skipped files)
  std::string content_hash;  // "" when not recorded
  std::string reason;        // failed and skipped files: as in FileProblem
  std::string detail;
  int64_t chunk_count = 0;
};

// What every stored row of a repository was made with, and whether its graph is out of date
// (Store::GetRepositoryState). A run that changes the model or the chunking rules first stores
// nullopt for what it changes (rows of mixed origin), and the new values only once every file
// has been redone: a run killed half-way leaves nullopt, and the next run redoes every file.
struct RepositoryState {
  bool recorded = false;                // false: nothing recorded (new, or indexed before v4)
  std::optional<std::string> model_id;  // of every vector; "" no vectors; nullopt: mixed
  int embedding_dim = 0;
  std::optional<std::string> chunker_stamp;  // the chunking rules; nullopt: mixed
  // The graph rows may not reflect the files: set before a run's first change, cleared once the
  // graph has been rebuilt. A stale graph is never served (LoadGraph) and CheckIntegrity reports
  // it instead of comparing its rows with the files.
  bool graph_stale = false;
};

// Held while one process writes a repository; released when destroyed, or by the kernel when
// the process dies (so a killed indexer never leaves a lock behind).
class RepositoryLock {
 public:
  virtual ~RepositoryLock() = default;
};

// What the search stage reads (Store::SearchLexical, LoadSearchChunks). Empty fields match
// everything.
struct ChunkFilter {
  std::string repository;
  std::string language;    // code_chunks.language
  std::string chunk_type;  // code_chunks.chunk_type
};

// One lexical match: the chunk and its relevance, higher is better (SQLite: -bm25).
struct LexicalHit {
  std::string chunk_id;
  double score = 0;
};

// A nearest-neighbour search the backend runs itself (Store::SearchVectors): the chunks under
// `filter` whose file path matches `path_regex`, nearest to `query` by cosine.
struct VectorSearch {
  std::vector<float> query;  // the embedded query; its size is the model's dimension
  ChunkFilter filter;
  // A POSIX regular expression the file path must match (PostgreSQL's `~`); "" matches all.
  std::string path_regex;
  int64_t limit = 10;  // >= 1
};

// One nearest neighbour: the chunk and its cosine similarity to the query, higher is better.
struct VectorHit {
  std::string chunk_id;
  double score = 0;
};

// What Store::SearchVectors did. served = false: the caller searches on the client.
struct VectorSearchResult {
  bool served = false;
  std::vector<VectorHit> hits;  // best first, at most `limit`; empty unless served
  // Once per store, why a server-side path it had was given up (for the user); else "".
  std::string warning;
};

// A chunk as search shows it, without its source (see LoadChunkSources).
struct SearchChunkRow {
  std::string id;
  std::string repository;
  std::string file_path;
  std::string language;
  std::string chunk_type;
  std::string name;
  std::string qualified_name;
  int start_line = 0;
  int end_line = 0;
  std::vector<float> embedding;  // empty when not asked for, or the chunk has none
};

struct StoreOptions {
  // Test hook: called before each chunk row is inserted by WriteFile; returning false makes
  // that write fail (and roll back) as a database error would.
  std::function<bool(const FileRow&, size_t chunk_index)> fault_injector;
  // Test hook (PostgreSQL): take the pgvector search path without setting it up or detecting
  // it, so that a server without pgvector shows the path failing soft.
  bool force_pgvector_search = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // Deletes every row of `repository` (chunks, files, graph rows, runs).
  virtual Status DeleteRepository(std::string_view repository) = 0;

  // Replaces the file's previous rows (chunks, file record) with `file`, in ONE transaction:
  // afterwards either all of `file` is stored or nothing changed.
  // REQUIRES: repository, file_path and every chunk id non-empty; metadata_json fields hold
  // valid JSON or "" (stored as NULL), else the write fails.
  virtual Status WriteFile(const FileRow& file) = 0;

  // Records a failed or skipped file (and deletes any chunks of it), in one transaction.
  virtual Status RecordProblem(const FileProblem& problem) = 0;

  // Starts a run; returns its id.
  virtual Status BeginRun(const RunRecord& run, int64_t* run_id) = 0;
  // Marks the run finished with its summary (JSON object text).
  virtual Status FinishRun(int64_t run_id, std::string_view summary_json) = 0;

  // Reads what the graph of `repository` is built from (see GraphInput). An unknown repository
  // gives an empty input.
  virtual Status LoadGraphInput(std::string_view repository, GraphInput* out) = 0;

  // Replaces every graph row of `repository` (nodes, edges, edge_weights, computed_metrics,
  // detailed_metadata) with `rows`, in ONE transaction: afterwards either all of `rows` is
  // stored or nothing changed. (A backend may write only the rows that differ; rows that did
  // not change may then keep their timestamps.) The repository's rows are those of its nodes
  // (properties ->>'repository'), of the edges leaving them, and the metrics and metadata of
  // either.
  // REQUIRES: every node's properties name `repository`; every edge's source and target, weight,
  // metrics row and metadata row refer to a node of `rows` (else InvalidArgument, nothing
  // written); JSON fields hold valid JSON.
  virtual Status ReplaceGraph(std::string_view repository, const GraphRows& rows) = 0;

  // Counts for `repository`; NotFound if it was never indexed.
  virtual Status GetStats(std::string_view repository, RepositoryStats* out) = 0;
  // Every repository in the index, sorted.
  virtual Status ListRepositories(std::vector<std::string>* out) = 0;

  // Search (search/search.h). The SQLite store keeps a full-text index of every chunk written
  // through WriteFile (name, qualified name, signature + docstring, source; code-aware tokens,
  // store/code_tokens.h) in step with code_chunks inside the same transactions.
  //
  // Replaces *out with the chunks matching `query` under `filter`, best first, at most `limit`
  // (< 0: all). `query` is plain text, never engine syntax: it is tokenised like the documents
  // and its terms OR-ed, so any text is accepted (no terms: no hits, OK).
  virtual Status SearchLexical(std::string_view query, const ChunkFilter& filter, int64_t limit,
                               std::vector<LexicalHit>* out) = 0;
  // Calls on_row for each chunk under `filter`, ordered by repository then chunk id, with its
  // vector when `with_vectors` (the row is the callee's to move from).
  virtual Status LoadSearchChunks(const ChunkFilter& filter, bool with_vectors,
                                  const std::function<void(SearchChunkRow&)>& on_row) = 0;
  // Server-side nearest-neighbour search (PostgreSQL with pgvector). The default, and a backend
  // whose server-side path is unavailable or fails, sets out->served = false and returns OK:
  // the caller ranks the vectors it loaded itself. A failure never surfaces as an error: the
  // backend gives the path up (out->warning says why, once) and answers served = false.
  virtual Status SearchVectors(const VectorSearch& search, VectorSearchResult* out) {
    (void)search;
    *out = VectorSearchResult();
    return Status::Ok();
  }
  // Replaces *sources with the source of each chunk of `ids`, in order ("" for an unknown id).
  virtual Status LoadChunkSources(const std::vector<std::string>& ids,
                                  std::vector<std::string>* sources) = 0;
  // An opaque value that changes whenever the rows may have changed since it was last read
  // (by this or another connection); cheap enough to read before every query.
  virtual Status GetChangeStamp(std::string* out) = 0;

  // Incremental indexing (pipeline.h says how a run uses them).

  // Takes the lock that lets one process at a time write `repository`. Fails at once, with a
  // message naming the holder's pid, when another process holds it.
  virtual Status LockRepository(std::string_view repository,
                                std::unique_ptr<RepositoryLock>* out) = 0;
  // Every file row of `repository` (indexed, failed and skipped), in no particular order.
  virtual Status ListFileStates(std::string_view repository, std::vector<StoredFileState>* out) = 0;
  // The chunks of the given files (id, type, names, source and vector; no metadata), in no
  // particular order: what a run reuses vectors from.
  virtual Status LoadFileChunks(std::string_view repository,
                                const std::vector<std::string>& file_paths,
                                std::vector<ChunkRow>* out) = 0;
  // Deletes every row of each file (chunks, file record), in ONE transaction.
  virtual Status DeleteFiles(std::string_view repository,
                             const std::vector<std::string>& file_paths) = 0;
  // Records a new size and mtime for an indexed file whose content did not change.
  virtual Status UpdateFileStat(std::string_view repository, std::string_view file_path,
                                uint64_t size_bytes, int64_t mtime_ns) = 0;
  // The repository's state; recorded = false when none is stored.
  virtual Status GetRepositoryState(std::string_view repository, RepositoryState* out) = 0;
  // Stores `state` (graph_stale included) for `repository`.
  virtual Status SetRepositoryState(std::string_view repository, const RepositoryState& state) = 0;
  // Deletes the repository's graph rows and sets graph_stale, in ONE transaction. (The pipeline
  // now only sets graph_stale, through SetRepositoryState, and rewrites what differs at the end.)
  virtual Status MarkGraphStale(std::string_view repository) = 0;
  // Integrity check of `repository` ("" for every repository): orphan rows, chunk counts,
  // vectors, schema version, stale graphs. Appends one line per problem to `problems`; fails
  // only when the database cannot be read.
  virtual Status CheckIntegrity(std::string_view repository,
                                std::vector<std::string>* problems) = 0;

  // Reads the graph of `repository` (see GraphSnapshot) in one read transaction. An unknown
  // repository, or one without graph rows, gives an empty snapshot; a stale one (graph_stale)
  // an error that says so.
  virtual Status LoadGraph(std::string_view repository, GraphSnapshot* out) = 0;
  // The failed and skipped files of `repository` ("" for every repository), sorted by
  // repository and path.
  virtual Status ListFileProblems(std::string_view repository, std::vector<FileProblem>* out) = 0;

  // The vector cache: vectors by (model id, embedding_text_hash), filled by WriteFile and kept
  // after the chunks that carried them are gone, so that a text that comes back is not embedded
  // again. Shared by the repositories of the index. The defaults keep no cache (a backend
  // without one): nothing is listed, loaded or pruned.
  //
  // Replaces *text_hashes with the hashes the cache holds a vector of `model_id` for, in no
  // particular order. Listed from the key alone (SQLite reads it from the primary key's index,
  // not the vectors' rows): a vector of another dimension than the caller's model is found by
  // LoadCachedVectors instead (empty there), and the caller embeds that text again.
  virtual Status ListCachedVectors(std::string_view model_id,
                                   std::vector<std::string>* text_hashes);
  // Replaces *vectors with the cached vector of each of `text_hashes`, in order (empty where the
  // cache has none of `dim` values, e.g. pruned meanwhile).
  virtual Status LoadCachedVectors(std::string_view model_id, int dim,
                                   const std::vector<std::string>& text_hashes,
                                   std::vector<std::vector<float>>* vectors);
  // Bounds the cache: drops the vectors of models no repository of the index uses any more,
  // then the least recently used ones beyond `spare_entries` more than the index has chunks.
  virtual Status PruneVectorCache(int64_t spare_entries);

  // Another connection to the same index, for another writer thread (PostgreSQL: one per
  // worker), or null when the backend writes through one connection (SQLite: one write lock,
  // the default).
  virtual Status OpenWriter(std::unique_ptr<Store>* out) {
    out->reset();
    return Status::Ok();
  }
};

// Opens (creating if needed, and migrating to the current schema version) the index at
// `location`: a filesystem path means SQLite (parent directories are created); a
// postgresql:// (or postgres://) URL means PostgreSQL (store/pg_store.h; the PG* environment
// variables fill what the URL leaves out).
// Errors name the location and the reason (unwritable directory, not a database, ...).
Status OpenStore(const std::string& location, const StoreOptions& options,
                 std::unique_ptr<Store>* out);

// `location` as messages show it: a PostgreSQL URL without its password (user, host, port,
// database); a path as given.
std::string DisplayLocation(const std::string& location);

// Where files derived from the index (the search stage's HNSW graphs) are kept: "<path>.hnsw"
// beside an SQLite file; for PostgreSQL, a directory per server and database under
// $XDG_CACHE_HOME/semdex/ (else ~/.cache/semdex/), or "" (keep none) when neither is set.
std::string IndexSideDirectory(const std::string& location);

// For the backends (sqlite_store, pg_store).

// Unsupported when an index's schema `version` is newer than `latest`, the newest this semdex
// knows; `container` is what the user should index into instead ("location", "database").
Status CheckSchemaNotNewer(int64_t version, int64_t latest, std::string_view container);

// WriteFile's check of the keys it REQUIRES (repository, file path, chunk ids); `what` names the
// write in the error.
Status CheckFileRowKeys(const FileRow& file, const std::string& what);

// The error LoadGraph gives for a graph marked stale (RepositoryState::graph_stale), whatever
// the backend.
Status StaleGraphError(std::string_view repository);

// The stable id of a chunk: xxh3-128 of repository, path, byte span and part, as 32 lowercase
// hex digits. Hashed bytes: repository, NUL, file_path, NUL, then start_byte, end_byte and part
// each as 4 little-endian bytes (part as two's complement).
std::string ChunkId(std::string_view repository, std::string_view file_path, uint32_t start_byte,
                    uint32_t end_byte, int part);

}  // namespace semdex
