// The index summary: JSON (--json, runs.summary) and text in the reference design's layout;
// and the check that an index was embedded with a given model.
#include <fmt/format.h>

#include <map>

#include "pipeline/pipeline.h"

namespace semdex {

nlohmann::json SummaryToJson(const IndexSummary& s) {
  nlohmann::json errors = nlohmann::json::array();
  for (const FileError& e : s.errors) errors.push_back({{"file", e.file}, {"error", e.error}});
  nlohmann::json skipped = nlohmann::json::array();
  for (const FileSkip& k : s.skipped) {
    skipped.push_back({{"file", k.file}, {"reason", k.reason}, {"detail", k.detail}});
  }
  return {
      {"repository", s.repository},
      {"root", s.root},
      {"mode", s.mode},
      {"workers", s.workers},
      {"total_files", s.total_files},
      {"success_files", s.success_files},
      {"error_files", s.error_files},
      {"skipped_files", s.skipped_files},
      {"total_chunks", s.total_chunks},
      {"total_bytes", s.total_bytes},
      {"errors", errors},
      {"skipped", skipped},
      {"graph", {{"nodes", s.graph.nodes}, {"edges", s.graph.edges}, {"rebuilt", s.graph.rebuilt}}},
      {"changes",
       {{"unchanged", s.changes.unchanged},
        {"changed", s.changes.changed},
        {"added", s.changes.added},
        {"deleted", s.changes.deleted},
        {"reused_vectors", s.changes.reused_vectors},
        {"redo_reason", s.changes.redo_reason}}},
      {"interrupted", s.interrupted},
      {"files_to_process", s.files_to_process},
      {"files_done", s.files_done},
      {"embedding",
       {{"model",
         s.embedding.model_id.empty() ? nlohmann::json() : nlohmann::json(s.embedding.model_id)},
        {"dim", s.embedding.dim},
        {"chunks", s.embedding.chunks},
        {"tokens", s.embedding.tokens},
        {"calls", s.embedding.calls},
        {"seconds", s.embedding.seconds}}},
      {"elapsed_s", s.elapsed_s}};
}

nlohmann::json RepositoryStatsToJson(const RepositoryStats& s) {
  nlohmann::json last_run = nullptr;
  if (!s.last_run_json.empty()) {
    last_run = nlohmann::json::parse(s.last_run_json, nullptr, /*allow_exceptions=*/false);
    if (last_run.is_object()) {
      last_run.erase("errors");  // a summary; the run's full lists stay in the index
      last_run.erase("skipped");
      last_run["finished_at"] = s.last_run_at;
    } else {
      last_run = nullptr;
    }
  }
  return {{"repository", s.repository},
          {"root", s.root_path},
          {"files", s.files},
          {"failed_files", s.failed_files},
          {"skipped_files", s.skipped_files},
          {"chunks", s.chunks},
          {"chunks_by_type", s.chunks_by_type},
          {"chunks_by_language", s.chunks_by_language},
          {"model", s.model_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.model_id)},
          {"embedding_dim", s.embedding_dim},
          {"backend", s.backend},
          {"last_run", std::move(last_run)}};
}

std::string FormatSummaryText(const IndexSummary& s) {
  const std::string rule(80, '=');
  std::string out;
  auto line = [&out](std::string text) {
    out += text;
    out += '\n';
  };
  line(rule);
  line(s.error_files == 0 ? "INDEXING COMPLETE" : "INDEXING COMPLETE WITH ERRORS");
  line(rule);
  line(fmt::format("   - Repository: {}", s.repository));
  line(fmt::format("   - Total files: {}", s.total_files));
  int64_t percent = s.total_files > 0 ? s.success_files * 100 / s.total_files : 0;
  line(fmt::format("   - Success: {} ({}%)", s.success_files, percent));
  line(fmt::format("   - Errors: {}", s.error_files));
  line(fmt::format("   - Skipped: {}", s.skipped_files));
  line(fmt::format("   - Total chunks: {}", s.total_chunks));
  if (!s.embedding.model_id.empty()) {
    const double rate =
        s.embedding.seconds > 0 ? static_cast<double>(s.embedding.tokens) / s.embedding.seconds : 0;
    line(fmt::format("   - Embedded chunks: {} ({} tokens, {}, {}-d, {:.0f} tokens/s per call)",
                     s.embedding.chunks, s.embedding.tokens, s.embedding.model_id, s.embedding.dim,
                     rate));
  }
  line(fmt::format("   - Changes: {} new, {} changed, {} deleted, {} unchanged{}", s.changes.added,
                   s.changes.changed, s.changes.deleted, s.changes.unchanged,
                   s.changes.reused_vectors > 0
                       ? fmt::format(" ({} vectors reused)", s.changes.reused_vectors)
                       : ""));
  if (!s.changes.redo_reason.empty()) line(fmt::format("   - Redone: {}", s.changes.redo_reason));
  if (s.graph.rebuilt) {
    line(fmt::format("   - Graph nodes: {}", s.graph.nodes));
    line(fmt::format("   - Graph edges: {}", s.graph.edges));
  } else {
    line("   - Graph: unchanged");
  }
  double rate = s.elapsed_s > 0 ? static_cast<double>(s.total_files) / s.elapsed_s : 0;
  line(fmt::format("   - Elapsed: {:.2f} s ({:.0f} files/s, {}{})", s.elapsed_s, rate, s.mode,
                   s.mode == "parallel" ? fmt::format(", {} workers", s.workers) : ""));

  std::map<std::string, int64_t> by_reason;
  for (const FileSkip& k : s.skipped) by_reason[k.reason]++;
  if (!by_reason.empty()) {
    std::string parts;
    for (const auto& [reason, count] : by_reason) {
      parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", reason, count);
    }
    line(fmt::format("\nSkipped by reason: {}", parts));
  }
  if (!s.errors.empty()) {
    line(fmt::format("\nFailed files ({}):", s.errors.size()));
    for (size_t i = 0; i < s.errors.size() && i < 10; ++i) {
      line(fmt::format("   - {}", s.errors[i].file));
      line(fmt::format("     Error: {}", TruncateUtf8(s.errors[i].error, 100)));
    }
    if (s.errors.size() > 10) line(fmt::format("   ... and {} more", s.errors.size() - 10));
  }
  return out;
}

Status CheckIndexModel(Store* store, const std::string& repository, const Embedder& embedder) {
  RepositoryStats stats;
  if (Status s = store->GetStats(repository, &stats); !s.ok()) return s;
  if (stats.model_id.empty()) {
    return Status::InvalidArgument(
        fmt::format("repository {} has no vectors (it was indexed with --no-embed): re-index it "
                    "with a model, or search it lexically",
                    repository));
  }
  if (stats.model_id != embedder.model_id() || stats.embedding_dim != embedder.dim()) {
    return Status::InvalidArgument(fmt::format(
        "repository {} was embedded with model {} ({}-d), not {} ({}-d): use the same --model "
        "as when it was indexed, or re-index it with this one",
        repository, stats.model_id, stats.embedding_dim, embedder.model_id(), embedder.dim()));
  }
  return Status::Ok();
}

}  // namespace semdex
