// The index summary: JSON (--json, runs.summary) and text in the reference design's layout.
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
  return {{"repository", s.repository},
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
          {"graph", {{"nodes", s.graph.nodes}, {"edges", s.graph.edges}}},
          {"elapsed_s", s.elapsed_s}};
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
  line(fmt::format("   - Graph nodes: {}", s.graph.nodes));
  line(fmt::format("   - Graph edges: {}", s.graph.edges));
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

}  // namespace semdex
