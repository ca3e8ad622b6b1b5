// The SQLite Store's vector cache (schema version 5, sqlite_schema.cc): vectors by model and
// embedded text, written with each file's chunks (WriteFileRows) and kept when the chunks go.
#include <fmt/format.h>

#include <algorithm>

#include "store/encoding.h"
#include "store/sqlite_store.h"

namespace semdex {

Status SqliteStore::CacheFileVectors(const FileRow& file, const std::string& now) {
  if (file.embedding_model_id.empty()) return Status::Ok();
  SqliteStatement& upsert = stmts_.upsert_cached_vector;
  for (const ChunkRow& chunk : file.chunks) {
    if (chunk.embedding_code.empty() || chunk.embedding_text_hash.empty()) continue;
    StatementResetter reset(&upsert);
    upsert.BindText(1, file.embedding_model_id);
    upsert.BindText(2, chunk.embedding_text_hash);
    upsert.BindBlobOrNull(3, EncodeEmbedding(chunk.embedding_code));
    upsert.BindText(4, now);
    if (Status s = upsert.Run(); !s.ok()) return Annotate(s, "vector cache");
  }
  return Status::Ok();
}

Status SqliteStore::ListCachedVectors(std::string_view model_id,
                                      std::vector<std::string>* text_hashes) {
  text_hashes->clear();
  SqliteStatement stmt;
  Status s = db_->Prepare("SELECT text_hash FROM vector_cache WHERE model_id = ?1", &stmt);
  if (s.ok()) stmt.BindText(1, model_id);
  for (bool has_row = true; s.ok();) {
    if (s = stmt.Step(&has_row); !s.ok() || !has_row) break;
    text_hashes->push_back(stmt.ColumnText(0));
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("listing the vector cache of {} in {}", model_id, path_));
}

Status SqliteStore::LoadCachedVectors(std::string_view model_id, int dim,
                                      const std::vector<std::string>& text_hashes,
                                      std::vector<std::vector<float>>* vectors) {
  vectors->assign(text_hashes.size(), {});
  SqliteStatement stmt;
  Status s = db_->Prepare(
      "SELECT embedding FROM vector_cache WHERE model_id = ?1 AND text_hash = ?2", &stmt);
  for (size_t i = 0; s.ok() && i < text_hashes.size(); ++i) {
    StatementResetter reset(&stmt);
    stmt.BindText(1, model_id);
    stmt.BindText(2, text_hashes[i]);
    bool has_row = false;
    if (s = stmt.Step(&has_row); !s.ok() || !has_row) continue;
    std::vector<float>& v = (*vectors)[i];
    if (!DecodeEmbedding(stmt.ColumnBlob(0), &v) || v.size() != static_cast<size_t>(dim)) {
      v.clear();
    }
  }
  return s.ok() ? s
                : Annotate(s, fmt::format("reading the vector cache of {} in {}", model_id, path_));
}

Status SqliteStore::PruneVectorCache(int64_t spare_entries) {
  Status s = db_->Exec("BEGIN IMMEDIATE");
  if (s.ok())
    s = [&] {
      // Models in use: what a repository's rows were made with, or its last run asked for (a run
      // that changes the model records it as mixed until it completes).
      if (Status d = db_->Exec(
              "DELETE FROM vector_cache WHERE model_id NOT IN (SELECT model_id FROM "
              "repository_state WHERE model_id IS NOT NULL UNION SELECT model_id FROM repositories "
              "WHERE model_id IS NOT NULL)");
          !d.ok()) {
        return d;
      }
      int64_t entries = 0, chunks = 0;
      if (Status q = db_->QueryInt64("SELECT COUNT(*) FROM vector_cache", &entries); !q.ok()) {
        return q;
      }
      if (Status q = db_->QueryInt64("SELECT COALESCE(SUM(chunk_count), 0) FROM files", &chunks);
          !q.ok()) {
        return q;
      }
      const int64_t excess = entries - (chunks + std::max<int64_t>(0, spare_entries));
      if (excess <= 0) return Status::Ok();
      SqliteStatement prune;
      if (Status p = db_->Prepare(
              "DELETE FROM vector_cache WHERE rowid IN (SELECT rowid FROM vector_cache ORDER BY "
              "used_at LIMIT ?1)",
              &prune);
          !p.ok()) {
        return p;
      }
      prune.BindInt64(1, excess);
      return prune.Run();
    }();
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) db_->RollbackQuietly();
  return s.ok() ? s : Annotate(s, fmt::format("pruning the vector cache of {}", path_));
}

}  // namespace semdex
