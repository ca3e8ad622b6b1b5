// The embedding stage: deterministic groups of files, one Embed() call per group.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <tuple>

#include "pipeline/pipeline_internal.h"

namespace semdex {
namespace {

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

// Whether chunk `c` of `file` still needs a vector from the model.
bool NeedsVector(const FileResult& file, size_t c) {
  return file.row.chunks[c].embedding_code.empty() &&
         !(c < file.from_cache.size() && file.from_cache[c]);
}

// One chunk to embed: where it is and how long it is.
struct TextRef {
  uint32_t tokens;
  size_t file;   // index into the group's files
  size_t chunk;  // index into that file's chunks
};

// Embeds `refs` (already in the order to send) into their chunks. On error no chunk is touched.
Status EmbedRefs(const Embedder& embedder, const std::vector<TextRef>& refs, Group* group,
                 EmbedCounts* counts) {
  if (refs.empty()) return Status::Ok();
  std::vector<std::string_view> texts;
  texts.reserve(refs.size());
  for (const TextRef& ref : refs) {
    texts.push_back(EmbedText(group->files[ref.file].row.chunks[ref.chunk]));
  }
  std::vector<std::vector<float>> vectors;
  const PipelineClock::time_point start = PipelineClock::now();
  Status s = embedder.Embed(texts, &vectors);
  counts->seconds += std::chrono::duration<double>(PipelineClock::now() - start).count();
  counts->calls++;
  if (!s.ok()) return s;
  if (vectors.size() != refs.size()) {
    return Status::Internal(
        fmt::format("the model returned {} vectors for {} texts", vectors.size(), refs.size()));
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    group->files[refs[i].file].row.chunks[refs[i].chunk].embedding_code = std::move(vectors[i]);
    counts->chunks++;
    counts->tokens += refs[i].tokens;
  }
  return Status::Ok();
}

// The texts of the given files, shortest first (ties in file and chunk order).
std::vector<TextRef> SortedRefs(const Group& group, const std::vector<size_t>& files) {
  std::vector<TextRef> refs;
  for (size_t f : files) {
    const FileResult& file = group.files[f];
    for (size_t c = 0; c < file.row.chunks.size(); ++c) {
      if (!NeedsVector(file, c)) continue;  // reused (PriorState, the vector cache)
      uint32_t tokens = c < file.chunk_tokens.size() ? file.chunk_tokens[c] : 0;
      refs.push_back({tokens, f, c});
    }
  }
  std::stable_sort(refs.begin(), refs.end(),
                   [](const TextRef& a, const TextRef& b) { return a.tokens < b.tokens; });
  return refs;
}

void MarkFailed(FileResult* file, const Status& status) {
  file->kind = FileEvent::Kind::kFailed;
  file->message = "embedding: " + status.message();
  for (ChunkRow& chunk : file->row.chunks) chunk.embedding_code.clear();
}

}  // namespace

std::string_view EmbedText(const ChunkRow& chunk) {
  for (const std::string* text : {&chunk.source_code, &chunk.qualified_name, &chunk.name}) {
    if (!IsBlank(*text)) return *text;
  }
  return chunk.chunk_type.empty() ? std::string_view("chunk") : chunk.chunk_type;
}

std::string TextHash(std::string_view text) { return Xxh3Hex128(text); }

bool GroupBuilder::Add(FileResult file) {
  for (uint32_t t : file.chunk_tokens) open_.tokens += t;
  open_.files.push_back(std::move(file));
  if (remaining_ > 0) --remaining_;
  return remaining_ == 0 || open_.files.size() >= max_files_ || open_.tokens >= token_budget_;
}

Group GroupBuilder::Take() {
  Group group = std::move(open_);
  open_ = Group();
  return group;
}

void EmbedGroup(const Embedder& embedder, Group* group, EmbedCounts* counts) {
  std::vector<size_t> indexed;
  for (size_t f = 0; f < group->files.size(); ++f) {
    const FileResult& file = group->files[f];
    if (file.kind != FileEvent::Kind::kIndexed) continue;
    for (size_t c = 0; c < file.row.chunks.size(); ++c) {
      if (NeedsVector(file, c)) {
        indexed.push_back(f);
        break;
      }
    }
  }
  if (indexed.empty()) return;
  Status s = EmbedRefs(embedder, SortedRefs(*group, indexed), group, counts);
  if (s.ok()) return;
  if (s.code() != Status::Code::kInvalidArgument) {
    for (size_t f : indexed) MarkFailed(&group->files[f], s);
    return;
  }
  // A text was refused: find the files it belongs to by embedding each file on its own, and in
  // a file that fails, the first chunk that fails on its own, to name it.
  for (size_t f : indexed) {
    Status one = EmbedRefs(embedder, SortedRefs(*group, {f}), group, counts);
    if (one.ok()) continue;
    FileResult& file = group->files[f];
    for (size_t c = 0; c < file.row.chunks.size(); ++c) {
      std::vector<std::string_view> text = {EmbedText(file.row.chunks[c])};
      std::vector<std::vector<float>> unused;
      Status alone = embedder.Embed(text, &unused);
      if (alone.ok()) continue;
      const ChunkRow& chunk = file.row.chunks[c];
      one = Status::InvalidArgument(fmt::format("chunk {} (lines {}-{}): {}", chunk.qualified_name,
                                                chunk.start_line, chunk.end_line, alone.message()));
      break;
    }
    MarkFailed(&file, one);
  }
}

}  // namespace semdex
