// mcp_internal: what the files of src/mcp/ share: the server's state, the tool table and the
// argument checker. Not part of the contract: other stages include mcp/mcp.h only.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embed/embed.h"
#include "mcp/mcp.h"
#include "query/query.h"
#include "search/search.h"

namespace semdex {

// A tool's answer: `result` (a JSON object) on success; `error` (not empty) when the tool ran
// but failed, which the client sees as isError: true.
struct ToolOutcome {
  nlohmann::json result;
  std::string error;
  static ToolOutcome Error(std::string why) { return {nullptr, std::move(why)}; }
};

// A searcher for one scope (a repository, or "" for all), kept between calls: it reloads by
// itself when the rows change (search.h), so only its model must match the index.
struct CachedSearcher {
  std::unique_ptr<Embedder> embedder;  // null: the scope has no vectors
  std::unique_ptr<Searcher> searcher;
  std::string note;  // why there is no embedder, if there is none
};

struct McpServer::State {
  Store* store = nullptr;
  McpServerOptions options;
  std::string protocol_version;                     // negotiated by initialize; "" before it
  std::unique_ptr<Embedder> index_embedder;         // the default model, loaded by index_repository
  std::map<std::string, CachedSearcher> searchers;  // by repository ("" all)
  // The graph the last graph tool loaded: its scope (repository, "" all) and the store's
  // change stamp when it was read. Reused while both match.
  std::string graph_scope;
  std::string graph_stamp;
  std::unique_ptr<CodeGraph> graph;
};

struct ToolSpec {
  const char* name;
  const char* description;
  nlohmann::json input_schema;  // JSON Schema of the arguments object
  // REQUIRES: `args` satisfies input_schema (CheckArguments).
  ToolOutcome (*run)(McpServer::State* state, const nlohmann::json& args);
};

// Every tool, in the order tools/list gives them.
const std::vector<ToolSpec>& Tools();

// Checks `args` against `schema`, for the subset of JSON Schema the tools use: type (object,
// string, integer, boolean), properties, required, additionalProperties: false, minimum,
// maximum, minLength, enum. Returns "" when valid, else what is wrong, naming the argument.
std::string CheckArguments(const nlohmann::json& schema, const nlohmann::json& args);

// The tools' runners, by file.
ToolOutcome RunGetCallers(McpServer::State* state, const nlohmann::json& args);
ToolOutcome RunGetCallees(McpServer::State* state, const nlohmann::json& args);
ToolOutcome RunFindPath(McpServer::State* state, const nlohmann::json& args);
ToolOutcome RunGraphStats(McpServer::State* state, const nlohmann::json& args);
ToolOutcome RunSearchCode(McpServer::State* state, const nlohmann::json& args);
ToolOutcome RunIndexRepository(McpServer::State* state, const nlohmann::json& args);
ToolOutcome RunGetIndexingStatus(McpServer::State* state, const nlohmann::json& args);
ToolOutcome RunGetIndexingErrors(McpServer::State* state, const nlohmann::json& args);

}  // namespace semdex
