// parse_internal: the pieces the parse stage's files share. Not part of the stage's contract;
// only src/parse/*.cc include it.
//
// The stage runs in three steps over one tree-sitter tree:
//  1. the file's exports (Python: and imports) are read, then a language chunker finds the
//     chunks (ChunkDraft: identity, byte range, the nodes that make it up);
//  2. a language metadata extractor fills each draft's Chunk metadata from its nodes
//     (TypeScript: and meets on the way the nodes the file's imports are read from);
//  3. AssembleChunks splits oversized drafts into parts and writes ParsedFile::chunks.
// Every traversal is iterative (a TSTreeCursor or an explicit stack) or bounded by
// kMaxNestingDepth.
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
// The same, among children listed once (Children) for several such questions: listing them
// costs more than comparing their types.
bool HasToken(const std::vector<TSNode>& children, std::string_view token);
TSNode ChildOfType(const std::vector<TSNode>& children, std::string_view type);
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

// True if `n` lies inside one of `ranges` (sorted by start, disjoint) and is not empty.
inline bool InsideAny(TSNode n, const std::vector<ByteRange>& ranges) {
  if (ranges.empty()) return false;
  uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
  auto it = std::upper_bound(ranges.begin(), ranges.end(), s,
                             [](uint32_t b, const ByteRange& r) { return b < r.start; });
  if (it == ranges.begin()) return false;
  --it;
  return s >= it->start && e <= it->end && e > s;
}

// Visits the subtrees of `roots` in pre-order without recursion. `visit(node)` returns whether
// to descend into the node. Nodes that lie inside one of `skip` (sorted by start, disjoint) are
// not visited: they belong to nested chunks.
template <typename Visit>
void WalkSubtrees(const std::vector<TSNode>& roots, const std::vector<ByteRange>& skip,
                  Visit&& visit) {
  for (TSNode root : roots) {
    if (ts_node_is_null(root)) continue;
    TSTreeCursor cursor = ts_tree_cursor_new(root);
    for (;;) {
      TSNode n = ts_tree_cursor_current_node(&cursor);
      bool descend = !InsideAny(n, skip) && visit(n);
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

// WalkSubtrees for visitors that act on named nodes only: it visits the roots and their named
// descendants, not the tokens (about half the nodes), and costs about two thirds as much.
// tree-sitter finds a named child in time logarithmic in the number of children, except among
// the flat children of ERROR nodes; a root that holds syntax errors is walked with WalkSubtrees,
// tokens included.
template <typename Visit>
void WalkNamedSubtrees(const std::vector<TSNode>& roots, const std::vector<ByteRange>& skip,
                       Visit&& visit) {
  struct Frame {
    TSNode node;
    uint32_t next;   // index of the next named child to visit
    uint32_t count;  // named children
  };
  std::vector<Frame> stack;
  auto enter = [&](TSNode n) {
    if (InsideAny(n, skip) || !visit(n)) return;
    uint32_t count = ts_node_named_child_count(n);
    if (count > 0) stack.push_back({n, 0, count});
  };
  for (TSNode root : roots) {
    if (ts_node_is_null(root)) continue;
    if (ts_node_has_error(root)) {
      WalkSubtrees({root}, skip, visit);
      continue;
    }
    enter(root);
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.count) {
        stack.pop_back();
      } else {
        enter(ts_node_named_child(top.node, top.next++));
      }
    }
  }
}

// ---- TypeScript / JavaScript node types and fields, resolved once per grammar. The metadata
// step and the walks test these instead of names: ts_node_type() and a string compare cost about
// as much as a walk's step to the node, and ts_node_child_by_field_name() searches the grammar's
// field names on every call. Code that runs once per statement (most of the chunker, the import
// and export readers) keeps to names, which cost little there.

// The node types tested by id: named nodes and anonymous tokens alike (as IsType matches both).
enum class TsType : uint8_t {
  kOther,  // every type not listed
  // Declarations.
  kAbstractClassDeclaration,
  kAmbientDeclaration,
  kArrowFunction,
  kClass,
  kClassDeclaration,
  kExportStatement,
  kFunction,
  kFunctionDeclaration,
  kFunctionExpression,
  kGeneratorFunction,
  kGeneratorFunctionDeclaration,
  kInterfaceDeclaration,
  kMethodDefinition,
  kPublicFieldDefinition,
  kTypeAliasDeclaration,
  kVariableDeclarator,
  // Parts of declarations.
  kAccessibilityModifier,
  kAssignmentPattern,
  kClassHeritage,
  kComment,
  kDecorator,
  kExtendsClause,
  kExtendsTypeClause,
  kImplementsClause,
  kOptionalParameter,
  kPrivatePropertyIdentifier,
  kRequiredParameter,
  kRestPattern,
  kStatementBlock,
  kTypeArguments,
  // Imports.
  kIdentifier,
  kImport,
  kImportStatement,
  // Calls and decision points.
  kBinaryExpression,
  kCallExpression,
  kCatchClause,
  kDoStatement,
  kForInStatement,
  kForStatement,
  kIfStatement,
  kNewExpression,
  kSwitchCase,
  kTernaryExpression,
  kWhileStatement,
  // Tokens.
  kLogicalAnd,  // &&
  kLogicalOr,   // ||
  kNullish,     // ??
  kAbstract,
  kAsync,
  kGet,
  kSet,
  kStar,  // *
  kStatic,
  kCount
};

enum class TsField : uint8_t {
  kBody,
  kConstructor,
  kDeclaration,
  kFunction,
  kLeft,
  kName,
  kOperator,
  kParameter,
  kParameters,
  kPattern,
  kReturnType,
  kRight,
  kType,
  kValue,
  kCount
};

// A set of TsType values.
class TsTypeSet {
 public:
  void Add(TsType t) { bits_ |= Bit(t); }
  bool Has(TsType t) const { return (bits_ & Bit(t)) != 0; }

 private:
  static_assert(static_cast<size_t>(TsType::kCount) <= 64);
  static uint64_t Bit(TsType t) { return uint64_t{1} << static_cast<unsigned>(t); }
  uint64_t bits_ = 0;
};

// One TypeScript / JavaScript grammar's TsType for each symbol, and its TsField ids.
// Immutable after construction; a Parser keeps one per grammar it has used.
class TsGrammar {
 public:
  explicit TsGrammar(const TSLanguage* language);

  TsType TypeOf(TSNode n) const {
    TSSymbol symbol = ts_node_symbol(n);  // ERROR's symbol lies past the table
    return symbol < types_.size() ? types_[symbol] : TsType::kOther;
  }
  bool IsType(TSNode n, TsType type) const { return TypeOf(n) == type; }
  // The child in `field`, or a null node (as Field).
  TSNode Field(TSNode n, TsField field) const {
    return ts_node_child_by_field_id(n, fields_[static_cast<size_t>(field)]);
  }
  // The first named child of type `type`, or a null node (as ChildOfType).
  TSNode ChildOfType(TSNode n, TsType type) const;
  // The types of `n`'s anonymous children: one pass for what several HasToken calls would ask.
  TsTypeSet TokenTypes(TSNode n) const;

 private:
  std::vector<TsType> types_;                               // by symbol
  TSFieldId fields_[static_cast<size_t>(TsField::kCount)];  // 0 where the grammar lacks one
};

// Functions of every form: declarations, expressions, arrows, generators, methods.
inline bool IsTsFunction(TsType t) {
  return t == TsType::kFunctionDeclaration || t == TsType::kGeneratorFunctionDeclaration ||
         t == TsType::kFunctionExpression || t == TsType::kFunction ||
         t == TsType::kGeneratorFunction || t == TsType::kArrowFunction ||
         t == TsType::kMethodDefinition;
}

// Class declarations (abstract ones too) and class expressions.
inline bool IsTsClass(TsType t) {
  return t == TsType::kClassDeclaration || t == TsType::kAbstractClassDeclaration ||
         t == TsType::kClass;
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
// Exports, and re-exports (import records of kind "export_from"): from top-level statements.
void ExtractTsExports(const SourceText& src, TSNode root, ParsedFile* out);
void ChunkTs(const SourceText& src, const TsGrammar& grammar, std::string_view path, TSNode root,
             const LocalExports& local_exports, std::vector<ChunkDraft>* drafts);
// Imports can be anywhere in the tree. Rather than walk all of it once more, the metadata walks
// append to `import_nodes` the import statements, `x = require(...)` declarators and require() /
// import() calls they meet: together they meet every node of the tree, each once, but for
// comments, tokens and zero-width nodes, which hold no imports.
void FillTsMetadata(const SourceText& src, const TsGrammar& grammar,
                    std::vector<ChunkDraft>* drafts, std::vector<TSNode>* import_nodes);
// Adds the imports that `import_nodes` (in any order) make to out->imports, after the
// re-exports, and orders out->imports by line.
void ExtractTsImports(const SourceText& src, std::vector<TSNode> import_nodes, ParsedFile* out);

// Python (python_chunker.cc, python_metadata.cc).
void ExtractPythonImportsExports(const SourceText& src, TSNode root, ParsedFile* out);
void ChunkPython(const SourceText& src, std::string_view path, TSNode root,
                 const LocalExports& local_exports, std::vector<ChunkDraft>* drafts);
void FillPythonMetadata(const SourceText& src, std::vector<ChunkDraft>* drafts);

// Splits oversized drafts into parts and writes them to out->chunks in source order, parents
// before children (chunk_split.cc). Takes the drafts over to move their chunks out.
void AssembleChunks(const SourceText& src, const ParseOptions& options,
                    std::vector<ChunkDraft> drafts, ParsedFile* out);

}  // namespace semdex::parse_internal
