// ProcessFile: one file from disk to rows (and token counts), on whichever thread runs it.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>

#include "pipeline/pipeline_internal.h"

namespace semdex {
namespace {

// Reads a whole file. Fails with the OS error text; NotFound when the file does not exist.
Status ReadFile(const std::string& path, std::string* out, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Status::NotFound(std::strerror(errno));
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

// A file whose mtime is this close to the time it was read may be written again within the same
// timestamp tick (coarse on most file systems; 2 s on FAT), unseen by size and mtime.
constexpr int64_t kRacyMtimeNs = 1000000000;

void MarkSkipped(FileResult* r, SkipReason reason, std::string detail) {
  r->kind = FileEvent::Kind::kSkipped;
  r->skip_reason = reason;
  r->message = std::move(detail);
}

// Read, classify, parse and build rows for one file. Never throws.
}  // namespace

FileResult ProcessFile(size_t index, const ScannedFile& file, const IndexOptions& options,
                       const std::string& repository, Parser* parser, const PriorState* prior) {
  FileResult r;
  r.index = index;
  r.started = PipelineClock::now();
  try {
    std::string content;
    struct stat st {};
    const int64_t read_at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    if (Status s = ReadFile(file.abs_path, &content, &st); !s.ok()) {
      r.vanished = s.code() == Status::Code::kNotFound;
      MarkSkipped(&r, SkipReason::kUnreadable, s.message());
      return r;
    }
    r.bytes = content.size();
    int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (mtime_ns > read_at_ns - kRacyMtimeNs) mtime_ns = 0;  // see ProcessFile in the header
    if (prior != nullptr && index < prior->confirm_hash.size() &&
        !prior->confirm_hash[index].empty() && Xxh3Hex(content) == prior->confirm_hash[index]) {
      r.kind = FileEvent::Kind::kUnchanged;
      r.row.size_bytes = static_cast<uint64_t>(st.st_size);
      r.row.mtime_ns = mtime_ns;
      return r;
    }
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
    current.mtime_ns = mtime_ns;
    r.syntax_errors = parsed.syntax_error_count;
    r.row = MakeFileRow(repository, current, hash, repaired, parsed);
    if (options.embedder != nullptr) {
      r.row.embedding_model_id = options.embedder->model_id();
      r.chunk_tokens.reserve(r.row.chunks.size());
      r.from_cache.assign(r.row.chunks.size(), false);
      for (size_t c = 0; c < r.row.chunks.size(); ++c) {
        ChunkRow& chunk = r.row.chunks[c];
        const std::string_view text = EmbedText(chunk);
        chunk.embedding_text_hash = TextHash(text);
        if (prior != nullptr && !prior->vectors.empty()) {
          auto it = prior->vectors.find(std::string(text));
          if (it != prior->vectors.end()) {
            chunk.embedding_code = it->second;
            r.reused_vectors++;
            r.chunk_tokens.push_back(0);
            continue;
          }
        }
        if (prior != nullptr && prior->cached_texts.count(chunk.embedding_text_hash) != 0) {
          r.from_cache[c] = true;  // weighs nothing in grouping, as a reused vector
          r.reused_vectors++;
          r.chunk_tokens.push_back(0);
          continue;
        }
        size_t tokens = 0;
        if (!options.embedder->CountTokens(text, &tokens).ok()) tokens = 0;
        r.chunk_tokens.push_back(static_cast<uint32_t>(std::min<size_t>(tokens, UINT32_MAX)));
      }
    }
  } catch (const std::exception& e) {
    r.kind = FileEvent::Kind::kFailed;
    r.message = fmt::format("internal error: {}", e.what());
  }
  return r;
}

}  // namespace semdex
