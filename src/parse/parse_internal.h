// parse_internal: the pieces the parse stage's files share. Not part of the stage's contract;
// only src/parse/*.cc include it.
//
// The stage runs in three steps over one tree-sitter tree:
//  1. a language chunker finds the chunks (ChunkDraft: identity, byte range, the nodes that make
//     it up) and the file's imports and exports;
//  2. a language metadata extractor fills each draft's Chunk metadata from its nodes;
//  3. AssembleChunks splits oversized drafts into parts and writes ParsedFile::chunks.
// Every traversal is iterative (TSTreeCursor) or bounded by kMaxNestingDepth.
#pragma once

#include <tree_sitter/api.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parse/parse.h"

extern "C" {
const TSLanguage* tree_sitter_typescript();
const TSLanguage* tree_sitter_tsx();
const TSLanguage* tree_sitter_javascript();
const TSLanguage* tree_sitter_python();
}

namespace semdex::parse_internal {

// Chunks (and the object literals whose members become chunks) nest at most this deep. A
// declaration nested deeper stays part of its enclosing chunk. This bounds the chunkers'
// recursion and the text that nested chunks duplicate (each chunk carries its own source).
inline constexpr int kMaxNestingDepth = 64;
inline constexpr size_t kMaxSignatureBytes = 512;
inline constexpr size_t kMaxCalleeBytes = 200;
inline constexpr size_t kMaxContextBytes = 160;
inline constexpr size_t kMaxDecoratorBytes = 200;

// A half-open byte range [start, end) of the source.
struct ByteRange {
  uint32_t start = 0;
  uint32_t end = 0;
};

// The source with a line index. Lines are 1-based.
class SourceText {
 public:
  explicit SourceText(std::string_view text);

  std::string_view text() const { return text_; }
  std::string_view Slice(uint32_t start, uint32_t end) const {
    return text_.substr(start, end - start);
  }
  std::string_view Slice(ByteRange r) const { return Slice(r.start, r.end); }
  // Line holding `byte`; a byte past the end is on the last line.
  int LineOf(uint32_t byte) const;
  // Line of the range's last byte (its first line when empty).
  int EndLineOf(ByteRange r) const { return LineOf(r.end > r.start ? r.end - 1 : r.start); }
  uint32_t LineStart(int line) const { return line_starts_[line - 1]; }
  // The text of `line` without its newline.
  std::string_view LineText(int line) const;
  // Non-blank lines among lines first..last.
  int NonBlankLines(int first, int last) const;
  // Lines in the file (0 for an empty file).
  int line_count() const { return line_count_; }

 private:
  std::string_view text_;
  std::vector<uint32_t> line_starts_;
  std::vector<int> nonblank_before_;  // [i]: non-blank lines among lines 1..i
  int line_count_ = 0;
};

// ---- Node helpers. None of them walks to a node's parent or siblings (both cost O(depth) in
// tree-sitter 0.20); children are listed with a cursor.

inline std::string_view NodeType(TSNode n) { return ts_node_type(n); }
inline bool IsType(TSNode n, std::string_view type) { return NodeType(n) == type; }
inline ByteRange RangeOf(TSNode n) { return {ts_node_start_byte(n), ts_node_end_byte(n)}; }
inline std::string_view NodeText(const SourceText& src, TSNode n) { return src.Slice(RangeOf(n)); }
// The child in field `name`, or a null node.
inline TSNode Field(TSNode n, const char* name) {
  return ts_node_child_by_field_name(n, name, static_cast<uint32_t>(strlen(name)));
}
// All children (named and anonymous), in order.
std::vector<TSNode> Children(TSNode n);
// The children in field `name`, in order.
std::vector<TSNode> FieldChildren(TSNode n, std::string_view name);
// True if `n` has an anonymous child token of type `token` ("async", "static", "*", ...).
bool HasToken(TSNode n, std::string_view token);
// The first named child of type `type`, or a null node.
TSNode ChildOfType(TSNode n, std::string_view type);
bool IsComment(TSNode n);

// Whitespace runs become one space; leading/trailing whitespace is dropped. Reads only as much
// of `text` as it needs to produce `max_bytes` bytes (then appends "...").
std::string CollapseWhitespace(std::string_view text, size_t max_bytes);
// A string literal's content without its quotes ("'./a'" -> "./a").
std::string_view StripQuotes(std::string_view text);
// Text with surrounding whitespace removed.
std::string_view Trim(std::string_view text);
// `path` without directories and extension ("src/a/b.d.ts" -> "b").
std::string ModuleBaseName(std::string_view path);
// `path` without extension ("src/a/b.d.ts" -> "src/a/b").
std::string ModulePath(std::string_view path);

// Visits the subtrees of `roots` in pre-order without recursion. `visit(node)` returns whether
// to descend into the node. Nodes that lie inside one of `skip` (sorted by start, disjoint) are
// not visited: they belong to nested chunks.
template <typename Visit>
void WalkSubtrees(const std::vector<TSNode>& roots, const std::vector<ByteRange>& skip,
                  Visit&& visit) {
  auto skipped = [&skip](TSNode n) {
    if (skip.empty()) return false;
    uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    auto it = std::upper_bound(skip.begin(), skip.end(), s,
                               [](uint32_t b, const ByteRange& r) { return b < r.start; });
    if (it == skip.begin()) return false;
    --it;
    return s >= it->start && e <= it->end && e > s;
  };
  for (TSNode root : roots) {
    if (ts_node_is_null(root)) continue;
    TSTreeCursor cursor = ts_tree_cursor_new(root);
    for (;;) {
      TSNode n = ts_tree_cursor_current_node(&cursor);
      bool descend = !skipped(n) && visit(n);
      if (descend && ts_tree_cursor_goto_first_child(&cursor)) continue;
      bool moved = false;
      while (!(moved = ts_tree_cursor_goto_next_sibling(&cursor))) {
        if (!ts_tree_cursor_goto_parent(&cursor)) break;
      }
      if (!moved) break;
    }
    ts_tree_cursor_delete(&cursor);
  }
}

// ---- Chunk drafts.

// A chunk before metadata and splitting. The chunker fills the identity fields of `chunk`
// (type, name, qualified_name, flags it knows from context such as is_exported, docstring).
struct ChunkDraft {
  Chunk chunk;
  int parent = -1;  // index into the drafts vector
  int depth = 0;    // chunk ancestors
  ByteRange range;  // incl. leading comments, decorators and overload signatures
  TSNode decl{};    // the declaration node metadata comes from (function, class, ...); null
                    // for module chunks
  TSNode outer{};   // the node whose text starts the signature (statement, member, declarator)
  TSNode body{};    // node whose children are the split points; null: split over `roots`,
                    // or at line starts when there are no roots either
  std::vector<TSNode> roots;         // the nodes the chunk's range covers, in order
  std::vector<uint32_t> call_bytes;  // start byte of each chunk.calls entry
};

// Groups top-level nodes that are not symbols into module chunks, one per contiguous run. Module
// chunks are named after the file: name = base name, qualified_name = path, both without
// extension; several runs give several module chunks with the same name.
class ModuleRunBuilder {
 public:
  ModuleRunBuilder(std::string_view path, std::vector<ChunkDraft>* drafts);
  // Adds `node` to the current run, opening one if none is open; returns the run's draft index.
  int Add(TSNode node);
  // Extends the current run, if any, to cover `node` (a trailing comment); false if none is open.
  bool Extend(TSNode node);
  // Ends the current run: the next Add opens a new one.
  void Close() { current_ = -1; }

 private:
  std::string name_;
  std::string qualified_name_;
  std::vector<ChunkDraft>* drafts_;
  int current_ = -1;
};

// Sorted ranges of each draft's direct children.
std::vector<std::vector<ByteRange>> ChildRanges(const std::vector<ChunkDraft>& drafts);

// Local names exported by the module (`export { a as b }`, `module.exports = { a }`, ...),
// mapped to whether they are the default export.
using LocalExports = std::unordered_map<std::string, bool>;
LocalExports LocalExportsOf(const std::vector<ExportRecord>& exports);

// ---- Guard. tree-sitter 0.20.7 (Debian 12's libtree-sitter) keeps a subtree's child count in
// 16 bits (fixed upstream in 0.20.8): a node with more than 65,535 direct children corrupts the
// heap. Error recovery and the final accept build such nodes when they pop a very tall parse
// stack at once: tens of thousands of unclosed brackets or prefix operators, or of comments in a
// row. Sources whose estimated stack peak exceeds kMaxParseStackEstimate are not given to
// tree-sitter; they become line-split module chunks with one syntax error.

inline constexpr size_t kMaxParseStackEstimate = 50000;

// A conservative estimate of the parse stack's peak height, from a light lexer (parse_guard.cc).
size_t EstimateParseStackPeak(std::string_view source, Language language);

// ---- Language steps.

// TypeScript / JavaScript (ts_imports.cc, ts_chunker.cc, ts_metadata.cc).
void ExtractTsImportsExports(const SourceText& src, TSNode root, ParsedFile* out);
void ChunkTs(const SourceText& src, std::string_view path, TSNode root,
             const LocalExports& local_exports, std::vector<ChunkDraft>* drafts);
void FillTsMetadata(const SourceText& src, std::vector<ChunkDraft>* drafts);

// Python (python_chunker.cc, python_metadata.cc).
void ExtractPythonImportsExports(const SourceText& src, TSNode root, ParsedFile* out);
void ChunkPython(const SourceText& src, std::string_view path, TSNode root,
                 const LocalExports& local_exports, std::vector<ChunkDraft>* drafts);
void FillPythonMetadata(const SourceText& src, std::vector<ChunkDraft>* drafts);

// Splits oversized drafts into parts and writes them to out->chunks in source order, parents
// before children (chunk_split.cc).
void AssembleChunks(const SourceText& src, const ParseOptions& options,
                    const std::vector<ChunkDraft>& drafts, ParsedFile* out);

}  // namespace semdex::parse_internal
