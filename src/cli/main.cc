// semdex: index a codebase for semantic code search, and query the index.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"semdex: a code indexer for semantic code search", "semdex"};
  app.set_version_flag("--version", "semdex 0.1.0");
  app.require_subcommand(1);
  semdex::cli::CommandRunner index = semdex::cli::AddIndexCommand(&app);
  semdex::cli::CommandRunner stats = semdex::cli::AddStatsCommand(&app);
  semdex::cli::CommandRunner search = semdex::cli::AddSearchCommand(&app);
  semdex::cli::CommandRunner check = semdex::cli::AddCheckCommand(&app);
  semdex::cli::CommandRunner graph = semdex::cli::AddGraphCommand(&app);
  semdex::cli::CommandRunner mcp = semdex::cli::AddMcpCommand(&app);
  semdex::cli::CommandRunner watch = semdex::cli::AddWatchCommand(&app);
  // After the subcommands, which would otherwise inherit it.
  app.footer(
      "Run semdex SUBCOMMAND --help for its options. Environment: SEMDEX_DB (the index without "
      "--db), SEMDEX_MODEL_DIR (where the default model is), SEMDEX_EMBED_API_KEY (a remote "
      "endpoint's key). README.md documents every subcommand");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage hint to stderr
    return 2;
  }
  if (app.got_subcommand("index")) return index();
  if (app.got_subcommand("stats")) return stats();
  if (app.got_subcommand("search")) return search();
  if (app.got_subcommand("check")) return check();
  if (app.got_subcommand("graph")) return graph();
  if (app.got_subcommand("mcp")) return mcp();
  if (app.got_subcommand("watch")) return watch();
  return 2;
}
