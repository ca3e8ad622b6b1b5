// RunWatch: index, then wait for a debounced batch of changes and index again (watch.h).
#include <fmt/format.h>

#include <memory>

#include "watch/watch.h"

namespace semdex {
namespace {

using Clock = std::chrono::steady_clock;

// The longest a wait blocks before the stop flag is looked at again (a signal handler cannot
// wake the poll reliably: the signal may land just before it starts).
constexpr std::chrono::milliseconds kStopPoll(100);

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

bool Stopped(const IndexOptions& options) { return options.cancel->load(); }

// Folds an earlier run of the same batch into the summary of a later one: what changed and
// what was embedded add up; totals and lists are the later run's, and so is the graph unless
// only the earlier run rebuilt it.
void FoldEarlierRun(const IndexSummary& earlier, IndexSummary* later) {
  later->changes.changed += earlier.changes.changed;
  later->changes.added += earlier.changes.added;
  later->changes.deleted += earlier.changes.deleted;
  later->changes.reused_vectors += earlier.changes.reused_vectors;
  if (later->changes.redo_reason.empty()) later->changes.redo_reason = earlier.changes.redo_reason;
  later->embedding.chunks += earlier.embedding.chunks;
  later->embedding.tokens += earlier.embedding.tokens;
  later->embedding.calls += earlier.embedding.calls;
  later->embedding.seconds += earlier.embedding.seconds;
  later->total_bytes += earlier.total_bytes;
  if (!later->graph.rebuilt) later->graph = earlier.graph;
}

// Runs a batch: its incremental runs, re-syncing the watches with each run's scan.
class BatchRunner {
 public:
  BatchRunner(const WatchOptions& options, Store* store, TreeWatcher* watcher)
      : store_(store), watcher_(watcher), index_(options.index) {
    index_.caller_holds_lock = true;
    index_.on_scan = [this, user = options.index.on_scan](const ScanResult& scan) {
      directories_ = scan.directories;
      scanned_ = true;
      if (user) user(scan);
    };
    // Files are searchable once committed: the time of the last one (or of the deletions, done
    // before on_scanned) is when the batch's chunks became searchable.
    index_.on_scanned = [this, user = options.index.on_scanned](int64_t total) {
      committed_at_ = Clock::now();
      if (user) user(total);
    };
    index_.on_file = [this, user = options.index.on_file](const FileEvent& e, int64_t done,
                                                          int64_t total) {
      committed_at_ = Clock::now();
      if (user) user(e, done, total);
    };
  }

  // Runs the batch: an incremental run (the first one --full when the options say so), then,
  // while a run found directories not watched before, another (files may have arrived in them
  // before they were watched). The batch's summary is the last run's with the earlier runs'
  // changes folded in.
  Status Run(WatchBatch* batch) {
    const Clock::time_point start = Clock::now();
    committed_at_ = start;
    for (int run = 0;; ++run) {
      scanned_ = false;
      IndexSummary summary;
      Status s = RunIndex(index_, store_, &summary);
      index_.full = false;
      if (!s.ok()) return s;
      if (run > 0) FoldEarlierRun(batch->summary, &summary);
      batch->summary = std::move(summary);
      size_t added = 0;
      if (scanned_) {
        if (Status w = watcher_->Sync(directories_, &added); !w.ok()) return w;
      }
      if (added == 0 || batch->summary.interrupted || Stopped(index_)) break;
    }
    batch->searchable_s = SecondsBetween(start, committed_at_);
    batch->summary.elapsed_s = SecondsBetween(start, Clock::now());
    batch->directories = watcher_->watched();
    return Status::Ok();
  }

  const IndexOptions& index() const { return index_; }

 private:
  Store* store_;
  TreeWatcher* watcher_;
  IndexOptions index_;
  std::vector<std::string> directories_;
  bool scanned_ = false;
  Clock::time_point committed_at_;
};

// Waits for the first relevant event, then until the tree is quiet (watch.h). Returns with
// events->relevant == 0 and no overflow only when stopped.
Status WaitForBatch(const WatchOptions& options, TreeWatcher* watcher, TreeWatcher::Events* events,
                    Clock::time_point* first_event) {
  while (events->relevant == 0 && !events->overflow) {
    if (Stopped(options.index)) return Status::Ok();
    if (Status s = watcher->Read(kStopPoll, events); !s.ok()) return s;
  }
  *first_event = Clock::now();
  Clock::time_point last_event = *first_event;
  const Clock::time_point latest = *first_event + options.max_delay;
  for (;;) {
    if (Stopped(options.index)) return Status::Ok();
    const Clock::time_point now = Clock::now();
    const Clock::time_point until = std::min(last_event + options.quiet, latest);
    if (now >= until) return Status::Ok();
    const auto wait =
        std::min(kStopPoll, std::chrono::ceil<std::chrono::milliseconds>(until - now));
    const int64_t before = events->relevant;
    if (Status s = watcher->Read(wait, events); !s.ok()) return s;
    if (events->relevant > before) last_event = Clock::now();
  }
}

}  // namespace

Status RunWatch(const WatchOptions& options, Store* store, WatchResult* result) {
  *result = WatchResult();
  if (options.index.cancel == nullptr) {
    return Status::InvalidArgument(
        "RunWatch: options.index.cancel is required (it stops the watch)");
  }
  std::unique_ptr<RepositoryLock> lock;
  if (Status s = store->LockRepository(RepositoryNameFor(options.index), &lock); !s.ok()) {
    return s;
  }
  TreeWatcher watcher;
  if (Status s = watcher.Open(); !s.ok()) return s;
  BatchRunner runner(options, store, &watcher);

  WatchBatch batch;
  batch.trigger = "initial";
  for (int64_t number = 0;; ++number) {
    if (Status s = runner.Run(&batch); !s.ok()) return s;
    batch.number = number;
    result->batches++;
    if (options.on_batch) options.on_batch(batch);
    if (batch.summary.interrupted) {
      result->interrupted = true;
      return Status::Ok();
    }
    if (Stopped(options.index)) return Status::Ok();
    batch = WatchBatch();
    TreeWatcher::Events events;
    Clock::time_point first_event;
    if (Status s = WaitForBatch(options, &watcher, &events, &first_event); !s.ok()) return s;
    if (Stopped(options.index)) {
      result->pending_events = events.relevant;
      return Status::Ok();
    }
    batch.trigger = events.overflow ? "overflow" : "changes";
    batch.events = events.relevant;
    batch.wait_s = SecondsBetween(first_event, Clock::now());
  }
}

}  // namespace semdex
