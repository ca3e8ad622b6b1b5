// Loading a CodeGraph (nodes numbered in result order, adjacency lists) and resolving the
// symbol a query names.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "query/query_internal.h"

namespace semdex {

const char* const kRelationNames[kRelationCount] = {"contains", "imports",    "re_exports", "calls",
                                                    "extends",  "implements", "other"};
const char* const kInverseRelationNames[kRelationCount] = {
    "contained_in", "imported_by",    "re_exported_by", "called_by",
    "extended_by",  "implemented_by", "other_by"};

namespace {

Relation ParseRelation(std::string_view text) {
  for (int r = 0; r < kOtherRelation; ++r) {
    if (text == kRelationNames[r]) return static_cast<Relation>(r);
  }
  return kOtherRelation;
}

bool IsModule(const GraphSymbol& s) { return s.node_type == "Module"; }

// True if `path` is `suffix`, or ends with "/" + suffix.
bool PathEndsWith(std::string_view path, std::string_view suffix) {
  if (path == suffix) return true;
  return path.size() > suffix.size() && path.ends_with(suffix) &&
         path[path.size() - suffix.size() - 1] == '/';
}

void SortUnique(std::vector<NodeId>* nodes) {
  std::sort(nodes->begin(), nodes->end());
  nodes->erase(std::unique(nodes->begin(), nodes->end()), nodes->end());
}

}  // namespace

CodeGraph::CodeGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CodeGraph::~CodeGraph() = default;

size_t CodeGraph::node_count() const { return impl_->symbols.size(); }
size_t CodeGraph::edge_count() const { return impl_->edges; }
const GraphSymbol& CodeGraph::symbol(NodeId node) const { return impl_->symbols[node]; }

Status CodeGraph::Load(Store* store, const std::vector<std::string>& repositories,
                       std::unique_ptr<CodeGraph>* out) {
  std::vector<std::string> names = repositories;
  std::vector<std::string> known;
  if (Status s = store->ListRepositories(&known); !s.ok()) return s;
  if (names.empty()) names = known;
  std::vector<std::pair<std::string, GraphSnapshot>> snapshots;
  for (const std::string& name : names) {
    if (!std::binary_search(known.begin(), known.end(), name)) {
      return Status::NotFound(fmt::format("repository {} is not in the index", name));
    }
    GraphSnapshot snapshot;
    if (Status s = store->LoadGraph(name, &snapshot); !s.ok()) return s;
    snapshots.emplace_back(name, std::move(snapshot));
  }
  *out = FromSnapshots(snapshots);
  return Status::Ok();
}

std::unique_ptr<CodeGraph> CodeGraph::FromSnapshots(
    const std::vector<std::pair<std::string, GraphSnapshot>>& snapshots) {
  auto impl = std::make_unique<Impl>();
  impl->several_repositories = snapshots.size() > 1;
  std::vector<GraphSymbol> loaded;
  for (const auto& [repository, snapshot] : snapshots) {
    for (const GraphNodeInfo& n : snapshot.nodes) {
      loaded.push_back(GraphSymbol{repository, n.node_id, n.node_type, n.name, n.qualified_name,
                                   n.file_path, n.start_line, n.end_line, n.pagerank});
    }
  }
  // Number nodes in result order, so sorting results is sorting ids.
  std::vector<size_t> order(loaded.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](size_t i) {
    const GraphSymbol& s = loaded[i];
    return std::tie(s.repository, s.file_path, s.start_line, s.qualified_name, s.node_type,
                    s.node_id);
  };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  impl->symbols.reserve(loaded.size());
  std::unordered_map<std::string, NodeId> by_id;  // node ids are unique across repositories
  by_id.reserve(loaded.size());
  for (size_t i : order) {
    const NodeId id = static_cast<NodeId>(impl->symbols.size());
    by_id.emplace(loaded[i].node_id, id);
    impl->symbols.push_back(std::move(loaded[i]));
  }

  impl->out.resize(impl->symbols.size());
  impl->in.resize(impl->symbols.size());
  for (const auto& [repository, snapshot] : snapshots) {
    for (const GraphEdgeInfo& e : snapshot.edges) {
      auto source = by_id.find(e.source_node_id);
      auto target = by_id.find(e.target_node_id);
      if (source == by_id.end() || target == by_id.end()) continue;  // dangling: not walkable
      const Relation r = ParseRelation(e.relation_type);
      impl->out[source->second].push_back({target->second, r});
      impl->in[target->second].push_back({source->second, r});
      ++impl->edges;
      ++impl->edges_by_relation[e.relation_type];
    }
  }
  auto by_node = [](const HalfEdge& a, const HalfEdge& b) {
    return std::tie(a.node, a.relation) < std::tie(b.node, b.relation);
  };
  for (auto& list : impl->out) std::sort(list.begin(), list.end(), by_node);
  for (auto& list : impl->in) std::sort(list.begin(), list.end(), by_node);

  for (NodeId id = 0; id < impl->symbols.size(); ++id) {
    const GraphSymbol& s = impl->symbols[id];
    impl->by_qualified_name[s.qualified_name].push_back(id);
    impl->by_name[s.name].push_back(id);
    if (!s.file_path.empty()) impl->by_file[s.file_path].push_back(id);
    if (IsModule(s) && s.file_path != s.qualified_name) {
      impl->by_qualified_name[s.file_path].push_back(id);
    }
  }
  return std::unique_ptr<CodeGraph>(new CodeGraph(std::move(impl)));
}

std::string CodeGraph::Describe(NodeId node) const {
  const GraphSymbol& s = impl_->symbols[node];
  std::string text = impl_->several_repositories ? fmt::format("[{}] ", s.repository) : "";
  if (s.node_type == "ExternalModule") return text + fmt::format("{} (external module)", s.name);
  if (IsModule(s)) return text + fmt::format("{} (module)", s.file_path);
  return text + fmt::format("{}:{} ({}, line {})", s.file_path, s.qualified_name, s.node_type,
                            s.start_line);
}

Status CodeGraph::Resolve(std::string_view symbol, NodeId* out,
                          std::vector<NodeId>* candidates) const {
  candidates->clear();
  const Impl& g = *impl_;
  std::vector<NodeId> matches;
  auto add_all = [&](const auto& index, std::string_view key, auto&& keep) {
    auto it = index.find(std::string(key));
    if (it == index.end()) return;
    for (NodeId id : it->second) {
      if (keep(g.symbols[id])) matches.push_back(id);
    }
  };
  auto any = [](const GraphSymbol&) { return true; };
  const size_t colon = symbol.rfind(':');
  if (colon != std::string_view::npos && colon > 0 && colon + 1 < symbol.size()) {
    // path:name. The path may be a suffix of the indexed path; the name is the qualified name,
    // else the plain name, of a symbol in that file (never the Module itself).
    const std::string_view path = symbol.substr(0, colon);
    const std::string_view name = symbol.substr(colon + 1);
    for (bool qualified : {true, false}) {
      for (const auto& [file, ids] : g.by_file) {
        if (!PathEndsWith(file, path)) continue;
        for (NodeId id : ids) {
          const GraphSymbol& s = g.symbols[id];
          if (!IsModule(s) && (qualified ? s.qualified_name : s.name) == name) {
            matches.push_back(id);
          }
        }
      }
      if (!matches.empty()) break;
    }
  } else {
    add_all(g.by_qualified_name, symbol, any);
    if (matches.empty()) add_all(g.by_name, symbol, any);
    if (matches.empty()) {
      std::string dotted(1, '.');
      dotted += symbol;
      for (NodeId id = 0; id < g.symbols.size(); ++id) {
        const GraphSymbol& s = g.symbols[id];
        if ((!IsModule(s) && s.qualified_name.ends_with(dotted)) ||
            (IsModule(s) && PathEndsWith(s.file_path, symbol))) {
          matches.push_back(id);
        }
      }
    }
  }
  SortUnique(&matches);
  if (matches.size() == 1) {
    *out = matches[0];
    return Status::Ok();
  }
  if (matches.empty()) {
    return Status::NotFound(fmt::format(
        "no symbol matches \"{}\" (give a name, a qualified name like Class.method, a file "
        "path, or path/to/file.ts:name)",
        symbol));
  }
  *candidates = std::move(matches);
  return Status::InvalidArgument(
      fmt::format("\"{}\" is ambiguous: {} symbols match; name one as path/to/file:qualified_name",
                  symbol, candidates->size()));
}

}  // namespace semdex
