// Schema migrations, the same steps on both backends (sqlite_schema.cc, pg_schema.cc): each
// migration runs in its own transaction, after re-reading the index's version inside it.
#ifndef SEMDEX_STORE_MIGRATION_H_
#define SEMDEX_STORE_MIGRATION_H_

#include <fmt/format.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/store.h"
#include "util/util.h"

namespace semdex {

// The index is at schema `version` once `sql` has run on the one before. Append only: a
// released migration never changes, a new schema is a new entry.
struct Migration {
  int64_t version;
  std::string_view sql;
};

// What ApplyMigration needs of a backend: its connection type `Db` (with Exec and
// RollbackQuietly), the statement that opens a migration's transaction, the newest version this
// semdex knows, what the user should index into instead of a newer index, the version an index
// is at (0: none), the refusal of a database that has tables but is not a semdex index, and the
// insert that records a migration.
template <typename B>
concept MigrationBackend = requires(typename B::Db* db, int64_t* version) {
  { B::kBegin } -> std::convertible_to<std::string_view>;
  { B::kContainer } -> std::convertible_to<std::string_view>;
  { B::Latest() } -> std::convertible_to<int64_t>;
  { B::ReadVersion(db, version) } -> std::same_as<Status>;
  { B::RefuseForeign(db) } -> std::same_as<Status>;
  { B::Stamp(db, int64_t{}) } -> std::same_as<Status>;
};

// Runs `m` if the index is older than it, in one transaction that re-reads the version first
// (another process may have migrated meanwhile). REQUIRES: no transaction open on `db`.
template <MigrationBackend B>
Status ApplyMigration(typename B::Db* db, const Migration& m) {
  if (Status s = db->Exec(B::kBegin); !s.ok()) return s;
  int64_t version = 0;
  Status s = B::ReadVersion(db, &version);
  if (s.ok()) s = CheckSchemaNotNewer(version, B::Latest(), B::kContainer);
  if (s.ok() && version == 0) s = B::RefuseForeign(db);
  if (s.ok() && version < m.version) {
    s = db->Exec(m.sql);
    if (!s.ok()) {
      s = Status::DatabaseError(
          fmt::format("migration to schema version {}: {}", m.version, s.message()));
    }
    if (s.ok()) s = B::Stamp(db, m.version);
  }
  if (s.ok()) s = db->Exec("COMMIT");
  if (!s.ok()) db->RollbackQuietly();
  return s;
}

// Applies every migration of `migrations` newer than `version`, the index's version read
// before (each re-reads it in its own transaction).
template <MigrationBackend B, size_t N>
Status ApplyMigrationsAfter(typename B::Db* db, const Migration (&migrations)[N], int64_t version) {
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    if (Status s = ApplyMigration<B>(db, m); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace semdex

#endif  // SEMDEX_STORE_MIGRATION_H_
