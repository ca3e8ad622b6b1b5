// Chunk -> row conversion: stable ids and the metadata JSON stored with each chunk and file.
#include <nlohmann/json.hpp>

#include "pipeline/pipeline.h"

namespace semdex {
namespace {

using nlohmann::json;

// Source text is sanitised to UTF-8 before parsing; replacing (not throwing) guards the rest.
std::string DumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json ParametersJson(const std::vector<Parameter>& params) {
  json out = json::array();
  for (const Parameter& p : params) {
    json j = json::object();
    j["name"] = p.name;
    if (!p.type.empty()) j["type"] = p.type;
    if (!p.default_value.empty()) j["default"] = p.default_value;
    if (p.optional) j["optional"] = true;
    if (p.rest) j["rest"] = true;
    out.push_back(std::move(j));
  }
  return out;
}

json CallsJson(const std::vector<CallSite>& calls) {
  json out = json::array();
  for (const CallSite& c : calls) {
    // The call's context line is not stored: it is the chunk's source_code at `line`, and
    // storing it again would make calls most of the metadata's bytes.
    json j = json::object();
    j["callee"] = c.callee;
    j["line"] = c.line;
    if (c.is_new) j["is_new"] = true;
    out.push_back(std::move(j));
  }
  return out;
}

// Built key by key with moves: nlohmann's initializer lists deep-copy nested arrays, which
// made this the costliest step after tree-sitter itself.
json ChunkMetadataJson(const Chunk& c, const ScannedFile& file, const ParsedFile& parsed) {
  json m = json::object();
  m["qualified_name"] = c.qualified_name;
  m["signature"] = c.signature;
  m["parameters"] = ParametersJson(c.parameters);
  m["return_type"] = c.return_type;
  m["is_async"] = c.is_async;
  m["is_generator"] = c.is_generator;
  m["is_static"] = c.is_static;
  m["is_exported"] = c.is_exported;
  m["is_default_export"] = c.is_default_export;
  m["is_abstract"] = c.is_abstract;
  m["docstring"] = c.docstring;
  m["calls"] = CallsJson(c.calls);
  m["complexity"]["cyclomatic"] = c.cyclomatic_complexity;
  m["loc"] = c.loc;
  m["part"] = c.part;
  m["part_count"] = c.part_count;
  m["is_test"] = file.is_test;
  m["is_declaration"] = file.is_declaration;
  if (!c.accessor.empty()) m["accessor"] = c.accessor;
  if (!c.visibility.empty()) m["visibility"] = c.visibility;
  if (!c.decorators.empty()) m["decorators"] = c.decorators;
  if (!c.extends.empty()) m["extends"] = c.extends;
  if (!c.implements.empty()) m["implements"] = c.implements;
  if (parsed.syntax_error_count > 0) m["file_syntax_errors"] = parsed.syntax_error_count;
  return m;
}

json FileMetadataJson(const ScannedFile& file, bool utf8_repaired, const ParsedFile& parsed) {
  json imports = json::array();
  for (const ImportRecord& imp : parsed.imports) {
    json names = json::array();
    for (const ImportedName& n : imp.names) {
      json jn = json::object();
      jn["imported"] = n.imported;
      jn["local"] = n.local;
      if (n.is_type) jn["is_type"] = true;
      names.push_back(std::move(jn));
    }
    json ji = json::object();
    ji["source"] = imp.source;
    ji["kind"] = imp.kind;
    ji["names"] = std::move(names);
    ji["line"] = imp.line;
    imports.push_back(std::move(ji));
  }
  json exports = json::array();
  for (const ExportRecord& exp : parsed.exports) {
    json je = json::object();
    je["name"] = exp.name;
    je["line"] = exp.line;
    if (!exp.local.empty()) je["local"] = exp.local;
    if (!exp.source.empty()) je["source"] = exp.source;
    exports.push_back(std::move(je));
  }
  json m = json::object();
  m["imports"] = std::move(imports);
  m["exports"] = std::move(exports);
  m["syntax_errors"] = parsed.syntax_error_count;
  m["line_count"] = parsed.line_count;
  m["is_test"] = file.is_test;
  m["is_declaration"] = file.is_declaration;
  if (utf8_repaired) m["invalid_utf8_replaced"] = true;
  return m;
}

}  // namespace

FileRow MakeFileRow(const std::string& repository, const ScannedFile& file,
                    const std::string& content_hash, bool utf8_repaired, const ParsedFile& parsed) {
  FileRow row;
  row.repository = repository;
  row.file_path = file.path;
  row.language = std::string(LanguageName(file.language));
  row.size_bytes = file.size_bytes;
  row.mtime_ns = file.mtime_ns;
  row.content_hash = content_hash;
  row.metadata_json = DumpJson(FileMetadataJson(file, utf8_repaired, parsed));
  row.chunks.reserve(parsed.chunks.size());
  for (const Chunk& c : parsed.chunks) {
    ChunkRow r;
    r.id = ChunkId(repository, file.path, c.start_byte, c.end_byte, c.part);
    r.chunk_type = std::string(ChunkTypeName(c.type));
    r.name = c.name;
    r.qualified_name = c.qualified_name;
    r.source_code = c.source_code;
    r.start_line = c.start_line;
    r.end_line = c.end_line;
    r.part = c.part;
    if (c.parent_index >= 0 && static_cast<size_t>(c.parent_index) < row.chunks.size()) {
      r.parent_id = row.chunks[c.parent_index].id;
    }
    r.metadata_json = DumpJson(ChunkMetadataJson(c, file, parsed));
    row.chunks.push_back(std::move(r));
  }
  return row;
}

}  // namespace semdex
