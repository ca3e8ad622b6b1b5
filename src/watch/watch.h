// watch: keeps an index current while a tree changes (semdex watch).
//
// Design. Every batch is an ordinary incremental run (RunIndex, pipeline.h) of the whole tree:
// it stats every file and reprocesses only what changed, was added or was deleted (a no-op run
// on three@0.187.0, 1,265 files, costs ~0.1 s), so whatever happened (editors' rename-and-replace
// saves, new directories with files already in them, deletions, a branch switch touching
// hundreds of files, files that appear and vanish within a batch, a .gitignore that now ignores
// or un-ignores files, a lost inotify queue) the index ends equal to what `semdex index` gives
// for the tree, with no per-event bookkeeping that could drift. inotify only says *when* to run:
//
//  - TreeWatcher watches every directory the run's scan walked (ScanResult::directories: not
//    ignored, not node_modules, not .git), re-synced after each scan: directories that appeared
//    are added, those gone or now ignored are dropped. A directory watched for the first time
//    may have received files between the scan and the watch, so a batch whose run added watches
//    runs again (a no-op unless something did arrive) before it is reported: one batch, one
//    report, and the next wait starts with every directory watched.
//  - Only events that can change the index count: a file with an extension semdex indexes, an
//    ignore file (.gitignore, .semdexignore), a directory, a watched directory itself, and the
//    queue overflowing (IN_Q_OVERFLOW: events were lost, the next run's full stat pass covers
//    them). Editors' swap files and the index database itself do not start runs.
//  - Debounce: after the first event, the batch starts once the tree has been quiet for
//    `quiet` (50 ms), or `max_delay` (500 ms) after the first event if it never goes quiet.
//    Events that arrive during a run wait in the kernel's queue and start the next batch.
//
// The repository lock (Store::LockRepository) is held for the whole watch, not taken per batch:
// a concurrent `semdex index` of the same repository is refused at once with the usual message
// naming this process, rather than racing the watcher between batches.
//
// Latency: a batch's files are committed (and searchable) before the graph is rebuilt, so a saved
// change is searchable `quiet` + a no-op run's stat pass + its own processing after the save;
// the graph follows when the rebuild ends (WatchBatch::searchable_s and the summary's elapsed_s).
//
// Thread-compatible: RunWatch runs on the calling thread; `cancel` may be set from any thread or
// a signal handler and is looked at least every 100 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "util/util.h"

namespace semdex {

// Watches a set of directories (not recursively: the caller lists every one) with inotify and
// reads whether anything happened in them that may change the index. Thread-compatible.
class TreeWatcher {
 public:
  TreeWatcher() = default;
  ~TreeWatcher();
  TreeWatcher(const TreeWatcher&) = delete;
  TreeWatcher& operator=(const TreeWatcher&) = delete;

  // Creates the inotify instance. Errors: the per-user instance limit (names
  // /proc/sys/fs/inotify/max_user_instances). REQUIRES: not opened yet.
  Status Open();

  // Makes the watched set exactly `directories` (absolute paths): watches the new ones, drops
  // the others. Sets *added to how many directories were not watched before (a directory renamed
  // since keeps its watch). A directory that vanished meanwhile is skipped (the next scan will
  // not list it). Errors: the per-user watch limit (names /proc/sys/fs/inotify/max_user_watches).
  // REQUIRES: Open() succeeded.
  Status Sync(const std::vector<std::string>& directories, size_t* added);

  struct Events {
    int64_t relevant = 0;   // events that may change the index (see the file comment)
    int64_t ignored = 0;    // the others
    bool overflow = false;  // the kernel dropped events (IN_Q_OVERFLOW)
  };
  // Waits up to `timeout` for events, then reads every event ready and adds them to *events.
  // REQUIRES: Open() succeeded.
  Status Read(std::chrono::milliseconds timeout, Events* events);

  size_t watched() const { return paths_.size(); }

 private:
  int fd_ = -1;
  std::map<int, std::string> paths_;  // watch descriptor -> directory
};

// Whether an event on `name` (a directory entry's name; "" for the watched directory itself) can
// change the index: indexed extensions, ignore files, directories.
bool EventMayChangeIndex(std::string_view name, bool is_dir);

// One batch: its incremental run(s) and what started it.
struct WatchBatch {
  int64_t number = 0;       // 0: the initial run
  std::string trigger;      // "initial", "changes", "overflow" (the kernel's queue lost events)
  int64_t events = 0;       // relevant events in the batch
  double wait_s = 0;        // first event -> batch start (the debounce)
  double searchable_s = 0;  // batch start -> the last file committed (chunks searchable)
  size_t directories = 0;   // directories watched after the batch
  // The last run's summary, with the changes and embedding counts of the batch's earlier runs
  // (see the file comment) added in; elapsed_s is the whole batch's, graph rebuild included.
  IndexSummary summary;
};

struct WatchOptions {
  // What every run does. The first run uses index.full; later ones are incremental. cancel (also
  // the watch's stop flag), callbacks and scan options pass through; caller_holds_lock and
  // on_scan are RunWatch's own.
  IndexOptions index;
  std::chrono::milliseconds quiet{50};
  std::chrono::milliseconds max_delay{500};
  // After each batch.
  std::function<void(const WatchBatch&)> on_batch;
};

struct WatchResult {
  int64_t batches = 0;         // batches run (the initial one included)
  bool interrupted = false;    // cancel stopped a run part-way (the index is consistent but behind)
  int64_t pending_events = 0;  // relevant events seen after the last run, not indexed
};

// Indexes options.index.root, then watches it and re-indexes it after each debounced batch of
// changes until *options.index.cancel becomes true. Returns non-OK when the watch cannot go on:
// the lock is held by another process, the root is missing or gone, inotify limits, database
// errors (RunIndex's). Per-file failures are reported in the batches and the watch goes on.
// REQUIRES: options.index.cancel != nullptr.
Status RunWatch(const WatchOptions& options, Store* store, WatchResult* result);

}  // namespace semdex
