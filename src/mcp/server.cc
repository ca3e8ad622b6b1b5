// The JSON-RPC side of the MCP server: message validation, the lifecycle methods, tools/list and
// tools/call dispatch, and the stdio loop. mcp.h states the protocol contract.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "mcp/mcp_internal.h"

namespace semdex {
namespace {

using nlohmann::json;

constexpr const char* kLatestVersion = "2025-06-18";
constexpr const char* kSupportedVersions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

// JSON-RPC 2.0 error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string ErrorResponse(const json& id, int code, const std::string& message) {
  return Dump({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

std::string Response(const json& id, json result) {
  return Dump({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

// An error the dispatcher answers with (code, message).
struct RpcError {
  int code = 0;
  std::string message;
};

json Initialize(McpServer::State* state, const json& params) {
  const std::string requested = params.value("protocolVersion", "");
  state->protocol_version = kLatestVersion;
  for (const char* v : kSupportedVersions) {
    if (requested == v) state->protocol_version = v;
  }
  fmt::print(state->options.log, "semdex mcp: initialize: client asked for {}, speaking {}\n",
             requested, state->protocol_version);
  return {
      {"protocolVersion", state->protocol_version},
      {"capabilities", {{"tools", {{"listChanged", false}}}}},
      {"serverInfo", {{"name", "semdex"}, {"title", "semdex code index"}, {"version", "0.1.0"}}},
      {"instructions",
       "semdex indexes source code (TypeScript, JavaScript, Python) for semantic search and "
       "keeps its code graph. Use search_code to find code, get_callers / get_callees / "
       "find_path to walk the call graph, index_repository to (re)index a directory."}};
}

json ListTools() {
  json tools = json::array();
  for (const ToolSpec& tool : Tools()) {
    tools.push_back({{"name", tool.name},
                     {"description", tool.description},
                     {"inputSchema", tool.input_schema}});
  }
  return {{"tools", std::move(tools)}};
}

// tools/call: protocol problems (unknown tool, bad arguments) as RpcError; tool failures as an
// isError result.
json CallTool(McpServer::State* state, const json& params, RpcError* error) {
  if (!params.contains("name") || !params["name"].is_string()) {
    *error = {kInvalidParams, "tools/call needs params.name, a string"};
    return nullptr;
  }
  const std::string& name = params["name"].get_ref<const std::string&>();
  const ToolSpec* tool = nullptr;
  for (const ToolSpec& t : Tools()) {
    if (name == t.name) tool = &t;
  }
  if (tool == nullptr) {
    *error = {kInvalidParams, fmt::format("Unknown tool: {}", name)};
    return nullptr;
  }
  const json args = params.contains("arguments") ? params["arguments"] : json::object();
  if (std::string why = CheckArguments(tool->input_schema, args); !why.empty()) {
    *error = {kInvalidParams, fmt::format("Invalid arguments for tool {}: {}", name, why)};
    return nullptr;
  }
  const auto start = std::chrono::steady_clock::now();
  ToolOutcome outcome = tool->run(state, args);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  fmt::print(state->options.log, "semdex mcp: {} {} ({:.1f} ms)\n", name,
             outcome.error.empty() ? "ok" : "failed: " + outcome.error, ms);
  if (!outcome.error.empty()) {
    return {{"content", {{{"type", "text"}, {"text", outcome.error}}}}, {"isError", true}};
  }
  json result = {{"content", {{{"type", "text"}, {"text", Dump(outcome.result)}}}},
                 {"isError", false}};
  // structuredContent arrived with 2025-06-18; older clients get the text only.
  if (state->protocol_version.empty() || state->protocol_version == kLatestVersion) {
    result["structuredContent"] = std::move(outcome.result);
  }
  return result;
}

// Answers a request (a message with an id) or handles a notification (id absent: returns "").
std::string Dispatch(McpServer::State* state, const json& message) {
  const bool is_request = message.contains("id");
  const json id = is_request ? message["id"] : json(nullptr);
  if (is_request && !id.is_string() && !id.is_number_integer()) {
    return ErrorResponse(nullptr, kInvalidRequest, "id must be a string or an integer");
  }
  if (message.value("jsonrpc", json()) != "2.0") {
    return is_request ? ErrorResponse(id, kInvalidRequest, "jsonrpc must be \"2.0\"") : "";
  }
  if (!message.contains("method")) {
    // A response to a request of ours (we send none) or junk.
    if (message.contains("result") || message.contains("error")) return "";
    return ErrorResponse(id, kInvalidRequest, "a request needs a method");
  }
  if (!message["method"].is_string()) {
    return is_request ? ErrorResponse(id, kInvalidRequest, "method must be a string") : "";
  }
  const std::string& method = message["method"].get_ref<const std::string&>();
  const json params = message.contains("params") ? message["params"] : json::object();
  if (!is_request) return "";  // notifications/initialized, cancelled, ...: nothing to answer
  if (!params.is_object()) return ErrorResponse(id, kInvalidParams, "params must be an object");

  if (method == "initialize") {
    if (!params.contains("protocolVersion") || !params["protocolVersion"].is_string()) {
      return ErrorResponse(id, kInvalidParams, "initialize needs params.protocolVersion, a string");
    }
    return Response(id, Initialize(state, params));
  }
  if (method == "ping") return Response(id, json::object());
  if (method == "tools/list") return Response(id, ListTools());
  if (method == "tools/call") {
    RpcError error;
    json result = CallTool(state, params, &error);
    return error.code != 0 ? ErrorResponse(id, error.code, error.message)
                           : Response(id, std::move(result));
  }
  return ErrorResponse(id, kMethodNotFound, fmt::format("Method not found: {}", method));
}

}  // namespace

McpServer::McpServer(Store* store, McpServerOptions options) : state_(std::make_unique<State>()) {
  state_->store = store;
  state_->options = std::move(options);
}

McpServer::~McpServer() = default;

const McpServerOptions& McpServer::options() const { return state_->options; }

std::string McpServer::HandleMessage(std::string_view message) {
  json parsed = json::parse(message, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return ErrorResponse(nullptr, kParseError, "Parse error: not JSON");
  if (parsed.is_array()) {
    return ErrorResponse(nullptr, kInvalidRequest,
                         "Invalid Request: batches are not supported (protocol 2025-06-18)");
  }
  if (!parsed.is_object()) {
    return ErrorResponse(nullptr, kInvalidRequest, "Invalid Request: not a JSON-RPC object");
  }
  // The dispatcher checks types before reading values; this is the last line of defence, so
  // that no message, however odd, ends the server.
  try {
    return Dispatch(state_.get(), parsed);
  } catch (const std::exception& e) {
    fmt::print(state_->options.log, "semdex mcp: internal error: {}\n", e.what());
    const json id =
        parsed.contains("id") && (parsed["id"].is_string() || parsed["id"].is_number_integer())
            ? parsed["id"]
            : json(nullptr);
    return ErrorResponse(id, kInternalError, fmt::format("Internal error: {}", e.what()));
  }
}

Status McpServer::Serve(int in_fd, std::FILE* out) {
  const size_t max = state_->options.max_message_bytes;
  std::string line;
  bool discarding = false;  // inside a line longer than max
  char buffer[64 * 1024];
  auto finish_line = [&]() -> Status {
    std::string response;
    if (discarding) {
      response = ErrorResponse(nullptr, kParseError,
                               fmt::format("Parse error: message longer than {} bytes", max));
    } else {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) response = HandleMessage(line);
    }
    line.clear();
    discarding = false;
    if (response.empty()) return Status::Ok();
    response += '\n';
    if (std::fwrite(response.data(), 1, response.size(), out) != response.size() ||
        std::fflush(out) != 0) {
      return Status::IoError(fmt::format("writing a response: {}", std::strerror(errno)));
    }
    return Status::Ok();
  };
  for (;;) {
    const ssize_t n = ::read(in_fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(fmt::format("reading stdin: {}", std::strerror(errno)));
    if (n == 0) break;
    std::string_view chunk(buffer, static_cast<size_t>(n));
    while (!chunk.empty()) {
      const size_t newline = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, newline);
      if (!discarding) {
        if (line.size() + piece.size() > max) {
          discarding = true;
          line.clear();
          line.shrink_to_fit();
        } else {
          line.append(piece);
        }
      }
      if (newline == std::string_view::npos) break;
      if (Status s = finish_line(); !s.ok()) return s;
      chunk.remove_prefix(newline + 1);
    }
  }
  // A last message without its newline is still a message.
  if (discarding || !line.empty()) return finish_line();
  return Status::Ok();
}

}  // namespace semdex
