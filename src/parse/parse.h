// parse: turns one source file into chunks (functions, methods, classes, ...) with metadata
// taken from each chunk's own syntax node, plus the file's imports and exports.
//
// Chunking rules (TypeScript/JavaScript; Python analogously):
//  - Chunks are made for: function declarations (incl. generator, async); arrow functions and
//    function expressions bound to a name (`const f = () => ...`, `exports.f = function ...`,
//    `module.exports.f = ...`, methods of object literals that are exported or assigned to
//    module.exports); classes (declarations and class expressions bound to a name); methods
//    (constructor, getters, setters, static, private `#m`, abstract signatures excluded);
//    interfaces; type aliases; enums; namespaces/modules (`namespace N {}`, `declare module`).
//  - Chunks nest: a class chunk spans the whole class and its methods are chunks of their own
//    (parent_index points at the class). Functions nested inside function bodies are part of
//    their enclosing chunk, not chunks of their own.
//  - Top-level code outside those (imports, statements, plain variables, comments that are not
//    a symbol's leading doc) goes into `module` chunks: one per contiguous run of such
//    statements. Together, every non-blank line of the file lies in at least one chunk.
//    Module chunks are named after the file (name "b", qualified_name "src/a/b" for
//    "src/a/b.ts"; ".d.ts" counts as the extension); a file with several runs has several
//    module chunks of the same name, told apart by their lines. Chunks found inside a run
//    (methods of an exported object literal, a function among several declarators) have the
//    module chunk as their parent.
//  - Names: class members are "Class.member", namespace members "A.B.f", members of an exported
//    object literal "api.get" (type method); members of `module.exports = {...}` are functions
//    named by their key; `X.prototype.m = function` is method "X.prototype.m"; anonymous default
//    exports are named "default". Overload signatures and decorators belong to the chunk of the
//    implementation that follows them; abstract and overload signatures are never chunks. A
//    class field holding a function (`h = () => {}`) is a method, one holding a class a nested
//    class ("Outer.Inner"); named class expressions in top-level code are classes.
//  - A symbol's leading comment block (JSDoc, `//` lines directly above) belongs to its chunk:
//    start_line is the comment's first line, and the comment is also the chunk's docstring.
//  - A chunk larger than ParseOptions' limits is split at statement boundaries (members of a
//    class, statements of a body) into parts 1..part_count, each with the same name. Every part
//    carries the chunk's metadata; calls and loc are the part's own, cyclomatic_complexity is
//    the whole chunk's. A child chunk's parent_index is the part it lies in. A body that is one
//    huge statement stays one part.
//  - Syntax errors never fail the parse: tree-sitter recovers, chunks are kept, and
//    ParsedFile::syntax_error_count records the ERROR/MISSING nodes. Sources the tree-sitter
//    runtime cannot take safely (tens of thousands of unclosed brackets, prefix operators or
//    consecutive comments overflow its 16-bit child counts; see parse_internal.h) are not
//    parsed: they become line-split module chunks, no imports, syntax_error_count 1.
//  - Traversal is iterative or depth-capped: 50,000-deep nesting must not overflow the stack.
//    Chunks nest at most 64 deep; a declaration nested deeper is part of its enclosing chunk.
//  - Python: functions, classes, methods ("Class.method"), decorated definitions (the chunk
//    includes the decorators); docstring is the body's first string, else the leading comment.
//    is_exported: listed in `__all__`, or without `__all__` a top-level name not starting with
//    '_'. visibility follows naming: "__x" -> "private", "_x" -> "protected".
//
// Thread-safety: a Parser is used by one thread at a time; make one per worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex {

enum class ChunkType {
  kFunction,
  kMethod,
  kClass,
  kInterface,
  kTypeAlias,
  kEnum,
  kNamespace,
  kModule
};

// "function", "method", "class", "interface", "type", "enum", "namespace", "module".
std::string_view ChunkTypeName(ChunkType type);

struct Parameter {
  std::string name;           // for destructured parameters, the pattern's text
  std::string type;           // annotation text without ':' ("" if none)
  std::string default_value;  // initializer text ("" if none)
  bool optional = false;      // `x?: T`
  bool rest = false;          // `...xs`
};

struct CallSite {
  std::string callee;  // callee text incl. receiver: "foo", "this.x", "obj.y.z", "new Z", "super"
  int line = 0;        // 1-based line where the callee ends (`a\n  .b()`: the `.b` line)
  bool is_new = false;
  std::string context;  // the call's source line, trimmed, at most 160 bytes
};

struct ImportedName {
  std::string imported;  // exported name in the source module ("default", "*" for namespace)
  std::string local;     // local binding
  bool is_type = false;  // `import type` / `import { type X }`
};

struct ImportRecord {
  std::string source;  // module specifier as written ("./a", "rxjs", "fs")
  std::string kind;    // "import", "import_type", "export_from", "require", "dynamic_import",
                       // "side_effect" (import "x"), "python_import", "python_from"
  std::vector<ImportedName> names;
  int line = 0;
};

struct ExportRecord {
  std::string name;    // exported name ("default" for default exports, "*" for export *)
  std::string local;   // local name it refers to ("" when it has none, e.g. export default expr)
  std::string source;  // module for re-exports (`export { a } from './x'`), else ""
  int line = 0;
};

struct Chunk {
  ChunkType type = ChunkType::kModule;
  std::string name;            // simple name: "map", "Subscriber", "constructor"
  std::string qualified_name;  // "Class.method", "Namespace.fn", "Outer.Inner.m"; modules: path
                               // without extension
  int parent_index = -1;       // index in ParsedFile::chunks of the enclosing chunk, or -1
  int start_line = 0;          // 1-based, inclusive
  int end_line = 0;            // 1-based, inclusive
  uint32_t start_byte = 0;     // byte offsets into the (sanitised) source, end exclusive:
  uint32_t end_byte = 0;       // source_code == source.substr(start_byte, end_byte - start_byte)
  int part = 1;                // 1-based part number when a large chunk was split
  int part_count = 1;
  std::string source_code;  // the chunk's text (for parts: that part's text)

  // Metadata from the chunk's own syntax node.
  std::string signature;  // e.g. "async function f<T>(a: T, b = 1): Promise<T>": the header
                          // up to the body, whitespace collapsed, decorators left out (type
                          // aliases: the whole declaration); at most 512 bytes; "" for modules
  std::vector<Parameter> parameters;
  std::string return_type;  // annotation text ("" if none)
  bool is_async = false;
  bool is_generator = false;
  bool is_static = false;
  bool is_exported = false;  // exported from the module (directly or by `export { name }`)
  bool is_default_export = false;
  bool is_abstract = false;
  std::string accessor;    // "get", "set" or ""
  std::string visibility;  // "public", "private", "protected", "#private" or ""
  std::string docstring;   // JSDoc / docstring text, comment markers kept as written
  std::vector<std::string> decorators;
  std::vector<std::string> extends;  // class/interface heritage, as written
  std::vector<std::string> implements;
  std::vector<CallSite> calls;    // calls inside this chunk's node, excluding nested child chunks
  int cyclomatic_complexity = 1;  // 1 + decision points (if, loops, case, catch, ?:, && || ??)
  int loc = 0;                    // non-blank lines
};

struct ParsedFile {
  std::vector<Chunk> chunks;  // in source order (parents before their children)
  std::vector<ImportRecord> imports;
  std::vector<ExportRecord> exports;
  int syntax_error_count = 0;
  int line_count = 0;
};

// The version of the chunking rules: bump it with any change to the parser, the chunker or the
// metadata extractors that changes what an unchanged file gives, so that incremental index runs
// re-chunk every file instead of keeping rows made by the old rules (pipeline/pipeline.h).
inline constexpr int kChunkerVersion = 1;

struct ParseOptions {
  int max_chunk_lines = 400;             // split chunks longer than this ...
  uint32_t max_chunk_bytes = 24 * 1024;  // ... or larger than this
};

// Parses source files. Holds a tree-sitter parser; reusable across files.
class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Parses `source` (valid UTF-8; see SanitizeUtf8) as `language`. `path` is the file's
  // relative path, used for module chunk names. Fails only on internal errors (e.g. the
  // parser gave up); syntax errors are reported in ParsedFile::syntax_error_count.
  Status Parse(std::string_view path, Language language, std::string_view source,
               const ParseOptions& options, ParsedFile* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace semdex
