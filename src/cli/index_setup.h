// What `semdex index` and `semdex watch` share: their options, loading the model and opening the
// index before a run, per-file log lines, and the signals that stop a run.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/pipeline.h"

namespace semdex::cli {

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

// Registers DIR and the index options on `cmd`; `full_help` and `json_help` describe --full
// and --json for this command.
void AddIndexFlags(CLI::App* cmd, IndexFlags* flags, const std::string& full_help,
                   const std::string& json_help);

// What a run needs, made from the flags: the model, the open index and the run's options.
struct IndexSetup {
  std::unique_ptr<Embedder> embedder;  // null with --no-embed
  std::unique_ptr<Store> store;
  // root, repository, workers, full, scan, embedder and cancel (the stop flag below) are set;
  // the callbacks are the caller's.
  IndexOptions options;
};

// Loads the model, then opens the index (a model that cannot load stops the command before
// anything is written). On error prints "semdex <command>: error: ..." on stderr and returns
// the exit code (2); returns 0 on success.
int PrepareIndex(std::string_view command, const IndexFlags& flags, IndexSetup* setup);

// SIGINT and SIGTERM set the stop flag (IndexOptions::cancel as PrepareIndex sets it), which
// ends a run between files; a second signal has the default effect (SA_RESETHAND), which leaves
// the index consistent too, since every file is its own transaction.
void InstallStopSignals();
const std::atomic<bool>& StopFlag();
// The signal that set the stop flag, or 0.
int StopSignal();

// The --verbose line for one file: "[done/total] path: what (time)".
std::string FileEventLine(const FileEvent& e, int64_t done, int64_t total);

}  // namespace semdex::cli
