#include "store/sqlite_schema.h"

#include <string_view>

#include "store/encoding.h"
#include "store/migration.h"
#include "store/store.h"

namespace semdex {
namespace {

// Version 1: the reference design's tables (same names and columns) and semdex's own. JSON
// columns must hold valid JSON text: one malformed value would make every ->> query over the
// table fail. Empty graph tables exist so the reference design's queries run.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE schema_version (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL
);

CREATE TABLE code_chunks (
  id TEXT PRIMARY KEY NOT NULL,
  repository TEXT NOT NULL,
  file_path TEXT NOT NULL,
  language TEXT,
  chunk_type TEXT,
  name TEXT,
  qualified_name TEXT,
  source_code TEXT,
  start_line INTEGER,
  end_line INTEGER,
  part INTEGER,
  parent_id TEXT,
  embedding_code BLOB,
  embedding_text BLOB,
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  indexed_at TEXT,
  -- An alias of id, not in the reference design: its cleanup query says
  -- "chunk_id IN (SELECT chunk_id FROM code_chunks ...)". Without a chunk_id column here the
  -- inner chunk_id would bind to the outer detailed_metadata row, and the query would delete the
  -- metadata of every repository.
  chunk_id TEXT GENERATED ALWAYS AS (id) VIRTUAL
);
CREATE INDEX code_chunks_by_file ON code_chunks (repository, file_path);

CREATE TABLE nodes (
  node_id TEXT PRIMARY KEY NOT NULL,
  node_type TEXT,
  label TEXT,
  properties TEXT CHECK (properties IS NULL OR json_valid(properties)),
  created_at TEXT
);
CREATE INDEX nodes_by_repository ON nodes (properties->>'repository');

CREATE TABLE edges (
  edge_id TEXT PRIMARY KEY NOT NULL,
  source_node_id TEXT,
  target_node_id TEXT,
  relation_type TEXT,
  properties TEXT CHECK (properties IS NULL OR json_valid(properties)),
  created_at TEXT
);
CREATE INDEX edges_by_source ON edges (source_node_id);
CREATE INDEX edges_by_target ON edges (target_node_id);

CREATE TABLE computed_metrics (
  metric_id INTEGER PRIMARY KEY,
  node_id TEXT,
  chunk_id TEXT,
  repository TEXT,
  cyclomatic_complexity INTEGER,
  cognitive_complexity INTEGER,
  lines_of_code INTEGER,
  afferent_coupling INTEGER,
  efferent_coupling INTEGER,
  instability REAL,
  pagerank REAL,
  betweenness REAL,
  computed_at TEXT
);
CREATE INDEX computed_metrics_by_repository ON computed_metrics (repository);
CREATE INDEX computed_metrics_by_node ON computed_metrics (node_id);

CREATE TABLE edge_weights (
  weight_id INTEGER PRIMARY KEY,
  edge_id TEXT,
  call_count INTEGER,
  importance_score REAL,
  is_critical_path INTEGER,
  updated_at TEXT
);
CREATE INDEX edge_weights_by_edge ON edge_weights (edge_id);

CREATE TABLE detailed_metadata (
  metadata_id INTEGER PRIMARY KEY,
  node_id TEXT,
  chunk_id TEXT,
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  version INTEGER,
  created_at TEXT
);
CREATE INDEX detailed_metadata_by_chunk ON detailed_metadata (chunk_id);
CREATE INDEX detailed_metadata_by_node ON detailed_metadata (node_id);

CREATE TABLE repositories (
  name TEXT PRIMARY KEY NOT NULL,
  root_path TEXT,
  created_at TEXT NOT NULL,
  last_indexed_at TEXT,
  model_id TEXT
);

CREATE TABLE files (
  repository TEXT NOT NULL,
  file_path TEXT NOT NULL,
  language TEXT,
  size_bytes INTEGER,
  mtime_ns INTEGER,
  content_hash TEXT,
  status TEXT NOT NULL CHECK (status IN ('indexed', 'failed', 'skipped')),
  reason TEXT,
  detail TEXT,
  chunk_count INTEGER NOT NULL DEFAULT 0,
  metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  indexed_at TEXT,
  PRIMARY KEY (repository, file_path)
);

CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY,
  repository TEXT NOT NULL,
  root_path TEXT,
  mode TEXT,
  workers INTEGER,
  embed INTEGER,
  model_id TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  summary TEXT CHECK (summary IS NULL OR json_valid(summary))
);
CREATE INDEX runs_by_repository ON runs (repository, finished_at);
)sql";

// Version 2: the dimension of a repository's vectors next to its model id, so that a reader
// knows what a query must be embedded with (and that it is the same model) before it reads a
// vector.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE repositories ADD COLUMN embedding_dim INTEGER;
ALTER TABLE runs ADD COLUMN embedding_dim INTEGER;
)sql";

// Version 3: the full-text index of search (search/search.h). One FTS5 row per chunk, rowid =
// the chunk's rowid, holding code-aware token text (store/code_tokens.h: the SQL function
// semdex_code_tokens, registered on every store connection). The store inserts a chunk's row
// right after the chunk, in the same transaction; the trigger deletes it with the chunk, whatever
// deletes the chunk (a re-written or failed file, a deleted repository). chunk_id lets a reader
// check the rowid link (VACUUM may renumber code_chunks' implicit rowids). Chunks of a version 2
// index are backfilled here.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE VIRTUAL TABLE code_chunks_fts USING fts5(
  name, qualified_name, doc, source, chunk_id UNINDEXED,
  tokenize = "unicode61 tokenchars '_'"
);
INSERT INTO code_chunks_fts (rowid, name, qualified_name, doc, source, chunk_id)
  SELECT rowid, semdex_code_tokens(name), semdex_code_tokens(qualified_name),
         semdex_code_tokens(COALESCE(metadata->>'signature', '') || ' ' ||
                            COALESCE(metadata->>'docstring', '')),
         semdex_code_tokens(source_code), id
  FROM code_chunks;
CREATE TRIGGER code_chunks_fts_delete AFTER DELETE ON code_chunks BEGIN
  DELETE FROM code_chunks_fts WHERE rowid = old.rowid;
END;
)sql";

// Version 4: incremental indexing. repository_state says what every stored row of a repository
// was made with (model, chunking rules) and whether its graph must be rebuilt; a run that changes
// the model or the rules first clears them (NULL: rows of mixed origin), and sets them again only
// once every file has been redone, so a run killed half-way is redone, not trusted.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE repository_state (
  repository TEXT PRIMARY KEY NOT NULL,
  model_id TEXT,
  embedding_dim INTEGER,
  chunker_stamp TEXT,
  graph_stale INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT
);
)sql";

// Version 5: the vector cache. Vectors by model and embedded text (xxh3-128 of the text a
// chunk's vector is made from, pipeline's EmbedText), written with the chunks that carry them and
// kept when those chunks go, so that a text that comes back (an edit undone, a branch switched
// back) is not embedded again. used_at (a timestamp, see encoding.h) is the last time a chunk
// was written with the vector: the cache is pruned oldest first (Store::PruneVectorCache).
// And graph_row_digests: a digest of each graph row of a repository (kind: the table; key: the
// row's node or edge id), so that ReplaceGraph writes only the rows that differ without reading
// the rows back (sqlite_store_graph_diff.cc). A graph written before has none: it is rewritten
// whole once.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE TABLE vector_cache (
  model_id TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  embedding BLOB NOT NULL,
  used_at TEXT NOT NULL,
  PRIMARY KEY (model_id, text_hash)
);
CREATE INDEX vector_cache_by_use ON vector_cache (used_at);

CREATE TABLE graph_row_digests (
  repository TEXT NOT NULL,
  kind INTEGER NOT NULL,
  key TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (repository, kind, key)
) WITHOUT ROWID;
)sql";

// Append only: a released migration never changes, a new schema is a new entry.
constexpr Migration kMigrations[] = {
    {1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}, {4, kSchemaV4}, {5, kSchemaV5},
};

// ApplyMigration's steps in SQLite. BEGIN IMMEDIATE takes the write lock before the version is
// re-read.
struct SqliteMigrations {
  using Db = SqliteDb;
  static constexpr std::string_view kBegin = "BEGIN IMMEDIATE";
  static constexpr std::string_view kContainer = "location";
  static int64_t Latest() { return LatestSchemaVersion(); }
  static Status ReadVersion(SqliteDb* db, int64_t* version) {
    return ReadSchemaVersion(db, version);
  }
  static Status RefuseForeign(SqliteDb* db) {
    int64_t objects = 0;
    Status s = db->QueryInt64("SELECT COUNT(*) FROM sqlite_schema", &objects);
    if (s.ok() && objects > 0) {
      s = Status::InvalidArgument(
          "an SQLite database that is not a semdex index (it has tables but no schema_version)");
    }
    return s;
  }
  static Status Stamp(SqliteDb* db, int64_t version) {
    SqliteStatement insert;
    Status s =
        db->Prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", &insert);
    if (!s.ok()) return s;
    insert.BindInt64(1, version);
    insert.BindText(2, NowTimestampUtc());
    return insert.Run();
  }
};

}  // namespace

int64_t LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Status ReadSchemaVersion(SqliteDb* db, int64_t* version) {
  *version = 0;
  int64_t has_table = 0;
  if (Status s = db->QueryInt64(
          "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'",
          &has_table);
      !s.ok()) {
    return s;
  }
  if (has_table == 0) return Status::Ok();
  return db->QueryInt64("SELECT COALESCE(MAX(version), 0) FROM schema_version", version);
}

Status MigrateSchema(SqliteDb* db) {
  int64_t version = 0;
  if (Status s = ReadSchemaVersion(db, &version); !s.ok()) return s;
  if (Status s = CheckSchemaNotNewer(version, LatestSchemaVersion(), SqliteMigrations::kContainer);
      !s.ok()) {
    return s;
  }
  return ApplyMigrationsAfter<SqliteMigrations>(db, kMigrations, version);
}

}  // namespace semdex
