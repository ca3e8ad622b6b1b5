#include <cstdlib>

#include "cli/commands.h"

namespace semdex::cli {

Status ResolveDbLocation(const std::string& flag_value, std::string* location) {
  if (!flag_value.empty()) {
    *location = flag_value;
    return Status::Ok();
  }
  if (const char* env = std::getenv("SEMDEX_DB"); env != nullptr && *env != '\0') {
    *location = env;
    return Status::Ok();
  }
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    *location = std::string(xdg) + "/semdex/index.db";
    return Status::Ok();
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    *location = std::string(home) + "/.local/share/semdex/index.db";
    return Status::Ok();
  }
  return Status::InvalidArgument(
      "no index location: pass --db, or set SEMDEX_DB, XDG_DATA_HOME or HOME");
}

void AddDbOption(CLI::App* command, std::string* db) {
  command->add_option("--db", *db,
                      "Index location: a SQLite file path, or a PostgreSQL URL "
                      "(postgresql://user:password@host:port/dbname; PG* variables fill the rest). "
                      "Default: $SEMDEX_DB, else $XDG_DATA_HOME/semdex/index.db, else "
                      "~/.local/share/semdex/index.db");
}

}  // namespace semdex::cli
