// The SQLite Store's search side: the full-text query (FTS5, BM25) and the reads the search stage
// loads chunks, vectors and snippets with. The full-text rows are written with the chunks
// (sqlite_store.cc) and deleted by schema version 3's trigger.
#include <fmt/format.h>

#include "store/code_tokens.h"
#include "store/encoding.h"
#include "store/lexical_bounds.h"
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

// The two queries ranking only the rows that hold one of the query's rarest terms (?6, an FTS
// expression): see store/lexical_bounds.h for when that returns the same rows. bm25() still sees
// the whole query (?1), so every score is the unrestricted one. The '+' keeps FTS5 from taking
// the IN list as rowid lookups (one full-text query per listed row).
constexpr std::string_view kLexicalRarestSql =
    "SELECT f.chunk_id, bm25(code_chunks_fts, 8.0, 4.0, 2.0, 1.0, 0.0) AS score "
    "FROM code_chunks_fts f JOIN code_chunks c ON c.rowid = f.rowid "
    "WHERE code_chunks_fts MATCH ?1 "
    "AND +f.rowid IN (SELECT rowid FROM code_chunks_fts WHERE code_chunks_fts MATCH ?6) "
    "AND (?2 = '' OR c.repository = ?2) AND (?3 = '' OR c.language = ?3) "
    "AND (?4 = '' OR c.chunk_type = ?4) AND c.id = f.chunk_id "
    "ORDER BY score, f.rowid LIMIT ?5";
constexpr std::string_view kLexicalUnfilteredRarestSql =
    "SELECT f.chunk_id, t.score FROM (SELECT rowid AS fts_rowid, "
    "bm25(code_chunks_fts, 8.0, 4.0, 2.0, 1.0, 0.0) AS score FROM code_chunks_fts WHERE "
    "code_chunks_fts MATCH ?1 "
    "AND +rowid IN (SELECT rowid FROM code_chunks_fts WHERE code_chunks_fts MATCH ?6) "
    "ORDER BY score, rowid LIMIT ?5) t "
    "JOIN code_chunks_fts f ON f.rowid = t.fts_rowid ORDER BY t.score, t.fts_rowid";

// The rows holding a term: FTS5's own vocabulary table over the index, created on first use in
// the connection's temp schema (nothing is written to the index file).
constexpr std::string_view kCreateVocabSql =
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.semdex_fts_vocab "
    "USING fts5vocab(main, code_chunks_fts, row)";
constexpr std::string_view kTermRowsSql = "SELECT doc FROM temp.semdex_fts_vocab WHERE term = ?1";
// bm25()'s N: the full-text table's rows (one docsize row each).
constexpr std::string_view kFtsRowsSql = "SELECT COUNT(*) FROM code_chunks_fts_docsize";

// The first guess at the limit-th best -bm25, which picks how many rare terms the first
// restricted query keeps. On three@0.187.0's doc-sentence queries the 10th best is 6 to 21;
// a guess too high costs a second restricted query, one too low restricts less. It never changes
// the results.
constexpr double kFirstScoreGuess = 15.0;

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

struct LexicalQuery {
  const std::string& match;  // FtsMatchExpression of the query
  const ChunkFilter& filter;
  int64_t limit;  // -1: every row
};

// Runs the lexical query into *out; `rarest` not empty ranks only the rows that match it.
Status RunLexicalQuery(SqliteDb* db, const LexicalQuery& q, const std::string& rarest,
                       std::vector<LexicalHit>* out) {
  out->clear();
  const bool unfiltered =
      q.filter.repository.empty() && q.filter.language.empty() && q.filter.chunk_type.empty();
  std::string_view sql = unfiltered ? kLexicalUnfilteredSql : kLexicalSql;
  if (!rarest.empty()) sql = unfiltered ? kLexicalUnfilteredRarestSql : kLexicalRarestSql;
  SqliteStatement stmt;
  if (Status s = db->Prepare(sql, &stmt); !s.ok()) return s;
  stmt.BindText(1, q.match);
  if (!unfiltered) BindFilter(&stmt, q.filter, 2);
  stmt.BindInt64(5, q.limit);
  if (!rarest.empty()) stmt.BindText(6, rarest);
  for (;;) {
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) return s;
    if (!has_row) return Status::Ok();
    // bm25() is lower-is-better and negative; LexicalHit scores are higher-is-better.
    out->push_back({stmt.ColumnText(0), -stmt.ColumnDouble(1)});
  }
}

// The rows holding each term and the full-text table's rows. False (the query then runs
// unrestricted) when a term is not plain ASCII, which FTS5's tokenizer might fold or split so that
// its vocabulary entry would not count the phrase's rows, or when the counts cannot be read.
bool ReadTermRows(SqliteDb* db, const std::vector<std::string>& terms, std::vector<TermRows>* out,
                  int64_t* table_rows) {
  for (const std::string& term : terms) {
    for (char c : term) {
      if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
  }
  SqliteStatement stmt;
  if (!db->Prepare(kTermRowsSql, &stmt).ok() &&
      (!db->Exec(kCreateVocabSql).ok() || !db->Prepare(kTermRowsSql, &stmt).ok())) {
    return false;
  }
  for (const std::string& term : terms) {
    StatementResetter reset(&stmt);
    stmt.BindText(1, term);
    bool has_row = false;
    if (!stmt.Step(&has_row).ok()) return false;
    out->push_back({term, has_row ? stmt.ColumnInt64(0) : 0});
  }
  return db->QueryInt64(kFtsRowsSql, table_rows).ok();
}

// The top q.limit rows, ranked among the rows holding the query's rarest terms only, when
// LexicalBounds proves that no other row could enter them; else *answered = false and the
// caller runs the unrestricted query. At most two restricted queries: the first keeps the rare
// terms kFirstScoreGuess asks for; when its limit-th score does not clear the bound of the rest,
// that score (a floor for the true limit-th score) says how many terms the second must keep.
Status RankAmongRarest(SqliteDb* db, const std::vector<std::string>& terms, const LexicalQuery& q,
                       std::vector<LexicalHit>* out, bool* answered) {
  *answered = false;
  if (terms.size() < 2) return Status::Ok();
  std::vector<TermRows> term_rows;
  int64_t table_rows = 0;
  if (!ReadTermRows(db, terms, &term_rows, &table_rows)) return Status::Ok();
  const LexicalBounds bounds(std::move(term_rows), table_rows);
  size_t rarest = bounds.RarestNeeded(kFirstScoreGuess, 1);
  for (int attempt = 0; attempt < 2 && rarest < bounds.size(); ++attempt) {
    if (Status s = RunLexicalQuery(db, q, bounds.RarestMatch(rarest), out); !s.ok()) return s;
    if (out->size() < static_cast<size_t>(q.limit)) break;  // too few rows to bound the rest
    const double floor = out->back().score;
    if (floor > bounds.RestBound(rarest)) {
      *answered = true;
      return Status::Ok();
    }
    rarest = bounds.RarestNeeded(floor, rarest + 1);
  }
  out->clear();
  return Status::Ok();
}

}  // namespace

Status SqliteStore::SearchLexical(std::string_view query, const ChunkFilter& filter, int64_t limit,
                                  std::vector<LexicalHit>* out) {
  out->clear();
  const std::string match = FtsMatchExpression(query);
  if (match.empty() || limit == 0) return Status::Ok();
  const std::string what = fmt::format("lexical search in {}", path_);
  const LexicalQuery q{match, filter, limit};
  // In one read transaction, so that the counts the bounds come from and the rows ranked agree
  // while another process writes (inside a caller's transaction they agree already).
  if (limit > 0) {
    const bool own_transaction = sqlite3_get_autocommit(db_->handle()) != 0;
    if (own_transaction) {
      if (Status s = db_->Exec("BEGIN"); !s.ok()) return Annotate(s, what);
    }
    bool answered = false;
    Status s = RankAmongRarest(db_.get(), SearchQueryTerms(query), q, out, &answered);
    if (s.ok() && own_transaction) s = db_->Exec("COMMIT");
    if (!s.ok()) {
      if (own_transaction) db_->RollbackQuietly();
      return Annotate(s, what);
    }
    if (answered) return Status::Ok();
  }
  if (Status s = RunLexicalQuery(db_.get(), q, "", out); !s.ok()) return Annotate(s, what);
  return Status::Ok();
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
