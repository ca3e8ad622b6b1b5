// TypeScript / JavaScript chunk metadata: signature, parameters, return type, modifiers,
// decorators, heritage, calls and cyclomatic complexity, all read from the chunk's own nodes.
#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

constexpr size_t kMaxRawHeaderBytes = 16 * 1024;
constexpr size_t kMaxTypeBytes = 300;

bool IsFunctionNode(TSNode n) {
  std::string_view t = NodeType(n);
  return t == "function_declaration" || t == "generator_function_declaration" ||
         t == "function_expression" || t == "function" || t == "generator_function" ||
         t == "arrow_function" || t == "method_definition";
}

bool IsClassNode(TSNode n) {
  std::string_view t = NodeType(n);
  return t == "class_declaration" || t == "abstract_class_declaration" || t == "class";
}

// Annotation text without its leading ':' ("(a: T) => U" from ": (a: T) => U").
std::string AnnotationText(const SourceText& src, TSNode annotation) {
  if (ts_node_is_null(annotation)) return "";
  std::string_view text = Trim(NodeText(src, annotation));
  if (!text.empty() && text.front() == ':') text.remove_prefix(1);
  return CollapseWhitespace(text, kMaxTypeBytes);
}

// Decorator children of the nodes that may carry them in a header.
std::vector<TSNode> HeaderDecorators(const ChunkDraft& d) {
  std::vector<TSNode> out;
  std::vector<TSNode> holders = {d.outer};
  if (!ts_node_is_null(d.decl) && !ts_node_eq(d.decl, d.outer)) holders.push_back(d.decl);
  if (!ts_node_is_null(d.outer) && IsType(d.outer, "export_statement")) {
    TSNode inner = Field(d.outer, "declaration");
    if (!ts_node_is_null(inner) && !ts_node_eq(inner, d.decl)) holders.push_back(inner);
  }
  for (TSNode h : holders) {
    if (ts_node_is_null(h)) continue;
    for (TSNode c : Children(h)) {
      if (IsType(c, "decorator")) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end(),
            [](TSNode a, TSNode b) { return ts_node_start_byte(a) < ts_node_start_byte(b); });
  return out;
}

// The declaration's header: from the start of its statement to its body, decorators left out.
std::string Signature(const SourceText& src, const ChunkDraft& d,
                      const std::vector<TSNode>& decorators) {
  TSNode outer = ts_node_is_null(d.outer) ? d.decl : d.outer;
  uint32_t start = ts_node_start_byte(outer);
  uint32_t end = ts_node_end_byte(outer);
  TSNode body = IsType(d.decl, "ambient_declaration") ? ChildOfType(d.decl, "statement_block")
                                                      : Field(d.decl, "body");
  if (!ts_node_is_null(body) && !IsType(d.decl, "type_alias_declaration")) {
    end = ts_node_start_byte(body);
  }
  std::string raw;
  for (TSNode dec : decorators) {
    uint32_t ds = ts_node_start_byte(dec), de = ts_node_end_byte(dec);
    if (ds < start || de > end) continue;
    raw.append(src.Slice(start, ds));
    raw.push_back(' ');
    start = de;
    if (raw.size() > kMaxRawHeaderBytes) break;
  }
  if (start < end)
    raw.append(src.Slice(start, std::min(end, start + uint32_t{kMaxRawHeaderBytes})));
  return CollapseWhitespace(raw, kMaxSignatureBytes);
}

Parameter ParameterOf(const SourceText& src, TSNode p) {
  Parameter out;
  std::string_view t = NodeType(p);
  TSNode pattern = p;
  if (t == "required_parameter" || t == "optional_parameter") {
    pattern = Field(p, "pattern");
    out.type = AnnotationText(src, Field(p, "type"));
    TSNode value = Field(p, "value");
    if (!ts_node_is_null(value)) out.default_value = CollapseWhitespace(NodeText(src, value), 200);
    out.optional = t == "optional_parameter";
  } else if (t == "assignment_pattern") {
    pattern = Field(p, "left");
    out.default_value = CollapseWhitespace(NodeText(src, Field(p, "right")), 200);
  }
  if (ts_node_is_null(pattern)) pattern = p;
  if (IsType(pattern, "rest_pattern")) {
    out.rest = true;
    TSNode inner = ts_node_named_child(pattern, 0);
    if (!ts_node_is_null(inner)) pattern = inner;
  }
  out.name = CollapseWhitespace(NodeText(src, pattern), 200);
  return out;
}

void FillFunction(const SourceText& src, const ChunkDraft& d, Chunk* c) {
  TSNode fn = d.decl;
  TSNode params = Field(fn, "parameters");
  if (ts_node_is_null(params)) {
    TSNode single = Field(fn, "parameter");  // `x => ...`
    if (!ts_node_is_null(single)) c->parameters.push_back(ParameterOf(src, single));
  } else {
    for (TSNode p : Children(params)) {
      if (!ts_node_is_named(p) || IsComment(p)) continue;
      Parameter param = ParameterOf(src, p);
      if (param.name == "this") continue;  // TypeScript's `this: T` is not passed
      c->parameters.push_back(std::move(param));
    }
  }
  c->return_type = AnnotationText(src, Field(fn, "return_type"));
  c->is_async = HasToken(fn, "async");
  c->is_generator = NodeType(fn).find("generator") != std::string_view::npos || HasToken(fn, "*");
  if (IsType(fn, "method_definition")) {
    if (HasToken(fn, "get")) c->accessor = "get";
    if (HasToken(fn, "set")) c->accessor = "set";
  }
}

// static / abstract / visibility of a class member (method or field holding a function).
void FillMemberModifiers(const SourceText& src, TSNode member, Chunk* c) {
  if (!IsType(member, "method_definition") && !IsType(member, "public_field_definition")) return;
  c->is_static = HasToken(member, "static");
  c->is_abstract = c->is_abstract || HasToken(member, "abstract");
  TSNode access = ChildOfType(member, "accessibility_modifier");
  TSNode name = Field(member, "name");
  if (!ts_node_is_null(access)) {
    c->visibility = std::string(Trim(NodeText(src, access)));
  } else if (!ts_node_is_null(name) && IsType(name, "private_property_identifier")) {
    c->visibility = "#private";
  }
}

void FillHeritage(const SourceText& src, TSNode decl, Chunk* c) {
  auto add_types = [&](TSNode clause, std::vector<std::string>* out) {
    for (TSNode t : Children(clause)) {
      if (!ts_node_is_named(t) || IsComment(t)) continue;
      std::string text = CollapseWhitespace(NodeText(src, t), 200);
      if (IsType(t, "type_arguments") && !out->empty()) {
        out->back() += text;  // `extends Base<T>`: value and type arguments are siblings
      } else {
        out->push_back(std::move(text));
      }
    }
  };
  TSNode heritage = ChildOfType(decl, "class_heritage");
  if (!ts_node_is_null(heritage)) {
    bool clauses = false;
    for (TSNode clause : Children(heritage)) {
      if (IsType(clause, "extends_clause")) {
        add_types(clause, &c->extends);
        clauses = true;
      } else if (IsType(clause, "implements_clause")) {
        add_types(clause, &c->implements);
        clauses = true;
      }
    }
    if (!clauses) add_types(heritage, &c->extends);  // JavaScript: `extends expr`
  }
  TSNode interface_extends = ChildOfType(decl, "extends_type_clause");
  if (!ts_node_is_null(interface_extends)) add_types(interface_extends, &c->extends);
}

void FillDeclaration(const SourceText& src, ChunkDraft* d) {
  Chunk& c = d->chunk;
  std::vector<TSNode> header_decorators = HeaderDecorators(*d);
  c.signature = Signature(src, *d, header_decorators);
  for (TSNode r : d->roots) {
    if (IsType(r, "decorator"))
      c.decorators.push_back(CollapseWhitespace(NodeText(src, r), kMaxDecoratorBytes));
  }
  for (TSNode dec : header_decorators) {
    c.decorators.push_back(CollapseWhitespace(NodeText(src, dec), kMaxDecoratorBytes));
  }
  if (IsFunctionNode(d->decl)) FillFunction(src, *d, &c);
  FillMemberModifiers(src, d->outer, &c);
  if (IsClassNode(d->decl) || IsType(d->decl, "interface_declaration")) {
    FillHeritage(src, d->decl, &c);
    c.is_abstract = c.is_abstract || IsType(d->decl, "abstract_class_declaration");
  }
}

bool IsDecisionPoint(TSNode n) {
  std::string_view t = NodeType(n);
  if (t == "if_statement" || t == "for_statement" || t == "for_in_statement" ||
      t == "while_statement" || t == "do_statement" || t == "switch_case" || t == "catch_clause" ||
      t == "ternary_expression") {
    return true;
  }
  if (t != "binary_expression") return false;
  TSNode op = Field(n, "operator");
  if (ts_node_is_null(op)) return false;
  std::string_view o = NodeType(op);
  return o == "&&" || o == "||" || o == "??";
}

void AddCall(const SourceText& src, TSNode call, TSNode callee_node, bool is_new, ChunkDraft* d) {
  CallSite site;
  std::string callee = CollapseWhitespace(NodeText(src, callee_node), kMaxCalleeBytes);
  site.callee = is_new ? "new " + callee : std::move(callee);
  site.is_new = is_new;
  // The callee's last line: `a\n  .b()` is reported where `.b` is.
  site.line = src.EndLineOf(RangeOf(callee_node));
  site.context = TruncateUtf8(Trim(src.LineText(site.line)), kMaxContextBytes);
  d->chunk.calls.push_back(std::move(site));
  d->call_bytes.push_back(ts_node_start_byte(call));
}

// Calls and decision points in the chunk's nodes, nested chunks left out.
void FillFlow(const SourceText& src, const std::vector<ByteRange>& children, ChunkDraft* d) {
  int decisions = 0;
  WalkSubtrees(d->roots, children, [&](TSNode n) {
    if (IsDecisionPoint(n)) ++decisions;
    std::string_view t = NodeType(n);
    if (t == "call_expression") {
      TSNode fn = Field(n, "function");
      if (!ts_node_is_null(fn) && !IsType(fn, "import")) AddCall(src, n, fn, false, d);
    } else if (t == "new_expression") {
      TSNode ctor = Field(n, "constructor");
      if (!ts_node_is_null(ctor)) AddCall(src, n, ctor, true, d);
    }
    return true;
  });
  d->chunk.cyclomatic_complexity = 1 + decisions;
}

}  // namespace

void FillTsMetadata(const SourceText& src, std::vector<ChunkDraft>* drafts) {
  std::vector<std::vector<ByteRange>> children = ChildRanges(*drafts);
  for (size_t i = 0; i < drafts->size(); ++i) {
    ChunkDraft& d = (*drafts)[i];
    if (!ts_node_is_null(d.decl)) FillDeclaration(src, &d);
    FillFlow(src, children[i], &d);
  }
}

}  // namespace semdex::parse_internal
