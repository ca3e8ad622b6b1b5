// semdex index DIR [--repository NAME] [--workers N] [--sequential] [--verbose] [--db PATH]
//                  [--no-embed] [--full] [--json] [--max-file-size BYTES]
#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "cli/commands.h"
#include "pipeline/pipeline.h"

namespace semdex::cli {
namespace {

struct IndexFlags {
  std::string dir;
  std::string repository;
  int workers = 0;
  bool sequential = false;
  bool verbose = false;
  std::string db;
  bool no_embed = false;
  bool full = false;
  bool json = false;
  uint64_t max_file_size = 1 << 20;
};

int RunIndexCommand(const IndexFlags& flags) {
  if (!flags.no_embed) {
    fmt::print(stderr,
               "semdex index: error: the embedding engine is not available in this build yet; "
               "run with --no-embed for a lexical and graph index\n");
    return 2;
  }
  std::string location;
  if (Status s = ResolveDbLocation(flags.db, &location); !s.ok()) {
    fmt::print(stderr, "semdex index: error: {}\n", s.message());
    return 2;
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(location, StoreOptions(), &store); !s.ok()) {
    fmt::print(stderr, "semdex index: error: {}\n", s.ToString());
    return 2;
  }

  IndexOptions options;
  options.root = flags.dir;
  options.repository = flags.repository;
  options.sequential = flags.sequential;
  options.workers = flags.workers > 0
                        ? flags.workers
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.full = flags.full;
  options.scan.max_file_bytes = flags.max_file_size;

  ProgressBar progress(stderr, !flags.json && ::isatty(STDERR_FILENO) != 0);
  int64_t chunks = 0;
  options.on_scanned = [&](int64_t total) { progress.Start(total); };
  options.on_file = [&](const FileEvent& e, int64_t done, int64_t total) {
    chunks += e.chunks;
    if (flags.verbose) {
      std::string what =
          e.kind == FileEvent::Kind::kIndexed
              ? fmt::format("{} chunks", e.chunks)
              : (e.kind == FileEvent::Kind::kFailed ? "FAILED: " : "skipped: ") + e.message;
      if (e.kind == FileEvent::Kind::kIndexed && e.syntax_errors > 0) {
        what += fmt::format(", {} syntax errors", e.syntax_errors);
      }
      progress.Log(
          fmt::format("[{}/{}] {}: {} ({:.1f} ms)", done, total, e.path, what, e.seconds * 1000));
    }
    progress.Update(done, chunks);
  };

  IndexSummary summary;
  Status s = RunIndex(options, store.get(), &summary);
  progress.Finish();
  if (!s.ok()) {
    fmt::print(stderr, "semdex index: error: {}\n", s.ToString());
    return 2;
  }
  if (flags.json) {
    fmt::print("{}\n", SummaryToJson(summary).dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{}", FormatSummaryText(summary));
  }
  return ExitCodeFor(summary);
}

}  // namespace

CommandRunner AddIndexCommand(CLI::App* app) {
  auto flags = std::make_shared<IndexFlags>();
  CLI::App* cmd = app->add_subcommand("index", "Index a source tree into the database");
  cmd->add_option("DIR", flags->dir, "Directory to index")->required();
  cmd->add_option("--repository", flags->repository, "Repository name (default: DIR's base name)");
  cmd->add_option("--workers", flags->workers,
                  "Parse worker threads (default: the number of cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--sequential", flags->sequential,
                "Run everything on one thread, in file order (same index as parallel)");
  cmd->add_flag("--verbose", flags->verbose, "Log each file to stderr");
  AddDbOption(cmd, &flags->db);
  cmd->add_flag("--no-embed", flags->no_embed, "Skip embeddings (lexical and graph index only)");
  cmd->add_flag("--full", flags->full, "Delete the repository's rows and rebuild from scratch");
  cmd->add_flag("--json", flags->json, "Print the summary as one JSON object on stdout");
  cmd->add_option("--max-file-size", flags->max_file_size,
                  "Skip files larger than this many bytes (default: 1048576)")
      ->check(CLI::PositiveNumber);
  return [flags] { return RunIndexCommand(*flags); };
}

}  // namespace semdex::cli
