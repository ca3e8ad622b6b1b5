// MakeRows: the model, edges and metrics as the reference design's rows, with stable ids.
//
// Ids are xxh3-128 (32 hex digits) of NUL-separated fields, so they depend on what a node or
// edge is, never on the order it was found in:
//   node:  repository, kind ("symbol" | "module" | "external"), key, where key is
//          "<file path>\0<qualified name>[\0<n>]" (n: the n-th repeat of that name in the file),
//          the file path, or the external module's name;
//   edge:  repository, relation, source node id, target node id, discriminator (the statement
//          ordinal for imports, the exported name for re_exports, else "").
#include <algorithm>
#include <string>

#include "graph/graph_internal.h"
#include "graph/json_text.h"

namespace semdex::graph_internal {
namespace {

std::string HashId(std::initializer_list<std::string_view> fields) {
  std::string bytes;
  for (std::string_view f : fields) {
    bytes.append(f);
    bytes.push_back('\0');
  }
  return Xxh3Hex128(bytes);
}

// A tiny JSON object builder: fields in the order added.
class Object {
 public:
  Object& Str(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(&text_, value);
    return *this;
  }
  Object& Int(std::string_view key, int64_t value) {
    Key(key);
    text_ += std::to_string(value);
    return *this;
  }
  Object& Bool(std::string_view key, bool value) {
    Key(key);
    text_ += value ? "true" : "false";
    return *this;
  }
  Object& Raw(std::string_view key, std::string_view json) {
    Key(key);
    text_ += json;
    return *this;
  }
  std::string Done() { return text_.empty() ? "{}" : text_ + "}"; }
  // The fields without braces, to splice into another object.
  std::string Members() const { return text_.empty() ? "" : text_.substr(1); }

 private:
  void Key(std::string_view key) {
    text_.push_back(text_.empty() ? '{' : ',');
    AppendJsonString(&text_, key);
    text_.push_back(':');
  }
  std::string text_;
};

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "src/a/b.d.ts" -> "src/a/b" (as module chunks are named).
std::string_view WithoutExtension(std::string_view path) {
  std::string_view base = BaseName(path);
  size_t dot = base.find('.');
  if (base.ends_with(".d.ts") || base.ends_with(".d.mts") || base.ends_with(".d.cts")) {
    dot = base.rfind(".d.");
  } else {
    dot = base.rfind('.');
  }
  return dot == std::string_view::npos || dot == 0
             ? path
             : path.substr(0, path.size() - base.size() + dot);
}

constexpr size_t kMaxContextBytes = 160;

// Fewer nodes than this are made on the calling thread alone. A node's weight when the rows
// are split: its stored metadata's size, plus this for the rest of its rows.
constexpr size_t kMinNodesForTwoParts = 2048;
constexpr size_t kNodeWeight = 256;

// Finds lines in a chunk's source text, moving forward from the last line found.
struct LineCursor {
  int chunk = -1;
  int line = 0;       // file line at `offset`
  size_t offset = 0;  // in the chunk's source_code

  // The trimmed text of file line `line` of `c` (whose source starts at c.start_line).
  std::string_view Line(const GraphInputChunk& c, int index, int wanted) {
    if (index != chunk || wanted < line) {
      chunk = index;
      line = c.start_line;
      offset = 0;
    }
    const std::string& src = c.source_code;
    while (line < wanted && offset < src.size()) {
      size_t nl = src.find('\n', offset);
      offset = nl == std::string::npos ? src.size() : nl + 1;
      ++line;
    }
    if (line != wanted || offset >= src.size()) return {};
    size_t end = src.find('\n', offset);
    std::string_view text(src.data() + offset,
                          (end == std::string::npos ? src.size() : end) - offset);
    size_t first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    size_t last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
  }
};

// The indices of `rows` sorted by the id `id_of` gives.
template <typename Row, typename IdOf>
std::vector<size_t> IdOrder(const std::vector<Row>& rows, IdOf id_of) {
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return id_of(rows[a]) < id_of(rows[b]); });
  return order;
}

template <typename Row>
void Permute(const std::vector<size_t>& order, std::vector<Row>* rows) {
  std::vector<Row> sorted;
  sorted.reserve(rows->size());
  for (size_t i : order) sorted.push_back(std::move((*rows)[i]));
  rows->swap(sorted);
}

class RowMaker {
 public:
  RowMaker(std::string_view repository, const Model& model, const Graph& graph)
      : repo_(repository), m_(model), g_(graph) {}

  void Run(const std::vector<NodeMetrics>& nm, const std::vector<EdgeMetrics>& em,
           GraphRows* rows) {
    const int n = m_.NodeCount();
    ids_.resize(n);
    for (size_t f = 0; f < m_.files.size(); ++f) {
      ids_[m_.ModuleNode(static_cast<int>(f))] = HashId({repo_, "module", m_.files[f].path});
    }
    for (size_t s = 0; s < m_.symbols.size(); ++s) {
      const Symbol& sym = m_.symbols[s];
      std::string key =
          std::string(m_.files[sym.file].path) + '\0' + std::string(sym.qualified_name);
      if (sym.ordinal > 0) key += '\0' + std::to_string(sym.ordinal);
      ids_[m_.SymbolNode(static_cast<int>(s))] = HashId({repo_, "symbol", key});
    }
    for (size_t x = 0; x < m_.externals.size(); ++x) {
      ids_[m_.ExternalNode(static_cast<int>(x))] =
          HashId({repo_, "external", m_.externals[x].name});
    }
    rows->nodes.resize(n);
    rows->metrics.resize(n);
    rows->detailed_metadata.resize(n);
    // Each node's rows depend on nothing but the model, the graph and the ids: they are made in
    // two parts of about equal metadata, at once (the detailed metadata of three.js is 20 MB of
    // JSON, a tenth of the graph stage).
    RunInTwoParts(
        static_cast<size_t>(n), kMinNodesForTwoParts,
        [&](size_t v) { return kNodeWeight + MetadataSize(static_cast<int>(v)); },
        [&](size_t begin, size_t end) {
          for (size_t v = begin; v < end; ++v) AddNode(static_cast<int>(v), nm[v], rows);
        });
    rows->edges.reserve(g_.edges.size());
    rows->edge_weights.reserve(g_.edges.size());
    for (size_t i = 0; i < g_.edges.size(); ++i) {
      const Edge& e = g_.edges[i];
      GraphEdgeRow& row = rows->edges.emplace_back();
      row.edge_id = HashId({repo_, e.relation, ids_[e.source], ids_[e.target], e.discriminator});
      row.source_node_id = ids_[e.source];
      row.target_node_id = ids_[e.target];
      row.relation_type = std::string(e.relation);
      row.properties_json = e.properties_json;
      rows->edge_weights.push_back({row.edge_id, e.call_count, em[i].importance, em[i].critical});
    }
  }

 private:
  const std::string& ChunkId(int chunk) const { return m_.input->chunks[chunk].id; }

  // The size of the stored metadata node v's detailed metadata is made from.
  size_t MetadataSize(int v) const {
    const int files = static_cast<int>(m_.files.size());
    if (v < files) return m_.files[v].metadata_json.size();
    if (v < files + static_cast<int>(m_.symbols.size())) {
      return m_.input->chunks[m_.symbols[v - files].chunks[0]].metadata_json.size();
    }
    return 0;
  }

  // Fills rows->nodes[v], metrics[v] and detailed_metadata[v].
  void AddNode(int v, const NodeMetrics& metrics, GraphRows* rows) const {
    const int files = static_cast<int>(m_.files.size());
    const int symbols = static_cast<int>(m_.symbols.size());
    GraphNodeRow& node = rows->nodes[v];
    node.node_id = ids_[v];
    NodeMetricsRow& row = rows->metrics[v];
    row.node_id = ids_[v];
    row.afferent_coupling = metrics.afferent;
    row.efferent_coupling = metrics.efferent;
    row.instability = metrics.instability;
    row.pagerank = metrics.pagerank;
    row.betweenness = metrics.betweenness;
    DetailedMetadataRow& meta = rows->detailed_metadata[v];
    meta.node_id = ids_[v];
    Object props;
    props.Str("repository", repo_);
    if (v < files) {
      const FileInfo& f = m_.files[v];
      node.node_type = "Module";
      node.label = std::string(f.path);
      std::string chunk = f.first_module_chunk >= 0 ? ChunkId(f.first_module_chunk) : "";
      props.Str("name", BaseName(f.path)).Str("qualified_name", WithoutExtension(f.path));
      props.Str("file_path", f.path);
      if (!chunk.empty()) props.Str("chunk_id", chunk);
      props.Int("start_line", 1).Int("end_line", f.line_count).Str("kind", "module");
      props.Bool("exported", !f.exports.empty())
          .Bool("external", false)
          .Str("language", f.language);
      row.chunk_id = meta.chunk_id = chunk;
      row.cyclomatic_complexity = f.cyclomatic;
      row.cognitive_complexity = f.cognitive;
      row.lines_of_code = f.loc;
      meta.metadata_json = Splice(f.metadata_json, {0, 0}, v);
    } else if (v < files + symbols) {
      const Symbol& s = m_.symbols[v - files];
      const FileInfo& f = m_.files[s.file];
      node.node_type = std::string(s.type);
      node.label = std::string(s.qualified_name);
      const std::string& chunk = ChunkId(s.chunks[0]);
      props.Str("name", s.name).Str("qualified_name", s.qualified_name).Str("file_path", f.path);
      props.Str("chunk_id", chunk).Int("start_line", s.start_line).Int("end_line", s.end_line);
      props.Str("kind", s.type).Bool("exported", s.exported).Bool("external", false);
      props.Str("language", f.language);
      if (s.default_export) props.Bool("default_export", true);
      if (s.chunks.size() > 1) props.Int("parts", static_cast<int64_t>(s.chunks.size()));
      row.chunk_id = meta.chunk_id = chunk;
      row.cyclomatic_complexity = s.cyclomatic;
      row.cognitive_complexity = s.cognitive;
      row.lines_of_code = s.loc;
      meta.metadata_json =
          Splice(m_.input->chunks[s.chunks[0]].metadata_json, {s.calls_begin, s.calls_end}, v);
    } else {
      const External& x = m_.externals[v - files - symbols];
      node.node_type = "ExternalModule";
      node.label = x.name;
      props.Str("name", x.name).Str("qualified_name", x.name).Str("kind", "external");
      props.Bool("exported", true).Bool("external", true).Bool("builtin", x.builtin);
      props.Str("ecosystem", x.ecosystem);
      meta.metadata_json = Splice("", {0, 0}, v);
    }
    node.properties_json = props.Done();
  }

  // A call's JSON object with its context line and resolution added: "target" (node id) and
  // "target_name",
  // "target_file" for a symbol, "external" and "member" for an external module, or
  // "unresolved": the reason.
  void AppendCall(const CallSiteOut& c, LineCursor* lines, std::string* out) const {
    std::string_view raw = c.call->raw;
    size_t close = raw.find_last_of('}');
    // Fields are appended in place (no temporaries: there is one call object per call site).
    bool first = true;
    auto key = [&](std::string_view k) {
      if (!first) out->push_back(',');
      first = false;
      out->push_back('"');
      out->append(k);
      out->append("\":");
    };
    if (close == std::string_view::npos) {  // not from the metadata: rebuild it
      out->push_back('{');
      key("callee");
      AppendJsonString(out, c.call->callee);
      key("line");
      out->append(std::to_string(c.call->line));
    } else {
      out->append(raw.substr(0, close));
      first = raw.find_first_not_of(" \t\r\n{") == close;
    }
    // The call's source line, trimmed: the metadata leaves it out as derivable.
    if (c.call->chunk >= 0 && raw.find("\"context\"") == std::string_view::npos) {
      const GraphInputChunk& chunk = m_.input->chunks[c.call->chunk];
      std::string_view line = lines->Line(chunk, c.call->chunk, c.call->line);
      if (!line.empty()) {
        key("context");
        if (line.size() <= kMaxContextBytes) {
          AppendJsonString(out, line);
        } else {
          AppendJsonString(out, TruncateUtf8(line, kMaxContextBytes));
        }
      }
    }
    if (c.target.ok()) {
      int target = c.target.kind == Ref::Kind::kSymbol ? m_.SymbolNode(c.target.index)
                                                       : m_.ExternalNode(c.target.index);
      key("target");
      out->push_back('"');
      out->append(ids_[target]);  // hex digits: nothing to escape
      out->push_back('"');
      if (c.target.kind == Ref::Kind::kSymbol) {
        const Symbol& t = m_.symbols[c.target.index];
        key("target_name");
        AppendJsonString(out, t.qualified_name);
        key("target_file");
        AppendJsonString(out, m_.files[t.file].path);
      } else {
        key("external");
        AppendJsonString(out, m_.externals[c.target.index].name);
        if (!c.target.member.empty()) {
          key("member");
          AppendJsonString(out, c.target.member);
        }
      }
    } else {
      key("unresolved");
      AppendJsonString(out, c.target.reason.empty() ? "not_found" : c.target.reason);
    }
    out->push_back('}');
  }

  // The node's stored metadata with the graph's findings: every call annotated with its
  // resolution (AppendCall), node_id, parts (chunk ids of a split symbol), unlinked (heritage
  // or imports that gave no edge). `calls` is where the "calls" array lies in `metadata`
  // ({0, 0}: it has none; the array is then added when there are calls).
  std::string Splice(std::string_view metadata, std::pair<size_t, size_t> calls, int v) const {
    const std::vector<CallSiteOut>* sites =
        v < static_cast<int>(g_.calls_by_node.size()) ? &g_.calls_by_node[v] : nullptr;
    std::string array;
    if (sites != nullptr && (!sites->empty() || calls.second > calls.first)) {
      array.reserve(calls.second - calls.first + sites->size() * 80 + 2);
      array.push_back('[');
      LineCursor lines;
      for (size_t i = 0; i < sites->size(); ++i) {
        if (i > 0) array.push_back(',');
        AppendCall((*sites)[i], &lines, &array);
      }
      array.push_back(']');
    }
    Object extra;
    extra.Str("node_id", ids_[v]);
    if (v >= static_cast<int>(m_.files.size()) &&
        v < static_cast<int>(m_.files.size() + m_.symbols.size())) {
      const Symbol& s = m_.symbols[v - m_.files.size()];
      if (s.chunks.size() > 1) {
        std::string parts = "[";
        for (size_t i = 0; i < s.chunks.size(); ++i) {
          if (i > 0) parts += ',';
          AppendJsonString(&parts, ChunkId(s.chunks[i]));
        }
        extra.Raw("parts", parts + "]");
      }
    }
    if (!g_.unlinked_by_node[v].empty()) {
      std::string list = "[";
      for (const Unlinked& u : g_.unlinked_by_node[v]) {
        Object o;
        o.Str("relation", u.relation).Str("text", u.text);
        if (u.line > 0) o.Int("line", u.line);
        o.Str("reason", u.reason);
        if (!u.external.empty()) o.Str("external", u.external);
        list += (list.size() > 1 ? "," : "") + o.Done();
      }
      extra.Raw("unlinked", list + "]");
    }
    const bool replace_calls = calls.second > calls.first && !array.empty();
    if (!replace_calls && !array.empty()) extra.Raw("calls", array);
    size_t close = metadata.find_last_of('}');
    size_t open = metadata.find_first_not_of(" \t\r\n");
    if (close == std::string_view::npos || open == std::string_view::npos ||
        metadata[open] != '{' || (replace_calls && calls.second > close)) {
      return extra.Done();
    }
    std::string out;
    out.reserve(metadata.size() + array.size() + 128);
    if (replace_calls) {
      out.append(metadata.substr(0, calls.first));
      out.append(array);
      out.append(metadata.substr(calls.second, close - calls.second));
    } else {
      out.append(metadata.substr(0, close));
    }
    bool empty = metadata.find_first_not_of(" \t\r\n", open + 1) == close;
    if (!empty) out.push_back(',');
    out.append(extra.Members());
    out.push_back('}');
    return out;
  }

  std::string repo_;
  const Model& m_;
  const Graph& g_;
  std::vector<std::string> ids_;
};

}  // namespace

void MakeRows(std::string_view repository, const Model& model, const Graph& graph,
              const std::vector<NodeMetrics>& node_metrics,
              const std::vector<EdgeMetrics>& edge_metrics, GraphRows* rows) {
  *rows = GraphRows();
  RowMaker(repository, model, graph).Run(node_metrics, edge_metrics, rows);
  // Rows in id order: the store's indexes on ids then grow at their end, which is faster.
  // Node rows (and edge rows) are parallel vectors: one permutation orders them all.
  std::vector<size_t> order =
      IdOrder(rows->nodes, [](const GraphNodeRow& r) -> const std::string& { return r.node_id; });
  Permute(order, &rows->nodes);
  Permute(order, &rows->metrics);
  Permute(order, &rows->detailed_metadata);
  order =
      IdOrder(rows->edges, [](const GraphEdgeRow& r) -> const std::string& { return r.edge_id; });
  Permute(order, &rows->edges);
  Permute(order, &rows->edge_weights);
}

}  // namespace semdex::graph_internal
