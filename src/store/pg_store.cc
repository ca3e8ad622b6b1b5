// The PostgreSQL Store's write side: opening, per-file writes, problems, runs and deletes.
#include "store/pg_store.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "store/encoding.h"
#include "store/pg_text_search.h"

namespace semdex {
namespace {

// The rest of the reference design's cleanup (the graph rows go first: DeleteGraphRows).
const std::string kDeleteRepositorySql[] = {
    "DELETE FROM code_chunks WHERE repository = $1",
    "DELETE FROM files WHERE repository = $1",
    "DELETE FROM runs WHERE repository = $1",
    "DELETE FROM repositories WHERE name = $1",
    "DELETE FROM repository_state WHERE repository = $1",
};

constexpr std::string_view kCopyChunksSql =
    "COPY code_chunks (id, repository, file_path, language, chunk_type, name, qualified_name, "
    "source_code, start_line, end_line, part, parent_id, embedding_code, metadata, indexed_at, "
    "search_tokens) FROM STDIN";

PgParam TextOrNull(std::string_view value) {
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

PgParam DimOrNull(int dim) {
  if (dim <= 0) return std::nullopt;
  return std::to_string(dim);
}

// A JSON field as SQLite's ->> gives it: a string's value, other values as JSON text, "" when
// absent or null.
std::string JsonFieldText(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The signature and docstring of a chunk's metadata: the tsvector's C field, as the SQLite
// index's `doc` column.
std::string DocText(const std::string& metadata_json) {
  if (metadata_json.empty()) return " ";
  nlohmann::json m = nlohmann::json::parse(metadata_json, nullptr, /*allow_exceptions=*/false);
  if (!m.is_object()) return " ";
  return JsonFieldText(m, "signature") + " " + JsonFieldText(m, "docstring");
}

std::string ChunkCopyLine(const FileRow& file, const ChunkRow& c, const std::string& now) {
  const PgParam fields[] = {
      c.id,
      file.repository,
      file.file_path,
      TextOrNull(file.language),
      TextOrNull(c.chunk_type),
      TextOrNull(c.name),
      TextOrNull(c.qualified_name),
      c.source_code,
      std::to_string(c.start_line),
      std::to_string(c.end_line),
      std::to_string(c.part),
      TextOrNull(c.parent_id),
      c.embedding_code.empty() ? PgParam() : PgRealArrayLiteral(c.embedding_code),
      TextOrNull(c.metadata_json),
      now,
      PgTsvectorLiteral(c.name, c.qualified_name, DocText(c.metadata_json), c.source_code),
  };
  std::string line;
  for (const PgParam& f : fields) {
    if (!line.empty()) line.push_back('\t');
    AppendCopyField(f, &line);
  }
  line.push_back('\n');
  return line;
}

}  // namespace

std::string PgRealArrayLiteral(const std::vector<float>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    fmt::format_to(std::back_inserter(out), "{}", values[i]);  // shortest exact form
  }
  out.push_back('}');
  return out;
}

bool ParsePgRealArray(std::string_view literal, std::vector<float>* out) {
  out->clear();
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') return false;
  std::string_view body = literal.substr(1, literal.size() - 2);
  while (!body.empty()) {
    const size_t comma = body.find(',');
    const std::string_view item = body.substr(0, comma);
    float v = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size()) {
      out->clear();
      return false;
    }
    out->push_back(v);
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
  }
  return true;
}

std::string PgTextArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

Status PgStore::Open(const std::string& url, const StoreOptions& options,
                     std::unique_ptr<Store>* out) {
  std::unique_ptr<PgConnection> conn;
  if (Status s = PgConnection::Connect(url, &conn); !s.ok()) return s;
  if (Status s = PgMigrateSchema(conn.get()); !s.ok()) {
    return Annotate(s, fmt::format("opening the index at {}", conn->location()));
  }
  const PgFeatures features = PgDetectFeatures(conn.get());
  out->reset(new PgStore(url, options, std::move(conn), features));
  return Status::Ok();
}

PgStore::PgStore(std::string url, const StoreOptions& options, std::unique_ptr<PgConnection> conn,
                 PgFeatures features)
    : url_(std::move(url)), options_(options), conn_(std::move(conn)), features_(features) {}

Status PgStore::OpenWriter(std::unique_ptr<Store>* out) {
  std::unique_ptr<PgConnection> conn;
  if (Status s = PgConnection::Connect(url_, &conn); !s.ok()) return s;
  out->reset(new PgStore(url_, options_, std::move(conn), features_));
  return Status::Ok();
}

std::string PgStore::BackendDescription() const {
  constexpr std::string_view kClientSide = "client-side search (exact scan or hnswlib)";
  std::string vectors;
  if (features_.vector_search) {
    vectors = fmt::format("pgvector {}: server-side HNSW (cosine) over real[]",
                          features_.pgvector_version);
  } else if (!features_.vector_problem.empty()) {
    vectors = fmt::format("pgvector {}not used ({}): {}",
                          features_.pgvector_version.empty()
                              ? std::string("available but ")
                              : features_.pgvector_version + " installed but ",
                          features_.vector_problem, kClientSide);
  } else {
    vectors = fmt::format("pgvector not installed: {}", kClientSide);
  }
  return fmt::format("postgresql {} at {}; vectors: {}; name trigram index (pg_trgm): {}",
                     conn_->server_version(), conn_->location(), vectors,
                     features_.trigram_index ? "yes" : "no");
}

Status PgStore::EnsureConnected() {
  if (!conn_->broken()) return Status::Ok();
  touched_repositories_.clear();
  return conn_->Reconnect();
}

Status PgStore::WriteFile(const FileRow& file) {
  const std::string what = fmt::format("writing {} (repository {}) to {}", file.file_path,
                                       file.repository, conn_->location());
  if (Status s = CheckFileRowKeys(file, what); !s.ok()) return s;
  const std::string now = NowTimestampUtc();
  Status s = InTransaction("BEGIN", /*retry=*/true, [&] { return WriteFileRows(file, now); });
  return s.ok() ? s : Annotate(s, what);
}

Status PgStore::WriteFileRows(const FileRow& file, const std::string& now) {
  if (Status s = conn_->Query("DELETE FROM code_chunks WHERE repository = $1 AND file_path = $2",
                              {file.repository, file.file_path});
      !s.ok()) {
    return s;
  }
  std::vector<std::string> lines;
  lines.reserve(file.chunks.size());
  for (const ChunkRow& c : file.chunks) lines.push_back(ChunkCopyLine(file, c, now));
  Status s = conn_->CopyIn(kCopyChunksSql, lines, [&](size_t i) {
    return !options_.fault_injector || options_.fault_injector(file, i);
  });
  if (!s.ok()) return Annotate(s, "chunks");
  if (s = conn_->Query("DELETE FROM files WHERE repository = $1 AND file_path = $2",
                       {file.repository, file.file_path});
      !s.ok()) {
    return s;
  }
  s = conn_->Query(
      "INSERT INTO files (repository, file_path, language, size_bytes, mtime_ns, content_hash, "
      "status, chunk_count, metadata, indexed_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, 'indexed', $7, $8, $9)",
      {file.repository, file.file_path, TextOrNull(file.language),
       std::to_string(static_cast<int64_t>(file.size_bytes)), std::to_string(file.mtime_ns),
       TextOrNull(file.content_hash), std::to_string(file.chunks.size()),
       TextOrNull(file.metadata_json), now});
  if (!s.ok()) return Annotate(s, "file row");
  if (s = CacheFileVectors(file, now); !s.ok()) return s;
  return TouchRepository(file.repository, now);
}

// Registers the repository once per connection: updating its row on every file would make
// every writer connection of a run wait for the one that holds the row.
Status PgStore::TouchRepository(const std::string& repository, const std::string& now) {
  if (touched_repositories_.count(repository) != 0) return Status::Ok();
  Status s = conn_->Query(
      "INSERT INTO repositories (name, created_at, last_indexed_at) VALUES ($1, $2, $2) "
      "ON CONFLICT (name) DO UPDATE SET last_indexed_at = excluded.last_indexed_at",
      {repository, now});
  // Counted only after the transaction commits would be exact; a rollback that follows is
  // rare, and FinishRun sets last_indexed_at again.
  if (s.ok()) touched_repositories_.insert(repository);
  return s;
}

Status PgStore::RecordProblem(const FileProblem& problem) {
  const std::string what = fmt::format("recording {} file {} (repository {}) in {}", problem.status,
                                       problem.file_path, problem.repository, conn_->location());
  if (problem.repository.empty() || problem.file_path.empty()) {
    return Status::InvalidArgument(what + ": repository and file path must not be empty");
  }
  if (problem.status != "failed" && problem.status != "skipped") {
    return Status::InvalidArgument(what + ": status must be \"failed\" or \"skipped\"");
  }
  const std::string now = NowTimestampUtc();
  Status s =
      InTransaction("BEGIN", /*retry=*/true, [&] { return RecordProblemRows(problem, now); });
  return s.ok() ? s : Annotate(s, what);
}

Status PgStore::RecordProblemRows(const FileProblem& problem, const std::string& now) {
  for (const char* sql : {"DELETE FROM code_chunks WHERE repository = $1 AND file_path = $2",
                          "DELETE FROM files WHERE repository = $1 AND file_path = $2"}) {
    if (Status s = conn_->Query(sql, {problem.repository, problem.file_path}); !s.ok()) return s;
  }
  std::optional<Language> lang = LanguageForPath(problem.file_path);
  if (Status s = conn_->Query(
          "INSERT INTO files (repository, file_path, language, status, reason, detail, "
          "chunk_count, indexed_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
          {problem.repository, problem.file_path,
           lang ? PgParam(std::string(LanguageName(*lang))) : PgParam(), problem.status,
           TextOrNull(problem.reason), TextOrNull(problem.detail), now});
      !s.ok()) {
    return s;
  }
  return conn_->Query(
      "INSERT INTO repositories (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
      {problem.repository, now});
}

Status PgStore::DeleteRepository(std::string_view repository) {
  Status s = InTransaction("BEGIN", /*retry=*/false, [&] {
    if (Status d = DeleteGraphRows(repository); !d.ok()) return d;
    for (const std::string& sql : kDeleteRepositorySql) {
      if (Status d = conn_->Query(sql, {std::string(repository)}); !d.ok()) return d;
    }
    return Status::Ok();
  });
  touched_repositories_.erase(std::string(repository));
  return s.ok() ? s
                : Annotate(s, fmt::format("deleting repository {} from {}", repository,
                                          conn_->location()));
}

Status PgStore::BeginRun(const RunRecord& run, int64_t* run_id) {
  *run_id = 0;
  const std::string what =
      fmt::format("starting a run of {} in {}", run.repository, conn_->location());
  if (run.repository.empty()) return Status::InvalidArgument(what + ": no repository");
  const std::string now = NowTimestampUtc();
  Status s = InTransaction("BEGIN", /*retry=*/true, [&] {
    PgResult r;
    Status q = conn_->Query(
        "INSERT INTO runs (repository, root_path, mode, workers, embed, model_id, started_at, "
        "embedding_dim) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING run_id",
        {run.repository, TextOrNull(run.root_path), TextOrNull(run.mode),
         std::to_string(run.workers), run.embed ? "1" : "0", TextOrNull(run.model_id), now,
         DimOrNull(run.embedding_dim)},
        &r);
    if (!q.ok()) return q;
    *run_id = r.Int64(0, 0);
    // The repository's root and model are those of its latest run.
    return conn_->Query(
        "INSERT INTO repositories (name, root_path, created_at, model_id, embedding_dim) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET root_path = "
        "excluded.root_path, model_id = excluded.model_id, embedding_dim = excluded.embedding_dim",
        {run.repository, TextOrNull(run.root_path), now, TextOrNull(run.model_id),
         DimOrNull(run.embedding_dim)});
  });
  return s.ok() ? s : Annotate(s, what);
}

Status PgStore::FinishRun(int64_t run_id, std::string_view summary_json) {
  const std::string now = NowTimestampUtc();
  Status s = InTransaction("BEGIN", /*retry=*/true, [&] {
    PgResult r;
    Status q = conn_->Query("UPDATE runs SET finished_at = $2, summary = $3 WHERE run_id = $1",
                            {std::to_string(run_id), now, TextOrNull(summary_json)}, &r);
    if (!q.ok()) return q;
    if (r.affected() == 0) return Status::NotFound("no such run");
    return conn_->Query(
        "UPDATE repositories SET last_indexed_at = $2 "
        "WHERE name = (SELECT repository FROM runs WHERE run_id = $1)",
        {std::to_string(run_id), now});
  });
  return s.ok() ? s : Annotate(s, fmt::format("finishing run {} in {}", run_id, conn_->location()));
}

}  // namespace semdex
