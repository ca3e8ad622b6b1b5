// sqlite_schema: the SQLite index's schema and its versioned migrations. Internal to src/store/.
//
// The schema version is the highest `version` in the schema_version table (0: no table yet).
// Each migration runs in its own IMMEDIATE transaction and records its version there, so a
// crash leaves the index at the last completed version, and two processes opening the same new
// index do not both migrate it.
#pragma once

#include <cstdint>

#include "store/sqlite_db.h"
#include "util/util.h"

namespace semdex {

// The schema version this binary creates and understands.
int64_t LatestSchemaVersion();

// Reads the index's schema version into *version (0 for an empty database).
Status ReadSchemaVersion(SqliteDb* db, int64_t* version);

// Brings the database up to LatestSchemaVersion(). Errors: Unsupported if the index has a newer
// version than this binary knows; InvalidArgument if the database holds tables but is not a
// semdex index; DatabaseError if a migration fails (that migration is rolled back).
// Messages do not name the database; the caller adds it.
Status MigrateSchema(SqliteDb* db);

}  // namespace semdex
