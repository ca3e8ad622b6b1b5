// SymbolResolver's module side: import bindings and what a module exports, followed through
// re-exports, `export *` and `export * as`, CommonJS exports and Python packages.
#include "graph/graph_internal.h"

namespace semdex::graph_internal {

Ref SymbolResolver::ResolveBinding(int file, std::string_view local) {
  const FileInfo& f = model_->files[file];
  auto it = f.bindings.find(std::string(local));
  if (it == f.bindings.end()) return Ref();
  const Import& imp = f.imports[it->second.first];
  const ImportName& name = imp.names[it->second.second];
  // `import a.b` (Python) binds `a`: the package, not the module named.
  const bool python_package = imp.kind == "python_import" && name.local == imp.source &&
                              imp.source.find('.') != std::string::npos;
  const ModuleTarget& target =
      python_package ? modules_->Resolve(file, imp.source.substr(0, imp.source.find('.')))
                     : imp.target;
  switch (target.kind) {
    case ModuleTarget::Kind::kMissing:
      return Ref::Unresolved("unresolved_import");
    case ModuleTarget::Kind::kExternal: {
      Ref r;
      r.kind = Ref::Kind::kExternal;
      r.index = target.index;
      if (name.imported != "*" && name.imported != "default") r.member = name.imported;
      return r;
    }
    case ModuleTarget::Kind::kFile:
      break;
  }
  if (name.imported == "*") {
    Ref r;
    r.kind = Ref::Kind::kModule;
    r.index = target.index;
    return r;
  }
  return ResolveExport(target.index, name.imported);
}

Ref SymbolResolver::ResolveExport(int file, std::string_view name) {
  Descent descent(&depth_);
  if (descent.too_deep()) return Ref::Unresolved("not_found");
  std::string key = std::to_string(file);
  key += '\n';
  key += name;
  auto [it, fresh] = export_cache_.try_emplace(std::move(key), Ref::Unresolved("cycle"));
  if (!fresh) return it->second.reason == "cycle" ? Ref::Unresolved("not_found") : it->second;
  Ref r = ExportUncached(file, name);
  // Rehashing in ExportUncached may have moved the entry: look it up again.
  std::string again = std::to_string(file);
  again += '\n';
  again += name;
  export_cache_[again] = r;
  return r;
}

const std::unordered_set<std::string_view>& SymbolResolver::ExportedNames(int file) {
  if (exported_names_.empty()) exported_names_.resize(model_->files.size());
  auto& slot = exported_names_[file];
  if (slot) return *slot;
  Descent descent(&depth_);
  if (descent.too_deep()) {
    static const std::unordered_set<std::string_view> kNone;
    return kNone;
  }
  slot = std::make_unique<std::unordered_set<std::string_view>>();  // in progress: empty
  auto names = std::make_unique<std::unordered_set<std::string_view>>();
  const FileInfo& f = model_->files[file];
  for (const auto& [name, indices] : f.exports_by_name) {
    if (name != "default") names->insert(name);
  }
  for (int s : f.symbols) {
    const Symbol& sym = model_->symbols[s];
    if (sym.exported && sym.parent < 0 && sym.name == sym.qualified_name && sym.name != "default") {
      names->insert(sym.name);
    }
  }
  for (int i : f.star_exports) {
    const ModuleTarget& t = f.exports[i].target;
    if (t.kind != ModuleTarget::Kind::kFile) continue;
    const auto& more = ExportedNames(t.index);
    names->insert(more.begin(), more.end());
  }
  exported_names_[file] = std::move(names);
  return *exported_names_[file];
}

// `export { imported as name } from 'source'`, `export * as name from 'source'`.
Ref SymbolResolver::ReExport(const Export& e) {
  const ModuleTarget& target = e.target;
  if (target.kind == ModuleTarget::Kind::kMissing) return Ref::Unresolved("unresolved_import");
  Ref r;
  r.index = target.index;
  if (target.kind == ModuleTarget::Kind::kExternal) {
    r.kind = Ref::Kind::kExternal;
    if (e.imported != "*") r.member = e.imported;
    return r;
  }
  if (e.imported == "*") {
    r.kind = Ref::Kind::kModule;
    return r;
  }
  return ResolveExport(target.index, e.imported);
}

Ref SymbolResolver::ExportUncached(int file, std::string_view name) {
  const FileInfo& f = model_->files[file];
  if (f.python) {
    Ref r = ResolveName(file, -1, name, Want::kAny);
    if (r.kind != Ref::Kind::kNone || r.reason == "ambiguous") return r;
    // `from pkg import mod`: a submodule of a package.
    if (f.path.ends_with("__init__.py") || f.path.ends_with("__init__.pyi")) {
      int sub = modules_->ProbePython(JoinPath(DirName(f.path), name));
      if (sub >= 0) {
        Ref m;
        m.kind = Ref::Kind::kModule;
        m.index = sub;
        return m;
      }
    }
    return Ref::Unresolved("not_found");
  }
  auto listed = f.exports_by_name.find(name);
  for (int i : listed == f.exports_by_name.end() ? std::vector<int>() : listed->second) {
    const Export& e = f.exports[i];
    if (!e.source.empty()) return ReExport(e);
    if (!e.local.empty()) {
      Ref r = ResolveName(file, -1, e.local, Want::kAny);
      if (r.kind != Ref::Kind::kNone || r.reason != "not_found") return r;
      continue;
    }
    if (name == "default") {  // `export default function () {}`, `module.exports = ...`
      for (int s : f.symbols) {
        if (model_->symbols[s].default_export && model_->symbols[s].parent < 0)
          return Ref::Of(Ref::Kind::kSymbol, s);
      }
    }
  }
  if (name != "default") {
    // Exported declarations (and CommonJS `exports.f = function`), listed or not.
    if (auto it = f.top_level.find(name); it != f.top_level.end()) {
      std::vector<int> exported;
      for (int s : it->second) {
        if (model_->symbols[s].exported) exported.push_back(s);
      }
      if (!exported.empty()) return Pick(exported, Want::kAny);
    }
    // `export * from`: the name must come from exactly one of them.
    std::vector<Ref> found;
    for (int i : f.star_exports) {
      const ModuleTarget& target = f.exports[i].target;
      if (target.kind != ModuleTarget::Kind::kFile) continue;
      if (ExportedNames(target.index).count(name) == 0) continue;  // cheap negative answer
      Ref r = ResolveExport(target.index, name);
      if (r.kind == Ref::Kind::kNone) {
        if (r.reason == "ambiguous") return r;
        continue;
      }
      bool seen = false;
      for (const Ref& g : found) seen = seen || (g.kind == r.kind && g.index == r.index);
      if (!seen) found.push_back(r);
    }
    if (found.size() == 1) return found[0];
    if (found.size() > 1) return Ref::Unresolved("ambiguous");
  }
  return Ref::Unresolved("not_found");
}

}  // namespace semdex::graph_internal
