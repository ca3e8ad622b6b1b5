// pg_vector: the pgvector path of the PostgreSQL store: every statement it sends in one unit.
// Internal to src/store/ (pg_schema.cc sets it up at connect time; PgStore::SearchVectors, here).
//
// embedding_code (real[]) stays what the index stores and what every other path reads (the
// client-side search, the exports, the vector reuse of incremental runs). When the server has
// pgvector 0.5.0 or newer (HNSW) and this user may create it, code_chunks also gets
// embedding_vec, a `vector` column GENERATED from embedding_code, so the write path is the same
// with or without pgvector and the two can never disagree. It is an untyped `vector` (no
// dimension), pgvector's documented way to keep vectors of several dimensions in one column:
// repositories of one database may use models of different dimensions, and a model change
// changes the dimension. Each dimension N gets its own HNSW index, built the first time a
// search needs it (pgvector's FAQ: an expression index on embedding_vec::vector(N) with
// vector_cosine_ops, partial on vector_dims(embedding_vec) = N); the search then runs on the
// server: ORDER BY embedding_vec::vector(N) <=> $1::vector(N) LIMIT k, with the filters in the
// WHERE clause. Rows whose real[] pgvector refuses (NaN, infinities, too many dimensions) get a
// NULL embedding_vec rather than a failed write.
//
// Every step fails soft: a server without the extension, a user who may not create it, a
// pgvector without HNSW, an index that cannot be built or a query that fails leave the store on
// the client-side path, with the reason in PgFeatures::vector_problem.
//
// Thread-safety: plain functions over one PgConnection, used by one thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/pg_conn.h"
#include "store/pg_schema.h"
#include "store/store.h"

namespace semdex {

// pgvector's limits: a vector holds at most 16000 values, an HNSW index at most 2000.
inline constexpr int kPgVectorMaxDim = 16000;
inline constexpr int kPgVectorMaxHnswDim = 2000;

// `values` as a pgvector literal, "[0.5,-1.25,3e-08]": each float in its shortest form that reads
// back to the same float (pgvector parses with strtof). InvalidArgument for what pgvector
// refuses: no values, more than kPgVectorMaxDim, a NaN or an infinity.
Status PgVectorLiteral(const std::vector<float>& values, std::string* out);

// True for an extversion ("0.8.0", "0.10.1") of 0.8.0 or newer: hnsw.iterative_scan exists.
bool PgVectorHasIterativeScan(std::string_view version);

// The statement that adds embedding_vec (generated from embedding_code).
std::string PgVectorColumnSql();
// The HNSW index of dimension `dim`: its name, and the statement that creates it.
// REQUIRES: 1 <= dim <= kPgVectorMaxHnswDim.
std::string PgVectorIndexName(int dim);
std::string PgVectorIndexSql(int dim);
// The nearest-neighbour query of dimension `dim`. Parameters: $1 the query vector literal,
// $2 repository, $3 language, $4 chunk type, $5 path regex ("" = any), $6 the limit. Returns
// (id, cosine similarity), nearest first, equal distances by id.
std::string PgVectorSearchSql(int dim);
// The settings for one search of `limit` rows, run in its transaction (SET LOCAL): the HNSW
// beam (hnsw.ef_search, 40..1000) and, on 0.8.0+, strict-order iterative scans so that filters
// applied after the index scan still find `limit` rows.
std::vector<std::string> PgVectorSearchSettings(std::string_view version, int64_t limit);

// Connect-time: reads what `features` says of pgvector (pgvector_available, pgvector_installed)
// and, when it is there, creates the extension (if needed) and embedding_vec under the schema
// lock. Sets pgvector_version, vector_search, and vector_problem when pgvector is available but
// its path cannot be used. Never fails.
void PgSetUpVectorSearch(PgConnection* conn, PgFeatures* features);

// Creates the HNSW index of `dim` unless it exists (under the schema lock).
// REQUIRES: features.vector_search.
Status PgEnsureVectorIndex(PgConnection* conn, int dim);

}  // namespace semdex
