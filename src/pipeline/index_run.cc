// RunIndex: cleanup -> scan -> process (parse, embed, write; sequential or a thread pool) ->
// graph -> summary.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "graph/graph.h"
#include "pipeline/commit_pool.h"
#include "pipeline/pipeline_internal.h"

namespace semdex {
namespace {

using Clock = PipelineClock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool Cancelled(const IndexOptions& options) {
  return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
}

// Vectors the cache keeps beyond one per chunk of the index (Store::PruneVectorCache): texts
// that left the index and may come back (~40 MiB of the default model's 512-d vectors).
constexpr int64_t kVectorCacheSpareEntries = 20000;

// How often waiting threads look at IndexOptions::cancel (a signal handler cannot notify).
constexpr std::chrono::milliseconds kCancelPoll(50);

// The writer's side: commits results and keeps the counts. Runs on one thread. Before its first
// change to the store it calls `before_change` (which marks the graph stale); a file is not
// written when that fails.
class ResultWriter {
 public:
  ResultWriter(const IndexOptions& options, const std::vector<ScannedFile>& files,
               const PriorState& prior, Store* store, CommitPool* pool, IndexSummary* summary,
               std::function<Status()> before_change)
      : options_(options),
        files_(files),
        prior_(prior),
        store_(store),
        pool_(*pool),
        summary_(summary),
        before_change_(std::move(before_change)) {}

  // `written`: the status of the file's write, done by the commit pool.
  void Write(FileResult r, const Status* written = nullptr) {
    if (written == nullptr) FillCachedVectors(&r);
    if (written == nullptr && pool_.active() && r.kind == FileEvent::Kind::kIndexed &&
        before_change_().ok()) {
      pool_.Submit(std::move(r));
      for (CommitPool::Written& w : pool_.Take(/*wait=*/false)) Write(std::move(w.file), &w.status);
      return;
    }
    const std::string& path = files_[r.index].path;
    FileEvent event;
    event.path = path;
    event.kind = r.kind;
    event.syntax_errors = r.syntax_errors;
    summary_->total_bytes += static_cast<int64_t>(r.bytes);
    if (r.kind == FileEvent::Kind::kUnchanged) {
      summary_->success_files++;
      summary_->changes.unchanged++;
      summary_->total_chunks += prior_.stored_chunks[r.index];
      // A racy mtime (0) is not stored: the next run confirms the file by hash again.
      if (r.row.mtime_ns != 0) {
        (void)store_->UpdateFileStat(summary_->repository, path, r.row.size_bytes, r.row.mtime_ns);
      }
      Finish(event, r);
      return;
    }
    if (r.kind == FileEvent::Kind::kIndexed) {
      Status s = before_change_();
      if (s.ok()) s = written != nullptr ? *written : store_->WriteFile(r.row);
      if (s.ok()) {
        event.chunks = static_cast<int64_t>(r.row.chunks.size());
        summary_->success_files++;
        summary_->total_chunks += event.chunks;
        summary_->changes.reused_vectors += r.reused_vectors;
      } else {
        event.kind = FileEvent::Kind::kFailed;
        r.message = s.ToString();
      }
    }
    if (r.vanished) {
      // Deleted after the scan listed it: handled as a file the scan did not find, so that the
      // index holds no row (not even a problem) for a file the tree no longer has.
      event.message = "deleted while the run read the tree";
      if (!prior_.is_new[r.index] && before_change_().ok() &&
          store_->DeleteFiles(summary_->repository, {path}).ok()) {
        summary_->changes.deleted++;
      }
      Finish(event, r);
      return;
    }
    // A failed or skipped file whose stored row records the same problem is unchanged.
    bool same = false;
    if (event.kind == FileEvent::Kind::kFailed) {
      event.message = r.message;
      summary_->error_files++;
      summary_->errors.push_back({path, r.message});
      // Best effort: the failure is in the summary even if the database cannot record it.
      same = RecordProblem({summary_->repository, path, "failed", r.message, ""}, r.index);
    } else if (event.kind == FileEvent::Kind::kSkipped) {
      std::string reason(SkipReasonName(r.skip_reason));
      event.message = fmt::format("{}: {}", reason, r.message);
      summary_->skipped_files++;
      summary_->skipped.push_back({path, reason, r.message});
      same = RecordProblem({summary_->repository, path, "skipped", reason, r.message}, r.index);
    }
    if (same) {
      summary_->changes.unchanged++;
    } else {
      (prior_.is_new[r.index] ? summary_->changes.added : summary_->changes.changed)++;
    }
    Finish(event, r);
  }

  int64_t done() const { return done_; }

  // Gives the chunks marked FileResult::from_cache their cached vectors. A vector the cache no
  // longer holds (pruned meanwhile by a run of another repository) is embedded here, on the
  // writer thread, with one Embed() call for the file: rare, and the run stays correct.
  void FillCachedVectors(FileResult* r) {
    if (r->kind != FileEvent::Kind::kIndexed || options_.embedder == nullptr) return;
    std::vector<size_t> chunks;
    std::vector<std::string> hashes;
    for (size_t c = 0; c < r->from_cache.size() && c < r->row.chunks.size(); ++c) {
      if (!r->from_cache[c]) continue;
      chunks.push_back(c);
      hashes.push_back(r->row.chunks[c].embedding_text_hash);
    }
    if (chunks.empty()) return;
    std::vector<std::vector<float>> vectors;
    Status s = store_->LoadCachedVectors(options_.embedder->model_id(), options_.embedder->dim(),
                                         hashes, &vectors);
    std::vector<size_t> missing;
    std::vector<std::string_view> texts;
    for (size_t i = 0; s.ok() && i < chunks.size(); ++i) {
      ChunkRow& chunk = r->row.chunks[chunks[i]];
      if (!vectors[i].empty()) {
        chunk.embedding_code = std::move(vectors[i]);
        continue;
      }
      missing.push_back(chunks[i]);
      texts.push_back(EmbedText(chunk));
    }
    if (s.ok() && !missing.empty()) {
      std::vector<std::vector<float>> embedded;
      const Clock::time_point start = Clock::now();
      s = options_.embedder->Embed(texts, &embedded);
      summary_->embedding.seconds += SecondsSince(start);
      summary_->embedding.calls++;
      if (s.ok() && embedded.size() != missing.size()) {
        s = Status::Internal(fmt::format("the model returned {} vectors for {} texts",
                                         embedded.size(), missing.size()));
      }
      for (size_t i = 0; s.ok() && i < missing.size(); ++i) {
        r->row.chunks[missing[i]].embedding_code = std::move(embedded[i]);
        summary_->embedding.chunks++;
        r->reused_vectors--;
      }
    }
    if (!s.ok()) {
      r->kind = FileEvent::Kind::kFailed;
      r->message = "embedding: " + s.message();
    }
  }

  // Counts the files the commit pool still writes, once written.
  void Flush() {
    while (pool_.busy()) {
      for (CommitPool::Written& w : pool_.Take(/*wait=*/true)) Write(std::move(w.file), &w.status);
    }
  }

 private:
  // Records a problem unless the file's stored row records the same one; returns true then.
  bool RecordProblem(const FileProblem& problem, size_t index) {
    if (prior_.stored_problem[index] ==
        ProblemKey(problem.status, problem.reason, problem.detail)) {
      return true;
    }
    if (before_change_().ok()) (void)store_->RecordProblem(problem);
    return false;
  }

  void Finish(FileEvent& event, const FileResult& r) {
    event.seconds = SecondsSince(r.started);
    ++done_;
    if (options_.on_file) options_.on_file(event, done_, static_cast<int64_t>(files_.size()));
  }

  const IndexOptions& options_;
  const std::vector<ScannedFile>& files_;
  const PriorState& prior_;
  Store* store_;
  CommitPool& pool_;  // writes indexed files when active (commit_pool.h); Flush() waits
  IndexSummary* summary_;
  std::function<Status()> before_change_;
  int64_t done_ = 0;
};

void AddCounts(const EmbedCounts& c, IndexSummary::Embedding* e) {
  e->chunks += c.chunks;
  e->tokens += c.tokens;
  e->calls += c.calls;
  e->seconds += c.seconds;
}

// Embeds a closed group; never throws.
void EmbedClosedGroup(const Embedder& embedder, Group* group, EmbedCounts* counts) {
  try {
    EmbedGroup(embedder, group, counts);
  } catch (const std::exception& e) {
    for (FileResult& f : group->files) {
      if (f.kind != FileEvent::Kind::kIndexed) continue;
      f.kind = FileEvent::Kind::kFailed;
      f.message = fmt::format("embedding: internal error: {}", e.what());
    }
  }
}

GroupBuilder MakeGroupBuilder(const IndexOptions& options, size_t files) {
  return GroupBuilder(options.embedder != nullptr ? options.embed_group_tokens : 0,
                      options.embed_group_files, files);
}

void RunSequential(const IndexOptions& options, const std::vector<ScannedFile>& files,
                   const PriorState& prior, const std::string& repository, ResultWriter* writer,
                   IndexSummary::Embedding* embedding) {
  Parser parser;
  GroupBuilder builder = MakeGroupBuilder(options, files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (Cancelled(options)) return;
    if (!builder.Add(ProcessFile(i, files[i], options, repository, &parser, &prior))) continue;
    Group group = builder.Take();
    if (options.embedder != nullptr) {
      EmbedCounts counts;
      EmbedClosedGroup(*options.embedder, &group, &counts);
      AddCounts(counts, embedding);
    }
    for (FileResult& f : group.files) {
      if (Cancelled(options)) return;
      writer->Write(std::move(f));
    }
  }
}

// The parallel run: `workers` threads parse files and embed groups; the calling thread writes.
// Files are parsed in any order, grouped in scan order (a reorder buffer holds the ones that
// finished early), embedded in any order and committed group by group. Workers may run ahead of
// the last committed file by at most `window` files, which bounds the memory of files in flight;
// the window is larger than a group, so a group can always fill and nothing waits forever.
class ParallelRun {
 public:
  ParallelRun(const IndexOptions& options, const std::vector<ScannedFile>& files,
              const PriorState& prior, const std::string& repository, int workers)
      : options_(options),
        files_(files),
        prior_(prior),
        repository_(repository),
        workers_(workers),
        builder_(MakeGroupBuilder(options, files.size())) {
    window_ = std::max<size_t>(options.embed_group_files, 1) + 2 * static_cast<size_t>(workers);
    int slots = options.embed_concurrency;
    if (slots <= 0) {
      slots = std::min(workers, std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
    }
    embed_slots_ = slots;
  }

  void Run(ResultWriter* writer, IndexSummary::Embedding* embedding) {
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(workers_));
    for (int w = 0; w < workers_; ++w) threads.emplace_back([this] { Work(); });
    std::unique_lock<std::mutex> lock(mu_);
    while (committed_ < files_.size() && !Cancelled(options_)) {
      writer_cv_.wait_for(lock, kCancelPoll,
                          [&] { return !ready_.empty() || Cancelled(options_); });
      if (ready_.empty() || Cancelled(options_)) continue;
      Group group = std::move(ready_.front());
      ready_.pop_front();
      lock.unlock();
      const size_t n = group.files.size();
      for (FileResult& f : group.files) {
        if (Cancelled(options_)) break;
        writer->Write(std::move(f));
      }
      lock.lock();
      committed_ += n;
      work_cv_.notify_all();
    }
    stop_ = true;  // done, or cancelled: workers drop what they hold
    work_cv_.notify_all();
    AddCounts(counts_, embedding);
    lock.unlock();
    for (std::thread& t : threads) t.join();
    writer->Flush();
  }

 private:
  void Work() {
    Parser parser;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (stop_ || Cancelled(options_)) return;
      if (!embed_jobs_.empty() && active_embeds_ < embed_slots_) {
        Group group = std::move(embed_jobs_.front());
        embed_jobs_.pop_front();
        ++active_embeds_;
        lock.unlock();
        EmbedCounts counts;
        EmbedClosedGroup(*options_.embedder, &group, &counts);
        lock.lock();
        --active_embeds_;
        counts_.chunks += counts.chunks;
        counts_.tokens += counts.tokens;
        counts_.calls += counts.calls;
        counts_.seconds += counts.seconds;
        ready_.push_back(std::move(group));
        writer_cv_.notify_one();
        work_cv_.notify_all();  // a slot is free
        continue;
      }
      if (next_parse_ < files_.size() && next_parse_ < committed_ + window_) {
        const size_t i = next_parse_++;
        lock.unlock();
        FileResult result = ProcessFile(i, files_[i], options_, repository_, &parser, &prior_);
        lock.lock();
        parsed_.emplace(i, std::move(result));
        GroupParsedLocked();
        continue;
      }
      if (next_group_ == files_.size() && embed_jobs_.empty()) return;
      work_cv_.wait_for(lock, kCancelPoll);
    }
  }

  // Moves the parsed files that come next in scan order into the builder, handing out the
  // groups they close. REQUIRES: mu_ held.
  void GroupParsedLocked() {
    for (auto it = parsed_.find(next_group_); it != parsed_.end(); it = parsed_.find(next_group_)) {
      FileResult file = std::move(it->second);
      parsed_.erase(it);
      ++next_group_;
      if (!builder_.Add(std::move(file))) continue;
      if (options_.embedder != nullptr) {
        embed_jobs_.push_back(builder_.Take());
        work_cv_.notify_all();
      } else {
        ready_.push_back(builder_.Take());
        writer_cv_.notify_one();
      }
    }
    if (next_group_ == files_.size()) work_cv_.notify_all();  // idle workers may finish
  }

  const IndexOptions& options_;
  const std::vector<ScannedFile>& files_;
  const PriorState& prior_;
  const std::string& repository_;
  const int workers_;
  size_t window_ = 1;
  int embed_slots_ = 1;

  std::mutex mu_;
  std::condition_variable work_cv_;      // workers: a file may be parsed, a group embedded
  std::condition_variable writer_cv_;    // the writer: a group is ready
  size_t next_parse_ = 0;                // next file (scan index) a worker parses
  size_t next_group_ = 0;                // next file (scan index) the builder takes
  size_t committed_ = 0;                 // files the writer has written
  std::map<size_t, FileResult> parsed_;  // parsed, waiting for an earlier file
  GroupBuilder builder_;
  std::deque<Group> embed_jobs_;  // closed groups to embed
  int active_embeds_ = 0;
  std::deque<Group> ready_;  // groups to write
  EmbedCounts counts_;
  bool stop_ = false;  // the writer is done (or cancelled)
};

// Fills `vectors` with the stored vectors of `paths` (text -> vector), skipping odd dimensions.
Status LoadReusableVectors(Store* store, const std::string& repository,
                           const std::vector<std::string>& paths, int dim,
                           std::unordered_map<std::string, std::vector<float>>* vectors) {
  if (paths.empty()) return Status::Ok();
  std::vector<ChunkRow> chunks;
  if (Status s = store->LoadFileChunks(repository, paths, &chunks); !s.ok()) return s;
  for (ChunkRow& c : chunks) {
    if (c.embedding_code.size() != static_cast<size_t>(dim)) continue;
    vectors->emplace(std::string(EmbedText(c)), std::move(c.embedding_code));
  }
  return Status::Ok();
}

// The totals and order of a finished (or interrupted) run's summary.
void FinishSummary(Clock::time_point start, IndexSummary* summary) {
  summary->total_files = summary->success_files + summary->error_files + summary->skipped_files;
  std::sort(summary->errors.begin(), summary->errors.end(),
            [](const FileError& a, const FileError& b) { return a.file < b.file; });
  std::sort(summary->skipped.begin(), summary->skipped.end(),
            [](const FileSkip& a, const FileSkip& b) { return a.file < b.file; });
  summary->elapsed_s = SecondsSince(start);
}

Status FinishRunRecord(Store* store, int64_t run_id, const IndexSummary& summary) {
  return store->FinishRun(run_id, SummaryToJson(summary).dump(
                                      -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

std::string RepositoryNameFor(const IndexOptions& options) {
  if (!options.repository.empty()) return options.repository;
  std::filesystem::path p = std::filesystem::weakly_canonical(options.root);
  std::string name = p.filename().string();
  return name.empty() ? p.string() : name;
}

Status RunIndex(const IndexOptions& options, Store* store, IndexSummary* summary) {
  const Clock::time_point start = Clock::now();
  *summary = IndexSummary();
  std::error_code ec;
  std::filesystem::path absolute_root = std::filesystem::absolute(options.root, ec);
  summary->root = ec ? options.root : absolute_root.lexically_normal().string();
  if (summary->root.size() > 1 && summary->root.back() == '/') summary->root.pop_back();
  summary->repository = RepositoryNameFor(options);
  summary->mode = options.sequential ? "sequential" : "parallel";
  summary->workers = options.sequential ? 1 : std::max(1, options.workers);
  const std::string& repository = summary->repository;

  std::unique_ptr<RepositoryLock> lock;
  if (!options.caller_holds_lock) {
    if (Status s = store->LockRepository(repository, &lock); !s.ok()) return s;
  }

  // Scan first: a bad root must fail before anything is deleted.
  ScanResult scan;
  if (Status s = ScanDirectory(options.root, options.scan, &scan); !s.ok()) return s;
  if (options.on_scan) options.on_scan(scan);
  if (Cancelled(options)) {
    summary->interrupted = true;
    FinishSummary(start, summary);
    return Status::Ok();
  }
  // The writer connections (PostgreSQL: one per worker) before any change: a server that
  // refuses them (max_connections) must fail the run before --full deletes anything.
  CommitPool pool;
  if (!options.sequential) {
    if (Status s = pool.Open(store, summary->workers); !s.ok()) return s;
  }
  if (options.full) {
    if (Status s = store->DeleteRepository(repository); !s.ok()) return s;
  }
  if (options.embedder != nullptr) {
    summary->embedding.model_id = options.embedder->model_id();
    summary->embedding.dim = options.embedder->dim();
  }

  std::vector<StoredFileState> stored;
  RepositoryState state;
  if (Status s = store->ListFileStates(repository, &stored); !s.ok()) return s;
  if (Status s = store->GetRepositoryState(repository, &state); !s.ok()) return s;
  IndexPlan plan = PlanIndex(repository, scan, stored, state, summary->embedding.model_id,
                             summary->embedding.dim, options.parse);
  stored.clear();
  if (options.full) plan.redo_reason = "--full: the repository's rows were deleted first";
  summary->changes.redo_reason = plan.redo_reason;
  summary->changes.unchanged = plan.unchanged;
  summary->changes.deleted = static_cast<int64_t>(plan.deleted.size());
  summary->success_files = plan.unchanged;
  summary->total_chunks = plan.unchanged_chunks;

  RunRecord run{repository,
                summary->root,
                summary->mode,
                summary->workers,
                options.embedder != nullptr,
                summary->embedding.model_id,
                summary->embedding.dim};
  int64_t run_id = 0;
  if (Status s = store->BeginRun(run, &run_id); !s.ok()) return s;

  // The state while the run changes rows: the target, except that what the run changes
  // (model, rules) is mixed until every file is redone.
  RepositoryState during = plan.target;
  if (!plan.redo_reason.empty() && !options.full) {
    if (state.model_id != during.model_id || state.embedding_dim != during.embedding_dim) {
      during.model_id.reset();
    }
    if (state.chunker_stamp != during.chunker_stamp) during.chunker_stamp.reset();
  }
  during.graph_stale = true;
  // The first change of the run marks the graph stale (pipeline.h); its rows stay, to be
  // compared with the rebuilt graph's at the end.
  bool marked = false;
  auto before_change = [&]() -> Status {
    if (marked) return Status::Ok();
    Status s = store->SetRepositoryState(repository, during);
    marked = s.ok();
    return s;
  };
  if (!plan.redo_reason.empty()) {
    if (Status s = before_change(); !s.ok()) return s;
  }
  for (const SkippedPath& skip : scan.skipped) {
    std::string reason(SkipReasonName(skip.reason));
    summary->skipped.push_back({skip.path, reason, skip.detail});
    if (skip.path.empty() || skip.path.back() == '/') continue;  // directories: summary only
    summary->skipped_files++;
  }
  for (const FileProblem& problem : plan.new_skips) {
    if (Status s = before_change(); !s.ok()) return s;
    if (Status s = store->RecordProblem(problem); !s.ok()) return s;
  }
  if (plan.reuse_vectors) {
    if (Status s = LoadReusableVectors(store, repository, plan.reuse_from, summary->embedding.dim,
                                       &plan.prior.vectors);
        !s.ok()) {
      return s;
    }
  }
  if (options.embedder != nullptr && !plan.to_process.empty()) {
    std::vector<std::string> cached;
    if (Status s = store->ListCachedVectors(summary->embedding.model_id, &cached); !s.ok()) {
      return s;
    }
    plan.prior.cached_texts.insert(std::make_move_iterator(cached.begin()),
                                   std::make_move_iterator(cached.end()));
  }
  if (!plan.deleted.empty()) {
    if (Status s = before_change(); !s.ok()) return s;
    if (Status s = store->DeleteFiles(repository, plan.deleted); !s.ok()) return s;
  }
  summary->files_to_process = static_cast<int64_t>(plan.to_process.size());
  if (options.on_scanned) options.on_scanned(summary->files_to_process);

  ResultWriter writer(options, plan.to_process, plan.prior, store, &pool, summary, before_change);
  if (options.sequential) {
    RunSequential(options, plan.to_process, plan.prior, repository, &writer, &summary->embedding);
  } else {
    ParallelRun(options, plan.to_process, plan.prior, repository, summary->workers)
        .Run(&writer, &summary->embedding);
  }
  summary->files_done = writer.done();
  if (Cancelled(options)) {
    // The graph stays stale (and the state mixed, if it was): the next run completes them.
    summary->interrupted = true;
    FinishSummary(start, summary);
    return FinishRunRecord(store, run_id, *summary);
  }

  // The graph, from what the store now holds (the same for any mode, order or history).
  if (marked || state.graph_stale) {
    GraphStats graph;
    if (Status s = BuildRepositoryGraph(store, repository, GraphOptions(), &graph); !s.ok()) {
      return s;
    }
    summary->graph = {graph.nodes, graph.edges, true};
  }
  if (options.embedder != nullptr && marked) {
    if (Status s = store->PruneVectorCache(kVectorCacheSpareEntries); !s.ok()) return s;
  }
  const RepositoryState& target = plan.target;
  if (marked || state.graph_stale || !state.recorded || state.model_id != target.model_id ||
      state.embedding_dim != target.embedding_dim || state.chunker_stamp != target.chunker_stamp) {
    if (Status s = store->SetRepositoryState(repository, target); !s.ok()) return s;
  }
  FinishSummary(start, summary);
  return FinishRunRecord(store, run_id, *summary);
}

int ExitCodeFor(const IndexSummary& summary) { return summary.error_files > 0 ? 1 : 0; }

}  // namespace semdex
