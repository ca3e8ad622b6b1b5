// SymbolResolver: names, call paths and heritage clauses -> symbols, through scope only.
//
// A name is looked up where the language looks it up: the calling function's locals, the
// enclosing namespaces, the file's top-level symbols, its import bindings (followed through
// re-exports and barrels), then globals. Member paths walk qualified names ("ns.f", "C.m",
// "api.get"), module namespaces (`import * as ns`) and, for classes, the extends chain. Nothing
// is ever matched by name across files: what scope does not give is unresolved, with a reason.
#include <algorithm>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

constexpr int kMaxChain = 32;  // extends chains and parent walks longer than this are cut

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) != 0 || c == '_' || c == '$' || c == '#' || u >= 0x80)) return false;
  }
  return std::isdigit(static_cast<unsigned char>(s[0])) == 0;
}

// "a?.b!.c" -> "a.b.c"; "super().m" (Python) -> "super.m"; type arguments dropped.
std::string NormalizeCallee(std::string_view callee) {
  std::string out;
  out.reserve(callee.size());
  for (size_t i = 0; i < callee.size(); ++i) {
    char c = callee[i];
    if (c == '?' && i + 1 < callee.size() && callee[i + 1] == '.') continue;
    if (c == '!' || c == ' ' || c == '\t' || c == '\n') continue;
    if (c == '<' && callee.back() == '>') break;
    out.push_back(c);
  }
  if (out.starts_with("super().")) out.erase(5, 2);
  return out;
}

// The '.'-separated identifiers of `text`, or empty if it is not such a path.
std::vector<std::string_view> SplitPath(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    size_t dot = text.find('.');
    std::string_view seg = text.substr(0, dot);
    if (!IsIdentifier(seg)) return {};
    out.push_back(seg);
    if (dot == std::string_view::npos) return out;
    text.remove_prefix(dot + 1);
  }
}

bool IsCallable(std::string_view type) {
  return type == "function" || type == "method" || type == "class";
}

bool Accepts(Want want, std::string_view type) {
  switch (want) {
    case Want::kValue:
      return type == "function" || type == "class" || type == "method" || type == "enum" ||
             type == "namespace";
    case Want::kType:
      return type == "class" || type == "interface" || type == "type" || type == "function";
    case Want::kAny:
      return true;
  }
  return true;
}

}  // namespace

SymbolResolver::SymbolResolver(Model* model, ModuleResolver* modules)
    : model_(model), modules_(modules) {}

Ref SymbolResolver::Pick(const std::vector<int>& candidates, Want want) const {
  std::vector<int> kept;
  for (int c : candidates) {
    if (Accepts(want, model_->symbols[c].type)) kept.push_back(c);
  }
  if (kept.size() == 1) return Ref::Of(Ref::Kind::kSymbol, kept[0]);
  if (kept.empty()) return Ref::Unresolved("not_found");
  // Declaration merging: a class, function or enum merged with namespaces is that value;
  // repeated interfaces are one interface.
  std::vector<int> non_namespace;
  bool all_interfaces = true;
  for (int c : kept) {
    std::string_view t = model_->symbols[c].type;
    if (t != "namespace") non_namespace.push_back(c);
    all_interfaces = all_interfaces && t == "interface";
  }
  if (all_interfaces) return Ref::Of(Ref::Kind::kSymbol, kept[0]);
  if (non_namespace.size() == 1) return Ref::Of(Ref::Kind::kSymbol, non_namespace[0]);
  if (non_namespace.empty()) return Ref::Of(Ref::Kind::kSymbol, kept[0]);  // merged namespaces
  return Ref::Unresolved("ambiguous");
}

Ref SymbolResolver::ResolveName(int file, int scope, std::string_view name, Want want) {
  const FileInfo& f = model_->files[file];
  if (scope >= 0) {
    const std::vector<std::string>& locals = model_->symbols[scope].locals;
    if (std::binary_search(locals.begin(), locals.end(), name)) return Ref::Unresolved("local");
  }
  int depth = 0;
  for (int p = scope; p >= 0 && depth < kMaxChain; p = model_->symbols[p].parent, ++depth) {
    const Symbol& s = model_->symbols[p];
    if (s.type != "namespace") continue;
    std::string q = std::string(s.qualified_name) + "." + std::string(name);
    if (auto it = f.by_qualified.find(q); it != f.by_qualified.end()) {
      Ref r = Pick(it->second, want);
      if (r.kind != Ref::Kind::kNone || r.reason == "ambiguous") return r;
    }
  }
  if (auto it = f.top_level.find(name); it != f.top_level.end()) {
    Ref r = Pick(it->second, want);
    if (r.kind != Ref::Kind::kNone || r.reason == "ambiguous") return r;
  }
  Ref bound = ResolveBinding(file, name);
  if (bound.kind != Ref::Kind::kNone || !bound.reason.empty()) return bound;
  if (f.qualified_prefixes.count(std::string(name)) != 0)
    return Ref::Of(Ref::Kind::kPrefix, file, std::string(name));
  return Ref::Unresolved(IsGlobalName(name, f.python) ? "global" : "not_found");
}

int SymbolResolver::BaseClass(int symbol) {
  if (auto it = base_cache_.find(symbol); it != base_cache_.end()) return it->second;
  Descent descent(&depth_);
  if (descent.too_deep()) return -1;
  base_cache_[symbol] = -1;  // a cyclic chain ends here
  const Symbol& s = model_->symbols[symbol];
  int base = -1;
  if (!s.extends.empty()) {
    Ref r = ResolveHeritage(symbol, s.extends[0]);
    if (r.kind == Ref::Kind::kSymbol && r.index != symbol) base = r.index;
  }
  base_cache_[symbol] = base;
  return base;
}

Ref SymbolResolver::FindInClass(int cls, std::string_view member, Side side) {
  bool left_repository = false;
  for (int c = cls, depth = 0; c >= 0 && depth < kMaxChain; c = BaseClass(c), ++depth) {
    const Symbol& s = model_->symbols[c];
    const FileInfo& f = model_->files[s.file];
    std::string q = std::string(s.qualified_name) + "." + std::string(member);
    if (auto it = f.by_qualified.find(q); it != f.by_qualified.end()) {
      if (it->second.size() > 1 && side != Side::kAny) {
        std::vector<int> same_side;
        for (int m : it->second) {
          if (model_->symbols[m].is_static == (side == Side::kStatic)) same_side.push_back(m);
        }
        if (!same_side.empty()) return Pick(same_side, Want::kAny);
      }
      return Pick(it->second, Want::kAny);
    }
    left_repository = !s.extends.empty();
  }
  return Ref::Unresolved(left_repository ? "inherited_unknown" : "not_found");
}

Ref SymbolResolver::Member(const Ref& base, std::string_view member) {
  switch (base.kind) {
    case Ref::Kind::kNone:
      return base;
    case Ref::Kind::kModule:
      return ResolveExport(base.index, member);
    case Ref::Kind::kExternal: {
      Ref r = base;
      r.member = r.member.empty() ? std::string(member) : r.member + "." + std::string(member);
      return r;
    }
    case Ref::Kind::kSymbol: {
      const Symbol& s = model_->symbols[base.index];
      if (s.type == "class") return FindInClass(base.index, member, Side::kStatic);
      return Member(Ref::Of(Ref::Kind::kPrefix, s.file, std::string(s.qualified_name)), member);
    }
    case Ref::Kind::kPrefix: {
      const FileInfo& f = model_->files[base.index];
      std::string q = base.member + "." + std::string(member);
      if (auto it = f.by_qualified.find(q); it != f.by_qualified.end()) {
        return Pick(it->second, Want::kAny);
      }
      if (f.qualified_prefixes.count(q) != 0)
        return Ref::Of(Ref::Kind::kPrefix, base.index, std::move(q));
      return Ref::Unresolved("not_found");
    }
  }
  return Ref::Unresolved("not_found");
}

// Walks path[from..] as members of `cur`. `f.call(...)`, `.apply`, `.bind` call f itself.
Ref SymbolResolver::MemberPath(Ref cur, const std::vector<std::string_view>& path, size_t from) {
  for (size_t i = from; i < path.size(); ++i) {
    if (cur.kind == Ref::Kind::kNone) return cur;
    std::string_view seg = path[i];
    if (i + 1 == path.size() && cur.kind == Ref::Kind::kSymbol &&
        (seg == "call" || seg == "apply" || seg == "bind") &&
        IsCallable(model_->symbols[cur.index].type)) {
      return cur;
    }
    Ref next = Member(cur, seg);
    // A member of a function or method is a property of a value: its type is unknown.
    if (next.kind == Ref::Kind::kNone && cur.kind == Ref::Kind::kSymbol &&
        model_->symbols[cur.index].type != "class" &&
        model_->symbols[cur.index].type != "namespace") {
      return Ref::Unresolved("receiver");
    }
    cur = std::move(next);
  }
  return cur;
}

Ref SymbolResolver::ResolvePath(int file, int scope, const std::vector<std::string_view>& path,
                                Want want) {
  Ref head = ResolveName(file, scope, path[0], path.size() == 1 ? want : Want::kAny);
  if (head.kind == Ref::Kind::kNone && path.size() > 1 &&
      (head.reason == "local" || head.reason == "global" || head.reason == "not_found")) {
    // `x.m()` on a local value or an unknown name: dispatch on a value of unknown type.
    return Ref::Unresolved(head.reason == "global" ? "global" : "receiver");
  }
  return MemberPath(std::move(head), path, 1);
}

Ref SymbolResolver::ThisPath(int symbol, const std::vector<std::string_view>& path) {
  if (path.size() < 2) return Ref::Unresolved("dynamic");
  if (symbol < 0) return Ref::Unresolved("this_outside_class");
  const Symbol& s = model_->symbols[symbol];
  const bool python = model_->files[s.file].python;
  Ref owner;
  if (s.parent >= 0 && model_->symbols[s.parent].type == "class") {
    Ref r = FindInClass(s.parent, path[1], s.is_static ? Side::kStatic : Side::kInstance);
    // `this.field.m()`: a method of a property's value, whose type is unknown.
    if (r.kind == Ref::Kind::kNone && path.size() > 2) return Ref::Unresolved("receiver");
    if (r.kind == Ref::Kind::kNone) return r;
    return MemberPath(std::move(r), path, 2);
  } else if (s.type == "method" && !python) {
    // A member of an object literal ("api.get") or a prototype method ("X.prototype.m").
    std::string_view q = s.qualified_name;
    size_t dot = q.rfind('.');
    if (dot == std::string_view::npos) return Ref::Unresolved("this_outside_class");
    owner = Ref::Of(Ref::Kind::kPrefix, s.file, std::string(q.substr(0, dot)));
  } else {
    return Ref::Unresolved("this_outside_class");
  }
  Ref r = Member(owner, path[1]);
  // `this.field.m()`: a method of a property's value, whose type is unknown.
  if (r.kind == Ref::Kind::kNone && path.size() > 2) return Ref::Unresolved("receiver");
  if (r.kind == Ref::Kind::kNone) return r;
  return MemberPath(std::move(r), path, 2);
}

Ref SymbolResolver::SuperPath(int symbol, const std::vector<std::string_view>& path) {
  if (symbol < 0) return Ref::Unresolved("this_outside_class");
  const Symbol& s = model_->symbols[symbol];
  int cls = s.type == "class" ? symbol : s.parent;
  if (cls < 0 || model_->symbols[cls].type != "class") return Ref::Unresolved("this_outside_class");
  int base = BaseClass(cls);
  if (base < 0) {
    return Ref::Unresolved(model_->symbols[cls].extends.empty() ? "not_found"
                                                                : "inherited_unknown");
  }
  if (path.size() == 1) {  // super(...): the nearest constructor up the chain, else the class
    Ref ctor = FindInClass(base, "constructor", Side::kInstance);
    return ctor.kind == Ref::Kind::kSymbol ? ctor : Ref::Of(Ref::Kind::kSymbol, base);
  }
  Ref r = FindInClass(base, path[1], s.is_static ? Side::kStatic : Side::kInstance);
  if (r.kind == Ref::Kind::kNone) return r;
  return MemberPath(std::move(r), path, 2);
}

Ref SymbolResolver::ResolveCall(int file, int symbol, const CallRef& call) {
  std::vector<std::string_view> path;
  std::string text = NormalizeCallee(call.callee);
  path = SplitPath(text);
  if (path.empty()) return Ref::Unresolved("dynamic");
  const bool python = model_->files[file].python;
  Ref r;
  if (python && path.size() == 1 && path[0] == "super") {
    return Ref::Unresolved("global");  // Python's super() builds a proxy; super().m() is resolved
  } else if (path[0] == "super") {
    r = SuperPath(symbol, path);
  } else if (path[0] == "this" || (python && (path[0] == "self" || path[0] == "cls"))) {
    r = ThisPath(symbol, path);
  } else {
    r = ResolvePath(file, symbol, path, Want::kValue);
  }
  if (r.kind == Ref::Kind::kModule) {
    r = ResolveExport(r.index, "default");  // calling a CommonJS module: module.exports
  }
  if (r.kind == Ref::Kind::kPrefix) return Ref::Unresolved("not_found");
  if (r.kind == Ref::Kind::kModule) return Ref::Unresolved("not_found");
  if (r.kind == Ref::Kind::kSymbol && !IsCallable(model_->symbols[r.index].type) &&
      model_->symbols[r.index].type != "namespace") {
    return Ref::Unresolved("not_callable");
  }
  return r;
}

Ref SymbolResolver::ResolveHeritage(int symbol, std::string_view text) {
  const Symbol& s = model_->symbols[symbol];
  std::string clean(text.substr(0, text.find('<')));
  clean.erase(std::remove_if(clean.begin(), clean.end(),
                             [](char c) { return c == ' ' || c == '\t' || c == '\n'; }),
              clean.end());
  if (clean.find('=') != std::string::npos) return Ref::Unresolved("dynamic");  // metaclass=...
  std::vector<std::string_view> path = SplitPath(clean);
  if (path.empty()) return Ref::Unresolved("dynamic");
  Ref r = ResolvePath(s.file, s.parent, path, Want::kType);
  if (r.kind == Ref::Kind::kSymbol && !Accepts(Want::kType, model_->symbols[r.index].type)) {
    return Ref::Unresolved("not_found");
  }
  if (r.kind == Ref::Kind::kModule || r.kind == Ref::Kind::kPrefix)
    return Ref::Unresolved("not_found");
  return r;
}

}  // namespace semdex::graph_internal
