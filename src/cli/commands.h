// cli: the semdex command line. Each subcommand registers its options on a CLI11 app and
// returns a function that runs it and yields the process exit code.
// Exit codes: 0 success; 1 some files failed (index); 2 usage, input or database errors.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "util/util.h"

namespace semdex::cli {

using CommandRunner = std::function<int()>;

CommandRunner AddIndexCommand(CLI::App* app);
CommandRunner AddStatsCommand(CLI::App* app);
CommandRunner AddSearchCommand(CLI::App* app);
CommandRunner AddCheckCommand(CLI::App* app);
CommandRunner AddGraphCommand(CLI::App* app);
CommandRunner AddMcpCommand(CLI::App* app);
CommandRunner AddWatchCommand(CLI::App* app);

// Where the index lives: --db if given, else $SEMDEX_DB, else $XDG_DATA_HOME/semdex/index.db,
// else ~/.local/share/semdex/index.db.
Status ResolveDbLocation(const std::string& flag_value, std::string* location);

// Adds the --db option shared by every subcommand.
void AddDbOption(CLI::App* command, std::string* db);

}  // namespace semdex::cli
