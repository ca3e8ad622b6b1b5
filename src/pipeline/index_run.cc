// RunIndex: cleanup -> scan -> process (sequential or a thread pool) -> graph -> summary.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <thread>

#include "graph/graph.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/pipeline.h"

namespace semdex {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Everything a worker learnt about one file; the writer turns it into rows or a problem record.
struct FileResult {
  size_t index = 0;
  FileEvent::Kind kind = FileEvent::Kind::kIndexed;
  FileRow row;  // kIndexed
  SkipReason skip_reason = SkipReason::kUnreadable;
  std::string message;  // kFailed: error; kSkipped: detail
  int syntax_errors = 0;
  uint64_t bytes = 0;
  Clock::time_point started;
};

// Reads a whole file. Fails with the OS error text.
Status ReadFile(const std::string& path, std::string* out, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(std::strerror(errno));
  Status status;
  if (::fstat(fd, st) != 0) {
    status = Status::IoError(std::strerror(errno));
  } else if (!S_ISREG(st->st_mode)) {
    status = Status::IoError("not a regular file");
  } else {
    out->resize(static_cast<size_t>(st->st_size));
    size_t got = 0;
    while (got < out->size()) {
      ssize_t n = ::read(fd, out->data() + got, out->size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = Status::IoError(std::strerror(errno));
        break;
      }
      if (n == 0) break;  // file shrank while we read it
      got += static_cast<size_t>(n);
    }
    out->resize(got);
  }
  ::close(fd);
  return status;
}

void MarkSkipped(FileResult* r, SkipReason reason, std::string detail) {
  r->kind = FileEvent::Kind::kSkipped;
  r->skip_reason = reason;
  r->message = std::move(detail);
}

// Read, classify, parse and build rows for one file. Never throws.
FileResult ProcessFile(size_t index, const ScannedFile& file, const IndexOptions& options,
                       const std::string& repository, Parser* parser) {
  FileResult r;
  r.index = index;
  r.started = Clock::now();
  try {
    std::string content;
    struct stat st {};
    if (Status s = ReadFile(file.abs_path, &content, &st); !s.ok()) {
      MarkSkipped(&r, SkipReason::kUnreadable, s.message());
      return r;
    }
    r.bytes = content.size();
    if (content.size() > options.scan.max_file_bytes) {
      MarkSkipped(&r, SkipReason::kTooLarge,
                  fmt::format("{} bytes > {} limit", content.size(), options.scan.max_file_bytes));
      return r;
    }
    std::string detail;
    if (auto reason = ClassifyContent(file.path, content, &detail)) {
      MarkSkipped(&r, *reason, std::move(detail));
      return r;
    }
    std::string hash = Xxh3Hex(content);
    bool repaired = !IsValidUtf8(content);
    if (repaired) content = SanitizeUtf8(content);

    ParsedFile parsed;
    if (Status s = parser->Parse(file.path, file.language, content, options.parse, &parsed);
        !s.ok()) {
      r.kind = FileEvent::Kind::kFailed;
      r.message = s.ToString();
      return r;
    }
    ScannedFile current = file;
    current.size_bytes = static_cast<uint64_t>(st.st_size);
    current.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    r.syntax_errors = parsed.syntax_error_count;
    r.row = MakeFileRow(repository, current, hash, repaired, parsed);
  } catch (const std::exception& e) {
    r.kind = FileEvent::Kind::kFailed;
    r.message = fmt::format("internal error: {}", e.what());
  }
  return r;
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

void RunSequential(const IndexOptions& options, const std::vector<ScannedFile>& files,
                   const std::string& repository, ResultWriter* writer) {
  Parser parser;
  for (size_t i = 0; i < files.size(); ++i) {
    writer->Write(ProcessFile(i, files[i], options, repository, &parser));
  }
}

void RunParallel(const IndexOptions& options, const std::vector<ScannedFile>& files,
                 const std::string& repository, int workers, ResultWriter* writer) {
  BoundedQueue<FileResult> queue(static_cast<size_t>(workers) * 2);
  std::atomic<size_t> next{0};
  std::atomic<int> running{workers};
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      Parser parser;
      for (size_t i = next.fetch_add(1); i < files.size(); i = next.fetch_add(1)) {
        queue.Push(ProcessFile(i, files[i], options, repository, &parser));
      }
      if (running.fetch_sub(1) == 1) queue.Close();
    });
  }
  while (std::optional<FileResult> r = queue.Pop()) writer->Write(std::move(*r));
  for (std::thread& t : threads) t.join();
}

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

  RunRecord run{summary->repository, summary->root, summary->mode, summary->workers, false, ""};
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
    RunSequential(options, scan.files, summary->repository, &writer);
  } else {
    RunParallel(options, scan.files, summary->repository, summary->workers, &writer);
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
