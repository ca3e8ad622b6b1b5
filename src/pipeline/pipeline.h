// pipeline: the only stage that knows every other one. It runs an index job
// (cleanup -> scan -> process files -> graph -> summary) sequentially or on a pool of threads,
// and turns its outcome into the summary the CLI prints.
//
// Threads: with `workers` = N, N worker threads each read and parse files (taken from a shared
// cursor, each thread with its own tree-sitter parser) and embed groups of files (one Embed()
// call per group, on the one Embedder all threads share); the calling thread is the writer and
// commits each file in its own transaction once all of its chunks have vectors. Files are
// grouped in scan order by a rule that sees only their token counts (pipeline_internal.h), so
// every mode makes the same Embed() calls: sequential mode (everything on the calling thread,
// in file order), --workers 1 and --workers N produce the same rows, vectors included, bit for
// bit.
//
// Incremental runs (the default; --full deletes the repository's rows first): after the scan the
// stored file rows are compared with the tree (PlanIndex). A file whose size and mtime equal its
// row's is not read; one whose size is equal but mtime not is read and, when its xxh3 equals the
// stored hash, only its mtime is updated; every other file is processed as above, and its chunks
// reuse the stored vectors of the changed and deleted files whose text (EmbedText) is the same,
// else the vector cache's (Store::ListCachedVectors: vectors by model and text hash, written
// with each file's rows and kept after they go, so a text removed and later restored is not
// embedded again; pruned after runs, PruneVectorCache), so only new texts reach Embed() (a
// renamed file costs no Embed() call). The writer reads cached vectors just before it writes
// the file; which chunks take one is decided before the run, so every mode still makes the same
// Embed() calls. Stored files no longer in the tree are deleted. The repository's state
// (Store::GetRepositoryState) records the model and the chunking rules (ChunkerStamp) every row was
// made with: when either differs, every file is redone (vectors reused only when the model is the
// same), and the summary says why. The graph is recomputed from the store, whole, when anything
// changed (so it equals a full rebuild's), and not at all when nothing did; the store writes only
// the graph rows that differ from the stored ones (Store::ReplaceGraph), which after a small change
// are few.
//
// Crash safety: each file's rows are written (or deleted) in one transaction. Before its first
// change a run marks the graph stale (RepositoryState::graph_stale), and clears the mark once
// the recomputed graph is written; while the mark is set the graph is never served
// (Store::LoadGraph) and `semdex check` reports it. A run that changes the model or rules first
// records them as mixed, and the new ones only when every file is done. So a run killed at any
// point leaves no partial file and no stale graph taken for fresh, and the next run sees what
// is left to do. One process at a time indexes a repository
// (Store::LockRepository). IndexOptions::cancel stops a run between files.
//
// Memory does not grow with N beyond a thread's stack: at most `embed_concurrency` Embed()
// calls (each with its model scratch memory) run at once, however many workers there are, and
// files parsed but not yet committed are bounded by a window of files (in_flight_files), not by
// N or the repository's size.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embed/embed.h"
#include "parse/parse.h"
#include "scan/scan.h"
#include "store/store.h"
#include "util/util.h"

namespace semdex {

// What happened to one file; reported to IndexOptions::on_file as files finish.
struct FileEvent {
  std::string path;
  // kUnchanged: read, and its content hash is the stored one (not parsed; mtime updated).
  enum class Kind { kIndexed, kFailed, kSkipped, kUnchanged } kind = Kind::kIndexed;
  int64_t chunks = 0;
  int syntax_errors = 0;
  std::string message;  // failed: the error; skipped: "<reason>: <detail>"
  double seconds = 0;   // read + parse + write time
};

struct IndexOptions {
  std::string root;        // directory to index
  std::string repository;  // defaults to the root's base name when empty
  int workers = 1;         // parse threads (>= 1); ignored when sequential
  bool sequential = false;
  bool full = false;  // clean the repository's rows before indexing (else: incremental)
  ScanOptions scan;
  ParseOptions parse;
  // The model chunks are embedded with (shared by all workers; outlives the run); nullptr:
  // --no-embed, chunks get no vector.
  const Embedder* embedder = nullptr;
  // Grouping (pipeline_internal.h): a group of consecutive files closes at this many tokens or
  // this many files. Bigger groups mean fewer, fuller Embed() calls and more files in flight.
  uint64_t embed_group_tokens = 4096;
  size_t embed_group_files = 64;
  // Most Embed() calls at once; 0: min(workers, hardware threads). Each running call holds the
  // model's scratch memory, so this, not `workers`, sets the embedding stage's memory.
  int embed_concurrency = 0;
  // Called on the writer thread after each file's outcome is final (indexed/failed/skipped).
  std::function<void(const FileEvent&, int64_t done, int64_t total)> on_file;
  // Called once after the scan with the number of files to process.
  std::function<void(int64_t total)> on_scanned;
  // Called once after the scan, before anything is written, with what the scan found (semdex
  // watch watches the directories it walked).
  std::function<void(const ScanResult&)> on_scan;
  // The caller holds Store::LockRepository for the repository already (semdex watch holds it
  // while it watches), so RunIndex does not take it.
  bool caller_holds_lock = false;
  // When it becomes true (e.g. set by a signal handler) the run stops: no file is started or
  // committed after that, files in flight are dropped (nothing of them is written), the graph
  // is left stale, and RunIndex returns OK with summary.interrupted set. The next run completes.
  const std::atomic<bool>* cancel = nullptr;
};

struct FileError {
  std::string file;
  std::string error;
};

struct FileSkip {
  std::string file;
  std::string reason;  // SkipReasonName()
  std::string detail;
};

struct IndexSummary {
  std::string repository;
  std::string root;
  std::string mode;  // "sequential" or "parallel"
  int workers = 1;
  int64_t total_files = 0;  // success + error + skipped files (ignored directories not counted)
  int64_t success_files = 0;
  int64_t error_files = 0;
  int64_t skipped_files = 0;  // skipped files (not directories)
  int64_t total_chunks = 0;
  int64_t total_bytes = 0;        // bytes of the files read
  std::vector<FileError> errors;  // sorted by file
  std::vector<FileSkip> skipped;  // files and ignored directories (ending in '/'), sorted
  struct Embedding {
    std::string model_id;  // "" with --no-embed
    int dim = 0;
    int64_t chunks = 0;  // chunks given a vector
    int64_t tokens = 0;  // tokens the model was fed for them
    int64_t calls = 0;   // Embed() calls
    double seconds = 0;  // time inside Embed(), summed over threads
  } embedding;
  struct Graph {
    int64_t nodes = 0;  // graph rows written after the files (graph/graph.h); 0 when not rebuilt
    int64_t edges = 0;
    bool rebuilt = false;  // false: nothing changed, the stored graph stands
  } graph;
  // Incremental: what the run found changed (files counted once each).
  struct Changes {
    int64_t unchanged = 0;       // not parsed: same size and mtime, or same content hash
    int64_t changed = 0;         // re-chunked (stored before)
    int64_t added = 0;           // new
    int64_t deleted = 0;         // rows deleted: no longer in the tree
    int64_t reused_vectors = 0;  // chunks given a stored or cached vector, not an Embed() call
    std::string redo_reason;     // why every file was redone ("" when not)
  } changes;
  // Cancelled (IndexOptions::cancel): files_done of files_to_process were committed.
  bool interrupted = false;
  int64_t files_to_process = 0;
  int64_t files_done = 0;
  double elapsed_s = 0;
};

// The repository a run with `options` writes: options.repository, else the root's base name.
std::string RepositoryNameFor(const IndexOptions& options);

// Runs one index job into `store`. Returns non-OK only for errors that stop the whole job
// (root missing or not a directory, database failure outside a file's transaction); per-file
// failures are counted in `summary` and the job goes on.
Status RunIndex(const IndexOptions& options, Store* store, IndexSummary* summary);

// The summary as one JSON object (the --json output and the runs table's summary column).
nlohmann::json SummaryToJson(const IndexSummary& summary);

// A repository's stats as one JSON object (semdex stats --json, the MCP get_indexing_status
// tool): counts, model, and the last run's summary without its per-file lists ("last_run",
// null when there is none).
nlohmann::json RepositoryStatsToJson(const RepositoryStats& stats);

// The summary as text, in the reference design's layout.
std::string FormatSummaryText(const IndexSummary& summary);

// Checks that the vectors of `repository` in `store` were made by `embedder`'s model (same model
// id and dimension), so that a query embedded with it can be compared with them. NotFound when
// the repository is not in the index; InvalidArgument naming both models when it was embedded
// with another model, or naming --no-embed when it has no vectors.
Status CheckIndexModel(Store* store, const std::string& repository, const Embedder& embedder);

// Process exit code for a finished job: 0 all files indexed or skipped, 1 some failed.
int ExitCodeFor(const IndexSummary& summary);

// Converts one parsed file into the rows the store writes (chunk ids, metadata JSON).
FileRow MakeFileRow(const std::string& repository, const ScannedFile& file,
                    const std::string& content_hash, bool utf8_repaired, const ParsedFile& parsed);

// A one-line progress bar (files done/total, chunks, files/s, ETA) redrawn in place. Draws
// only when `enabled` (the CLI enables it when the stream is a terminal and output is not
// --json), so off a terminal nothing with control characters is written.
// Thread-compatible: call from the writer thread only.
class ProgressBar {
 public:
  ProgressBar(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}
  void Start(int64_t total);
  // Redraws at most ~10 times a second, and always for the last file.
  void Update(int64_t done, int64_t chunks);
  // Prints a log line above the bar (used by --verbose); works when disabled too.
  void Log(const std::string& line);
  // Clears the bar so the summary starts on a clean line.
  void Finish();

 private:
  void Draw();
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  int64_t total_ = 0;
  int64_t done_ = 0;
  int64_t chunks_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace semdex
