// semdex check [--repository NAME] [--db PATH]: verifies the index's integrity (orphan rows, chunk
// counts, vectors, schema version, graphs left stale by an interrupted run).
// Exit codes: 0 no problem; 1 problems found (listed on stdout); 2 usage or database errors.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "store/store.h"

namespace semdex::cli {
namespace {

struct CheckFlags {
  std::string repository;
  std::string db;
};

int RunCheckCommand(const CheckFlags& flags) {
  std::string location;
  if (Status s = ResolveDbLocation(flags.db, &location); !s.ok()) {
    fmt::print(stderr, "semdex check: error: {}\n", s.message());
    return 2;
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(location, StoreOptions(), &store); !s.ok()) {
    fmt::print(stderr, "semdex check: error: {}\n", s.ToString());
    return 2;
  }
  if (!flags.repository.empty()) {
    RepositoryStats stats;
    if (Status s = store->GetStats(flags.repository, &stats); !s.ok()) {
      fmt::print(stderr, "semdex check: error: {}\n", s.message());
      return 2;
    }
  }
  std::vector<std::string> problems;
  if (Status s = store->CheckIntegrity(flags.repository, &problems); !s.ok()) {
    fmt::print(stderr, "semdex check: error: {}\n", s.ToString());
    return 2;
  }
  for (const std::string& p : problems) fmt::print("problem: {}\n", p);
  if (!problems.empty()) {
    fmt::print("{} problem{} found in {}\n", problems.size(), problems.size() == 1 ? "" : "s",
               DisplayLocation(location));
    return 1;
  }
  fmt::print("ok: {}{}\n", DisplayLocation(location),
             flags.repository.empty() ? "" : fmt::format(" (repository {})", flags.repository));
  return 0;
}

}  // namespace

CommandRunner AddCheckCommand(CLI::App* app) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* cmd = app->add_subcommand("check", "Verify the integrity of the index");
  cmd->add_option("--repository", flags->repository,
                  "Check only this repository (default: the whole index)");
  cmd->footer(
      "Exit codes: 0 no problem; 1 problems found (one \"problem:\" line each on stdout); 2 "
      "usage or database errors");
  AddDbOption(cmd, &flags->db);
  return [flags] { return RunCheckCommand(*flags); };
}

}  // namespace semdex::cli
