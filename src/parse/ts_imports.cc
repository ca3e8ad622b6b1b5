// TypeScript / JavaScript imports and exports: ES import and export statements, TypeScript's
// `import x = require()`, CommonJS `require()` and `module.exports` / `exports.x`, and dynamic
// `import()`. Exports come from the top-level statements; imports, which can be anywhere (inside
// `declare module` blocks, in any expression), from the nodes the metadata walks collect.
#include <algorithm>
#include <set>
#include <tuple>

#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

int LineOfNode(const SourceText& src, TSNode n) { return src.LineOf(ts_node_start_byte(n)); }

std::string StringValue(const SourceText& src, TSNode string_node) {
  return std::string(StripQuotes(NodeText(src, string_node)));
}

// The module a `require('x')` / `import('x')` call names, or "" if its argument is not a plain
// string literal.
std::string CallSource(const SourceText& src, TSNode call) {
  TSNode args = Field(call, "arguments");
  if (ts_node_is_null(args) || ts_node_named_child_count(args) == 0) return "";
  TSNode first = ts_node_named_child(args, 0);
  if (!IsType(first, "string")) return "";
  return StringValue(src, first);
}

// "require" or "import" for `require(...)` / `import(...)` calls, else "".
std::string_view ModuleCallKind(const SourceText& src, TSNode call) {
  TSNode fn = Field(call, "function");
  if (ts_node_is_null(fn)) return "";
  if (IsType(fn, "import")) return "import";
  if (IsType(fn, "identifier") && NodeText(src, fn) == "require") return "require";
  return "";
}

void AddImportClause(const SourceText& src, TSNode clause, bool all_types, ImportRecord* rec) {
  for (TSNode c : Children(clause)) {
    std::string_view type = NodeType(c);
    if (type == "identifier") {
      rec->names.push_back({"default", std::string(NodeText(src, c)), all_types});
    } else if (type == "namespace_import") {
      TSNode id = ChildOfType(c, "identifier");
      if (!ts_node_is_null(id))
        rec->names.push_back({"*", std::string(NodeText(src, id)), all_types});
    } else if (type == "named_imports") {
      for (TSNode spec : Children(c)) {
        if (!IsType(spec, "import_specifier")) continue;
        TSNode name = Field(spec, "name");
        TSNode alias = Field(spec, "alias");
        ImportedName n;
        n.imported = std::string(NodeText(src, name));
        n.local = ts_node_is_null(alias) ? n.imported : std::string(NodeText(src, alias));
        n.is_type = all_types || HasToken(spec, "type");
        rec->names.push_back(std::move(n));
      }
    }
  }
}

void AddImportStatement(const SourceText& src, TSNode stmt, ParsedFile* out) {
  ImportRecord rec;
  rec.line = LineOfNode(src, stmt);
  std::vector<TSNode> children = Children(stmt);
  bool type_only = HasToken(children, "type") || HasToken(children, "typeof");
  TSNode require_clause = ChildOfType(children, "import_require_clause");
  if (!ts_node_is_null(require_clause)) {
    TSNode source = Field(require_clause, "source");
    TSNode id = ChildOfType(require_clause, "identifier");
    if (ts_node_is_null(source)) return;
    rec.source = StringValue(src, source);
    rec.kind = "require";
    if (!ts_node_is_null(id)) rec.names.push_back({"*", std::string(NodeText(src, id)), false});
    out->imports.push_back(std::move(rec));
    return;
  }
  TSNode source = Field(stmt, "source");
  if (ts_node_is_null(source)) return;  // `import x = A.B` aliases a namespace, not a module
  rec.source = StringValue(src, source);
  TSNode clause = ChildOfType(children, "import_clause");
  if (ts_node_is_null(clause)) {
    rec.kind = "side_effect";
  } else {
    rec.kind = type_only ? "import_type" : "import";
    AddImportClause(src, clause, type_only, &rec);
  }
  out->imports.push_back(std::move(rec));
}

// Names bound by a declarator's pattern: `a`, `{ a, b: c }` -> a, c; `[x, y]` -> x, y.
std::vector<std::pair<std::string, std::string>> PatternNames(const SourceText& src,
                                                              TSNode pattern) {
  std::vector<std::pair<std::string, std::string>> out;  // (property, local)
  std::string_view type = NodeType(pattern);
  if (type == "identifier") {
    out.emplace_back("*", std::string(NodeText(src, pattern)));
    return out;
  }
  for (TSNode c : Children(pattern)) {
    std::string_view ct = NodeType(c);
    if (ct == "shorthand_property_identifier_pattern" || ct == "identifier") {
      std::string name(NodeText(src, c));
      out.emplace_back(name, name);
    } else if (ct == "pair_pattern") {
      TSNode key = Field(c, "key");
      TSNode value = Field(c, "value");
      if (!ts_node_is_null(key) && !ts_node_is_null(value) && IsType(value, "identifier")) {
        out.emplace_back(std::string(StripQuotes(NodeText(src, key))),
                         std::string(NodeText(src, value)));
      }
    }
  }
  return out;
}

// `const x = require('m')`, `const { a, b: c } = require('m')`: a require record with names.
// Returns the call's start byte, or 0 if `declarator` is not such a binding.
uint32_t AddRequireBinding(const SourceText& src, TSNode declarator, ParsedFile* out) {
  TSNode value = Field(declarator, "value");
  TSNode name = Field(declarator, "name");
  if (ts_node_is_null(value) || ts_node_is_null(name) || !IsType(value, "call_expression") ||
      ModuleCallKind(src, value) != "require") {
    return 0;
  }
  std::string source = CallSource(src, value);
  if (source.empty()) return 0;
  ImportRecord rec;
  rec.source = std::move(source);
  rec.kind = "require";
  rec.line = LineOfNode(src, value);
  for (auto& [imported, local] : PatternNames(src, name)) {
    rec.names.push_back({std::move(imported), std::move(local), false});
  }
  out->imports.push_back(std::move(rec));
  return ts_node_start_byte(value);
}

// The name a declaration statement declares, for export records.
std::vector<std::string> DeclaredNames(const SourceText& src, TSNode decl) {
  std::vector<std::string> out;
  std::string_view type = NodeType(decl);
  if (type == "ambient_declaration") {
    for (TSNode c : Children(decl)) {
      if (ts_node_is_named(c) && !IsComment(c)) return DeclaredNames(src, c);
    }
    return out;
  }
  if (type == "lexical_declaration" || type == "variable_declaration") {
    for (TSNode c : Children(decl)) {
      if (!IsType(c, "variable_declarator")) continue;
      TSNode name = Field(c, "name");
      if (ts_node_is_null(name)) continue;
      for (auto& [property, local] : PatternNames(src, name)) out.push_back(std::move(local));
    }
    return out;
  }
  TSNode name = Field(decl, "name");
  if (!ts_node_is_null(name)) out.emplace_back(StripQuotes(NodeText(src, name)));
  return out;
}

// The local name an exported value refers to: an identifier or a named function/class.
std::string ValueLocalName(const SourceText& src, TSNode value) {
  if (ts_node_is_null(value)) return "";
  if (IsType(value, "identifier")) return std::string(NodeText(src, value));
  TSNode name = Field(value, "name");
  if (!ts_node_is_null(name) && (IsType(name, "identifier") || IsType(name, "type_identifier"))) {
    return std::string(NodeText(src, name));
  }
  return "";
}

void AddExportClause(const SourceText& src, TSNode clause, const std::string& source, int line,
                     ParsedFile* out, ImportRecord* reexport) {
  for (TSNode spec : Children(clause)) {
    if (!IsType(spec, "export_specifier")) continue;
    TSNode name = Field(spec, "name");
    TSNode alias = Field(spec, "alias");
    std::string local(StripQuotes(NodeText(src, name)));
    std::string exported =
        ts_node_is_null(alias) ? local : std::string(StripQuotes(NodeText(src, alias)));
    out->exports.push_back({exported, source.empty() ? local : "", source, line});
    if (reexport != nullptr) {
      reexport->names.push_back({local, exported, HasToken(spec, "type")});
    }
  }
}

void AddExportStatement(const SourceText& src, TSNode stmt, ParsedFile* out) {
  int line = LineOfNode(src, stmt);
  std::vector<TSNode> children = Children(stmt);
  bool is_default = HasToken(children, "default") || HasToken(children, "=");
  TSNode source_node = Field(stmt, "source");
  std::string source = ts_node_is_null(source_node) ? "" : StringValue(src, source_node);
  ImportRecord reexport;
  reexport.source = source;
  reexport.kind = "export_from";
  reexport.line = line;
  TSNode decl = Field(stmt, "declaration");
  TSNode value = Field(stmt, "value");
  if (!ts_node_is_null(decl)) {
    std::vector<std::string> names = DeclaredNames(src, decl);
    if (is_default) {
      out->exports.push_back({"default", names.empty() ? "" : names.front(), "", line});
    } else {
      for (std::string& n : names) out->exports.push_back({n, n, "", line});
    }
    return;
  }
  if (is_default) {
    if (ts_node_is_null(value)) {  // `export = x`
      for (TSNode c : children) {
        if (ts_node_is_named(c) && !IsComment(c)) value = c;
      }
    }
    out->exports.push_back({"default", ValueLocalName(src, value), "", line});
    return;
  }
  TSNode clause = ChildOfType(children, "export_clause");
  TSNode ns = ChildOfType(children, "namespace_export");
  if (!ts_node_is_null(clause)) {
    AddExportClause(src, clause, source, line, out, source.empty() ? nullptr : &reexport);
  } else if (!ts_node_is_null(ns)) {
    TSNode id = ts_node_named_child(ns, 0);
    std::string name = ts_node_is_null(id) ? "*" : std::string(StripQuotes(NodeText(src, id)));
    out->exports.push_back({name, "", source, line});
    reexport.names.push_back({"*", name, false});
  } else if (HasToken(children, "*")) {
    out->exports.push_back({"*", "", source, line});
    reexport.names.push_back({"*", "*", false});
  }
  if (!source.empty()) out->imports.push_back(std::move(reexport));
}

// `module.exports = ...`, `module.exports.x = ...`, `exports.x = ...`.
void AddCommonJsExport(const SourceText& src, TSNode assignment, ParsedFile* out) {
  TSNode left = Field(assignment, "left");
  TSNode right = Field(assignment, "right");
  if (ts_node_is_null(left) || ts_node_is_null(right) || !IsType(left, "member_expression")) {
    return;
  }
  std::string target = CollapseWhitespace(NodeText(src, left), 200);
  int line = LineOfNode(src, assignment);
  if (target == "module.exports") {
    if (!IsType(right, "object")) {
      out->exports.push_back({"default", ValueLocalName(src, right), "", line});
      return;
    }
    for (TSNode member : Children(right)) {
      std::string_view type = NodeType(member);
      if (type == "shorthand_property_identifier") {
        std::string name(NodeText(src, member));
        out->exports.push_back({name, name, "", line});
      } else if (type == "pair" || type == "method_definition") {
        TSNode key = Field(member, type == "pair" ? "key" : "name");
        if (ts_node_is_null(key)) continue;
        std::string name(StripQuotes(NodeText(src, key)));
        std::string local = type == "pair" ? ValueLocalName(src, Field(member, "value")) : "";
        out->exports.push_back({name, local, "", line});
      }
    }
    return;
  }
  for (std::string_view prefix : {"module.exports.", "exports."}) {
    if (target.starts_with(prefix) && target.find('.', prefix.size()) == std::string::npos) {
      out->exports.push_back({target.substr(prefix.size()), ValueLocalName(src, right), "", line});
      return;
    }
  }
}

}  // namespace

// Exports are declared by top-level statements only. Overload signatures repeat an export;
// it is recorded once.
void ExtractTsExports(const SourceText& src, TSNode root, ParsedFile* out) {
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::vector<ExportRecord> all;
  all.swap(out->exports);
  for (TSNode stmt : Children(root)) {
    if (IsType(stmt, "export_statement")) {
      AddExportStatement(src, stmt, out);
    } else if (IsType(stmt, "expression_statement")) {
      TSNode e = ts_node_named_child(stmt, 0);
      if (!ts_node_is_null(e) && IsType(e, "assignment_expression")) {
        AddCommonJsExport(src, e, out);
      }
    }
  }
  for (ExportRecord& e : out->exports) {
    if (seen.emplace(e.name, e.local, e.source).second) all.push_back(std::move(e));
  }
  out->exports.swap(all);
}

void ExtractTsImports(const SourceText& src, std::vector<TSNode> import_nodes, ParsedFile* out) {
  // Source order, as a walk of the whole tree meets them. The nodes come from several walks;
  // one that starts where another does is its descendant and was met after it.
  std::stable_sort(import_nodes.begin(), import_nodes.end(), [](TSNode a, TSNode b) {
    return ts_node_start_byte(a) < ts_node_start_byte(b);
  });
  std::vector<uint32_t> bound_requires;  // require calls already recorded with their names
  uint32_t statement_end = 0;            // nodes inside an import statement are part of it
  TSNode previous{};                     // a node met by two walks counts once
  for (TSNode n : import_nodes) {
    if (ts_node_start_byte(n) < statement_end || ts_node_eq(n, previous)) continue;
    previous = n;
    if (IsType(n, "import_statement")) {
      AddImportStatement(src, n, out);
      statement_end = ts_node_end_byte(n);
      continue;
    }
    if (IsType(n, "variable_declarator")) {
      uint32_t call = AddRequireBinding(src, n, out);
      if (call != 0) bound_requires.push_back(call);
      continue;
    }
    std::string_view kind = ModuleCallKind(src, n);
    if (kind.empty()) continue;
    if (kind == "require" && std::find(bound_requires.begin(), bound_requires.end(),
                                       ts_node_start_byte(n)) != bound_requires.end()) {
      continue;
    }
    std::string source = CallSource(src, n);
    if (!source.empty()) {
      out->imports.push_back(
          {source, kind == "import" ? "dynamic_import" : "require", {}, LineOfNode(src, n)});
    }
  }
  std::stable_sort(out->imports.begin(), out->imports.end(),
                   [](const ImportRecord& a, const ImportRecord& b) { return a.line < b.line; });
}

}  // namespace semdex::parse_internal
