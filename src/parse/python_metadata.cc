// Python chunk metadata: signature, parameters, return type, decorators and what they imply
// (staticmethod, property, abstractmethod), docstring, base classes, calls, complexity.
//
// Visibility follows naming convention: "__x" (not dunder) is "private", "_x" "protected".
#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

constexpr size_t kMaxTypeBytes = 300;

std::string Collapsed(const SourceText& src, TSNode n, size_t max_bytes = 200) {
  if (ts_node_is_null(n)) return "";
  return CollapseWhitespace(NodeText(src, n), max_bytes);
}

Parameter PythonParameter(const SourceText& src, TSNode p) {
  Parameter out;
  std::string_view t = NodeType(p);
  TSNode name = p;
  if (t == "typed_parameter") {
    name = ts_node_named_child(p, 0);
    out.type = Collapsed(src, Field(p, "type"), kMaxTypeBytes);
  } else if (t == "default_parameter" || t == "typed_default_parameter") {
    name = Field(p, "name");
    out.type = Collapsed(src, Field(p, "type"), kMaxTypeBytes);
    out.default_value = Collapsed(src, Field(p, "value"));
  }
  if (!ts_node_is_null(name) &&
      (IsType(name, "list_splat_pattern") || IsType(name, "dictionary_splat_pattern"))) {
    out.rest = true;
    TSNode inner = ts_node_named_child(name, 0);
    if (!ts_node_is_null(inner)) name = inner;
  }
  out.name = Collapsed(src, name);
  return out;
}

void FillParameters(const SourceText& src, TSNode fn, Chunk* c) {
  TSNode params = Field(fn, "parameters");
  if (ts_node_is_null(params)) return;
  for (TSNode p : Children(params)) {
    if (!ts_node_is_named(p) || IsComment(p)) continue;
    std::string_view t = NodeType(p);
    if (t == "keyword_separator" || t == "positional_separator") continue;  // `*`, `/`
    c->parameters.push_back(PythonParameter(src, p));
  }
}

// The header up to the body's ':' ("async def f(a: int) -> str", "class C(B)").
std::string Signature(const SourceText& src, TSNode def) {
  uint32_t start = ts_node_start_byte(def);
  TSNode body = Field(def, "body");
  uint32_t end = ts_node_is_null(body) ? ts_node_end_byte(def) : ts_node_start_byte(body);
  std::string_view header = Trim(src.Slice(start, std::min(end, start + 16 * 1024)));
  if (!header.empty() && header.back() == ':') header.remove_suffix(1);
  return CollapseWhitespace(header, kMaxSignatureBytes);
}

// The first statement of the body when it is a string literal.
std::string Docstring(const SourceText& src, TSNode def) {
  TSNode body = Field(def, "body");
  if (ts_node_is_null(body)) return "";
  for (TSNode stmt : Children(body)) {
    if (IsComment(stmt)) continue;
    if (!IsType(stmt, "expression_statement") || ts_node_named_child_count(stmt) != 1) return "";
    TSNode s = ts_node_named_child(stmt, 0);
    return IsType(s, "string") ? std::string(NodeText(src, s)) : "";
  }
  return "";
}

void ApplyDecorators(const SourceText& src, TSNode outer, Chunk* c) {
  if (!IsType(outer, "decorated_definition")) return;
  for (TSNode dec : Children(outer)) {
    if (!IsType(dec, "decorator")) continue;
    std::string text = CollapseWhitespace(NodeText(src, dec), kMaxDecoratorBytes);
    c->decorators.push_back(text);
    std::string_view name = Trim(std::string_view(text).substr(1));  // without '@'
    name = name.substr(0, name.find('('));
    if (name == "staticmethod") c->is_static = true;
    if (name == "property" || name == "functools.cached_property" || name == "cached_property") {
      c->accessor = "get";
    }
    if (name.ends_with(".setter")) c->accessor = "set";
    if (name == "abstractmethod" || name == "abc.abstractmethod") c->is_abstract = true;
  }
}

void FillDefinition(const SourceText& src, ChunkDraft* d) {
  Chunk& c = d->chunk;
  TSNode def = d->decl;
  c.signature = Signature(src, def);
  std::string doc = Docstring(src, def);
  if (!doc.empty()) c.docstring = std::move(doc);
  ApplyDecorators(src, d->outer, &c);
  if (c.name.starts_with("__") && !c.name.ends_with("__")) {
    c.visibility = "private";
  } else if (c.name.starts_with("_") && !c.name.starts_with("__")) {
    c.visibility = "protected";
  }
  if (IsType(def, "class_definition")) {
    TSNode bases = Field(def, "superclasses");
    if (ts_node_is_null(bases)) return;
    for (TSNode b : Children(bases)) {
      if (!ts_node_is_named(b) || IsComment(b) || IsType(b, "keyword_argument")) continue;
      c.extends.push_back(Collapsed(src, b));
    }
    return;
  }
  FillParameters(src, def, &c);
  c.return_type = Collapsed(src, Field(def, "return_type"), kMaxTypeBytes);
  c.is_async = HasToken(def, "async");
}

bool IsDecisionPoint(std::string_view t) {
  return t == "if_statement" || t == "elif_clause" || t == "for_statement" ||
         t == "while_statement" || t == "except_clause" || t == "except_group_clause" ||
         t == "conditional_expression" || t == "boolean_operator" || t == "if_clause";
}

// Calls and decision points; whether a function's own code yields (nested functions and
// lambdas are theirs).
void FillFlow(const SourceText& src, const std::vector<ByteRange>& children, ChunkDraft* d) {
  int decisions = 0;
  WalkSubtrees(d->roots, children, [&](TSNode n) {
    std::string_view t = NodeType(n);
    if (IsDecisionPoint(t)) ++decisions;
    if (t == "call") {
      TSNode fn = Field(n, "function");
      if (!ts_node_is_null(fn)) {
        CallSite site;
        site.callee = CollapseWhitespace(NodeText(src, fn), kMaxCalleeBytes);
        site.line = src.EndLineOf(RangeOf(fn));
        site.context = TruncateUtf8(Trim(src.LineText(site.line)), kMaxContextBytes);
        d->chunk.calls.push_back(std::move(site));
        d->call_bytes.push_back(ts_node_start_byte(n));
      }
    }
    return true;
  });
  d->chunk.cyclomatic_complexity = 1 + decisions;
  if (ts_node_is_null(d->decl) || !IsType(d->decl, "function_definition")) return;
  TSNode body = Field(d->decl, "body");
  WalkSubtrees({body}, {}, [&](TSNode n) {
    std::string_view t = NodeType(n);
    if (t == "yield") d->chunk.is_generator = true;
    return !d->chunk.is_generator && t != "function_definition" && t != "lambda" &&
           t != "class_definition";
  });
}

}  // namespace

void FillPythonMetadata(const SourceText& src, std::vector<ChunkDraft>* drafts) {
  std::vector<std::vector<ByteRange>> children = ChildRanges(*drafts);
  for (size_t i = 0; i < drafts->size(); ++i) {
    ChunkDraft& d = (*drafts)[i];
    if (!ts_node_is_null(d.decl)) FillDefinition(src, &d);
    FillFlow(src, children[i], &d);
  }
}

}  // namespace semdex::parse_internal
