// TypeScript / JavaScript chunker: finds the declarations that become chunks (see parse.h) and
// the module runs between them. Metadata is filled in later by ts_metadata.cc.
//
// Recursion follows chunk nesting only (namespace > class > class-valued field > ...) and stops
// at kMaxNestingDepth; everything else is walked with cursors.
#include <optional>

#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

// A declaration that makes a chunk.
struct Decl {
  ChunkType type = ChunkType::kFunction;
  std::string name;       // simple name
  std::string qualified;  // relative to the enclosing scope ("Foo.prototype.bar"); usually name
  TSNode decl{};          // function / class / interface / ... node
  TSNode outer{};         // statement, member or declarator that holds it
  bool exported = false;
  bool is_default = false;
  bool ambient = false;  // `declare ...`
};

// Where declarations are being looked for.
struct Scope {
  int parent = -1;     // draft index of the enclosing chunk
  std::string prefix;  // qualified-name prefix of members ("", "A.B", "Outer.Inner")
  int nesting = 0;     // recursion depth of the chunker
  bool top_level = true;
  bool exports_visible = true;  // an `export` here exports from the module
};

bool IsFunctionValue(TSNode n) {
  std::string_view t = NodeType(n);
  return t == "arrow_function" || t == "function_expression" || t == "function" ||
         t == "generator_function";
}

// The first named child that is not a comment, or a null node.
TSNode FirstNamedChild(TSNode n) {
  for (TSNode c : Children(n)) {
    if (ts_node_is_named(c) && !IsComment(c)) return c;
  }
  return TSNode{};
}

// Looks through parentheses and type assertions: `(x)`, `x as T`, `x!`, `x satisfies T`.
TSNode Unwrap(TSNode n) {
  while (!ts_node_is_null(n)) {
    std::string_view t = NodeType(n);
    if (t == "parenthesized_expression" || t == "as_expression" || t == "satisfies_expression" ||
        t == "non_null_expression") {
      n = FirstNamedChild(n);
    } else {
      break;
    }
  }
  return n;
}

std::string Qualify(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// The node whose children a large chunk is split between.
TSNode SplitBody(TSNode decl) {
  if (IsType(decl, "ambient_declaration")) return ChildOfType(decl, "statement_block");
  TSNode body = Field(decl, "body");
  if (ts_node_is_null(body)) return body;
  std::string_view t = NodeType(body);
  if (t == "statement_block" || t == "class_body" || t == "interface_body" || t == "enum_body" ||
      t == "object_type") {
    return body;
  }
  return TSNode{};
}

class TsChunker {
 public:
  TsChunker(const SourceText& src, const TsGrammar& grammar, std::string_view path,
            const LocalExports& local_exports, std::vector<ChunkDraft>* drafts)
      : src_(src),
        grammar_(grammar),
        local_exports_(local_exports),
        drafts_(drafts),
        runs_(path, drafts) {}

  void Run(TSNode root) { ProcessStatements(root, Scope{}); }

 private:
  void ProcessStatements(TSNode block, const Scope& scope);
  void ProcessClassBody(TSNode class_node, int draft, const std::string& qualified, int nesting);
  void ProcessObject(TSNode object, const Scope& scope, const std::string& prefix,
                     ChunkType member_type, bool exported);
  void ScanStatement(TSNode stmt, const Scope& scope);
  void FindNamedClasses(TSNode stmt, const Scope& scope, size_t first_new_draft);
  int AddDecl(const Decl& decl, const Scope& scope, const std::vector<TSNode>& attached,
              TSNode item);
  void ExtendDraft(int draft, TSNode node);

  std::optional<Decl> Classify(TSNode stmt) const;
  std::optional<Decl> ClassifyNode(TSNode node) const;
  std::optional<Decl> ClassifyAssignment(TSNode assignment) const;
  std::optional<Decl> ClassifyDeclarator(TSNode declarator) const;
  std::optional<Decl> ClassifyMember(TSNode member) const;
  std::string OverloadName(TSNode item) const;
  std::string KeyName(TSNode key) const;
  size_t AttachIndex(const std::vector<TSNode>& pending, const std::string& name,
                     TSNode item) const;
  std::string DocstringOf(const std::vector<TSNode>& attached) const;
  std::string Text(TSNode n) const { return std::string(NodeText(src_, n)); }
  int Line(TSNode n) const { return src_.LineOf(ts_node_start_byte(n)); }
  int EndLine(TSNode n) const { return src_.EndLineOf(RangeOf(n)); }

  const SourceText& src_;
  const TsGrammar& grammar_;
  const LocalExports& local_exports_;
  std::vector<ChunkDraft>* drafts_;
  ModuleRunBuilder runs_;
};

void TsChunker::ProcessStatements(TSNode block, const Scope& scope) {
  std::vector<TSNode> pending;  // comments and overload signatures awaiting their declaration
  int last_draft = -1;          // the chunk the previous statement made, if any
  int prev_end_line = 0;
  auto flush = [&] {
    if (scope.top_level) {
      for (TSNode p : pending) runs_.Add(p);
    }
    pending.clear();
  };
  for (TSNode item : Children(block)) {
    if (!scope.top_level && !ts_node_is_named(item)) continue;  // `{` `}` of a namespace body
    if (ts_node_end_byte(item) == ts_node_start_byte(item)) continue;  // MISSING node
    if (IsComment(item)) {
      if (pending.empty() && prev_end_line == Line(item)) {  // trailing `x(); // ...`
        if (last_draft >= 0) {
          ExtendDraft(last_draft, item);
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
    if (!OverloadName(item).empty()) {
      pending.push_back(item);
      last_draft = -1;
      continue;
    }
    std::optional<Decl> decl;
    if (scope.nesting < kMaxNestingDepth) decl = Classify(item);
    if (!decl) {
      flush();
      Scope inner = scope;
      if (scope.top_level) inner.parent = runs_.Add(item);
      ScanStatement(item, inner);
      last_draft = -1;
      continue;
    }
    size_t k = AttachIndex(pending, decl->name, item);
    std::vector<TSNode> attached(pending.begin() + static_cast<ptrdiff_t>(k), pending.end());
    pending.resize(k);
    flush();
    runs_.Close();
    last_draft = AddDecl(*decl, scope, attached, item);
  }
  flush();
}

void TsChunker::ProcessClassBody(TSNode class_node, int draft, const std::string& qualified,
                                 int nesting) {
  TSNode body = Field(class_node, "body");
  if (ts_node_is_null(body) || nesting >= kMaxNestingDepth) return;
  Scope scope{draft, qualified, nesting, false, false};
  std::vector<TSNode> pending;  // comments, decorators and overload signatures
  int prev_end_line = 0;
  for (TSNode item : Children(body)) {
    if (!ts_node_is_named(item)) continue;
    bool trailing = IsComment(item) && pending.empty() && prev_end_line == Line(item);
    prev_end_line = EndLine(item);
    if (trailing) continue;
    std::string_view type = NodeType(item);
    if (type == "comment" || type == "decorator" || type == "method_signature") {
      pending.push_back(item);
      continue;
    }
    if (std::optional<Decl> decl = ClassifyMember(item)) {
      size_t k = AttachIndex(pending, decl->name, item);
      std::vector<TSNode> attached(pending.begin() + static_cast<ptrdiff_t>(k), pending.end());
      AddDecl(*decl, scope, attached, item);
    }
    pending.clear();
  }
}

void TsChunker::ProcessObject(TSNode object, const Scope& scope, const std::string& prefix,
                              ChunkType member_type, bool exported) {
  if (scope.nesting >= kMaxNestingDepth) return;
  std::vector<TSNode> pending;
  for (TSNode item : Children(object)) {
    if (!ts_node_is_named(item)) continue;
    if (IsComment(item)) {
      pending.push_back(item);
      continue;
    }
    std::string_view type = NodeType(item);
    TSNode key = Field(item, type == "pair" ? "key" : "name");
    TSNode value = type == "pair" ? Unwrap(Field(item, "value")) : item;
    if ((type != "pair" && type != "method_definition") || ts_node_is_null(key) ||
        ts_node_is_null(value)) {
      pending.clear();
      continue;
    }
    Decl d;
    d.name = KeyName(key);
    d.qualified = Qualify(prefix, d.name);
    d.decl = value;
    d.outer = item;
    d.exported = exported;
    if (IsType(value, "object")) {
      Scope inner = scope;
      inner.nesting++;
      ProcessObject(value, inner, d.qualified, ChunkType::kMethod, exported);
    } else if (IsFunctionValue(value) || IsType(value, "method_definition") ||
               IsType(value, "class")) {
      d.type = IsType(value, "class") ? ChunkType::kClass : member_type;
      size_t k = AttachIndex(pending, d.name, item);
      AddDecl(d, scope,
              std::vector<TSNode>(pending.begin() + static_cast<ptrdiff_t>(k), pending.end()),
              item);
    }
    pending.clear();
  }
}

// Chunks inside a statement that is not itself a declaration chunk: functions among several
// declarators, members of exported object literals, named class expressions.
void TsChunker::ScanStatement(TSNode stmt, const Scope& scope) {
  size_t first_new = drafts_->size();
  TSNode node = stmt;
  bool exported = false;
  bool is_default = false;
  if (IsType(stmt, "export_statement")) {
    exported = true;
    is_default = HasToken(stmt, "default");
    node = Field(stmt, "declaration");
    if (ts_node_is_null(node)) node = Field(stmt, "value");
  } else if (IsType(stmt, "expression_statement")) {
    node = FirstNamedChild(stmt);
  }
  if (ts_node_is_null(node)) return;
  std::string_view type = NodeType(node);
  Scope inner = scope;
  inner.nesting++;
  if (type == "lexical_declaration" || type == "variable_declaration") {
    for (TSNode declarator : Children(node)) {
      if (!IsType(declarator, "variable_declarator")) continue;
      if (std::optional<Decl> d = ClassifyDeclarator(declarator)) {
        d->exported = exported;
        AddDecl(*d, scope, {}, declarator);
        continue;
      }
      TSNode name = Field(declarator, "name");
      TSNode value = Unwrap(Field(declarator, "value"));
      if (ts_node_is_null(value) || !IsType(value, "object") || !IsType(name, "identifier")) {
        continue;
      }
      std::string local = Text(name);
      if (exported || (scope.top_level && local_exports_.count(local) > 0)) {
        ProcessObject(value, inner, local, ChunkType::kMethod, true);
      }
    }
  } else if (type == "assignment_expression") {
    std::string target = CollapseWhitespace(NodeText(src_, Field(node, "left")), 200);
    TSNode value = Unwrap(Field(node, "right"));
    if (!ts_node_is_null(value) && IsType(value, "object")) {
      if (target == "module.exports") {
        ProcessObject(value, inner, "", ChunkType::kFunction, true);
      } else {
        for (std::string_view p : {"module.exports.", "exports."}) {
          if (target.starts_with(p) && target.find('.', p.size()) == std::string::npos) {
            ProcessObject(value, inner, target.substr(p.size()), ChunkType::kMethod, true);
            break;
          }
        }
      }
    }
  } else if (is_default && type == "object") {
    ProcessObject(node, inner, "default", ChunkType::kMethod, true);
  }
  FindNamedClasses(stmt, scope, first_new);
}

// Named classes inside `stmt` outside function bodies: `define('x', class Widget {...})`.
void TsChunker::FindNamedClasses(TSNode stmt, const Scope& scope, size_t first_new_draft) {
  // Without the keyword `class` there is no class, unless error recovery made one up around a
  // MISSING keyword.
  if (!ts_node_has_error(stmt) && NodeText(src_, stmt).find("class") == std::string_view::npos) {
    return;
  }
  std::vector<ByteRange> made;  // direct children already made from this statement
  for (size_t i = first_new_draft; i < drafts_->size(); ++i) {
    if ((*drafts_)[i].parent == scope.parent) made.push_back((*drafts_)[i].range);
  }
  std::vector<std::pair<Decl, TSNode>> found;
  WalkNamedSubtrees({stmt}, made, [&](TSNode n) {
    TsType t = grammar_.TypeOf(n);
    if (IsTsFunction(t)) return false;
    if (!IsTsClass(t)) return true;
    TSNode name = grammar_.Field(n, TsField::kName);
    if (ts_node_is_null(name)) return true;
    Decl d;
    d.type = ChunkType::kClass;
    d.name = d.qualified = Text(name);
    d.decl = d.outer = n;
    found.emplace_back(std::move(d), n);
    return false;
  });
  for (auto& [d, n] : found) AddDecl(d, scope, {}, n);
}

int TsChunker::AddDecl(const Decl& decl, const Scope& scope, const std::vector<TSNode>& attached,
                       TSNode item) {
  if (scope.nesting >= kMaxNestingDepth) return -1;
  ChunkDraft d;
  d.chunk.type = decl.type;
  d.chunk.name = decl.name;
  d.chunk.qualified_name = Qualify(scope.prefix, decl.qualified);
  d.parent = scope.parent;
  d.depth = scope.parent >= 0 ? (*drafts_)[scope.parent].depth + 1 : 0;
  d.range = {attached.empty() ? ts_node_start_byte(item) : ts_node_start_byte(attached.front()),
             ts_node_end_byte(item)};
  d.decl = decl.decl;
  d.outer = decl.outer;
  d.body = SplitBody(decl.decl);
  d.roots = attached;
  d.roots.push_back(item);
  d.chunk.is_exported = decl.exported && scope.exports_visible;
  d.chunk.is_default_export = decl.is_default;
  bool module_level = scope.top_level || drafts_->at(scope.parent).chunk.type == ChunkType::kModule;
  if (module_level && decl.qualified == decl.name) {
    auto it = local_exports_.find(decl.name);
    if (it != local_exports_.end()) {
      d.chunk.is_exported = true;
      d.chunk.is_default_export = d.chunk.is_default_export || it->second;
    }
  }
  d.chunk.docstring = DocstringOf(attached);
  std::string qualified = d.chunk.qualified_name;
  bool exported = d.chunk.is_exported;
  drafts_->push_back(std::move(d));
  int index = static_cast<int>(drafts_->size()) - 1;
  if (decl.type == ChunkType::kClass) {
    ProcessClassBody(decl.decl, index, qualified, scope.nesting + 1);
  } else if (decl.type == ChunkType::kNamespace) {
    TSNode body = SplitBody(decl.decl);
    if (!ts_node_is_null(body)) {
      ProcessStatements(
          body, Scope{index, qualified, scope.nesting + 1, false, exported || decl.ambient});
    }
  }
  return index;
}

void TsChunker::ExtendDraft(int draft, TSNode node) {
  ChunkDraft& d = (*drafts_)[draft];
  d.range.end = std::max(d.range.end, ts_node_end_byte(node));
  d.roots.push_back(node);
}

std::optional<Decl> TsChunker::Classify(TSNode stmt) const {
  TSNode node = stmt;
  bool exported = false;
  bool is_default = false;
  bool ambient = false;
  if (IsType(node, "export_statement")) {
    exported = true;
    is_default = HasToken(node, "default");
    TSNode inner = Field(node, "declaration");
    node = ts_node_is_null(inner) ? Field(node, "value") : inner;
    if (ts_node_is_null(node)) return std::nullopt;
  }
  if (IsType(node, "ambient_declaration")) {
    ambient = true;
    if (HasToken(node, "global")) {
      Decl d;
      d.type = ChunkType::kNamespace;
      d.name = d.qualified = "global";
      d.decl = node;
      d.outer = stmt;
      d.exported = exported;
      d.ambient = true;
      return d;
    }
    node = FirstNamedChild(node);
  } else if (IsType(node, "expression_statement")) {
    node = FirstNamedChild(node);
  }
  if (ts_node_is_null(node)) return std::nullopt;
  std::optional<Decl> d = ClassifyNode(node);
  if (!d && is_default) {  // `export default function () {}`, `export default class {}`
    TSNode value = Unwrap(node);
    if (IsFunctionValue(value) || IsType(value, "class")) {
      d = Decl{};
      d->type = IsType(value, "class") ? ChunkType::kClass : ChunkType::kFunction;
      TSNode name = Field(value, "name");
      d->name = d->qualified = ts_node_is_null(name) ? "default" : Text(name);
      d->decl = value;
    }
  }
  if (!d) return std::nullopt;
  d->outer = stmt;
  d->exported = d->exported || exported;
  d->is_default = d->is_default || is_default;
  d->ambient = ambient;
  return d;
}

std::optional<Decl> TsChunker::ClassifyNode(TSNode node) const {
  std::string_view t = NodeType(node);
  Decl d;
  d.decl = node;
  if (t == "function_declaration" || t == "generator_function_declaration") {
    d.type = ChunkType::kFunction;
  } else if (t == "class_declaration" || t == "abstract_class_declaration") {
    d.type = ChunkType::kClass;
  } else if (t == "interface_declaration") {
    d.type = ChunkType::kInterface;
  } else if (t == "type_alias_declaration") {
    d.type = ChunkType::kTypeAlias;
  } else if (t == "enum_declaration") {
    d.type = ChunkType::kEnum;
  } else if (t == "internal_module" || t == "module") {
    d.type = ChunkType::kNamespace;
    TSNode name = Field(node, "name");
    if (ts_node_is_null(name)) return std::nullopt;
    // `namespace A.B {}` is one chunk: name "B", qualified "A.B".
    d.qualified = CollapseWhitespace(StripQuotes(NodeText(src_, name)), 200);
    TSNode last = IsType(name, "nested_identifier") ? Field(name, "property") : TSNode{};
    d.name = ts_node_is_null(last) ? d.qualified : Text(last);
    return d;
  } else if (t == "lexical_declaration" || t == "variable_declaration") {
    TSNode only{};
    for (TSNode c : Children(node)) {
      if (!IsType(c, "variable_declarator")) continue;
      if (!ts_node_is_null(only)) return std::nullopt;  // several declarators: not one chunk
      only = c;
    }
    if (ts_node_is_null(only)) return std::nullopt;
    return ClassifyDeclarator(only);
  } else if (t == "assignment_expression") {
    return ClassifyAssignment(node);
  } else {
    return std::nullopt;
  }
  TSNode name = Field(node, "name");
  d.name = d.qualified = ts_node_is_null(name) ? "default" : Text(name);
  return d;
}

// `f = function () {}`, `exports.f = ...`, `module.exports = class X {}`, `A.prototype.m = ...`.
std::optional<Decl> TsChunker::ClassifyAssignment(TSNode assignment) const {
  TSNode left = Field(assignment, "left");
  TSNode value = Unwrap(Field(assignment, "right"));
  if (ts_node_is_null(left) || ts_node_is_null(value)) return std::nullopt;
  bool is_class = IsType(value, "class");
  if (!is_class && !IsFunctionValue(value)) return std::nullopt;
  Decl d;
  d.type = is_class ? ChunkType::kClass : ChunkType::kFunction;
  d.decl = value;
  if (IsType(left, "identifier")) {
    d.name = d.qualified = Text(left);
    return d;
  }
  if (!IsType(left, "member_expression")) return std::nullopt;
  std::string target = CollapseWhitespace(NodeText(src_, left), 200);
  target.erase(std::remove(target.begin(), target.end(), ' '), target.end());
  if (target.starts_with("this.")) return std::nullopt;
  if (target == "module.exports") {
    TSNode name = Field(value, "name");
    d.name = d.qualified = ts_node_is_null(name) ? "default" : Text(name);
    d.exported = d.is_default = true;
    return d;
  }
  for (std::string_view p : {"module.exports.", "exports."}) {
    if (target.starts_with(p) && target.find('.', p.size()) == std::string::npos) {
      d.name = d.qualified = target.substr(p.size());
      d.exported = true;
      return d;
    }
  }
  TSNode property = Field(left, "property");
  if (ts_node_is_null(property)) return std::nullopt;
  d.name = Text(property);
  d.qualified = target;
  if (!is_class && target.find(".prototype.") != std::string::npos) d.type = ChunkType::kMethod;
  return d;
}

// `f = () => ...`, `g = function () {}`, `C = class {}` inside a variable declaration.
std::optional<Decl> TsChunker::ClassifyDeclarator(TSNode declarator) const {
  TSNode name = Field(declarator, "name");
  TSNode value = Unwrap(Field(declarator, "value"));
  if (ts_node_is_null(name) || ts_node_is_null(value) || !IsType(name, "identifier")) {
    return std::nullopt;
  }
  bool is_class = IsType(value, "class");
  if (!is_class && !IsFunctionValue(value)) return std::nullopt;
  Decl d;
  d.type = is_class ? ChunkType::kClass : ChunkType::kFunction;
  d.name = d.qualified = Text(name);
  d.decl = value;
  d.outer = declarator;
  return d;
}

// Class members that are chunks: methods with a body, and fields holding a function or class.
std::optional<Decl> TsChunker::ClassifyMember(TSNode member) const {
  Decl d;
  d.outer = member;
  TSNode name = Field(member, "name");
  if (ts_node_is_null(name)) return std::nullopt;
  d.name = d.qualified = KeyName(name);
  if (IsType(member, "method_definition")) {
    if (ts_node_is_null(Field(member, "body"))) return std::nullopt;
    d.type = ChunkType::kMethod;
    d.decl = member;
    return d;
  }
  if (!IsType(member, "public_field_definition")) return std::nullopt;
  TSNode value = Unwrap(Field(member, "value"));
  if (ts_node_is_null(value)) return std::nullopt;
  if (IsType(value, "class")) {
    d.type = ChunkType::kClass;
  } else if (IsFunctionValue(value)) {
    d.type = ChunkType::kMethod;
  } else {
    return std::nullopt;
  }
  d.decl = value;
  return d;
}

// The function name if `item` is an overload signature (`function f(a: string): void;` or a
// bodiless method in a class), else "".
std::string TsChunker::OverloadName(TSNode item) const {
  TSNode node = item;
  if (IsType(node, "export_statement")) node = Field(node, "declaration");
  if (ts_node_is_null(node)) return "";
  if (!IsType(node, "function_signature") && !IsType(node, "method_signature")) return "";
  TSNode name = Field(node, "name");
  return ts_node_is_null(name) ? "" : KeyName(name);
}

std::string TsChunker::KeyName(TSNode key) const {
  if (IsType(key, "string")) return std::string(StripQuotes(NodeText(src_, key)));
  return CollapseWhitespace(NodeText(src_, key), 200);
}

// How many of `pending` stay unattached: the rest (comments directly above, decorators,
// overload signatures of the same name) belong to `item`'s chunk.
size_t TsChunker::AttachIndex(const std::vector<TSNode>& pending, const std::string& name,
                              TSNode item) const {
  size_t k = pending.size();
  int next_line = Line(item);
  while (k > 0) {
    TSNode p = pending[k - 1];
    if (IsComment(p)) {
      if (EndLine(p) + 1 < next_line) break;
    } else if (!IsType(p, "decorator") && OverloadName(p) != name) {
      break;
    }
    --k;
    next_line = Line(p);
  }
  return k;
}

// The comment block directly above `item`, else the one the attached nodes open with.
std::string TsChunker::DocstringOf(const std::vector<TSNode>& attached) const {
  size_t end = attached.size();
  size_t begin = end;
  while (begin > 0 && IsComment(attached[begin - 1])) --begin;
  if (begin == end) {
    begin = end = 0;
    while (end < attached.size() && IsComment(attached[end])) ++end;
  }
  if (begin == end) return "";
  return std::string(
      src_.Slice(ts_node_start_byte(attached[begin]), ts_node_end_byte(attached[end - 1])));
}

}  // namespace

void ChunkTs(const SourceText& src, const TsGrammar& grammar, std::string_view path, TSNode root,
             const LocalExports& local_exports, std::vector<ChunkDraft>* drafts) {
  TsChunker(src, grammar, path, local_exports, drafts).Run(root);
}

}  // namespace semdex::parse_internal
