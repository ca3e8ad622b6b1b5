// pg_schema: the PostgreSQL index's schema and its versioned migrations. Internal to src/store/.
//
// The tables and columns are the SQLite index's (store/store.h), with PostgreSQL types: JSON
// columns are jsonb (so the reference design's queries, properties->>'repository', run
// unchanged), vectors are real[], and code_chunks has a tsvector of code-aware tokens
// (search_tokens, GIN-indexed) for lexical search. Timestamps are ISO-8601 text as in SQLite
// (store/encoding.h), so rows export the same from both backends.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "store/pg_conn.h"

namespace semdex {

// The schema version this semdex writes.
int64_t PgLatestSchemaVersion();

// The index's schema version; 0 when the database holds no semdex schema.
Status PgReadSchemaVersion(PgConnection* conn, int64_t* version);

// Brings the database to PgLatestSchemaVersion(), one transaction per migration, under an
// advisory lock so that processes opening one database at once migrate it once. Fails
// (Unsupported) on a newer schema, and on a database with a code_chunks table but no
// schema_version (not a semdex index).
Status PgMigrateSchema(PgConnection* conn);

// Runs `body` holding the session advisory lock that serialises schema changes, so that
// processes opening one database at once change its schema one at a time.
Status PgWithSchemaLock(PgConnection* conn, const std::function<Status()>& body);

// Optional server features, detected at connect time (semdex stats reports them).
struct PgFeatures {
  bool pgvector_available = false;  // the server can load the `vector` extension
  bool pgvector_installed = false;  // the extension is created in this database
  std::string pgvector_version;     // its extversion once installed, e.g. "0.8.0"
  // Vector search runs on the server (pgvector, store/pg_vector.h); false: on the client.
  bool vector_search = false;
  // Why vector_search is false although pgvector is there ("" otherwise).
  std::string vector_problem;
  bool trigram_index = false;  // pg_trgm is installed and names have a trigram index
};

// Detects the features and, when pg_trgm can be created here, the trigram index on names; sets
// up the pgvector path when the server has pgvector (PgSetUpVectorSearch).
// Never fails: a missing feature is reported, not an error.
PgFeatures PgDetectFeatures(PgConnection* conn);

}  // namespace semdex
