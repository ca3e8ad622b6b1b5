// store: where an index lives. The Store interface hides the database (SQLite by default;
// PostgreSQL later) behind per-file atomic writes and a few queries.
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

struct StoreOptions {
  // Test hook: called before each chunk row is inserted by WriteFile; returning false makes
  // that write fail (and roll back) as a database error would.
  std::function<bool(const FileRow&, size_t chunk_index)> fault_injector;
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
  // stored or nothing changed. The repository's rows are those of its nodes (properties
  // ->>'repository'), of the edges leaving them, and the metrics and metadata of either.
  // REQUIRES: every node's properties name `repository`; every edge's source and target, weight,
  // metrics row and metadata row refer to a node of `rows` (else InvalidArgument, nothing
  // written); JSON fields hold valid JSON.
  virtual Status ReplaceGraph(std::string_view repository, const GraphRows& rows) = 0;

  // Counts for `repository`; NotFound if it was never indexed.
  virtual Status GetStats(std::string_view repository, RepositoryStats* out) = 0;
  // Every repository in the index, sorted.
  virtual Status ListRepositories(std::vector<std::string>* out) = 0;
};

// Opens (creating if needed, and migrating to the current schema version) the index at
// `location`: a filesystem path means SQLite (parent directories are created); a
// postgresql:// URL is not supported yet (Unsupported).
// Errors name the location and the reason (unwritable directory, not a database, ...).
Status OpenStore(const std::string& location, const StoreOptions& options,
                 std::unique_ptr<Store>* out);

// The stable id of a chunk: xxh3-128 of repository, path, byte span and part, as 32 lowercase
// hex digits. Hashed bytes: repository, NUL, file_path, NUL, then start_byte, end_byte and part
// each as 4 little-endian bytes (part as two's complement).
std::string ChunkId(std::string_view repository, std::string_view file_path, uint32_t start_byte,
                    uint32_t end_byte, int part);

}  // namespace semdex
