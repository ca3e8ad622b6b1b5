// The tool table (names, descriptions, input schemas) and the argument checker that enforces
// those schemas, so the schema a client reads is exactly what the server accepts.
#include <fmt/format.h>

#include <cmath>

#include "mcp/mcp_internal.h"

namespace semdex {
namespace {

using nlohmann::json;

json Object(json properties, std::vector<std::string> required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

json Text(const char* description) { return {{"type", "string"}, {"description", description}}; }

json Integer(const char* description, int minimum, int maximum, int fallback) {
  return {{"type", "integer"},
          {"description", description},
          {"minimum", minimum},
          {"maximum", maximum},
          {"default", fallback}};
}

json Flag(const char* description) {
  return {{"type", "boolean"}, {"description", description}, {"default", false}};
}

constexpr const char* kSymbolHelp =
    "A name (map), a qualified name (Subscriber.next), a file path (src/util.ts), or "
    "path/to/file.ts:name. An ambiguous name fails with the list of candidates.";
constexpr const char* kRepositoryHelp =
    "Only this repository (default: every repository in the index)";

std::vector<ToolSpec> MakeTools() {
  const json repository = Text(kRepositoryHelp);
  const json limit = Integer("Most results to return", 1, 1000, 100);
  const json depth = Integer("Follow chains of up to this many calls", 1, 50, 1);
  json symbol = Text(kSymbolHelp);
  symbol["minLength"] = 1;
  return {
      {"search_code",
       "Search the indexed code by meaning and by identifiers (hybrid: full-text BM25 fused with "
       "embedding similarity). Returns the best chunks with file, lines, name and a snippet.",
       Object(
           {{"query", {{"type", "string"}, {"description", "What to look for"}, {"minLength", 1}}},
            {"repository", repository},
            {"limit", Integer("Most results to return", 1, 100, 10)},
            {"mode",
             {{"type", "string"},
              {"enum", {"hybrid", "lexical", "vector"}},
              {"description", "Ranking: hybrid (default), lexical or vector"},
              {"default", "hybrid"}}},
            {"language", Text("Only chunks of this language: typescript, javascript, python")},
            {"kind", Text("Only chunks of this kind: function, method, class, interface, ...")},
            {"path", Text("Only files matching this glob (src/**/*.ts, *.py)")}},
           {"query"}),
       RunSearchCode},
      {"index_repository",
       "Index (or re-index) a directory: scan, parse, embed, write, build the code graph. "
       "Unchanged files are re-indexed too; pass full to delete the repository's rows first.",
       Object(
           {{"path", {{"type", "string"}, {"description", "Directory to index"}, {"minLength", 1}}},
            {"repository", Text("Repository name (default: the directory's base name)")},
            {"no_embed", Flag("Skip embeddings: a lexical and graph index only (faster)")},
            {"full", Flag("Delete the repository's rows first and rebuild from scratch")},
            {"workers", Integer("Parse threads (default: the number of cores)", 1, 256, 1)}},
           {"path"}),
       RunIndexRepository},
      {"get_callers",
       "Symbols that call SYMBOL, directly (depth 1) or through chains of calls, each with its "
       "file, line and distance.",
       Object({{"symbol", symbol}, {"repository", repository}, {"depth", depth}, {"limit", limit}},
              {"symbol"}),
       RunGetCallers},
      {"get_callees",
       "Symbols SYMBOL calls, directly (depth 1) or through chains of calls, each with its file, "
       "line and distance.",
       Object({{"symbol", symbol}, {"repository", repository}, {"depth", depth}, {"limit", limit}},
              {"symbol"}),
       RunGetCallees},
      {"find_path",
       "A shortest path from one symbol to another: through calls first; when calls alone do "
       "not connect them (and calls_only is not set), through every relation (imports, "
       "re-exports, contains, extends, implements, and a symbol to its file or class).",
       Object({{"from", symbol},
               {"to", symbol},
               {"repository", repository},
               {"calls_only", Flag("Follow calls edges only")}},
              {"from", "to"}),
       RunFindPath},
      {"get_indexing_status",
       "What is indexed: per repository its root, file counts (indexed, failed, skipped), chunks "
       "by type and language, embedding model, and the last run's summary.",
       Object({{"repository", repository}}, {}), RunGetIndexingStatus},
      {"get_indexing_errors",
       "Files that were not indexed: failed (with the error) or skipped (with the reason, e.g. "
       "too large, binary, generated).",
       Object({{"repository", repository}, {"limit", limit}}, {}), RunGetIndexingErrors},
      {"graph_stats",
       "The code graph's shape: node counts by type, edge counts by relation, and the most "
       "central symbols by PageRank.",
       Object({{"repository", repository},
               {"top", Integer("How many top PageRank nodes to list", 0, 100, 10)}},
              {}),
       RunGraphStats},
  };
}

std::string CheckValue(const std::string& name, const json& schema, const json& value) {
  const std::string type = schema.value("type", "");
  if (type == "string" && !value.is_string()) return fmt::format("{} must be a string", name);
  if (type == "boolean" && !value.is_boolean()) return fmt::format("{} must be a boolean", name);
  if (type == "integer") {
    // 3.0 is an integer in JSON Schema; 3.5 and 1e300 are not (or not one that fits).
    bool integral = value.is_number_integer();
    if (value.is_number_float()) {
      const double d = value.get<double>();
      integral = std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 1e15;
    }
    if (!integral) return fmt::format("{} must be an integer", name);
    const double v = value.get<double>();
    if (schema.contains("minimum") && v < schema["minimum"].get<double>())
      return fmt::format("{} must be at least {}", name, schema["minimum"].dump());
    if (schema.contains("maximum") && v > schema["maximum"].get<double>())
      return fmt::format("{} must be at most {}", name, schema["maximum"].dump());
  }
  if (schema.contains("minLength") && value.is_string() &&
      value.get_ref<const std::string&>().size() < schema["minLength"].get<size_t>()) {
    return fmt::format("{} must not be empty", name);
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const json& allowed : schema["enum"]) found = found || allowed == value;
    if (!found) return fmt::format("{} must be one of {}", name, schema["enum"].dump());
  }
  return "";
}

}  // namespace

const std::vector<ToolSpec>& Tools() {
  static const std::vector<ToolSpec> tools = MakeTools();
  return tools;
}

std::string CheckArguments(const json& schema, const json& args) {
  if (!args.is_object()) return "arguments must be an object";
  const json& properties = schema["properties"];
  for (const nlohmann::json& required : schema["required"]) {
    const std::string& name = required.get_ref<const std::string&>();
    if (!args.contains(name)) return fmt::format("missing required argument {}", name);
  }
  for (const auto& [name, value] : args.items()) {
    if (!properties.contains(name)) return fmt::format("unknown argument {}", name);
    if (std::string why = CheckValue(name, properties[name], value); !why.empty()) return why;
  }
  return "";
}

}  // namespace semdex
