// Turns chunk drafts into ParsedFile::chunks: splits drafts over ParseOptions' limits into parts
// at statement / member boundaries, orders everything by source position (parents before
// children), and fills each part's lines, text, calls and loc.
//
// Parts: every part carries the chunk's metadata; calls and loc are the part's own, cyclomatic
// complexity stays the whole chunk's. A child chunk's parent_index is the part it starts in.
#include <algorithm>

#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

// Where a part may begin: at each member / statement of the body, except the first (the
// header stays with it), and except right after a comment or decorator (they belong to what
// follows). Breaks never fall inside a child chunk.
std::vector<uint32_t> BreakCandidates(const SourceText& src, const ChunkDraft& d,
                                      const std::vector<ByteRange>& children) {
  std::vector<uint32_t> out;
  std::vector<TSNode> units;
  if (ts_node_is_null(d.body) && d.roots.empty()) {  // no syntax tree: split between lines
    for (int line = src.LineOf(d.range.start) + 1; line <= src.EndLineOf(d.range); ++line) {
      out.push_back(src.LineStart(line));
    }
    return out;
  }
  if (ts_node_is_null(d.body)) {
    units = d.roots;
  } else {
    for (TSNode c : Children(d.body)) {
      if (ts_node_is_named(c)) units.push_back(c);
    }
  }
  for (size_t i = 1; i < units.size(); ++i) {
    std::string_view prev = NodeType(units[i - 1]);
    if (prev == "comment" || prev == "decorator") continue;
    uint32_t at = ts_node_start_byte(units[i]);
    // Break at the start of the line when only indentation precedes the unit.
    uint32_t line_start = src.LineStart(src.LineOf(at));
    if (Trim(src.Slice(line_start, at)).empty()) at = line_start;
    if (at <= d.range.start || at >= d.range.end) continue;
    out.push_back(at);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  // Drop candidates inside a child chunk.
  std::vector<uint32_t> kept;
  size_t ci = 0;
  for (uint32_t at : out) {
    while (ci < children.size() && children[ci].end <= at) ++ci;
    if (ci < children.size() && children[ci].start < at) continue;
    kept.push_back(at);
  }
  return kept;
}

bool TooLarge(const SourceText& src, const ParseOptions& options, uint32_t start, uint32_t end) {
  if (end - start > options.max_chunk_bytes) return true;
  return src.EndLineOf({start, end}) - src.LineOf(start) + 1 > options.max_chunk_lines;
}

// The draft's parts: greedy, each part as large as the limits allow; a unit larger than the
// limits is a part of its own.
std::vector<ByteRange> Parts(const SourceText& src, const ParseOptions& options,
                             const ChunkDraft& d, const std::vector<ByteRange>& children) {
  if (!TooLarge(src, options, d.range.start, d.range.end)) return {d.range};
  std::vector<uint32_t> breaks = BreakCandidates(src, d, children);
  breaks.push_back(d.range.end);
  std::vector<ByteRange> parts;
  uint32_t start = d.range.start;
  uint32_t prev = start;
  for (uint32_t at : breaks) {
    if (TooLarge(src, options, start, at) && prev > start) {
      parts.push_back({start, prev});
      start = prev;
    }
    prev = at;
  }
  parts.push_back({start, d.range.end});
  // Leave the whitespace between parts out of the earlier part.
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    uint32_t end = parts[i].end;
    while (end > parts[i].start) {
      char c = src.text()[end - 1];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
      --end;
    }
    if (end > parts[i].start) parts[i].end = end;
  }
  return parts;
}

struct Piece {
  int draft;
  int part;  // 0-based
  ByteRange range;
};

}  // namespace

void AssembleChunks(const SourceText& src, const ParseOptions& options,
                    std::vector<ChunkDraft> drafts, ParsedFile* out) {
  std::vector<std::vector<ByteRange>> children = ChildRanges(drafts);
  std::vector<std::vector<ByteRange>> parts(drafts.size());
  std::vector<Piece> pieces;
  for (size_t i = 0; i < drafts.size(); ++i) {
    parts[i] = Parts(src, options, drafts[i], children[i]);
    for (size_t p = 0; p < parts[i].size(); ++p) {
      pieces.push_back({static_cast<int>(i), static_cast<int>(p), parts[i][p]});
    }
  }
  std::stable_sort(pieces.begin(), pieces.end(), [&](const Piece& a, const Piece& b) {
    if (a.range.start != b.range.start) return a.range.start < b.range.start;
    return drafts[a.draft].depth < drafts[b.draft].depth;
  });
  // Output index of each emitted part, per draft, in part order.
  std::vector<std::vector<int>> emitted(drafts.size());
  out->chunks.reserve(pieces.size());
  for (const Piece& piece : pieces) {
    ChunkDraft& d = drafts[piece.draft];
    int part_count = static_cast<int>(parts[piece.draft].size());
    // A draft of one part is not read again: its chunk can be moved.
    Chunk c = part_count == 1 ? std::move(d.chunk) : d.chunk;
    c.part = piece.part + 1;
    c.part_count = part_count;
    c.start_byte = piece.range.start;
    c.end_byte = piece.range.end;
    c.start_line = src.LineOf(piece.range.start);
    c.end_line = src.EndLineOf(piece.range);
    c.source_code = std::string(src.Slice(piece.range));
    c.loc = src.NonBlankLines(c.start_line, c.end_line);
    if (c.part_count > 1) {
      c.calls.clear();
      for (size_t k = 0; k < d.chunk.calls.size(); ++k) {
        uint32_t at = d.call_bytes[k];
        if (at >= piece.range.start && at < piece.range.end) c.calls.push_back(d.chunk.calls[k]);
      }
    }
    c.parent_index = -1;
    if (d.parent >= 0) {
      // The last part of the parent that starts at or before this piece.
      const std::vector<int>& parent_parts = emitted[d.parent];
      auto it =
          std::upper_bound(parent_parts.begin(), parent_parts.end(), piece.range.start,
                           [&](uint32_t at, int idx) { return at < out->chunks[idx].start_byte; });
      if (it != parent_parts.begin()) c.parent_index = *(it - 1);
    }
    emitted[piece.draft].push_back(static_cast<int>(out->chunks.size()));
    out->chunks.push_back(std::move(c));
  }
}

}  // namespace semdex::parse_internal
