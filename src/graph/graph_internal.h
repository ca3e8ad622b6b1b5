// graph_internal: the graph stage's in-memory model and the steps that build it, shared by the
// files of src/graph/. Other folders include graph/graph.h only.
//
// Data flow: GraphInput -> LoadModel (files, symbols, imports, exports, calls) -> ScanSources
// (locals, cognitive complexity) -> ModuleResolver + SymbolResolver -> BuildEdges (Graph) ->
// ComputeMetrics -> MakeRows (GraphRows with stable ids and JSON).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "graph/graph.h"

namespace semdex::graph_internal {

struct CallRef {
  std::string callee;  // as the parser wrote it: "foo", "this.m", "ns.f", "super" (no "new ")
  int line = 0;
  bool is_new = false;
  std::string_view raw;  // the call's JSON object in the chunk's metadata
  int chunk = -1;        // GraphInput::chunks index of the chunk (part) that makes the call
};

// Where a module specifier leads.
struct ModuleTarget {
  enum class Kind { kFile, kExternal, kMissing } kind = Kind::kMissing;
  int index = -1;       // file or external index
  std::string subpath;  // external: "fp" for "lodash/fp"
};

struct ImportName {
  std::string imported;  // "default", "*", or the exported name
  std::string local;
  bool is_type = false;
};

struct Import {
  std::string source;  // specifier as written
  std::string kind;    // "import", "import_type", "export_from", "require", "dynamic_import",
                       // "side_effect", "python_import", "python_from"
  std::vector<ImportName> names;
  int line = 0;
  ModuleTarget target;  // filled by ResolveModules
};

struct Export {
  std::string name;    // exported name; "default"; "*" for `export * from`
  std::string local;   // local name it refers to, "" if none
  std::string source;  // module for re-exports, else ""
  int line = 0;
  std::string imported;  // re-exports: the name in `source` ("*" for `export * as name`)
  ModuleTarget target;   // re-exports: filled by ResolveModules
};

// One named chunk (all its parts): one graph node.
struct Symbol {
  int file = -1;
  int parent = -1;                  // enclosing symbol (class, namespace), -1 if none
  std::vector<int> chunks;          // GraphInput::chunks indices of its parts, in order
  std::string_view type;            // chunk_type: "function", "method", "class", ...
  std::string_view name;            // simple name
  std::string_view qualified_name;  // "Class.method"
  int ordinal = 0;                  // > 0 for the n-th repeat of a qualified name in one file
  int start_line = 0;
  int end_line = 0;
  bool exported = false;
  bool default_export = false;
  bool is_static = false;
  std::vector<std::string> extends;
  std::vector<std::string> implements;
  std::vector<std::string> params;  // parameter names as written (patterns included)
  std::vector<CallRef> calls;       // of every part
  // Where the "calls" array lies in the first part's metadata JSON ([begin, end) bytes).
  size_t calls_begin = 0;
  size_t calls_end = 0;
  std::vector<std::string> locals;  // names declared inside the body (sorted, unique)
  int cyclomatic = 1;
  int loc = 0;
  int cognitive = 0;
};

struct FileInfo {
  std::string_view path;
  std::string_view language;
  std::string_view metadata_json;
  bool python = false;
  std::vector<Import> imports;
  std::vector<Export> exports;
  std::vector<CallRef> calls;   // calls of the file's top-level code (module chunks)
  int first_module_chunk = -1;  // GraphInput::chunks index, -1 if the file has none
  int module_chunk_count = 0;
  int line_count = 0;
  int loc = 0;               // non-blank lines: sum over top-level chunks
  int cyclomatic = 1;        // 1 + decision points of every chunk of the file
  int cognitive = 0;         // of the top-level code
  std::vector<int> symbols;  // in source order
  // Symbols reachable by a bare name at the top level of the file (qualified == name).
  std::unordered_map<std::string_view, std::vector<int>> top_level;
  // Every symbol by qualified name ("A.B.f", "api.get", "X.prototype.m").
  std::unordered_map<std::string_view, std::vector<int>> by_qualified;
  // Proper prefixes of dotted qualified names ("api", "X.prototype") that are not symbols.
  std::unordered_set<std::string> qualified_prefixes;
  // Exports by exported name (indices into `exports`); `export * from` entries.
  std::unordered_map<std::string_view, std::vector<int>> exports_by_name;
  std::vector<int> star_exports;
  // Import bindings: local name -> (import index, name index).
  std::unordered_map<std::string, std::pair<int, int>> bindings;
};

struct External {
  std::string name;       // "lodash", "@scope/pkg", "node:fs", python top-level module
  std::string ecosystem;  // "npm", "node", "python"
  bool builtin = false;
};

struct Model {
  const GraphInput* input = nullptr;
  std::vector<int> chunk_order;  // GraphInput::chunks sorted by file, start line, part, id
  std::vector<FileInfo> files;   // sorted by path
  std::vector<Symbol> symbols;   // by file, then source order
  std::unordered_map<std::string_view, int> file_by_path;
  std::vector<External> externals;
  std::unordered_map<std::string, int> external_by_name;

  // Node numbering: Module nodes, then symbols, then external modules.
  int ModuleNode(int file) const { return file; }
  int SymbolNode(int symbol) const { return static_cast<int>(files.size()) + symbol; }
  int ExternalNode(int external) const {
    return static_cast<int>(files.size() + symbols.size()) + external;
  }
  int NodeCount() const {
    return static_cast<int>(files.size() + symbols.size() + externals.size());
  }
  int ExternalIndex(const External& external);  // adds it if new
};

// Fills files, symbols and their indexes from `input` (metadata JSON read with JsonReader).
void LoadModel(const GraphInput& input, Model* model);

// Fills Symbol::locals and the cognitive complexity of symbols and files from the chunks'
// source text (an approximation: see source_scan.cc).
void ScanSources(Model* model);

// Local names declared in a TypeScript/JavaScript function body, and its approximate cognitive
// complexity. Exposed for tests.
struct SourceFacts {
  std::vector<std::string> locals;
  int cognitive = 0;
};
SourceFacts ScanScript(std::string_view source);
SourceFacts ScanPython(std::string_view source);

// Identifiers bound by a parameter or binding pattern text: "x", "{ a, b: c = 1 }" -> a, c.
std::vector<std::string> PatternBindings(std::string_view pattern);

// Runs work(begin, end) over [0, n) in two ranges of about equal total weight(i), the second on a
// thread of its own; all on the calling thread when n < min_items. REQUIRES: work on disjoint
// ranges may run at once (each item written by its range alone).
void RunInTwoParts(size_t n, size_t min_items, const std::function<size_t(size_t)>& weight,
                   const std::function<void(size_t, size_t)>& work);

// ---- Module resolution (module_resolver.cc).

// tsconfig.json compilerOptions and the workspace packages of the tree, with paths relative to
// the repository root ("" is the root; "../x" lies outside it).
struct ProjectConfig {
  bool has_base_url = false;
  std::string base_url;
  struct PathAlias {
    std::string pattern;               // "@app/*", "rxjs"
    std::vector<std::string> targets;  // root-relative, "*" kept
  };
  std::vector<PathAlias> paths;
  struct Package {
    std::string name;
    std::string dir;                   // root-relative directory of its package.json
    std::vector<std::string> entries;  // root-relative entry candidates, best first
    std::vector<std::pair<std::string, std::string>> subpaths;  // exports "./x" -> target
  };
  std::vector<Package> packages;
};

// Reads <root>/tsconfig.json (or tsconfig.base.json; JSON with comments and trailing commas,
// following "extends") and every package.json in a directory that holds indexed files or is an
// ancestor of one. Missing or unreadable files are ignored.
ProjectConfig LoadProjectConfig(const std::string& root, const Model& model);

class ModuleResolver {
 public:
  ModuleResolver(Model* model, ProjectConfig config);
  // REQUIRES: 0 <= from_file < files. Memoized per (directory, specifier).
  const ModuleTarget& Resolve(int from_file, const std::string& specifier);
  // The Python module file for a root-relative path without extension ("a/b"), or -1.
  int ProbePython(const std::string& path) const;

 private:
  ModuleTarget ResolveUncached(int from_file, const std::string& specifier);
  ModuleTarget ResolvePython(int from_file, const std::string& specifier);
  int Probe(const std::string& path) const;
  int FileAt(const std::string& path) const;
  ModuleTarget MakeExternal(const std::string& specifier, bool python);

  Model* model_;
  ProjectConfig config_;
  std::unordered_map<std::string, ModuleTarget> cache_;
};

// Resolves every import's and re-export's specifier once (Import::target, Export::target).
void ResolveModules(Model* model, ModuleResolver* modules);

// Lexically joins and normalises '/'-separated relative paths ("a/b", "../c" -> "a/c").
std::string JoinPath(std::string_view dir, std::string_view rel);
std::string DirName(std::string_view path);

// ---- Symbol resolution (symbol_resolver.cc).

// What a name or call resolves to.
struct Ref {
  enum class Kind { kNone, kSymbol, kModule, kExternal, kPrefix } kind = Kind::kNone;
  int index = -1;           // symbol, file (kModule, kPrefix) or external
  std::string member;       // kExternal: member path ("readFile"); kPrefix: qualified prefix
  std::string_view reason;  // kNone: why (see docs/graph.md)
  bool ok() const { return kind == Kind::kSymbol || kind == Kind::kExternal; }

  static Ref Unresolved(std::string_view why) {
    Ref r;
    r.reason = why;
    return r;
  }
  static Ref Of(Kind kind, int index, std::string member = "") {
    Ref r;
    r.kind = kind;
    r.index = index;
    r.member = std::move(member);
    return r;
  }
};

// Whether `name` is a global of the language (`console`, `Math`, `setTimeout`; Python builtins).
bool IsGlobalName(std::string_view name, bool python);

// What kind of symbol a name must denote where it is used.
enum class Want { kValue, kType, kAny };

// Which class members a lookup prefers when a name is both static and not (`static m()` and
// `m()`): `C.m` means the static one, `this.m` in an instance method the other.
enum class Side { kAny, kStatic, kInstance };

class SymbolResolver {
 public:
  SymbolResolver(Model* model, ModuleResolver* modules);

  // A call made by `symbol` (or by the top-level code of `file` when symbol is -1).
  Ref ResolveCall(int file, int symbol, const CallRef& call);
  // A heritage clause ("Base<T>", "ns.Base") of `symbol`, resolved as a type.
  Ref ResolveHeritage(int symbol, std::string_view text);
  // The symbol, module or external a file exports as `name` (through re-exports).
  Ref ResolveExport(int file, std::string_view name);
  // The binding of `local` imported by `file`, resolved; kNone with an empty reason if `local`
  // is not an import binding.
  Ref ResolveBinding(int file, std::string_view local);
  // The class `symbol` extends, or -1 (memoized).
  int BaseClass(int symbol);
  // Every name `file` may export: listed, declared exported, or through `export *` ("default"
  // excluded; memoized). In a cycle of `export *` the file met again adds nothing.
  const std::unordered_set<std::string_view>& ExportedNames(int file);

 private:
  Ref ResolveName(int file, int scope, std::string_view name, Want want);
  Ref ResolvePath(int file, int scope, const std::vector<std::string_view>& path, Want want);
  Ref Member(const Ref& base, std::string_view member);
  Ref MemberPath(Ref cur, const std::vector<std::string_view>& path, size_t from);
  Ref FindInClass(int cls, std::string_view member, Side side);
  Ref ThisPath(int symbol, const std::vector<std::string_view>& path);
  Ref SuperPath(int symbol, const std::vector<std::string_view>& path);
  Ref Pick(const std::vector<int>& candidates, Want want) const;
  Ref ExportUncached(int file, std::string_view name);
  Ref ReExport(const Export& e);

  // Nested ResolveExport / ExportedNames / BaseClass calls: chains of re-exports or bases
  // longer than kMaxDepth are cut (unresolved) rather than risk the stack.
  static constexpr int kMaxDepth = 200;
  struct Descent {
    explicit Descent(int* depth) : depth_(depth) { ++*depth_; }
    ~Descent() { --*depth_; }
    Descent(const Descent&) = delete;
    Descent& operator=(const Descent&) = delete;
    bool too_deep() const { return *depth_ > kMaxDepth; }
    int* depth_;
  };

  Model* model_;
  ModuleResolver* modules_;
  int depth_ = 0;
  std::unordered_map<std::string, Ref> export_cache_;  // "<file>\n<name>"; kNone + "cycle"
                                                       // while being computed
  std::vector<std::unique_ptr<std::unordered_set<std::string_view>>> exported_names_;
  std::unordered_map<int, int> base_cache_;
};

// ---- Edges (edge_builder.cc).

struct CallSiteOut {
  const CallRef* call = nullptr;
  Ref target;
};

struct Edge {
  int source = -1;  // node numbers (Model::*Node)
  int target = -1;
  std::string_view relation;  // "contains", "imports", "re_exports", "calls", ...
  int call_count = 0;         // calls: call sites
  std::string discriminator;  // keeps ids of parallel edges apart
  std::string properties_json;
};

// A heritage clause or import that did not become an edge.
struct Unlinked {
  std::string text;           // heritage clause or module specifier
  std::string_view relation;  // "extends", "implements", "imports"
  int line = 0;
  std::string_view reason;  // why (see docs/graph.md); "external" for an external base type
  std::string external;     // the external module, for reason "external"
};

struct Graph {
  std::vector<Edge> edges;
  std::vector<std::vector<CallSiteOut>> calls_by_node;  // every call site, with its resolution
  std::vector<std::vector<Unlinked>> unlinked_by_node;
};

void BuildEdges(Model* model, SymbolResolver* resolver, ModuleResolver* modules, Graph* graph,
                GraphStats* stats);

// ---- Metrics (metrics.cc).

struct NodeMetrics {
  int64_t afferent = 0;
  int64_t efferent = 0;
  double instability = 0;
  double pagerank = 0;
  double betweenness = 0;
};

struct EdgeMetrics {
  double importance = 0;
  bool critical = false;
};

void ComputeMetrics(const Model& model, const Graph& graph, const GraphOptions& options,
                    std::vector<NodeMetrics>* nodes, std::vector<EdgeMetrics>* edges);

// ---- Rows (graph_rows.cc).

void MakeRows(std::string_view repository, const Model& model, const Graph& graph,
              const std::vector<NodeMetrics>& node_metrics,
              const std::vector<EdgeMetrics>& edge_metrics, GraphRows* rows);

}  // namespace semdex::graph_internal
