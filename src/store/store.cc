// OpenStore: picks the backend for a location and reports open errors with the location.
#include "store/store.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "store/sqlite_store.h"

namespace semdex {
namespace {

bool IsPostgresUrl(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

// mkdir -p of the directory that will hold the database file.
Status CreateParentDirectories(const std::string& location) {
  const std::filesystem::path parent = std::filesystem::path(location).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IoError(fmt::format("cannot create index at {}: cannot create directory {}: {}",
                                       location, parent.string(), ec.message()));
  }
  return Status::Ok();
}

}  // namespace

Status OpenStore(const std::string& location, const StoreOptions& options,
                 std::unique_ptr<Store>* out) {
  out->reset();
  if (location.empty()) return Status::InvalidArgument("index location is empty");
  if (IsPostgresUrl(location)) {
    // The URL is not echoed: it may carry a password.
    return Status::Unsupported(
        "PostgreSQL backend is not available yet; give a file path to use an SQLite index");
  }
  if (Status s = CreateParentDirectories(location); !s.ok()) return s;
  struct stat st;
  if (stat(location.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::IoError(
        fmt::format("cannot open index at {}: it is a directory, not a database file", location));
  }
  Status s = SqliteStore::Open(location, options, out);
  return s.ok() ? s : Annotate(s, fmt::format("cannot open index at {}", location));
}

}  // namespace semdex
