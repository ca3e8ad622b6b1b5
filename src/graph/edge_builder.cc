// BuildEdges: contains, imports, re_exports, calls, extends and implements edges, in a
// deterministic order (files by path, symbols in source order), with their properties JSON.
#include <algorithm>
#include <map>
#include <set>

#include "graph/graph_internal.h"
#include "graph/json_text.h"

namespace semdex::graph_internal {
namespace {

constexpr size_t kMaxListedLines = 100;  // call lines kept in a calls edge's properties

class EdgeBuilder {
 public:
  EdgeBuilder(Model* model, SymbolResolver* resolver, ModuleResolver* modules, Graph* graph,
              GraphStats* stats)
      : m_(*model), resolver_(*resolver), modules_(*modules), graph_(*graph), stats_(*stats) {}

  void Run() {
    graph_.calls_by_node.assign(m_.NodeCount(), {});
    graph_.unlinked_by_node.assign(m_.NodeCount(), {});
    for (size_t s = 0; s < m_.symbols.size(); ++s) AddContains(static_cast<int>(s));
    for (size_t f = 0; f < m_.files.size(); ++f) AddImports(static_cast<int>(f));
    for (size_t f = 0; f < m_.files.size(); ++f) AddReExports(static_cast<int>(f));
    for (size_t f = 0; f < m_.files.size(); ++f) {
      AddCalls(static_cast<int>(f), -1, m_.files[f].calls, m_.ModuleNode(static_cast<int>(f)));
    }
    for (size_t s = 0; s < m_.symbols.size(); ++s) {
      const Symbol& sym = m_.symbols[s];
      AddCalls(sym.file, static_cast<int>(s), sym.calls, m_.SymbolNode(static_cast<int>(s)));
      AddHeritage(static_cast<int>(s), "extends", sym.extends);
      AddHeritage(static_cast<int>(s), "implements", sym.implements);
    }
    // External modules found while resolving calls have nodes too.
    graph_.calls_by_node.resize(m_.NodeCount());
    graph_.unlinked_by_node.resize(m_.NodeCount());
  }

 private:
  // Node of a resolved reference; -1 if it has none.
  int NodeOf(const Ref& r) const {
    switch (r.kind) {
      case Ref::Kind::kSymbol:
        return m_.SymbolNode(r.index);
      case Ref::Kind::kExternal:
        return m_.ExternalNode(r.index);
      case Ref::Kind::kModule:
        return m_.ModuleNode(r.index);
      default:
        return -1;
    }
  }

  void Add(int source, int target, std::string_view relation, std::string discriminator,
           std::string properties, int call_count = 0) {
    Edge& e = graph_.edges.emplace_back();
    e.source = source;
    e.target = target;
    e.relation = relation;
    e.discriminator = std::move(discriminator);
    e.properties_json = std::move(properties);
    e.call_count = call_count;
  }

  void AddContains(int s) {
    const Symbol& sym = m_.symbols[s];
    int source = sym.parent >= 0 ? m_.SymbolNode(sym.parent) : m_.ModuleNode(sym.file);
    Add(source, m_.SymbolNode(s), "contains", "", "{}");
  }

  void AddImports(int f) {
    const FileInfo& file = m_.files[f];
    std::map<int, int> statements_to;  // target node -> import statements so far
    for (const Import& imp : file.imports) {
      const ModuleTarget& t = imp.target;
      int target = t.kind == ModuleTarget::Kind::kFile       ? m_.ModuleNode(t.index)
                   : t.kind == ModuleTarget::Kind::kExternal ? m_.ExternalNode(t.index)
                                                             : -1;
      if (target < 0) {
        graph_.unlinked_by_node.resize(m_.NodeCount());
        graph_.unlinked_by_node[m_.ModuleNode(f)].push_back(
            {imp.source, "imports", imp.line, "unresolved_import", ""});
        continue;
      }
      std::string p = "{\"specifier\":";
      AppendJsonString(&p, imp.source);
      p += ",\"kind\":";
      AppendJsonString(&p, imp.kind);
      p += ",\"line\":" + std::to_string(imp.line);
      if (t.kind == ModuleTarget::Kind::kExternal && !t.subpath.empty()) {
        p += ",\"subpath\":";
        AppendJsonString(&p, t.subpath);
      }
      p += ",\"names\":[";
      for (size_t i = 0; i < imp.names.size(); ++i) {
        if (i > 0) p += ',';
        p += "{\"imported\":";
        AppendJsonString(&p, imp.names[i].imported);
        p += ",\"local\":";
        AppendJsonString(&p, imp.names[i].local);
        if (imp.names[i].is_type) p += ",\"is_type\":true";
        p += '}';
      }
      p += "]}";
      Add(m_.ModuleNode(f), target, "imports", std::to_string(statements_to[target]++),
          std::move(p));
    }
  }

  void AddReExport(int f, const std::string& name, const Export& via, bool star) {
    Ref r = resolver_.ResolveExport(f, name);
    int target = NodeOf(r);
    if (target < 0) return;
    if (r.kind == Ref::Kind::kSymbol && m_.symbols[r.index].file == f) return;  // not a re-export
    if (r.kind == Ref::Kind::kModule && r.index == f) return;
    std::string p = "{\"name\":";
    AppendJsonString(&p, name);
    p += ",\"specifier\":";
    AppendJsonString(&p, via.source);
    p += ",\"line\":" + std::to_string(via.line);
    if (star) p += ",\"star\":true";
    if (r.kind == Ref::Kind::kExternal && !r.member.empty()) {
      p += ",\"member\":";
      AppendJsonString(&p, r.member);
    }
    p += '}';
    Add(m_.ModuleNode(f), target, "re_exports", name, std::move(p));
  }

  void AddReExports(int f) {
    const FileInfo& file = m_.files[f];
    std::set<std::string> explicit_names;  // names already re-exported (or exported)
    for (const Export& e : file.exports) {
      if (e.name == "*" || !explicit_names.insert(e.name).second) continue;
      // `export { a } from './x'`, or `import { a } from './x'; export { a }`.
      bool through_import = e.source.empty() && !e.local.empty() &&
                            file.bindings.count(e.local) != 0 && file.top_level.count(e.local) == 0;
      if (!e.source.empty() || through_import) AddReExport(f, e.name, e, false);
    }
    for (int i : file.star_exports) {
      const Export& e = file.exports[i];
      const ModuleTarget& t = e.target;
      if (t.kind == ModuleTarget::Kind::kExternal) {
        Add(
            m_.ModuleNode(f), m_.ExternalNode(t.index), "re_exports",
            "*" + e.source, "{\"name\":\"*\",\"specifier\":" + [&] {
              std::string s;
              AppendJsonString(&s, e.source);
              return s;
            }() + ",\"star\":true}");
        continue;
      }
      if (t.kind != ModuleTarget::Kind::kFile) continue;
      const auto& exported = resolver_.ExportedNames(t.index);
      std::vector<std::string_view> names(exported.begin(), exported.end());
      std::sort(names.begin(), names.end());
      for (std::string_view name : names) {
        if (explicit_names.insert(std::string(name)).second)
          AddReExport(f, std::string(name), e, true);
      }
    }
  }

  void AddCalls(int file, int symbol, const std::vector<CallRef>& calls, int caller) {
    struct Aggregate {
      int count = 0;
      std::vector<int> lines;
      std::set<std::string_view> callees;
      std::set<std::string> members;
    };
    std::vector<int> order;  // targets in first-call order
    std::map<int, Aggregate> by_target;
    for (const CallRef& call : calls) {
      Ref r = resolver_.ResolveCall(file, symbol, call);
      stats_.call_sites++;
      int target = r.ok() ? NodeOf(r) : -1;
      if (target < 0) {
        stats_.unresolved_by_reason[std::string(r.reason.empty() ? "not_found" : r.reason)]++;
      } else {
        (r.kind == Ref::Kind::kExternal ? stats_.call_sites_external
                                        : stats_.call_sites_internal)++;
        auto [it, fresh] = by_target.try_emplace(target);
        if (fresh) order.push_back(target);
        Aggregate& a = it->second;
        a.count++;
        if (a.lines.size() < kMaxListedLines) a.lines.push_back(call.line);
        a.callees.insert(call.callee);
        if (r.kind == Ref::Kind::kExternal && !r.member.empty()) a.members.insert(r.member);
      }
      graph_.calls_by_node.resize(m_.NodeCount());
      graph_.calls_by_node[caller].push_back({&call, std::move(r)});
    }
    for (int target : order) {
      const Aggregate& a = by_target[target];
      std::string p = "{\"call_count\":" + std::to_string(a.count) + ",\"lines\":[";
      for (size_t i = 0; i < a.lines.size(); ++i) {
        if (i > 0) p += ',';
        p += std::to_string(a.lines[i]);
      }
      p += "],\"callees\":[";
      bool first = true;
      for (std::string_view c : a.callees) {
        if (!first) p += ',';
        first = false;
        AppendJsonString(&p, c);
      }
      p += ']';
      if (!a.members.empty()) {
        p += ",\"members\":[";
        first = true;
        for (const std::string& mem : a.members) {
          if (!first) p += ',';
          first = false;
          AppendJsonString(&p, mem);
        }
        p += ']';
      }
      p += '}';
      Add(caller, target, "calls", "", std::move(p), a.count);
    }
  }

  void AddHeritage(int s, std::string_view relation, const std::vector<std::string>& clauses) {
    std::set<int> targets;
    for (const std::string& text : clauses) {
      Ref r = resolver_.ResolveHeritage(s, text);
      int node = m_.SymbolNode(s);
      graph_.unlinked_by_node.resize(m_.NodeCount());
      if (r.kind == Ref::Kind::kExternal) {
        graph_.unlinked_by_node[node].push_back(
            {text, relation, 0, "external", m_.externals[r.index].name});
        continue;
      }
      if (r.kind != Ref::Kind::kSymbol) {
        graph_.unlinked_by_node[node].push_back(
            {text, relation, 0, r.reason.empty() ? "not_found" : r.reason, ""});
        continue;
      }
      if (!targets.insert(r.index).second) continue;
      std::string p = "{\"text\":";
      AppendJsonString(&p, text);
      p += '}';
      Add(node, m_.SymbolNode(r.index), relation, "", std::move(p));
    }
  }

  Model& m_;
  SymbolResolver& resolver_;
  ModuleResolver& modules_;
  Graph& graph_;
  GraphStats& stats_;
};

}  // namespace

void BuildEdges(Model* model, SymbolResolver* resolver, ModuleResolver* modules, Graph* graph,
                GraphStats* stats) {
  EdgeBuilder(model, resolver, modules, graph, stats).Run();
}

}  // namespace semdex::graph_internal
