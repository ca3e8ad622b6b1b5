// PlanIndex: what an incremental run must do, from the scan and the stored rows.
#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "pipeline/pipeline_internal.h"

namespace semdex {
namespace {

std::string Describe(const std::optional<std::string>& model, int dim) {
  if (!model) return "vectors of mixed models (an interrupted run)";
  if (model->empty()) return "no vectors";
  return fmt::format("{} ({}-d)", *model, dim);
}

// Why every file must be redone, or "" when the stored rows were made as this run makes them.
std::string RedoReason(const RepositoryState& state, const std::vector<StoredFileState>& stored,
                       const std::string& model_id, int dim, const std::string& stamp) {
  if (!state.recorded) {
    if (stored.empty()) return "";
    return "the index does not record the model and chunking rules of its rows (made by an older "
           "semdex): every file is redone";
  }
  if (!state.chunker_stamp) {
    return "an interrupted run left rows of mixed chunking rules: every file is re-chunked";
  }
  if (*state.chunker_stamp != stamp) {
    return fmt::format("the chunking rules changed ({} -> {}): every file is re-chunked",
                       *state.chunker_stamp, stamp);
  }
  if (!state.model_id || *state.model_id != model_id || state.embedding_dim != dim) {
    return fmt::format("the model changed ({} -> {}): every chunk is re-embedded",
                       Describe(state.model_id, state.embedding_dim), Describe(model_id, dim));
  }
  return "";
}

}  // namespace

std::string ProblemKey(std::string_view status, std::string_view reason, std::string_view detail) {
  return fmt::format("{}\x1f{}\x1f{}", status, reason, detail);
}

std::string ChunkerStamp(const ParseOptions& parse) {
  return fmt::format("v{}/lines{}/bytes{}", kChunkerVersion, parse.max_chunk_lines,
                     parse.max_chunk_bytes);
}

IndexPlan PlanIndex(const std::string& repository, const ScanResult& scan,
                    const std::vector<StoredFileState>& stored, const RepositoryState& state,
                    const std::string& model_id, int dim, const ParseOptions& parse) {
  IndexPlan plan;
  const std::string stamp = ChunkerStamp(parse);
  plan.redo_reason = RedoReason(state, stored, model_id, dim, stamp);
  const bool model_same =
      state.recorded && state.model_id && *state.model_id == model_id && state.embedding_dim == dim;
  plan.reuse_vectors = model_same && !model_id.empty();
  plan.target.recorded = true;
  plan.target.model_id = model_id;
  plan.target.embedding_dim = dim;
  plan.target.chunker_stamp = stamp;

  std::unordered_map<std::string_view, const StoredFileState*> by_path;
  by_path.reserve(stored.size());
  for (const StoredFileState& f : stored) by_path.emplace(f.file_path, &f);
  std::unordered_set<std::string_view> present;
  present.reserve(scan.files.size() + scan.skipped.size());

  const bool redo = !plan.redo_reason.empty();
  for (const ScannedFile& file : scan.files) {
    present.insert(file.path);
    auto it = by_path.find(file.path);
    const StoredFileState* old = it == by_path.end() ? nullptr : it->second;
    const bool indexed = old != nullptr && old->status == "indexed";
    if (!redo && indexed && old->size_bytes == file.size_bytes && old->mtime_ns != 0 &&
        old->mtime_ns == file.mtime_ns) {
      plan.unchanged++;
      plan.unchanged_chunks += old->chunk_count;
      continue;
    }
    const bool confirm = !redo && indexed && old->size_bytes == file.size_bytes;
    plan.to_process.push_back(file);
    plan.prior.confirm_hash.push_back(confirm ? old->content_hash : std::string());
    plan.prior.stored_chunks.push_back(indexed ? old->chunk_count : 0);
    plan.prior.is_new.push_back(old == nullptr);
    plan.prior.stored_problem.push_back(old == nullptr || indexed || redo
                                            ? std::string()
                                            : ProblemKey(old->status, old->reason, old->detail));
    if (indexed) plan.reuse_from.push_back(file.path);
  }
  for (const SkippedPath& skip : scan.skipped) {
    if (skip.path.empty() || skip.path.back() == '/') continue;  // directories: not recorded
    present.insert(skip.path);
    const std::string reason(SkipReasonName(skip.reason));
    auto it = by_path.find(skip.path);
    if (!redo && it != by_path.end() && it->second->status == "skipped" &&
        it->second->reason == reason && it->second->detail == skip.detail) {
      continue;  // recorded as such already
    }
    plan.new_skips.push_back({repository, skip.path, "skipped", reason, skip.detail});
  }
  for (const StoredFileState& f : stored) {
    if (present.count(f.file_path) != 0) continue;
    plan.deleted.push_back(f.file_path);
    if (f.status == "indexed") plan.reuse_from.push_back(f.file_path);
  }
  if (!plan.reuse_vectors) plan.reuse_from.clear();
  return plan;
}

}  // namespace semdex
