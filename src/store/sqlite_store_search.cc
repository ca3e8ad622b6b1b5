// The SQLite Store's search side: the full-text query (FTS5, BM25) and the reads the search stage
// loads chunks, vectors and snippets with. The full-text rows are written with the chunks
// (sqlite_store.cc) and deleted by schema version 3's trigger.
#include <fmt/format.h>

#include "store/code_tokens.h"
#include "store/encoding.h"
#include "store/sqlite_store.h"

namespace semdex {
namespace {

// BM25 column weights (the same in both queries): name, qualified_name, doc (signature +
// docstring), source, chunk_id. A term in the name says far more about the chunk than one in
// its body.
//
// Ties break by the full-text rowid, never by chunk_id inside the ranking: reading chunk_id
// reads the row's stored token text (source included) through its overflow pages, and doing
// that for every match cost more than the ranking itself (three.js, 13k chunks, 6.6k matches:
// 50 ms CPU with chunk_id ties, 19 ms with rowid ties). Only the returned rows' ids are read.
constexpr std::string_view kLexicalSql =
    "SELECT f.chunk_id, bm25(code_chunks_fts, 8.0, 4.0, 2.0, 1.0, 0.0) AS score "
    "FROM code_chunks_fts f JOIN code_chunks c ON c.rowid = f.rowid "
    "WHERE code_chunks_fts MATCH ?1 "
    "AND (?2 = '' OR c.repository = ?2) AND (?3 = '' OR c.language = ?3) "
    "AND (?4 = '' OR c.chunk_type = ?4) AND c.id = f.chunk_id "
    "ORDER BY score, f.rowid LIMIT ?5";

// Without a filter the full-text table answers alone: joining every match to code_chunks before
// the sort costs about 3x (three.js src/, 7 terms, 4k matches: 13 ms vs 40 ms). The inner query
// ranks rowids; the outer reads the ids of those only.
constexpr std::string_view kLexicalUnfilteredSql =
    "SELECT f.chunk_id, t.score FROM (SELECT rowid AS fts_rowid, "
    "bm25(code_chunks_fts, 8.0, 4.0, 2.0, 1.0, 0.0) AS score FROM code_chunks_fts WHERE "
    "code_chunks_fts MATCH ?1 "
    "ORDER BY score, rowid LIMIT ?5) t "
    "JOIN code_chunks_fts f ON f.rowid = t.fts_rowid ORDER BY t.score, t.fts_rowid";

constexpr std::string_view kLoadChunksSql =
    "SELECT id, repository, file_path, COALESCE(language, ''), COALESCE(chunk_type, ''), "
    "COALESCE(name, ''), COALESCE(qualified_name, ''), COALESCE(start_line, 0), "
    "COALESCE(end_line, 0), CASE WHEN ?4 THEN embedding_code END "
    "FROM code_chunks WHERE (?1 = '' OR repository = ?1) AND (?2 = '' OR language = ?2) "
    "AND (?3 = '' OR chunk_type = ?3) ORDER BY repository, id";

void BindFilter(SqliteStatement* stmt, const ChunkFilter& filter, int first) {
  stmt->BindText(first, filter.repository);
  stmt->BindText(first + 1, filter.language);
  stmt->BindText(first + 2, filter.chunk_type);
}

}  // namespace

Status SqliteStore::SearchLexical(std::string_view query, const ChunkFilter& filter, int64_t limit,
                                  std::vector<LexicalHit>* out) {
  out->clear();
  const std::string match = FtsMatchExpression(query);
  if (match.empty() || limit == 0) return Status::Ok();
  SqliteStatement stmt;
  const bool unfiltered =
      filter.repository.empty() && filter.language.empty() && filter.chunk_type.empty();
  if (Status s = db_->Prepare(unfiltered ? kLexicalUnfilteredSql : kLexicalSql, &stmt); !s.ok()) {
    return Annotate(s, fmt::format("lexical search in {}", path_));
  }
  stmt.BindText(1, match);
  if (!unfiltered) BindFilter(&stmt, filter, 2);
  stmt.BindInt64(5, limit);
  for (;;) {
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) {
      return Annotate(s, fmt::format("lexical search in {}", path_));
    }
    if (!has_row) return Status::Ok();
    // bm25() is lower-is-better and negative; LexicalHit scores are higher-is-better.
    out->push_back({stmt.ColumnText(0), -stmt.ColumnDouble(1)});
  }
}

Status SqliteStore::LoadSearchChunks(const ChunkFilter& filter, bool with_vectors,
                                     const std::function<void(SearchChunkRow&)>& on_row) {
  const std::string what = fmt::format("loading chunks for search from {}", path_);
  SqliteStatement stmt;
  if (Status s = db_->Prepare(kLoadChunksSql, &stmt); !s.ok()) return Annotate(s, what);
  BindFilter(&stmt, filter, 1);
  stmt.BindInt64(4, with_vectors ? 1 : 0);
  SearchChunkRow row;
  for (;;) {
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) return Annotate(s, what);
    if (!has_row) return Status::Ok();
    row.id = stmt.ColumnText(0);
    row.repository = stmt.ColumnText(1);
    row.file_path = stmt.ColumnText(2);
    row.language = stmt.ColumnText(3);
    row.chunk_type = stmt.ColumnText(4);
    row.name = stmt.ColumnText(5);
    row.qualified_name = stmt.ColumnText(6);
    row.start_line = static_cast<int>(stmt.ColumnInt64(7));
    row.end_line = static_cast<int>(stmt.ColumnInt64(8));
    row.embedding.clear();
    if (with_vectors && !stmt.ColumnIsNull(9) &&
        !DecodeEmbedding(stmt.ColumnBlob(9), &row.embedding)) {
      return Status::ParseError(
          fmt::format("{}: chunk {} has a malformed embedding blob", what, row.id));
    }
    on_row(row);
  }
}

Status SqliteStore::LoadChunkSources(const std::vector<std::string>& ids,
                                     std::vector<std::string>* sources) {
  sources->assign(ids.size(), std::string());
  SqliteStatement stmt;
  if (Status s = db_->Prepare("SELECT source_code FROM code_chunks WHERE id = ?1", &stmt);
      !s.ok()) {
    return Annotate(s, fmt::format("reading chunk sources from {}", path_));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    StatementResetter reset(&stmt);
    stmt.BindText(1, ids[i]);
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) {
      return Annotate(s, fmt::format("reading chunk sources from {}", path_));
    }
    if (has_row) (*sources)[i] = stmt.ColumnText(0);
  }
  return Status::Ok();
}

Status SqliteStore::GetChangeStamp(std::string* out) {
  // data_version changes when another connection commits; total_changes counts this one's.
  int64_t data_version = 0;
  if (Status s = db_->QueryInt64("PRAGMA data_version", &data_version); !s.ok()) {
    return Annotate(s, fmt::format("reading the change stamp of {}", path_));
  }
  *out = fmt::format("{}:{}", data_version, sqlite3_total_changes64(db_->handle()));
  return Status::Ok();
}

}  // namespace semdex
