// semdex watch DIR [the options of semdex index]: index DIR, then keep the index current as files
// change (src/watch/watch.h explains the design).
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <memory>

#include "cli/commands.h"
#include "cli/index_setup.h"
#include "watch/watch.h"

namespace semdex::cli {
namespace {

// "3 changed, 1 added, 2 deleted" (the parts that are not zero), or "no indexed file changed".
std::string DescribeChanges(const IndexSummary& s) {
  std::string out;
  auto add = [&](int64_t n, std::string_view what) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", n, what);
  };
  add(s.changes.changed, "changed");
  add(s.changes.added, "added");
  add(s.changes.deleted, "deleted");
  add(s.error_files, "failed");
  return out.empty() ? "no indexed file changed" : out;
}

std::string BatchLine(const WatchBatch& b) {
  const IndexSummary& s = b.summary;
  std::string head =
      b.number == 0 ? fmt::format("indexed {} files ({} chunks)", s.total_files, s.total_chunks)
                    : fmt::format("batch {} ({}, {} events)", b.number, b.trigger, b.events);
  std::string line = fmt::format("semdex watch: {}: {}; searchable after {:.3f} s", head,
                                 DescribeChanges(s), b.wait_s + b.searchable_s);
  if (s.graph.rebuilt) line += fmt::format(", graph after {:.3f} s", b.wait_s + s.elapsed_s);
  if (b.number == 0) line += fmt::format("; watching {} directories", b.directories);
  for (const FileError& e : s.errors) line += fmt::format("\n  failed: {}: {}", e.file, e.error);
  if (!s.changes.redo_reason.empty()) line += fmt::format("\n  {}", s.changes.redo_reason);
  return line;
}

nlohmann::json BatchJson(const WatchBatch& b) {
  nlohmann::json summary = SummaryToJson(b.summary);
  summary.erase("skipped");  // every batch would repeat it; skipped_files counts them
  return {{"batch", b.number},  {"trigger", b.trigger},           {"events", b.events},
          {"wait_s", b.wait_s}, {"searchable_s", b.searchable_s}, {"directories", b.directories},
          {"summary", summary}};
}

int RunWatchCommand(const IndexFlags& flags) {
  IndexSetup setup;
  if (int code = PrepareIndex("watch", flags, &setup); code != 0) return code;
  InstallStopSignals();
  WatchOptions options;
  options.index = setup.options;

  // The progress bar is for the initial run only; batches print one line each.
  ProgressBar progress(stderr, !flags.json && ::isatty(STDERR_FILENO) != 0);
  ProgressBar quiet(stderr, false);
  ProgressBar* bar = &progress;
  int64_t chunks = 0;
  options.index.on_scanned = [&](int64_t total) {
    chunks = 0;
    bar->Start(total);
  };
  options.index.on_file = [&](const FileEvent& e, int64_t done, int64_t total) {
    chunks += e.chunks;
    if (flags.verbose) bar->Log(FileEventLine(e, done, total));
    bar->Update(done, chunks);
  };
  options.on_batch = [&](const WatchBatch& b) {
    bar->Finish();
    bar = &quiet;
    if (flags.json) {
      fmt::print("{}\n",
                 BatchJson(b).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      std::fflush(stdout);
    } else {
      fmt::print(stderr, "{}\n", BatchLine(b));
    }
  };

  WatchResult result;
  Status s = RunWatch(options, setup.store.get(), &result);
  progress.Finish();
  if (!s.ok()) {
    fmt::print(stderr, "semdex watch: error: {}\n", s.ToString());
    return 2;
  }
  const int signal = StopSignal() != 0 ? StopSignal() : SIGINT;
  if (result.interrupted) {
    fmt::print(stderr,
               "semdex watch: interrupted during a batch (the index is consistent; run semdex "
               "index to finish)\n");
    return 128 + signal;
  }
  fmt::print(stderr, "semdex watch: stopped{}\n",
             result.pending_events > 0
                 ? fmt::format(" ({} changes seen since the last batch are not indexed; run "
                               "semdex index to pick them up)",
                               result.pending_events)
                 : std::string());
  return 0;
}

}  // namespace

CommandRunner AddWatchCommand(CLI::App* app) {
  auto flags = std::make_shared<IndexFlags>();
  CLI::App* cmd = app->add_subcommand(
      "watch",
      "Index a source tree, then keep the index current as files change (inotify; a saved "
      "change is re-indexed after 50 ms of quiet). Holds the repository's lock while it "
      "watches, so `semdex index` of the same repository is refused meanwhile. Ctrl-C or "
      "SIGTERM stops it: exit 0 when it was waiting for changes (the normal way to end a "
      "watch), 130/143 when it interrupted a batch (the index is consistent but behind the "
      "tree, as after an interrupted semdex index), 2 on errors (DIR missing, inotify limits, "
      "the lock held by another process, database errors)");
  AddIndexFlags(cmd, flags.get(),
                "Delete the repository's rows and rebuild from scratch before watching "
                "(default: the first run re-indexes only what changed since the last run)",
                "Print one JSON object per batch on stdout (the batch, its trigger and the "
                "index summary without the list of skipped files)");
  return [flags] { return RunWatchCommand(*flags); };
}

}  // namespace semdex::cli
