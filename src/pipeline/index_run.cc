// RunIndex: cleanup -> scan -> process (parse, embed, write; sequential or a thread pool) ->
// graph -> summary.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "graph/graph.h"
#include "pipeline/pipeline_internal.h"

namespace semdex {
namespace {

using Clock = PipelineClock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The writer's side: commits results and keeps the counts. Runs on one thread.
class ResultWriter {
 public:
  ResultWriter(const IndexOptions& options, const std::vector<ScannedFile>& files, Store* store,
               IndexSummary* summary)
      : options_(options), files_(files), store_(store), summary_(summary) {}

  void Write(FileResult r) {
    const std::string& path = files_[r.index].path;
    FileEvent event;
    event.path = path;
    event.kind = r.kind;
    event.syntax_errors = r.syntax_errors;
    summary_->total_bytes += static_cast<int64_t>(r.bytes);
    if (r.kind == FileEvent::Kind::kIndexed) {
      Status s = store_->WriteFile(r.row);
      if (s.ok()) {
        event.chunks = static_cast<int64_t>(r.row.chunks.size());
        summary_->success_files++;
        summary_->total_chunks += event.chunks;
      } else {
        event.kind = FileEvent::Kind::kFailed;
        r.message = s.ToString();
      }
    }
    if (event.kind == FileEvent::Kind::kFailed) {
      event.message = r.message;
      summary_->error_files++;
      summary_->errors.push_back({path, r.message});
      // Best effort: the failure is in the summary even if the database cannot record it.
      (void)store_->RecordProblem({summary_->repository, path, "failed", r.message, ""});
    } else if (event.kind == FileEvent::Kind::kSkipped) {
      std::string reason(SkipReasonName(r.skip_reason));
      event.message = fmt::format("{}: {}", reason, r.message);
      summary_->skipped_files++;
      summary_->skipped.push_back({path, reason, r.message});
      (void)store_->RecordProblem({summary_->repository, path, "skipped", reason, r.message});
    }
    event.seconds = SecondsSince(r.started);
    ++done_;
    if (options_.on_file) options_.on_file(event, done_, static_cast<int64_t>(files_.size()));
  }

 private:
  const IndexOptions& options_;
  const std::vector<ScannedFile>& files_;
  Store* store_;
  IndexSummary* summary_;
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
                   const std::string& repository, ResultWriter* writer,
                   IndexSummary::Embedding* embedding) {
  Parser parser;
  GroupBuilder builder = MakeGroupBuilder(options, files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (!builder.Add(ProcessFile(i, files[i], options, repository, &parser))) continue;
    Group group = builder.Take();
    if (options.embedder != nullptr) {
      EmbedCounts counts;
      EmbedClosedGroup(*options.embedder, &group, &counts);
      AddCounts(counts, embedding);
    }
    for (FileResult& f : group.files) writer->Write(std::move(f));
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
              const std::string& repository, int workers)
      : options_(options),
        files_(files),
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
    while (committed_ < files_.size()) {
      writer_cv_.wait(lock, [&] { return !ready_.empty(); });
      Group group = std::move(ready_.front());
      ready_.pop_front();
      lock.unlock();
      const size_t n = group.files.size();
      for (FileResult& f : group.files) writer->Write(std::move(f));
      lock.lock();
      committed_ += n;
      work_cv_.notify_all();
    }
    AddCounts(counts_, embedding);
    lock.unlock();
    for (std::thread& t : threads) t.join();
  }

 private:
  void Work() {
    Parser parser;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
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
        FileResult result = ProcessFile(i, files_[i], options_, repository_, &parser);
        lock.lock();
        parsed_.emplace(i, std::move(result));
        GroupParsedLocked();
        continue;
      }
      if (next_group_ == files_.size() && embed_jobs_.empty()) return;
      work_cv_.wait(lock);
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
};

std::string DefaultRepositoryName(const std::string& root) {
  std::filesystem::path p = std::filesystem::weakly_canonical(root);
  std::string name = p.filename().string();
  return name.empty() ? p.string() : name;
}

}  // namespace

Status RunIndex(const IndexOptions& options, Store* store, IndexSummary* summary) {
  const Clock::time_point start = Clock::now();
  *summary = IndexSummary();
  std::error_code ec;
  std::filesystem::path absolute_root = std::filesystem::absolute(options.root, ec);
  summary->root = ec ? options.root : absolute_root.lexically_normal().string();
  if (summary->root.size() > 1 && summary->root.back() == '/') summary->root.pop_back();
  summary->repository =
      options.repository.empty() ? DefaultRepositoryName(options.root) : options.repository;
  summary->mode = options.sequential ? "sequential" : "parallel";
  summary->workers = options.sequential ? 1 : std::max(1, options.workers);

  // Scan first: a bad root must fail before anything is deleted.
  ScanResult scan;
  if (Status s = ScanDirectory(options.root, options.scan, &scan); !s.ok()) return s;

  // Cleanup. Until incremental state exists every run rebuilds the repository (as the
  // reference design does), so --full and the default behave alike here.
  if (Status s = store->DeleteRepository(summary->repository); !s.ok()) return s;

  if (options.embedder != nullptr) {
    summary->embedding.model_id = options.embedder->model_id();
    summary->embedding.dim = options.embedder->dim();
  }
  RunRecord run{summary->repository,
                summary->root,
                summary->mode,
                summary->workers,
                options.embedder != nullptr,
                summary->embedding.model_id,
                summary->embedding.dim};
  int64_t run_id = 0;
  if (Status s = store->BeginRun(run, &run_id); !s.ok()) return s;

  for (const SkippedPath& skip : scan.skipped) {
    std::string reason(SkipReasonName(skip.reason));
    summary->skipped.push_back({skip.path, reason, skip.detail});
    if (skip.path.empty() || skip.path.back() == '/') continue;  // directories: summary only
    summary->skipped_files++;
    if (Status s =
            store->RecordProblem({summary->repository, skip.path, "skipped", reason, skip.detail});
        !s.ok()) {
      return s;
    }
  }
  if (options.on_scanned) options.on_scanned(static_cast<int64_t>(scan.files.size()));

  ResultWriter writer(options, scan.files, store, summary);
  if (options.sequential) {
    RunSequential(options, scan.files, summary->repository, &writer, &summary->embedding);
  } else {
    ParallelRun(options, scan.files, summary->repository, summary->workers)
        .Run(&writer, &summary->embedding);
  }

  // Phase 4: the graph, from what the store now holds (the same for any mode or order).
  GraphStats graph;
  if (Status s = BuildRepositoryGraph(store, summary->repository, GraphOptions(), &graph);
      !s.ok()) {
    return s;
  }
  summary->graph = {graph.nodes, graph.edges};

  summary->total_files = summary->success_files + summary->error_files + summary->skipped_files;
  std::sort(summary->errors.begin(), summary->errors.end(),
            [](const FileError& a, const FileError& b) { return a.file < b.file; });
  std::sort(summary->skipped.begin(), summary->skipped.end(),
            [](const FileSkip& a, const FileSkip& b) { return a.file < b.file; });
  summary->elapsed_s = SecondsSince(start);
  return store->FinishRun(run_id, SummaryToJson(*summary).dump(
                                      -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

int ExitCodeFor(const IndexSummary& summary) { return summary.error_files > 0 ? 1 : 0; }

}  // namespace semdex
