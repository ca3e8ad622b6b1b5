// semdex index DIR [--repository NAME] [--workers N] [--sequential] [--verbose] [--db PATH]
//                  [--no-embed | --model NAME|PATH|URL [--precision fp32|int8|bf16]] [--full]
//                  [--json] [--max-file-size BYTES]
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <memory>

#include "cli/commands.h"
#include "cli/index_setup.h"
#include "pipeline/pipeline.h"

namespace semdex::cli {
namespace {

int RunIndexCommand(const IndexFlags& flags) {
  IndexSetup setup;
  if (int code = PrepareIndex("index", flags, &setup); code != 0) return code;
  IndexOptions& options = setup.options;
  InstallStopSignals();

  ProgressBar progress(stderr, !flags.json && ::isatty(STDERR_FILENO) != 0);
  int64_t chunks = 0;
  options.on_scanned = [&](int64_t total) { progress.Start(total); };
  options.on_file = [&](const FileEvent& e, int64_t done, int64_t total) {
    chunks += e.chunks;
    if (flags.verbose) progress.Log(FileEventLine(e, done, total));
    progress.Update(done, chunks);
  };

  IndexSummary summary;
  Status s = RunIndex(options, setup.store.get(), &summary);
  progress.Finish();
  if (!s.ok()) {
    fmt::print(stderr, "semdex index: error: {}\n", s.ToString());
    return 2;
  }
  if (summary.interrupted || StopFlag().load()) {
    const int signal = StopSignal();
    fmt::print(stderr,
               "semdex index: interrupted: {} of {} files done (the index is consistent; run "
               "semdex index again to finish)\n",
               summary.files_done, summary.files_to_process);
    return 128 + (signal != 0 ? signal : SIGINT);
  }
  if (!summary.changes.redo_reason.empty()) {
    fmt::print(stderr, "semdex index: {}\n", summary.changes.redo_reason);
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
  AddIndexFlags(cmd, flags.get(),
                "Delete the repository's rows and rebuild from scratch (default: re-index only "
                "what changed since the last run)",
                "Print the summary as one JSON object on stdout");
  cmd->footer(
      "Exit codes: 0 every file indexed or skipped with a reason; 1 some files failed (listed; "
      "the rest are committed); 2 usage, input, model or database errors; 130/143 stopped by "
      "SIGINT/SIGTERM (the index is consistent; run again to finish)");
  return [flags] { return RunIndexCommand(*flags); };
}

}  // namespace semdex::cli
