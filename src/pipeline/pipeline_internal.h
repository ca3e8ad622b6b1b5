// pipeline_internal: the pieces RunIndex is made of. Internal to src/pipeline/ (and its tests).
//
// A file goes: ProcessFile (read, classify, parse, rows; on a worker) -> a Group (files taken in
// scan order, closed by GroupBuilder's deterministic rule) -> EmbedGroup (one Embed() call for
// all the group's chunks; on a worker) -> the writer, which commits each file of the group in its
// own transaction. Because groups depend only on the scan order and the files' contents, every
// mode (--sequential, any --workers) makes the same Embed() calls with the same texts, so the
// vectors, like every other row, are bit for bit the same.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "embed/embed.h"
#include "pipeline/pipeline.h"

namespace semdex {

using PipelineClock = std::chrono::steady_clock;

// What an incremental run knows about the files it processes before reading them (see
// PlanIndex). Read-only while workers run, so they share it without locks.
struct PriorState {
  // Per file to process (same index): the stored content hash when only the mtime differs (the
  // file is read and, if its hash is the same, not parsed: kUnchanged), else "".
  std::vector<std::string> confirm_hash;
  std::vector<int64_t> stored_chunks;  // per file to process: its stored chunk count (or 0)
  std::vector<bool> is_new;            // per file to process: no stored row
  // Per file to process: "<status>\x1f<reason>\x1f<detail>" of a stored failed or skipped row,
  // else "": the same problem again is not written again.
  std::vector<std::string> stored_problem;
  // Vectors of the current model that chunks may reuse, keyed by the text they were made from
  // (EmbedText): the stored vectors of the changed and deleted files.
  std::unordered_map<std::string, std::vector<float>> vectors;
  // Hashes of the texts (TextHash) the store's vector cache holds a vector of the current model
  // for (Store::ListCachedVectors); listed before the run, read by the writer.
  std::unordered_set<std::string> cached_texts;
};

// What a run does, decided from the scan and the stored rows before any file is read.
struct IndexPlan {
  std::vector<ScannedFile> to_process;  // new, changed, or to confirm by hash; in scan order
  PriorState prior;
  std::vector<std::string> deleted;     // stored files that are gone from the tree
  std::vector<std::string> reuse_from;  // stored files whose vectors may be reused
  std::vector<FileProblem> new_skips;   // skips of the scan not recorded as such yet
  int64_t unchanged = 0;                // files with the stored size and mtime: not read
  int64_t unchanged_chunks = 0;
  std::string redo_reason;     // why every file is redone; "" when only changes are
  bool reuse_vectors = false;  // the stored vectors are all of the current model
  RepositoryState target;      // the state once the run completes (graph_stale false)
};

// PriorState::stored_problem's key of a failed or skipped file.
std::string ProblemKey(std::string_view status, std::string_view reason, std::string_view detail);

// The chunking rules' stamp: kChunkerVersion and the ParseOptions that change chunks.
std::string ChunkerStamp(const ParseOptions& parse);

// Compares the scan with the stored rows and state of the repository. Pure.
IndexPlan PlanIndex(const std::string& repository, const ScanResult& scan,
                    const std::vector<StoredFileState>& stored, const RepositoryState& state,
                    const std::string& model_id, int dim, const ParseOptions& parse);

// Everything a worker learnt about one file; the writer turns it into rows or a problem record.
struct FileResult {
  size_t index = 0;  // in the scan's file list
  FileEvent::Kind kind = FileEvent::Kind::kIndexed;
  FileRow row;  // kIndexed
  SkipReason skip_reason = SkipReason::kUnreadable;
  std::string message;  // kFailed: error; kSkipped: detail
  int syntax_errors = 0;
  uint64_t bytes = 0;
  // kSkipped: the file was gone when read (deleted after the scan listed it): the writer drops
  // its stored rows, as for a file the scan did not find, instead of recording a problem.
  bool vanished = false;
  // kIndexed with an embedder: the tokens the model is fed for each chunk (CountTokens), 0 when
  // the count failed (Embed() then reports why).
  std::vector<uint32_t> chunk_tokens;
  int64_t reused_vectors = 0;  // chunks whose vector came from PriorState::vectors or the cache
  // Per chunk (with an embedder): its vector is to be read from the vector cache (its text hash
  // is in PriorState::cached_texts): not embedded; the writer fills it before the write.
  std::vector<bool> from_cache;
  PipelineClock::time_point started;
};

// Read, classify, parse, build rows and (with an embedder) count each chunk's tokens for one
// file. With `prior`: a file whose hash is prior->confirm_hash[index] is kUnchanged (not
// parsed), and chunks whose text has a vector in prior->vectors get it (token count 0, so they
// weigh nothing in grouping and are not embedded again). A file modified within the last second
// gets mtime_ns 0 in its row, so that the next run confirms it by hash (a write in the same
// timestamp tick would otherwise go unseen). Never throws.
FileResult ProcessFile(size_t index, const ScannedFile& file, const IndexOptions& options,
                       const std::string& repository, Parser* parser,
                       const PriorState* prior = nullptr);

// The text a chunk's vector is made from: its source code, or, when that is blank, its qualified
// name (else name, else kind), so that every chunk of an indexed file gets a vector.
std::string_view EmbedText(const ChunkRow& chunk);

// The vector cache's key of a text: xxh3-128 hex (ChunkRow::embedding_text_hash).
std::string TextHash(std::string_view text);

// Consecutive files (in scan order) whose chunks are embedded by one Embed() call.
struct Group {
  std::vector<FileResult> files;  // in scan order
  uint64_t tokens = 0;            // sum of the files' chunk_tokens
};

// Forms groups from files fed in scan order. A group closes when its tokens reach
// `token_budget`, when it holds `max_files` files, or at the last file; without an embedder
// (token_budget 0) every file is a group of its own. The rule sees only the files' order and
// token counts, never timing.
class GroupBuilder {
 public:
  GroupBuilder(uint64_t token_budget, size_t max_files, size_t total_files)
      : token_budget_(token_budget),
        max_files_(max_files == 0 ? 1 : max_files),
        remaining_(total_files) {}

  // Adds the next file in scan order; returns true when that closed the group, which Take()
  // then hands out.
  bool Add(FileResult file);
  Group Take();

 private:
  uint64_t token_budget_;
  size_t max_files_;
  size_t remaining_;
  Group open_;
};

// What embedding one group cost; summed into IndexSummary::embedding.
struct EmbedCounts {
  int64_t chunks = 0;
  int64_t tokens = 0;
  int64_t calls = 0;
  double seconds = 0;
};

// Fills the empty embedding_code of the chunks of the group's indexed files with one Embed() call
// (texts sorted by token count, so models that pad waste little). If that call rejects a text
// (InvalidArgument), each file is embedded on its own and the files whose texts are rejected are
// marked failed; any other error (a model or endpoint failure) marks every indexed file of the
// group failed with that error. Deterministic: the same group gives the same calls and vectors.
void EmbedGroup(const Embedder& embedder, Group* group, EmbedCounts* counts);

}  // namespace semdex
