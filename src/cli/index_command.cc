// semdex index DIR [--repository NAME] [--workers N] [--sequential] [--verbose] [--db PATH]
//                  [--no-embed | --model NAME|PATH|URL [--precision fp32|int8|bf16]] [--full]
//                  [--json] [--max-file-size BYTES]
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
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
  std::string model = "default";
  std::string precision = "fp32";
  bool full = false;
  bool json = false;
  uint64_t max_file_size = 1 << 20;
};

// SIGINT/SIGTERM stop the run between files (IndexOptions::cancel); a second signal has the
// default effect (SA_RESETHAND), which leaves the index consistent too: every file is its own
// transaction.
std::atomic<bool> g_cancel{false};
std::atomic<int> g_signal{0};

void OnSignal(int signal) {
  g_signal.store(signal);
  g_cancel.store(true);
}

void InstallSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int RunIndexCommand(const IndexFlags& flags) {
  // The model loads before the index is opened: a model that cannot load stops the run before
  // anything is written.
  std::unique_ptr<Embedder> embedder;
  if (!flags.no_embed) {
    EmbedderOptions embed_options;
    // Tokens per forward pass. Each concurrent Embed() call holds scratch memory in proportion
    // (USE Lite: ~13 KB a token, plus oneDNN's packing buffers); measured on rxjs
    // src/internal/operators with --workers 8, the second concurrent call costs ~4 MB at 256
    // tokens and ~34 MB at 1024, for the same throughput within noise.
    embed_options.batch_tokens = 256;
    if (Status s = ParsePrecision(flags.precision, &embed_options.precision); !s.ok()) {
      fmt::print(stderr, "semdex index: error: --precision: {}\n", s.message());
      return 2;
    }
    if (Status s = LoadEmbedder(flags.model, embed_options, &embedder); !s.ok()) {
      fmt::print(stderr,
                 "semdex index: error: cannot load the embedding model \"{}\": {}\n(use "
                 "--model to choose another, or --no-embed for a lexical and graph index)\n",
                 DisplayModelSpec(flags.model), s.ToString());
      return 2;
    }
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
  options.embedder = embedder.get();
  options.cancel = &g_cancel;
  InstallSignalHandlers();

  ProgressBar progress(stderr, !flags.json && ::isatty(STDERR_FILENO) != 0);
  int64_t chunks = 0;
  options.on_scanned = [&](int64_t total) { progress.Start(total); };
  options.on_file = [&](const FileEvent& e, int64_t done, int64_t total) {
    chunks += e.chunks;
    if (flags.verbose) {
      std::string what =
          e.kind == FileEvent::Kind::kIndexed ? fmt::format("{} chunks", e.chunks)
          : e.kind == FileEvent::Kind::kUnchanged
              ? std::string("unchanged (same content)")
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
  if (summary.interrupted || g_cancel.load()) {
    const int signal = g_signal.load();
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
  cmd->add_option("DIR", flags->dir, "Directory to index")->required();
  cmd->add_option("--repository", flags->repository, "Repository name (default: DIR's base name)");
  cmd->add_option("--workers", flags->workers,
                  "Parse worker threads (default: the number of cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--sequential", flags->sequential,
                "Run everything on one thread, in file order (same index as parallel)");
  cmd->add_flag("--verbose", flags->verbose, "Log each file to stderr");
  AddDbOption(cmd, &flags->db);
  CLI::Option* no_embed = cmd->add_flag("--no-embed", flags->no_embed,
                                        "Skip embeddings (lexical and graph index only)");
  cmd->add_option("--model", flags->model,
                  "Embedding model: a name (default: the offline default model, USE Lite), a "
                  "model directory (Hugging Face: config.json, model.safetensors, tokenizer.json; "
                  "or a TensorFlow.js USE Lite export), or the URL of an OpenAI-compatible "
                  "/v1/embeddings endpoint (API key from $SEMDEX_EMBED_API_KEY)")
      ->excludes(no_embed);
  cmd->add_option("--precision", flags->precision,
                  "Precision of the local model's linear layers: fp32 (default), int8, bf16")
      ->excludes(no_embed);
  cmd->add_flag("--full", flags->full,
                "Delete the repository's rows and rebuild from scratch (default: re-index only "
                "what changed since the last run)");
  cmd->add_flag("--json", flags->json, "Print the summary as one JSON object on stdout");
  cmd->add_option("--max-file-size", flags->max_file_size,
                  "Skip files larger than this many bytes (default: 1048576)")
      ->check(CLI::PositiveNumber);
  return [flags] { return RunIndexCommand(*flags); };
}

}  // namespace semdex::cli
