// mcp: the Model Context Protocol server (`semdex mcp`), so that an AI assistant can search and
// index code and walk the code graph through tools.
//
// Transport: stdio. Messages are JSON-RPC 2.0 objects, one per line (UTF-8, no embedded
// newlines), read from stdin; responses are written to stdout, one per line, and nothing else
// ever is (logs go to stderr). End of input ends the server (exit 0).
//
// Protocol: version 2025-06-18. `initialize` answers with the client's protocolVersion when it
// is one this server speaks (2025-06-18, 2025-03-26, 2024-11-05), else with 2025-06-18, and
// announces the `tools` capability; `notifications/initialized` and other notifications are
// accepted silently; `ping` answers {}; `tools/list` lists every tool (one page) with a JSON
// Schema for its input; `tools/call` runs one. Requests are also served before `initialize`
// (lenient: a client that skips the handshake still gets answers).
//
// Errors: a message that is not JSON gets -32700 (id null); one that is not a request object
// (an array, i.e. a JSON-RPC batch, which 2025-06-18 removed; a missing or wrong "jsonrpc",
// "method" or "id") gets -32600; an unknown method -32601; params of the wrong shape, an
// unknown tool, or arguments that do not satisfy the tool's inputSchema -32602; a failure
// while running a tool (unknown symbol, a database error, a path that does not exist) is a
// tool result with isError: true and the reason as text. A line longer than
// McpServerOptions::max_message_bytes is discarded unread and answered with -32700. No input
// crashes the server.
//
// Tools (tools.cc holds their schemas): search_code, index_repository, get_callers,
// get_callees, find_path, get_indexing_status, get_indexing_errors, graph_stats. Each result
// carries its answer as JSON text in `content` and, for clients at 2025-06-18, the same object
// as `structuredContent`.
//
// Thread-safety: an McpServer handles one message at a time, on the calling thread.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "store/store.h"
#include "util/util.h"

namespace semdex {

struct McpServerOptions {
  std::string db_location;  // shown in get_indexing_status; the store is already open
  // Longest message accepted, in bytes; longer lines are discarded (see the file comment).
  size_t max_message_bytes = 32u << 20;
  // Where logs go (one line per request handled, progress of index_repository).
  std::FILE* log = stderr;
};

class McpServer {
 public:
  // REQUIRES: `store` outlives the server.
  McpServer(Store* store, McpServerOptions options);
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  // Handles one message (a line without its newline). Returns the response line (without a
  // newline), or "" when the message gets no response (notifications, responses).
  std::string HandleMessage(std::string_view message);

  // Reads messages from `in_fd` until end of input, writing each response and a newline to
  // `out` (flushed after each). Returns IoError when reading or writing fails (e.g. the client
  // closed its end), OK at end of input.
  Status Serve(int in_fd, std::FILE* out);

  const McpServerOptions& options() const;

  // Implementation state (mcp_internal.h); opaque outside src/mcp/.
  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace semdex
