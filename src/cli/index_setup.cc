// The options, setup and signals `semdex index` and `semdex watch` share (index_setup.h).
#include "cli/index_setup.h"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "cli/commands.h"

namespace semdex::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

void OnSignal(int signal) {
  g_signal.store(signal);
  g_stop.store(true);
}

}  // namespace

void AddIndexFlags(CLI::App* cmd, IndexFlags* flags, const std::string& full_help,
                   const std::string& json_help) {
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
  cmd->add_flag("--full", flags->full, full_help);
  cmd->add_flag("--json", flags->json, json_help);
  cmd->add_option("--max-file-size", flags->max_file_size,
                  "Skip files larger than this many bytes (default: 1048576)")
      ->check(CLI::PositiveNumber);
}

int PrepareIndex(std::string_view command, const IndexFlags& flags, IndexSetup* setup) {
  if (!flags.no_embed) {
    EmbedderOptions embed_options;
    // Tokens per forward pass. Each concurrent Embed() call holds scratch memory in proportion
    // (USE Lite: ~13 KB a token, plus oneDNN's packing buffers); measured on rxjs
    // src/internal/operators with --workers 8, the second concurrent call costs ~4 MB at 256
    // tokens and ~34 MB at 1024, for the same throughput within noise.
    embed_options.batch_tokens = 256;
    if (Status s = ParsePrecision(flags.precision, &embed_options.precision); !s.ok()) {
      fmt::print(stderr, "semdex {}: error: --precision: {}\n", command, s.message());
      return 2;
    }
    if (Status s = LoadEmbedder(flags.model, embed_options, &setup->embedder); !s.ok()) {
      fmt::print(stderr,
                 "semdex {}: error: cannot load the embedding model \"{}\": {}\n(use "
                 "--model to choose another, or --no-embed for a lexical and graph index)\n",
                 command, DisplayModelSpec(flags.model), s.ToString());
      return 2;
    }
  }
  std::string location;
  if (Status s = ResolveDbLocation(flags.db, &location); !s.ok()) {
    fmt::print(stderr, "semdex {}: error: {}\n", command, s.message());
    return 2;
  }
  if (Status s = OpenStore(location, StoreOptions(), &setup->store); !s.ok()) {
    fmt::print(stderr, "semdex {}: error: {}\n", command, s.ToString());
    return 2;
  }
  IndexOptions& options = setup->options;
  options.root = flags.dir;
  options.repository = flags.repository;
  options.sequential = flags.sequential;
  options.workers = flags.workers > 0
                        ? flags.workers
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.full = flags.full;
  options.scan.max_file_bytes = flags.max_file_size;
  options.embedder = setup->embedder.get();
  options.cancel = &g_stop;
  return 0;
}

void InstallStopSignals() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

const std::atomic<bool>& StopFlag() { return g_stop; }

int StopSignal() { return g_signal.load(); }

std::string FileEventLine(const FileEvent& e, int64_t done, int64_t total) {
  std::string what =
      e.kind == FileEvent::Kind::kIndexed ? fmt::format("{} chunks", e.chunks)
      : e.kind == FileEvent::Kind::kUnchanged
          ? std::string("unchanged (same content)")
          : (e.kind == FileEvent::Kind::kFailed ? "FAILED: " : "skipped: ") + e.message;
  if (e.kind == FileEvent::Kind::kIndexed && e.syntax_errors > 0) {
    what += fmt::format(", {} syntax errors", e.syntax_errors);
  }
  return fmt::format("[{}/{}] {}: {} ({:.1f} ms)", done, total, e.path, what, e.seconds * 1000);
}

}  // namespace semdex::cli
