// OpenStore: picks the backend for a location and reports open errors with the location.
#include "store/store.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace semdex {
namespace {

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

Status Store::ListCachedVectors(std::string_view, std::vector<std::string>* text_hashes) {
  text_hashes->clear();
  return Status::Ok();
}

Status Store::LoadCachedVectors(std::string_view, int, const std::vector<std::string>& text_hashes,
                                std::vector<std::vector<float>>* vectors) {
  vectors->assign(text_hashes.size(), {});
  return Status::Ok();
}

Status Store::PruneVectorCache(int64_t) { return Status::Ok(); }

std::string DisplayLocation(const std::string& location) {
  return IsPostgresUrl(location) ? RedactedPgLocation(location) : location;
}

std::string IndexSideDirectory(const std::string& location) {
  if (!IsPostgresUrl(location)) return location + ".hnsw";
  std::string cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    cache = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    cache = std::string(home) + "/.cache";
  } else {
    return "";
  }
  // One directory per server and database (the password is not part of the name).
  return fmt::format("{}/semdex/pg-{}.hnsw", cache, Xxh3Hex(RedactedPgLocation(location)));
}

Status OpenStore(const std::string& location, const StoreOptions& options,
                 std::unique_ptr<Store>* out) {
  out->reset();
  if (location.empty()) return Status::InvalidArgument("index location is empty");
  if (IsPostgresUrl(location)) {
    // The URL is not echoed: it may carry a password (errors name RedactedPgLocation).
    return PgStore::Open(location, options, out);
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

Status CheckSchemaNotNewer(int64_t version, int64_t latest, std::string_view container) {
  if (version <= latest) return Status::Ok();
  return Status::Unsupported(
      fmt::format("index schema version {} is newer than this semdex supports ({}); use a newer "
                  "semdex, or index into a new {}",
                  version, latest, container));
}

Status CheckFileRowKeys(const FileRow& file, const std::string& what) {
  if (file.repository.empty() || file.file_path.empty()) {
    return Status::InvalidArgument(what + ": repository and file path must not be empty");
  }
  for (size_t i = 0; i < file.chunks.size(); ++i) {
    if (file.chunks[i].id.empty()) {
      return Status::InvalidArgument(fmt::format("{}: chunk {} has no id", what, i));
    }
  }
  return Status::Ok();
}

Status StaleGraphError(std::string_view repository) {
  return Status::Unsupported(fmt::format(
      "the graph of {} is out of date: an index run is rebuilding it, or one was interrupted "
      "(run `semdex index` on the repository to rebuild it)",
      repository));
}

}  // namespace semdex
