// Python chunker: functions (incl. async), classes, methods, decorated definitions, module runs;
// plus the file's imports and `__all__` exports. Metadata: python_metadata.cc.
//
// A definition inside a function body is part of that function's chunk; classes nest (methods,
// inner classes) up to kMaxNestingDepth. Without `__all__`, top-level definitions whose names
// do not start with '_' count as exported (what `from m import *` would bind).
#include <optional>

#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

struct PyScope {
  int parent = -1;
  std::string prefix;
  int nesting = 0;
  bool top_level = true;
};

class PyChunker {
 public:
  PyChunker(const SourceText& src, std::string_view path, const LocalExports& local_exports,
            std::vector<ChunkDraft>* drafts)
      : src_(src), local_exports_(local_exports), drafts_(drafts), runs_(path, drafts) {}

  void Run(TSNode root) { ProcessBlock(root, PyScope{}); }

 private:
  void ProcessBlock(TSNode block, const PyScope& scope);
  void AddDefinition(TSNode item, TSNode definition, const std::vector<TSNode>& attached,
                     const PyScope& scope);
  int Line(TSNode n) const { return src_.LineOf(ts_node_start_byte(n)); }
  int EndLine(TSNode n) const { return src_.EndLineOf(RangeOf(n)); }

  const SourceText& src_;
  const LocalExports& local_exports_;
  std::vector<ChunkDraft>* drafts_;
  ModuleRunBuilder runs_;
};

// The function/class definition a statement is, looking through decorators; else null.
TSNode DefinitionOf(TSNode item) {
  TSNode node = item;
  if (IsType(node, "decorated_definition")) node = Field(node, "definition");
  if (ts_node_is_null(node)) return node;
  if (IsType(node, "function_definition") || IsType(node, "class_definition")) return node;
  return TSNode{};
}

void PyChunker::ProcessBlock(TSNode block, const PyScope& scope) {
  std::vector<TSNode> pending;  // comments that may document the next definition
  int last_draft = -1;
  int prev_end_line = 0;
  auto flush = [&] {
    if (scope.top_level) {
      for (TSNode p : pending) runs_.Add(p);
    }
    pending.clear();
  };
  for (TSNode item : Children(block)) {
    if (!ts_node_is_named(item) || ts_node_end_byte(item) == ts_node_start_byte(item)) {
      if (scope.top_level && ts_node_end_byte(item) > ts_node_start_byte(item)) runs_.Add(item);
      continue;
    }
    if (IsComment(item)) {
      if (pending.empty() && prev_end_line == Line(item)) {  // `x = 1  # trailing`
        if (last_draft >= 0) {
          ChunkDraft& d = (*drafts_)[last_draft];
          d.range.end = std::max(d.range.end, ts_node_end_byte(item));
          d.roots.push_back(item);
        } else if (scope.top_level) {
          runs_.Extend(item);
        }
      } else {
        pending.push_back(item);
      }
      prev_end_line = EndLine(item);
      continue;
    }
    prev_end_line = EndLine(item);
    TSNode definition = DefinitionOf(item);
    if (ts_node_is_null(definition) || scope.nesting >= kMaxNestingDepth) {
      flush();
      if (scope.top_level) runs_.Add(item);
      last_draft = -1;
      continue;
    }
    // Comments directly above (no blank line between) document the definition.
    size_t k = pending.size();
    int next_line = Line(item);
    while (k > 0 && EndLine(pending[k - 1]) + 1 >= next_line) next_line = Line(pending[--k]);
    std::vector<TSNode> attached(pending.begin() + static_cast<ptrdiff_t>(k), pending.end());
    pending.resize(k);
    flush();
    runs_.Close();
    AddDefinition(item, definition, attached, scope);
    last_draft = static_cast<int>(drafts_->size()) - 1;
    // Nested chunks were added after this one; trailing comments extend the outer definition.
    while (last_draft >= 0 && (*drafts_)[last_draft].parent != scope.parent) {
      last_draft = (*drafts_)[last_draft].parent;
    }
  }
  flush();
}

void PyChunker::AddDefinition(TSNode item, TSNode definition, const std::vector<TSNode>& attached,
                              const PyScope& scope) {
  bool is_class = IsType(definition, "class_definition");
  TSNode name = Field(definition, "name");
  ChunkDraft d;
  d.chunk.type =
      is_class ? ChunkType::kClass : (scope.top_level ? ChunkType::kFunction : ChunkType::kMethod);
  d.chunk.name = ts_node_is_null(name) ? "<anonymous>" : std::string(NodeText(src_, name));
  d.chunk.qualified_name = scope.prefix.empty() ? d.chunk.name : scope.prefix + "." + d.chunk.name;
  d.parent = scope.parent;
  d.depth = scope.parent >= 0 ? (*drafts_)[scope.parent].depth + 1 : 0;
  d.range = {attached.empty() ? ts_node_start_byte(item) : ts_node_start_byte(attached.front()),
             ts_node_end_byte(item)};
  d.decl = definition;
  d.outer = item;
  d.body = Field(definition, "body");
  d.roots = attached;
  d.roots.push_back(item);
  if (scope.top_level) {
    if (local_exports_.empty()) {
      d.chunk.is_exported = !d.chunk.name.starts_with("_");
    } else {
      d.chunk.is_exported = local_exports_.count(d.chunk.name) > 0;
    }
  }
  if (!attached.empty()) {
    d.chunk.docstring = std::string(
        src_.Slice(ts_node_start_byte(attached.front()), ts_node_end_byte(attached.back())));
  }
  std::string qualified = d.chunk.qualified_name;
  TSNode body = d.body;
  drafts_->push_back(std::move(d));
  int index = static_cast<int>(drafts_->size()) - 1;
  if (is_class && !ts_node_is_null(body)) {
    ProcessBlock(body, PyScope{index, qualified, scope.nesting + 1, false});
  }
}

// ---- Imports and exports.

void AddImport(const SourceText& src, TSNode stmt, ParsedFile* out) {
  int line = src.LineOf(ts_node_start_byte(stmt));
  for (TSNode name : FieldChildren(stmt, "name")) {
    ImportRecord rec;
    rec.kind = "python_import";
    rec.line = line;
    TSNode module = name;
    std::string local;
    if (IsType(name, "aliased_import")) {
      module = Field(name, "name");
      TSNode alias = Field(name, "alias");
      if (!ts_node_is_null(alias)) local = std::string(NodeText(src, alias));
    }
    if (ts_node_is_null(module)) continue;
    rec.source = CollapseWhitespace(NodeText(src, module), 200);
    rec.names.push_back({"*", local.empty() ? rec.source : local, false});
    out->imports.push_back(std::move(rec));
  }
}

void AddFromImport(const SourceText& src, TSNode stmt, ParsedFile* out) {
  ImportRecord rec;
  rec.kind = "python_from";
  rec.line = src.LineOf(ts_node_start_byte(stmt));
  TSNode module = Field(stmt, "module_name");
  rec.source = IsType(stmt, "future_import_statement")
                   ? "__future__"
                   : CollapseWhitespace(NodeText(src, module), 200);
  for (TSNode c : Children(stmt)) {
    if (IsType(c, "wildcard_import")) rec.names.push_back({"*", "*", false});
  }
  for (TSNode name : FieldChildren(stmt, "name")) {
    if (IsType(name, "aliased_import")) {
      std::string imported(NodeText(src, Field(name, "name")));
      std::string alias(NodeText(src, Field(name, "alias")));
      rec.names.push_back({imported, alias, false});
    } else {
      std::string imported(NodeText(src, name));
      rec.names.push_back({imported, imported, false});
    }
  }
  out->imports.push_back(std::move(rec));
}

// `__all__ = ["a", "b"]` (or a tuple) at the top level.
void AddAllExports(const SourceText& src, TSNode root, ParsedFile* out) {
  for (TSNode stmt : Children(root)) {
    if (!IsType(stmt, "expression_statement")) continue;
    TSNode assign = ts_node_named_child(stmt, 0);
    if (ts_node_is_null(assign) || !IsType(assign, "assignment")) continue;
    TSNode left = Field(assign, "left");
    TSNode right = Field(assign, "right");
    if (ts_node_is_null(left) || ts_node_is_null(right) || NodeText(src, left) != "__all__") {
      continue;
    }
    if (!IsType(right, "list") && !IsType(right, "tuple")) continue;
    int line = src.LineOf(ts_node_start_byte(stmt));
    for (TSNode item : Children(right)) {
      if (!IsType(item, "string")) continue;
      std::string name(StripQuotes(NodeText(src, item)));
      out->exports.push_back({name, name, "", line});
    }
  }
}

}  // namespace

void ExtractPythonImportsExports(const SourceText& src, TSNode root, ParsedFile* out) {
  WalkSubtrees({root}, {}, [&](TSNode n) {
    std::string_view t = NodeType(n);
    if (t == "import_statement") {
      AddImport(src, n, out);
      return false;
    }
    if (t == "import_from_statement" || t == "future_import_statement") {
      AddFromImport(src, n, out);
      return false;
    }
    return true;
  });
  AddAllExports(src, root, out);
}

void ChunkPython(const SourceText& src, std::string_view path, TSNode root,
                 const LocalExports& local_exports, std::vector<ChunkDraft>* drafts) {
  PyChunker(src, path, local_exports, drafts).Run(root);
}

}  // namespace semdex::parse_internal
