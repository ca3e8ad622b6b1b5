// The PostgreSQL Store's search side: the lexical query (tsvector of code-aware tokens, GIN
// index, ts_rank) and the reads the search stage loads chunks, vectors and snippets with.
#include <fmt/format.h>

#include "store/pg_store.h"
#include "store/pg_text_search.h"

namespace semdex {
namespace {

// ts_rank weights for D, C, B, A: source, doc, qualified name, name (as the SQLite index's BM25
// column weights 1, 2, 4, 8). The matches are the SQLite index's (same tokens, terms OR-ed); the
// order may differ: ts_rank counts term frequency and closeness, not BM25's document-length and
// rarity factors.
const std::string kLexicalSql =
    "SELECT id, ts_rank('{0.125, 0.25, 0.5, 1.0}', search_tokens, q) AS rank "
    "FROM code_chunks, CAST($1 AS tsquery) AS q "
    "WHERE search_tokens @@ q AND ($2 = '' OR repository = $2) AND ($3 = '' OR language = $3) "
    "AND ($4 = '' OR chunk_type = $4) ORDER BY rank DESC, id COLLATE \"C\" LIMIT $5::bigint";

// Bytewise order (COLLATE "C"), as the SQLite index orders rows.
const std::string kLoadChunksSql =
    "SELECT id, repository, file_path, COALESCE(language, ''), COALESCE(chunk_type, ''), "
    "COALESCE(name, ''), COALESCE(qualified_name, ''), COALESCE(start_line, 0), "
    "COALESCE(end_line, 0), CASE WHEN $4::boolean THEN embedding_code END "
    "FROM code_chunks WHERE ($1 = '' OR repository = $1) AND ($2 = '' OR language = $2) "
    "AND ($3 = '' OR chunk_type = $3) ORDER BY repository COLLATE \"C\", id COLLATE \"C\"";

// Rows fetched per round trip while streaming chunks: bounds the client's memory.
constexpr int kFetchRows = 2000;

}  // namespace

Status PgStore::SearchLexical(std::string_view query, const ChunkFilter& filter, int64_t limit,
                              std::vector<LexicalHit>* out) {
  out->clear();
  const std::string tsquery = PgTsqueryLiteral(query);
  if (tsquery.empty() || limit == 0) return Status::Ok();
  Status s = EnsureConnected();
  if (s.ok()) {
    s = ForEachRow(kLexicalSql,
                   {tsquery, filter.repository, filter.language, filter.chunk_type,
                    limit < 0 ? PgParam() : PgParam(std::to_string(limit))},
                   [&](const PgResult& r, int i) {
                     out->push_back({r.Text(i, 0), r.Double(i, 1)});
                   });
  }
  if (s.ok()) return s;
  out->clear();
  return Annotate(s, fmt::format("lexical search in {}", conn_->location()));
}

Status PgStore::LoadSearchChunks(const ChunkFilter& filter, bool with_vectors,
                                 const std::function<void(SearchChunkRow&)>& on_row) {
  const std::string what = fmt::format("loading chunks for search from {}", conn_->location());
  // A cursor in one read-only snapshot: the rows come in batches, not all at once.
  Status s = InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*retry=*/false, [&] {
    // A cursor's query takes parameters through the extended protocol, as any statement.
    if (Status d = conn_->Query("DECLARE semdex_chunks NO SCROLL CURSOR FOR " + kLoadChunksSql,
                                {filter.repository, filter.language, filter.chunk_type,
                                 with_vectors ? "true" : "false"});
        !d.ok()) {
      return d;
    }
    SearchChunkRow row;
    for (;;) {
      PgResult r;
      if (Status f = conn_->Query(fmt::format("FETCH {} FROM semdex_chunks", kFetchRows), {}, &r);
          !f.ok()) {
        return f;
      }
      if (r.rows() == 0) return Status::Ok();
      for (int i = 0; i < r.rows(); ++i) {
        row.id = r.Text(i, 0);
        row.repository = r.Text(i, 1);
        row.file_path = r.Text(i, 2);
        row.language = r.Text(i, 3);
        row.chunk_type = r.Text(i, 4);
        row.name = r.Text(i, 5);
        row.qualified_name = r.Text(i, 6);
        row.start_line = static_cast<int>(r.Int64(i, 7));
        row.end_line = static_cast<int>(r.Int64(i, 8));
        row.embedding.clear();
        if (with_vectors && !r.IsNull(i, 9) && !ParsePgRealArray(r.View(i, 9), &row.embedding)) {
          return Status::ParseError(
              fmt::format("chunk {} has a malformed embedding_code array", row.id));
        }
        on_row(row);
      }
    }
  });
  return s.ok() ? s : Annotate(s, what);
}

Status PgStore::LoadChunkSources(const std::vector<std::string>& ids,
                                 std::vector<std::string>* sources) {
  sources->assign(ids.size(), std::string());
  Status s = EnsureConnected();
  for (size_t i = 0; s.ok() && i < ids.size(); ++i) {
    s = ForEachRow("SELECT source_code FROM code_chunks WHERE id = $1", {ids[i]},
                   [&](const PgResult& r, int row) { (*sources)[i] = r.Text(row, 0); });
  }
  return s.ok() ? s : Annotate(s, fmt::format("reading chunk sources from {}", conn_->location()));
}

Status PgStore::GetChangeStamp(std::string* out) {
  // The server's write-ahead log position moves with every committed change, from any
  // connection (and, rarely, without one: a spurious reload, never a missed change).
  Status s = EnsureConnected();
  PgResult r;
  if (s.ok()) s = conn_->Query("SELECT pg_current_wal_lsn()::text", {}, &r);
  if (!s.ok()) {
    return Annotate(s, fmt::format("reading the change stamp of {}", conn_->location()));
  }
  *out = r.Text(0, 0);
  return Status::Ok();
}

}  // namespace semdex
