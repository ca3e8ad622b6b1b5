// LoadModel: GraphInput rows -> files and symbols, reading the metadata JSON that
// pipeline/file_rows.cc writes (only the fields the graph needs).
#include <algorithm>
#include <tuple>

#include "graph/graph_internal.h"
#include "graph/json_text.h"

namespace semdex::graph_internal {
namespace {

std::vector<std::string> ReadStrings(JsonReader* r) {
  std::vector<std::string> out;
  if (!r->BeginArray()) {
    r->Skip();
    return out;
  }
  while (r->NextElement()) out.push_back(r->ReadString());
  return out;
}

void ReadCalls(std::string_view json, int chunk, JsonReader* r, std::vector<CallRef>* out) {
  if (!r->BeginArray()) {
    r->Skip();
    return;
  }
  while (r->NextElement()) {
    CallRef call;
    std::string_view key;
    const size_t begin = r->Offset();
    if (!r->BeginObject()) {
      r->Skip();
      continue;
    }
    while (r->NextKey(&key)) {
      if (key == "callee") {
        call.callee = r->ReadString();
      } else if (key == "line") {
        call.line = static_cast<int>(r->ReadInt());
      } else if (key == "is_new") {
        call.is_new = r->ReadBool();
      } else {
        r->Skip();
      }
    }
    if (call.is_new && call.callee.starts_with("new ")) call.callee.erase(0, 4);
    call.raw = json.substr(begin, r->Offset() - begin);
    call.chunk = chunk;
    if (!call.callee.empty()) out->push_back(std::move(call));
  }
}

std::vector<std::string> ReadParameterNames(JsonReader* r) {
  std::vector<std::string> out;
  if (!r->BeginArray()) {
    r->Skip();
    return out;
  }
  while (r->NextElement()) {
    std::string_view key;
    if (!r->BeginObject()) {
      r->Skip();
      continue;
    }
    while (r->NextKey(&key)) {
      if (key == "name") {
        out.push_back(r->ReadString());
      } else {
        r->Skip();
      }
    }
  }
  return out;
}

int ReadCyclomatic(JsonReader* r) {
  int value = 1;
  std::string_view key;
  if (!r->BeginObject()) {
    r->Skip();
    return value;
  }
  while (r->NextKey(&key)) {
    if (key == "cyclomatic") {
      value = static_cast<int>(r->ReadInt());
    } else {
      r->Skip();
    }
  }
  return value;
}

// Reads the metadata of `chunk` (GraphInput::chunks[index]), a part of `s` (nullptr for module
// chunks). Flags, heritage and parameters are taken from the first part only (every part
// repeats them); calls and loc are each part's own.
void ReadChunkMetadata(const GraphInputChunk& chunk, int index, Symbol* s,
                       std::vector<CallRef>* calls, int* loc, int* cyclomatic) {
  const std::string_view json = chunk.metadata_json;
  const bool first_part = s == nullptr || s->chunks.size() == 1;
  JsonReader r(json);
  std::string_view key;
  if (!r.BeginObject()) return;
  while (r.NextKey(&key)) {
    if (key == "calls") {
      const size_t begin = r.Offset();
      ReadCalls(json, index, &r, calls);
      if (s != nullptr && first_part && !r.failed()) {
        s->calls_begin = begin;
        s->calls_end = r.Offset();
      }
    } else if (key == "loc") {
      *loc += static_cast<int>(r.ReadInt());
    } else if (key == "complexity") {
      int c = ReadCyclomatic(&r);
      if (first_part) *cyclomatic = c;
    } else if (s != nullptr && first_part && key == "is_exported") {
      s->exported = r.ReadBool();
    } else if (s != nullptr && first_part && key == "is_default_export") {
      s->default_export = r.ReadBool();
    } else if (s != nullptr && first_part && key == "is_static") {
      s->is_static = r.ReadBool();
    } else if (s != nullptr && first_part && key == "extends") {
      s->extends = ReadStrings(&r);
    } else if (s != nullptr && first_part && key == "implements") {
      s->implements = ReadStrings(&r);
    } else if (s != nullptr && first_part && key == "parameters") {
      s->params = ReadParameterNames(&r);
    } else {
      r.Skip();
    }
  }
}

std::vector<ImportName> ReadImportNames(JsonReader* r) {
  std::vector<ImportName> out;
  if (!r->BeginArray()) {
    r->Skip();
    return out;
  }
  while (r->NextElement()) {
    ImportName n;
    std::string_view key;
    if (!r->BeginObject()) {
      r->Skip();
      continue;
    }
    while (r->NextKey(&key)) {
      if (key == "imported") {
        n.imported = r->ReadString();
      } else if (key == "local") {
        n.local = r->ReadString();
      } else if (key == "is_type") {
        n.is_type = r->ReadBool();
      } else {
        r->Skip();
      }
    }
    out.push_back(std::move(n));
  }
  return out;
}

void ReadFileMetadata(FileInfo* f) {
  JsonReader r(f->metadata_json);
  std::string_view key;
  if (!r.BeginObject()) return;
  while (r.NextKey(&key)) {
    if (key == "line_count") {
      f->line_count = static_cast<int>(r.ReadInt());
    } else if ((key == "imports" || key == "exports") && r.BeginArray()) {
      const bool imports = key == "imports";
      while (r.NextElement()) {
        Import imp;
        Export exp;
        std::string_view k;
        if (!r.BeginObject()) {
          r.Skip();
          continue;
        }
        while (r.NextKey(&k)) {
          if (k == "source") {
            (imports ? imp.source : exp.source) = r.ReadString();
          } else if (k == "line") {
            (imports ? imp.line : exp.line) = static_cast<int>(r.ReadInt());
          } else if (imports && k == "kind") {
            imp.kind = r.ReadString();
          } else if (imports && k == "names") {
            imp.names = ReadImportNames(&r);
          } else if (!imports && k == "name") {
            exp.name = r.ReadString();
          } else if (!imports && k == "local") {
            exp.local = r.ReadString();
          } else {
            r.Skip();
          }
        }
        if (imports) {
          f->imports.push_back(std::move(imp));
        } else {
          f->exports.push_back(std::move(exp));
        }
      }
    } else {
      r.Skip();
    }
  }
}

// Exports by name, and what each re-export takes from its source module (the export_from
// import record of the same statement maps exported names back to imported ones).
void IndexExports(FileInfo* f) {
  std::map<std::pair<std::string_view, int>, const Import*> statements;
  for (const Import& imp : f->imports) {
    if (imp.kind == "export_from")
      statements.emplace(std::make_pair(std::string_view(imp.source), imp.line), &imp);
  }
  for (size_t i = 0; i < f->exports.size(); ++i) {
    Export& e = f->exports[i];
    if (e.name == "*") {
      if (!e.source.empty()) f->star_exports.push_back(static_cast<int>(i));
      continue;
    }
    f->exports_by_name[e.name].push_back(static_cast<int>(i));
    if (e.source.empty()) continue;
    e.imported = e.name;
    auto it = statements.find({e.source, e.line});
    if (it == statements.end()) continue;
    for (const ImportName& n : it->second->names) {
      if (n.local == e.name) e.imported = n.imported;
    }
  }
}

// Import bindings of a file: local name -> (import, name). `import a.b` (Python) binds `a`.
void IndexBindings(FileInfo* f) {
  for (size_t i = 0; i < f->imports.size(); ++i) {
    const Import& imp = f->imports[i];
    if (imp.kind == "export_from" || imp.kind == "side_effect") continue;
    for (size_t j = 0; j < imp.names.size(); ++j) {
      std::string local = imp.names[j].local;
      if (imp.kind == "python_import" && local == imp.source)
        local = local.substr(0, local.find('.'));
      if (local.empty() || local == "*") continue;
      f->bindings.emplace(local, std::make_pair(static_cast<int>(i), static_cast<int>(j)));
    }
  }
}

void IndexSymbols(Model* model) {
  for (size_t i = 0; i < model->symbols.size(); ++i) {
    const Symbol& s = model->symbols[i];
    FileInfo& f = model->files[s.file];
    f.symbols.push_back(static_cast<int>(i));
    f.by_qualified[s.qualified_name].push_back(static_cast<int>(i));
    if (s.parent < 0 && s.qualified_name == s.name)
      f.top_level[s.name].push_back(static_cast<int>(i));
  }
  for (FileInfo& f : model->files) {
    for (int i : f.symbols) {
      std::string_view q = model->symbols[i].qualified_name;
      for (size_t dot = q.find('.'); dot != std::string_view::npos; dot = q.find('.', dot + 1)) {
        std::string_view prefix = q.substr(0, dot);
        if (f.by_qualified.count(prefix) == 0) f.qualified_prefixes.emplace(prefix);
      }
    }
  }
}

}  // namespace

int Model::ExternalIndex(const External& external) {
  auto [it, inserted] = external_by_name.emplace(external.name, static_cast<int>(externals.size()));
  if (inserted) externals.push_back(external);
  return it->second;
}

namespace {

void LoadFiles(const GraphInput& input, Model* model) {
  std::vector<int> file_order(input.files.size());
  for (size_t i = 0; i < file_order.size(); ++i) file_order[i] = static_cast<int>(i);
  std::sort(file_order.begin(), file_order.end(),
            [&](int a, int b) { return input.files[a].file_path < input.files[b].file_path; });
  for (int i : file_order) {
    const GraphInputFile& in = input.files[i];
    if (model->file_by_path.count(in.file_path) != 0) continue;
    model->file_by_path.emplace(in.file_path, static_cast<int>(model->files.size()));
    FileInfo& f = model->files.emplace_back();
    f.path = in.file_path;
    f.language = in.language;
    f.metadata_json = in.metadata_json;
    f.python = in.language == "python";
    ReadFileMetadata(&f);
    IndexExports(&f);
    IndexBindings(&f);
  }
}

// Turns the chunks, in file and source order, into symbols (one per named chunk, parts joined)
// and the files' top-level code.
class SymbolBuilder {
 public:
  explicit SymbolBuilder(Model* model) : m_(*model), chunks_(model->input->chunks) {}

  void Add(int ci) {
    const GraphInputChunk& c = chunks_[ci];
    auto file_it = m_.file_by_path.find(c.file_path);
    if (file_it == m_.file_by_path.end()) return;  // chunk of a file not indexed
    const int file = file_it->second;
    FileInfo& f = m_.files[file];
    int loc = 0;
    int cyclomatic = 1;
    if (c.chunk_type == "module") {
      ReadChunkMetadata(c, ci, nullptr, &f.calls, &loc, &cyclomatic);
      if (f.first_module_chunk < 0) f.first_module_chunk = ci;
      f.module_chunk_count++;
      f.cyclomatic += cyclomatic - 1;
      if (c.parent_id.empty()) f.loc += loc;
      return;
    }
    // A later part of a split symbol: same file, qualified name and type, next part number.
    // Its children's chunks lie between the parts, so the previous part is looked up by name.
    auto split_key =
        std::make_tuple(file, std::string_view(c.qualified_name), std::string_view(c.chunk_type));
    if (c.part > 1) {
      auto it = open_parts_.find(split_key);
      if (it != open_parts_.end() &&
          chunks_[m_.symbols[it->second].chunks.back()].part == c.part - 1) {
        Symbol& prev = m_.symbols[it->second];
        prev.chunks.push_back(ci);
        prev.end_line = std::max(prev.end_line, c.end_line);
        ReadChunkMetadata(c, ci, &prev, &prev.calls, &loc, &cyclomatic);
        prev.loc += loc;
        if (c.parent_id.empty()) f.loc += loc;
        symbol_of_chunk_.emplace(c.id, it->second);
        return;
      }
    }
    const int index = static_cast<int>(m_.symbols.size());
    Symbol& s = m_.symbols.emplace_back();
    s.file = file;
    s.chunks.push_back(ci);
    s.type = c.chunk_type;
    s.name = c.name;
    s.qualified_name = c.qualified_name.empty() ? std::string_view(c.name) : c.qualified_name;
    s.ordinal = repeats_[{file, s.qualified_name}]++;
    s.start_line = c.start_line;
    s.end_line = c.end_line;
    parent_ids_.push_back(c.parent_id);
    ReadChunkMetadata(c, ci, &s, &s.calls, &loc, &cyclomatic);
    s.loc = loc;
    s.cyclomatic = cyclomatic;
    f.cyclomatic += cyclomatic - 1;
    if (c.parent_id.empty()) f.loc += loc;
    symbol_of_chunk_.emplace(c.id, index);
    open_parts_[split_key] = index;
  }

  // Links parents once every chunk is known: a parent part may sort after its child.
  void LinkParents() {
    for (size_t i = 0; i < m_.symbols.size(); ++i) {
      auto parent = symbol_of_chunk_.find(parent_ids_[i]);
      if (parent != symbol_of_chunk_.end() && parent->second != static_cast<int>(i)) {
        m_.symbols[i].parent = parent->second;
      }
    }
  }

 private:
  Model& m_;
  const std::vector<GraphInputChunk>& chunks_;
  std::unordered_map<std::string_view, int> symbol_of_chunk_;  // chunk id -> symbol
  std::map<std::pair<int, std::string_view>, int> repeats_;    // (file, qualified) -> count
  std::vector<std::string_view> parent_ids_;                   // per symbol
  // (file, qualified name, type) -> the symbol whose later parts may follow.
  std::map<std::tuple<int, std::string_view, std::string_view>, int> open_parts_;
};

}  // namespace

void LoadModel(const GraphInput& input, Model* model) {
  model->input = &input;
  LoadFiles(input, model);
  const auto& chunks = input.chunks;
  // Chunks by file path, start line, part and id. The paths are ranked once: comparing ranks
  // rather than paths (which share long prefixes) made this sort a twentieth of the stage.
  std::unordered_map<std::string_view, int> rank_of;
  for (const GraphInputChunk& c : chunks) rank_of.emplace(c.file_path, 0);
  std::vector<std::string_view> paths;
  paths.reserve(rank_of.size());
  for (const auto& [path, rank] : rank_of) paths.push_back(path);
  std::sort(paths.begin(), paths.end());
  for (size_t i = 0; i < paths.size(); ++i) rank_of[paths[i]] = static_cast<int>(i);
  std::vector<int> file_rank(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) file_rank[i] = rank_of[chunks[i].file_path];
  model->chunk_order.resize(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) model->chunk_order[i] = static_cast<int>(i);
  std::sort(model->chunk_order.begin(), model->chunk_order.end(), [&](int a, int b) {
    if (file_rank[a] != file_rank[b]) return file_rank[a] < file_rank[b];
    const GraphInputChunk& x = chunks[a];
    const GraphInputChunk& y = chunks[b];
    return std::tie(x.start_line, x.part, x.id) < std::tie(y.start_line, y.part, y.id);
  });
  SymbolBuilder builder(model);
  for (int ci : model->chunk_order) builder.Add(ci);
  builder.LinkParents();
  IndexSymbols(model);
}

}  // namespace semdex::graph_internal
