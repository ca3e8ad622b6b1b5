// TypeScript / JavaScript chunk metadata: signature, parameters, return type, modifiers,
// decorators, heritage, calls and cyclomatic complexity, all read from the chunk's own nodes. The
// walk for calls also collects the nodes the file's imports are read from (ts_imports.cc).
#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

constexpr size_t kMaxRawHeaderBytes = 16 * 1024;
constexpr size_t kMaxTypeBytes = 300;

// Annotation text without its leading ':' ("(a: T) => U" from ": (a: T) => U").
std::string AnnotationText(const SourceText& src, TSNode annotation) {
  if (ts_node_is_null(annotation)) return "";
  std::string_view text = Trim(NodeText(src, annotation));
  if (!text.empty() && text.front() == ':') text.remove_prefix(1);
  return CollapseWhitespace(text, kMaxTypeBytes);
}

// Decorator children of the nodes that may carry them in a header.
std::vector<TSNode> HeaderDecorators(const TsGrammar& g, const ChunkDraft& d) {
  std::vector<TSNode> out;
  std::vector<TSNode> holders = {d.outer};
  if (!ts_node_is_null(d.decl) && !ts_node_eq(d.decl, d.outer)) holders.push_back(d.decl);
  if (!ts_node_is_null(d.outer) && g.IsType(d.outer, TsType::kExportStatement)) {
    TSNode inner = g.Field(d.outer, TsField::kDeclaration);
    if (!ts_node_is_null(inner) && !ts_node_eq(inner, d.decl)) holders.push_back(inner);
  }
  for (TSNode h : holders) {
    if (ts_node_is_null(h)) continue;
    for (TSNode c : Children(h)) {
      if (g.IsType(c, TsType::kDecorator)) out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end(),
            [](TSNode a, TSNode b) { return ts_node_start_byte(a) < ts_node_start_byte(b); });
  return out;
}

// The declaration's header: from the start of its statement to its body, decorators left out.
std::string Signature(const SourceText& src, const TsGrammar& g, const ChunkDraft& d,
                      const std::vector<TSNode>& decorators) {
  TSNode outer = ts_node_is_null(d.outer) ? d.decl : d.outer;
  uint32_t start = ts_node_start_byte(outer);
  uint32_t end = ts_node_end_byte(outer);
  TsType decl_type = g.TypeOf(d.decl);
  TSNode body = decl_type == TsType::kAmbientDeclaration
                    ? g.ChildOfType(d.decl, TsType::kStatementBlock)
                    : g.Field(d.decl, TsField::kBody);
  if (!ts_node_is_null(body) && decl_type != TsType::kTypeAliasDeclaration) {
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

Parameter ParameterOf(const SourceText& src, const TsGrammar& g, TSNode p) {
  Parameter out;
  TsType t = g.TypeOf(p);
  TSNode pattern = p;
  if (t == TsType::kRequiredParameter || t == TsType::kOptionalParameter) {
    pattern = g.Field(p, TsField::kPattern);
    out.type = AnnotationText(src, g.Field(p, TsField::kType));
    TSNode value = g.Field(p, TsField::kValue);
    if (!ts_node_is_null(value)) out.default_value = CollapseWhitespace(NodeText(src, value), 200);
    out.optional = t == TsType::kOptionalParameter;
  } else if (t == TsType::kAssignmentPattern) {
    pattern = g.Field(p, TsField::kLeft);
    out.default_value = CollapseWhitespace(NodeText(src, g.Field(p, TsField::kRight)), 200);
  }
  if (ts_node_is_null(pattern)) pattern = p;
  if (g.IsType(pattern, TsType::kRestPattern)) {
    out.rest = true;
    TSNode inner = ts_node_named_child(pattern, 0);
    if (!ts_node_is_null(inner)) pattern = inner;
  }
  out.name = CollapseWhitespace(NodeText(src, pattern), 200);
  return out;
}

void FillFunction(const SourceText& src, const TsGrammar& g, TSNode fn, Chunk* c) {
  TSNode params = g.Field(fn, TsField::kParameters);
  if (ts_node_is_null(params)) {
    TSNode single = g.Field(fn, TsField::kParameter);  // `x => ...`
    if (!ts_node_is_null(single)) c->parameters.push_back(ParameterOf(src, g, single));
  } else {
    for (TSNode p : Children(params)) {
      if (!ts_node_is_named(p) || g.IsType(p, TsType::kComment)) continue;
      Parameter param = ParameterOf(src, g, p);
      if (param.name == "this") continue;  // TypeScript's `this: T` is not passed
      c->parameters.push_back(std::move(param));
    }
  }
  c->return_type = AnnotationText(src, g.Field(fn, TsField::kReturnType));
  TsType type = g.TypeOf(fn);
  TsTypeSet tokens = g.TokenTypes(fn);
  c->is_async = tokens.Has(TsType::kAsync);
  c->is_generator = type == TsType::kGeneratorFunction ||
                    type == TsType::kGeneratorFunctionDeclaration || tokens.Has(TsType::kStar);
  if (type == TsType::kMethodDefinition) {
    if (tokens.Has(TsType::kGet)) c->accessor = "get";
    if (tokens.Has(TsType::kSet)) c->accessor = "set";
  }
}

// static / abstract / visibility of a class member (method or field holding a function).
void FillMemberModifiers(const SourceText& src, const TsGrammar& g, TSNode member, Chunk* c) {
  TsType type = g.TypeOf(member);
  if (type != TsType::kMethodDefinition && type != TsType::kPublicFieldDefinition) return;
  TsTypeSet tokens = g.TokenTypes(member);
  c->is_static = tokens.Has(TsType::kStatic);
  c->is_abstract = c->is_abstract || tokens.Has(TsType::kAbstract);
  TSNode access = g.ChildOfType(member, TsType::kAccessibilityModifier);
  TSNode name = g.Field(member, TsField::kName);
  if (!ts_node_is_null(access)) {
    c->visibility = std::string(Trim(NodeText(src, access)));
  } else if (!ts_node_is_null(name) && g.IsType(name, TsType::kPrivatePropertyIdentifier)) {
    c->visibility = "#private";
  }
}

void FillHeritage(const SourceText& src, const TsGrammar& g, TSNode decl, Chunk* c) {
  auto add_types = [&](TSNode clause, std::vector<std::string>* out) {
    for (TSNode t : Children(clause)) {
      if (!ts_node_is_named(t) || g.IsType(t, TsType::kComment)) continue;
      std::string text = CollapseWhitespace(NodeText(src, t), 200);
      if (g.IsType(t, TsType::kTypeArguments) && !out->empty()) {
        out->back() += text;  // `extends Base<T>`: value and type arguments are siblings
      } else {
        out->push_back(std::move(text));
      }
    }
  };
  TSNode heritage = g.ChildOfType(decl, TsType::kClassHeritage);
  if (!ts_node_is_null(heritage)) {
    bool clauses = false;
    for (TSNode clause : Children(heritage)) {
      if (g.IsType(clause, TsType::kExtendsClause)) {
        add_types(clause, &c->extends);
        clauses = true;
      } else if (g.IsType(clause, TsType::kImplementsClause)) {
        add_types(clause, &c->implements);
        clauses = true;
      }
    }
    if (!clauses) add_types(heritage, &c->extends);  // JavaScript: `extends expr`
  }
  TSNode interface_extends = g.ChildOfType(decl, TsType::kExtendsTypeClause);
  if (!ts_node_is_null(interface_extends)) add_types(interface_extends, &c->extends);
}

void FillDeclaration(const SourceText& src, const TsGrammar& g, ChunkDraft* d) {
  Chunk& c = d->chunk;
  std::vector<TSNode> header_decorators = HeaderDecorators(g, *d);
  c.signature = Signature(src, g, *d, header_decorators);
  for (TSNode r : d->roots) {
    if (g.IsType(r, TsType::kDecorator))
      c.decorators.push_back(CollapseWhitespace(NodeText(src, r), kMaxDecoratorBytes));
  }
  for (TSNode dec : header_decorators) {
    c.decorators.push_back(CollapseWhitespace(NodeText(src, dec), kMaxDecoratorBytes));
  }
  TsType type = g.TypeOf(d->decl);
  if (IsTsFunction(type)) FillFunction(src, g, d->decl, &c);
  FillMemberModifiers(src, g, d->outer, &c);
  if (IsTsClass(type) || type == TsType::kInterfaceDeclaration) {
    FillHeritage(src, g, d->decl, &c);
    c.is_abstract = c.is_abstract || type == TsType::kAbstractClassDeclaration;
  }
}

bool IsLogicalOperator(const TsGrammar& grammar, TSNode op) {
  if (ts_node_is_null(op)) return false;
  TsType t = grammar.TypeOf(op);
  return t == TsType::kLogicalAnd || t == TsType::kLogicalOr || t == TsType::kNullish;
}

// The identifier `require` as a callee: `require(...)` names a module.
bool IsRequire(const SourceText& src, const TsGrammar& grammar, TSNode callee) {
  return !ts_node_is_null(callee) && grammar.TypeOf(callee) == TsType::kIdentifier &&
         NodeText(src, callee) == "require";
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

// Calls and decision points in the chunk's nodes, nested chunks left out. Import statements,
// `x = require(...)` declarators and require() / import() calls go to `import_nodes`.
void FillFlow(const SourceText& src, const TsGrammar& grammar,
              const std::vector<ByteRange>& children, ChunkDraft* d,
              std::vector<TSNode>* import_nodes) {
  int decisions = 0;
  WalkNamedSubtrees(d->roots, children, [&](TSNode n) {
    switch (grammar.TypeOf(n)) {
      case TsType::kIfStatement:
      case TsType::kForStatement:
      case TsType::kForInStatement:
      case TsType::kWhileStatement:
      case TsType::kDoStatement:
      case TsType::kSwitchCase:
      case TsType::kCatchClause:
      case TsType::kTernaryExpression:
        ++decisions;
        break;
      case TsType::kBinaryExpression:
        if (IsLogicalOperator(grammar, grammar.Field(n, TsField::kOperator))) ++decisions;
        break;
      case TsType::kCallExpression: {
        TSNode fn = grammar.Field(n, TsField::kFunction);
        if (ts_node_is_null(fn)) break;
        if (grammar.TypeOf(fn) == TsType::kImport) {  // `import('x')` is no call
          import_nodes->push_back(n);
          break;
        }
        if (IsRequire(src, grammar, fn)) import_nodes->push_back(n);
        AddCall(src, n, fn, false, d);
        break;
      }
      case TsType::kNewExpression: {
        TSNode ctor = grammar.Field(n, TsField::kConstructor);
        if (!ts_node_is_null(ctor)) AddCall(src, n, ctor, true, d);
        break;
      }
      case TsType::kImportStatement:
        import_nodes->push_back(n);
        break;
      case TsType::kVariableDeclarator: {  // `const x = require('m')` binds names
        TSNode value = grammar.Field(n, TsField::kValue);
        if (!ts_node_is_null(value) && grammar.TypeOf(value) == TsType::kCallExpression &&
            IsRequire(src, grammar, grammar.Field(value, TsField::kFunction))) {
          import_nodes->push_back(n);
        }
        break;
      }
      default:
        break;
    }
    return true;
  });
  d->chunk.cyclomatic_complexity = 1 + decisions;
}

}  // namespace

void FillTsMetadata(const SourceText& src, const TsGrammar& grammar,
                    std::vector<ChunkDraft>* drafts, std::vector<TSNode>* import_nodes) {
  std::vector<std::vector<ByteRange>> children = ChildRanges(*drafts);
  for (size_t i = 0; i < drafts->size(); ++i) {
    ChunkDraft& d = (*drafts)[i];
    if (!ts_node_is_null(d.decl)) FillDeclaration(src, grammar, &d);
    FillFlow(src, grammar, children[i], &d, import_nodes);
  }
}

}  // namespace semdex::parse_internal
