// The pgvector path of the PostgreSQL store (see pg_vector.h): the literal, the DDL, the
// nearest-neighbour query and PgStore::SearchVectors.
#include "store/pg_vector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "store/pg_store.h"

namespace semdex {
namespace {

// pgvector refuses NaN and infinities (in a literal and in real[]::vector), an empty vector and
// more than kPgVectorMaxDim values: such rows get NULL, so that a write never fails on them.
// Every function here is IMMUTABLE, as a generated column requires (PostgreSQL's `=` on real
// holds NaN equal to NaN, so `&&` finds it).
constexpr std::string_view kVectorColumnSql =
    "ALTER TABLE code_chunks ADD COLUMN IF NOT EXISTS embedding_vec vector GENERATED ALWAYS AS "
    "(CASE WHEN array_ndims(embedding_code) = 1 "
    "AND cardinality(embedding_code) BETWEEN 1 AND {} "
    "AND NOT embedding_code && '{{NaN,Infinity,-Infinity}}'::real[] "
    "THEN embedding_code::vector END) STORED";

// pgvector's default beam (hnsw.ef_search) and its largest.
constexpr int64_t kMinEfSearch = 40;
constexpr int64_t kMaxEfSearch = 1000;

// "0.8.0" -> {0, 8, 0}; missing or malformed parts read as 0.
std::vector<int> VersionParts(std::string_view version) {
  std::vector<int> parts;
  int value = 0;
  bool digits = false;
  for (char c : version) {
    if (c >= '0' && c <= '9') {
      value = std::min(value * 10 + (c - '0'), 1000000);
      digits = true;
    } else if (c == '.') {
      parts.push_back(value);
      value = 0;
      digits = false;
    } else {
      break;  // "0.8.0-dev": the rest is not a number
    }
  }
  if (digits || !parts.empty()) parts.push_back(value);
  parts.resize(3, 0);
  return parts;
}

bool VersionAtLeast(std::string_view version, int major, int minor) {
  const std::vector<int> v = VersionParts(version);
  return v[0] != major ? v[0] > major : v[1] >= minor;
}

// The installed extension's version and whether embedding_vec exists; "" / false when not.
Status ReadVectorState(PgConnection* conn, std::string* version, bool* has_column) {
  PgResult r;
  Status s = conn->Query(
      "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector'), EXISTS (SELECT 1 "
      "FROM pg_attribute WHERE attrelid = 'code_chunks'::regclass AND attname = 'embedding_vec' "
      "AND NOT attisdropped)",
      {}, &r);
  if (!s.ok()) return s;
  *version = r.Text(0, 0);
  *has_column = r.Text(0, 1) == "t";
  return Status::Ok();
}

// Creates the extension and the column in one transaction. REQUIRES: the schema lock held.
Status CreateVectorColumn(PgConnection* conn) {
  Status s = conn->Exec("BEGIN");
  if (s.ok()) s = conn->Exec("CREATE EXTENSION IF NOT EXISTS vector");
  if (s.ok()) {
    // pgvector before 0.5.0 has no HNSW: then its path is not worth a column.
    PgResult r;
    s = conn->Query("SELECT extversion FROM pg_extension WHERE extname = 'vector'", {}, &r);
    if (s.ok() && !VersionAtLeast(r.Text(0, 0), 0, 5)) {
      s = Status::Unsupported(
          fmt::format("pgvector {} has no HNSW index (0.5.0 or newer needed)", r.Text(0, 0)));
    }
  }
  if (s.ok()) s = conn->Exec(PgVectorColumnSql());
  if (s.ok()) s = conn->Exec("COMMIT");
  if (!s.ok()) conn->RollbackQuietly();
  return s;
}

}  // namespace

Status PgVectorLiteral(const std::vector<float>& values, std::string* out) {
  out->clear();
  if (values.empty()) return Status::InvalidArgument("a pgvector vector needs at least 1 value");
  if (values.size() > static_cast<size_t>(kPgVectorMaxDim)) {
    return Status::InvalidArgument(fmt::format("a pgvector vector holds at most {} values, not {}",
                                               kPgVectorMaxDim, values.size()));
  }
  std::string literal = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return Status::InvalidArgument(
          fmt::format("value {} of the vector is {}: pgvector accepts finite values only", i,
                      std::isnan(values[i]) ? "NaN" : "infinite"));
    }
    if (i > 0) literal.push_back(',');
    fmt::format_to(std::back_inserter(literal), "{}", values[i]);  // shortest exact form
  }
  literal.push_back(']');
  *out = std::move(literal);
  return Status::Ok();
}

bool PgVectorHasIterativeScan(std::string_view version) { return VersionAtLeast(version, 0, 8); }

std::string PgVectorColumnSql() { return fmt::format(kVectorColumnSql, kPgVectorMaxDim); }

std::string PgVectorIndexName(int dim) { return fmt::format("code_chunks_embedding_hnsw_{}", dim); }

std::string PgVectorIndexSql(int dim) {
  return fmt::format(
      "CREATE INDEX IF NOT EXISTS {} ON code_chunks USING hnsw "
      "((embedding_vec::vector({})) vector_cosine_ops) WHERE vector_dims(embedding_vec) = {}",
      PgVectorIndexName(dim), dim, dim);
}

std::string PgVectorSearchSql(int dim) {
  // The inner query is the shape the partial expression index serves (the same expression, the
  // same predicate with the same constant, ORDER BY distance LIMIT); the outer one orders equal
  // distances by id, as the client-side search does by row.
  return fmt::format(
      "SELECT id, 1 - distance FROM (SELECT id, embedding_vec::vector({0}) <=> $1::vector({0}) "
      "AS distance FROM code_chunks WHERE vector_dims(embedding_vec) = {0} "
      "AND ($2 = '' OR repository = $2) AND ($3 = '' OR language = $3) "
      "AND ($4 = '' OR chunk_type = $4) AND ($5 = '' OR file_path ~ $5) "
      "ORDER BY distance LIMIT $6::bigint) AS nearest ORDER BY distance, id COLLATE \"C\"",
      dim);
}

std::vector<std::string> PgVectorSearchSettings(std::string_view version, int64_t limit) {
  std::vector<std::string> settings = {
      fmt::format("SET LOCAL hnsw.ef_search = {}", std::clamp(limit, kMinEfSearch, kMaxEfSearch))};
  if (PgVectorHasIterativeScan(version)) {
    settings.push_back("SET LOCAL hnsw.iterative_scan = strict_order");
  }
  return settings;
}

void PgSetUpVectorSearch(PgConnection* conn, PgFeatures* features) {
  if (!features->pgvector_available && !features->pgvector_installed) return;  // not installed
  std::string version;
  bool has_column = false;
  Status s = ReadVectorState(conn, &version, &has_column);
  if (s.ok() && !(has_column && VersionAtLeast(version, 0, 5))) {
    s = PgWithSchemaLock(conn, [&] { return CreateVectorColumn(conn); });
    if (s.ok()) s = ReadVectorState(conn, &version, &has_column);
  }
  features->pgvector_version = version;
  features->pgvector_installed = !version.empty();
  features->vector_search = s.ok() && has_column;
  if (!features->vector_search) {
    features->vector_problem = fmt::format("setting up pgvector failed: {}",
                                           s.ok() ? "no embedding_vec column" : s.message());
  }
}

Status PgEnsureVectorIndex(PgConnection* conn, int dim) {
  if (dim < 1 || dim > kPgVectorMaxHnswDim) {
    return Status::Unsupported(
        fmt::format("pgvector's HNSW index holds at most {} dimensions; the model has {}",
                    kPgVectorMaxHnswDim, dim));
  }
  PgResult r;
  const std::string exists =
      fmt::format("SELECT to_regclass('{}') IS NOT NULL", PgVectorIndexName(dim));
  if (Status s = conn->Query(exists, {}, &r); !s.ok() || r.Text(0, 0) == "t") return s;
  // Built once per dimension, by the first search that needs it; the server keeps it up to date
  // as rows are written.
  return PgWithSchemaLock(conn, [&] { return conn->Exec(PgVectorIndexSql(dim)); });
}

Status PgStore::SearchVectors(const VectorSearch& search, VectorSearchResult* out) {
  *out = VectorSearchResult();
  const bool use = options_.force_pgvector_search || features_.vector_search;
  if (!use || vector_search_given_up_) {
    if (!vector_warning_given_ && !features_.vector_problem.empty()) {
      out->warning = fmt::format("pgvector is not used: {}; vectors are searched on the client",
                                 features_.vector_problem);
      vector_warning_given_ = true;
    }
    return Status::Ok();
  }
  const int dim = static_cast<int>(search.query.size());
  std::string literal;
  Status s = PgVectorLiteral(search.query, &literal);
  if (s.ok()) s = EnsureConnected();
  if (s.ok() && indexed_dims_.count(dim) == 0) {
    s = PgEnsureVectorIndex(conn_.get(), dim);
    if (s.ok()) indexed_dims_.insert(dim);
  }
  std::vector<VectorHit> hits;
  if (s.ok()) {
    s = InTransaction("BEGIN READ ONLY", /*retry=*/false, [&] {
      for (const std::string& setting :
           PgVectorSearchSettings(features_.pgvector_version, search.limit)) {
        if (Status t = conn_->Exec(setting); !t.ok()) return t;
      }
      return ForEachRow(PgVectorSearchSql(dim),
                        {literal, search.filter.repository, search.filter.language,
                         search.filter.chunk_type, search.path_regex, std::to_string(search.limit)},
                        [&](const PgResult& r, int i) {
                          hits.push_back({r.Text(i, 0), r.Double(i, 1)});
                        });
    });
  }
  if (!s.ok()) {
    // Fail soft: the caller ranks its own vectors, now and from now on.
    vector_search_given_up_ = true;
    features_.vector_search = false;
    features_.vector_problem = fmt::format("server-side search failed: {}", s.message());
    out->warning = fmt::format(
        "pgvector search on {} failed ({}); vectors are searched on the "
        "client from now on",
        conn_->location(), s.message());
    vector_warning_given_ = true;
    return Status::Ok();
  }
  out->served = true;
  out->hits = std::move(hits);
  return Status::Ok();
}

}  // namespace semdex
