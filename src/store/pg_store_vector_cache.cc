// The PostgreSQL Store's vector cache (schema version 3, pg_schema.cc): vectors by model and
// embedded text, written with each file's chunks (WriteFileRows) and kept when the chunks go.
// The semantics are the SQLite index's (sqlite_store_vector_cache.cc).
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "store/pg_store.h"

namespace semdex {
namespace {

// One statement per file. Rows go in in text_hash order: writers of several connections then
// take the rows' locks in one order, so two files sharing texts wait for each other, never
// deadlock. An existing entry is marked used now and keeps its vector unless that is of another
// size than the one written (unusable: the run embedded the text again), as in SQLite; keeping
// it leaves its stored (TOAST) value untouched.
const std::string kUpsertSql =
    "INSERT INTO vector_cache (model_id, text_hash, embedding, used_at) "
    "SELECT $1, h, v::real[], $4 FROM unnest($2::text[], $3::text[]) AS t(h, v) "
    "ORDER BY h COLLATE \"C\" "
    "ON CONFLICT (model_id, text_hash) DO UPDATE SET embedding = CASE WHEN "
    "cardinality(vector_cache.embedding) = cardinality(excluded.embedding) THEN "
    "vector_cache.embedding ELSE excluded.embedding END, used_at = excluded.used_at";

// Hashes looked up per round trip.
constexpr size_t kLoadBatch = 1000;

}  // namespace

Status PgStore::CacheFileVectors(const FileRow& file, const std::string& now) {
  if (file.embedding_model_id.empty()) return Status::Ok();
  std::vector<std::string> hashes, vectors;
  std::set<std::string_view> seen;  // a text twice in a file: one row (ON CONFLICT allows one)
  for (const ChunkRow& chunk : file.chunks) {
    if (chunk.embedding_code.empty() || chunk.embedding_text_hash.empty()) continue;
    if (!seen.insert(chunk.embedding_text_hash).second) continue;
    hashes.push_back(chunk.embedding_text_hash);
    vectors.push_back(PgRealArrayLiteral(chunk.embedding_code));
  }
  if (hashes.empty()) return Status::Ok();
  Status s = conn_->Query(kUpsertSql, {file.embedding_model_id, PgTextArrayLiteral(hashes),
                                       PgTextArrayLiteral(vectors), now});
  return s.ok() ? s : Annotate(s, "vector cache");
}

Status PgStore::ListCachedVectors(std::string_view model_id,
                                  std::vector<std::string>* text_hashes) {
  text_hashes->clear();
  Status s = EnsureConnected();
  if (s.ok()) {
    s = ForEachRow("SELECT text_hash FROM vector_cache WHERE model_id = $1",
                   {std::string(model_id)},
                   [&](const PgResult& r, int i) { text_hashes->push_back(r.Text(i, 0)); });
  }
  if (s.ok()) return s;
  text_hashes->clear();
  return Annotate(s,
                  fmt::format("listing the vector cache of {} in {}", model_id, conn_->location()));
}

Status PgStore::LoadCachedVectors(std::string_view model_id, int dim,
                                  const std::vector<std::string>& text_hashes,
                                  std::vector<std::vector<float>>* vectors) {
  vectors->assign(text_hashes.size(), {});
  Status s = EnsureConnected();
  for (size_t begin = 0; s.ok() && begin < text_hashes.size(); begin += kLoadBatch) {
    const size_t end = std::min(text_hashes.size(), begin + kLoadBatch);
    std::unordered_map<std::string_view, std::vector<size_t>> slots;
    for (size_t i = begin; i < end; ++i) slots[text_hashes[i]].push_back(i);
    s = ForEachRow(
        "SELECT text_hash, embedding FROM vector_cache WHERE model_id = $1 AND text_hash = "
        "ANY($2::text[])",
        {std::string(model_id), PgTextArrayLiteral(std::vector<std::string>(
                                    text_hashes.begin() + begin, text_hashes.begin() + end))},
        [&](const PgResult& r, int row) {
          auto it = slots.find(r.View(row, 0));
          std::vector<float> v;
          if (it == slots.end() || !ParsePgRealArray(r.View(row, 1), &v) ||
              v.size() != static_cast<size_t>(dim)) {
            return;  // another dimension (or unreadable): as if not cached
          }
          for (size_t i : it->second) (*vectors)[i] = v;
        });
  }
  if (s.ok()) return s;
  vectors->assign(text_hashes.size(), {});
  return Annotate(s,
                  fmt::format("reading the vector cache of {} in {}", model_id, conn_->location()));
}

Status PgStore::PruneVectorCache(int64_t spare_entries) {
  Status s = InTransaction("BEGIN", /*retry=*/true, [&] {
    // Models in use: what a repository's rows were made with, or its last run asked for (a run
    // that changes the model records it as mixed until it completes).
    if (Status d = conn_->Query(
            "DELETE FROM vector_cache WHERE model_id NOT IN (SELECT model_id FROM "
            "repository_state WHERE model_id IS NOT NULL UNION SELECT model_id FROM repositories "
            "WHERE model_id IS NOT NULL)",
            {});
        !d.ok()) {
      return d;
    }
    PgResult r;
    if (Status q = conn_->Query("SELECT (SELECT COUNT(*) FROM vector_cache), (SELECT "
                                "COALESCE(SUM(chunk_count), 0) FROM files)",
                                {}, &r);
        !q.ok()) {
      return q;
    }
    const int64_t excess = r.Int64(0, 0) - (r.Int64(0, 1) + std::max<int64_t>(0, spare_entries));
    if (excess <= 0) return Status::Ok();
    return conn_->Query(
        "DELETE FROM vector_cache WHERE (model_id, text_hash) IN (SELECT model_id, text_hash "
        "FROM vector_cache ORDER BY used_at LIMIT $1::bigint)",
        {std::to_string(excess)});
  });
  return s.ok() ? s : Annotate(s, fmt::format("pruning the vector cache of {}", conn_->location()));
}

}  // namespace semdex
