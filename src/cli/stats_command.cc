// semdex stats [--repository NAME] [--json] [--db PATH]
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "pipeline/pipeline.h"
#include "store/store.h"

namespace semdex::cli {
namespace {

struct StatsFlags {
  std::string repository;
  std::string db;
  bool json = false;
};

std::string JoinCounts(const std::map<std::string, int64_t>& counts) {
  std::string out;
  for (const auto& [key, n] : counts)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", key, n);
  return out.empty() ? "-" : out;
}

std::string StatsText(const RepositoryStats& s) {
  std::string out = fmt::format("Repository: {}{}\n", s.repository,
                                s.root_path.empty() ? "" : fmt::format(" ({})", s.root_path));
  out += fmt::format("  Files: {} indexed, {} failed, {} skipped\n", s.files, s.failed_files,
                     s.skipped_files);
  out += fmt::format("  Chunks: {}\n", s.chunks);
  out += fmt::format("    by type: {}\n", JoinCounts(s.chunks_by_type));
  out += fmt::format("    by language: {}\n", JoinCounts(s.chunks_by_language));
  out += fmt::format("  Model: {}\n", s.model_id.empty()
                                          ? "none (indexed with --no-embed)"
                                          : fmt::format("{} ({}-d)", s.model_id, s.embedding_dim));
  if (!s.backend.empty()) out += fmt::format("  Backend: {}\n", s.backend);
  nlohmann::json run = nlohmann::json::parse(s.last_run_json, nullptr, false);
  if (!run.is_discarded() && run.is_object()) {
    out += fmt::format("  Last run: {} ({}, {} workers, {} files, {:.2f} s)\n", s.last_run_at,
                       run.value("mode", "?"), run.value("workers", 0), run.value("total_files", 0),
                       run.value("elapsed_s", 0.0));
  } else {
    out += "  Last run: none finished\n";
  }
  return out;
}

int RunStatsCommand(const StatsFlags& flags) {
  std::string location;
  if (Status s = ResolveDbLocation(flags.db, &location); !s.ok()) {
    fmt::print(stderr, "semdex stats: error: {}\n", s.message());
    return 2;
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(location, StoreOptions(), &store); !s.ok()) {
    fmt::print(stderr, "semdex stats: error: {}\n", s.ToString());
    return 2;
  }
  std::vector<std::string> names;
  if (!flags.repository.empty()) {
    names.push_back(flags.repository);
  } else if (Status s = store->ListRepositories(&names); !s.ok()) {
    fmt::print(stderr, "semdex stats: error: {}\n", s.ToString());
    return 2;
  }
  nlohmann::json all = nlohmann::json::array();
  std::string text;
  for (const std::string& name : names) {
    RepositoryStats stats;
    if (Status s = store->GetStats(name, &stats); !s.ok()) {
      fmt::print(stderr, "semdex stats: error: {}\n", s.ToString());
      return 2;
    }
    all.push_back(RepositoryStatsToJson(stats));
    text += StatsText(stats);
  }
  auto dump = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (flags.json) {
    fmt::print("{}\n", flags.repository.empty() ? dump({{"repositories", all}}) : dump(all[0]));
  } else {
    fmt::print("{}", names.empty() ? "No repositories indexed yet.\n" : text);
  }
  return 0;
}

}  // namespace

CommandRunner AddStatsCommand(CLI::App* app) {
  auto flags = std::make_shared<StatsFlags>();
  CLI::App* cmd = app->add_subcommand(
      "stats", "Show files, chunks by type and language, model and last run per repository");
  cmd->add_option("--repository", flags->repository,
                  "Only this repository (default: every repository in the index)");
  AddDbOption(cmd, &flags->db);
  cmd->add_flag("--json", flags->json, "Print as JSON on stdout");
  return [flags] { return RunStatsCommand(*flags); };
}

}  // namespace semdex::cli
