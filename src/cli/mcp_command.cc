// semdex mcp [--db PATH]: the Model Context Protocol server over stdio (mcp/mcp.h).
//
// stdout carries protocol messages only: the server writes them to a private copy of the
// stdout descriptor, and fd 1 itself is pointed at stderr, so that anything else that ever
// prints to stdout (a library, a stray debug line) lands in the log instead of corrupting the
// stream.
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <memory>

#include "cli/commands.h"
#include "mcp/mcp.h"
#include "store/store.h"

namespace semdex::cli {
namespace {

struct McpFlags {
  std::string db;
  size_t max_message_bytes = McpServerOptions().max_message_bytes;
};

int RunMcpCommand(const McpFlags& flags) {
  std::string location;
  if (Status s = ResolveDbLocation(flags.db, &location); !s.ok()) {
    fmt::print(stderr, "semdex mcp: error: {}\n", s.message());
    return 2;
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(location, StoreOptions(), &store); !s.ok()) {
    fmt::print(stderr, "semdex mcp: error: {}\n", s.ToString());
    return 2;
  }
  std::fflush(stdout);
  const int protocol_fd = ::dup(STDOUT_FILENO);
  std::FILE* out = protocol_fd < 0 ? nullptr : ::fdopen(protocol_fd, "w");
  if (out == nullptr || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    fmt::print(stderr, "semdex mcp: error: cannot set up stdout for the protocol\n");
    return 2;
  }
  // A client that goes away must end the server with an error from write(), not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  McpServerOptions options;
  options.db_location = DisplayLocation(location);  // never a password
  options.max_message_bytes = flags.max_message_bytes;
  McpServer server(store.get(), options);
  fmt::print(stderr, "semdex mcp: serving {} on stdio\n", DisplayLocation(location));
  Status s = server.Serve(STDIN_FILENO, out);
  std::fclose(out);
  if (!s.ok()) {
    fmt::print(stderr, "semdex mcp: {}\n", s.ToString());
    return 2;
  }
  return 0;
}

}  // namespace

CommandRunner AddMcpCommand(CLI::App* app) {
  auto flags = std::make_shared<McpFlags>();
  CLI::App* cmd = app->add_subcommand(
      "mcp",
      "Serve the Model Context Protocol on stdio (tools: search_code, index_repository, "
      "get_callers, get_callees, find_path, get_indexing_status, get_indexing_errors, "
      "graph_stats)");
  AddDbOption(cmd, &flags->db);
  cmd->add_option("--max-message-bytes", flags->max_message_bytes,
                  "Longest message accepted; longer lines are answered with a parse error "
                  "(default: 32 MiB)")
      ->check(CLI::PositiveNumber);
  return [flags] { return RunMcpCommand(*flags); };
}

}  // namespace semdex::cli
