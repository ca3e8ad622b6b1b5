// Searcher: loads an index's chunks and vectors once and answers queries (see search.h).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "pipeline/pipeline.h"
#include "search/search.h"
#include "search/search_internal.h"

namespace semdex {
namespace {

using search_internal::ScoredRow;

// Longest query text the vector leg embeds; a longer one is cut (a query is not a document).
constexpr size_t kMaxEmbeddedQueryBytes = 8 * 1024;
constexpr int kMaxLimit = 1000;

struct ChunkInfo {
  std::string id;
  std::string repository;
  std::string file_path;
  std::string language;
  std::string kind;
  std::string name;
  std::string qualified_name;
  int start_line = 0;
  int end_line = 0;
  int64_t vector_row = -1;  // row in Impl::vectors, -1: none
};

struct RepoInfo {
  std::string name;
  uint32_t chunk_begin = 0;  // chunks [chunk_begin, chunk_end) are this repository's
  uint32_t chunk_end = 0;
  uint32_t row_begin = 0;  // vector rows [row_begin, row_begin + row_count)
  uint32_t row_count = 0;
  bool has_vectors = false;  // recorded a model (checked against the Embedder)
  std::unique_ptr<search_internal::HnswGraph> hnsw;
};

// One leg's result: chunk index and the leg's score.
struct LegHit {
  uint32_t chunk = 0;
  double score = 0;
};

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

Status ValidateRequest(const SearchRequest& r) {
  if (r.limit < 1 || r.limit > kMaxLimit) {
    return Status::InvalidArgument(fmt::format("limit must be 1..{}, not {}", kMaxLimit, r.limit));
  }
  if (!(r.lexical_weight >= 0) || !(r.vector_weight >= 0)) {
    return Status::InvalidArgument("fusion weights must be >= 0");
  }
  if (r.rrf_k < 1) return Status::InvalidArgument("rrf_k must be >= 1");
  if (r.candidates < 1) return Status::InvalidArgument("candidates must be >= 1");
  return Status::Ok();
}

// How deep hybrid reads the lexical leg; `depth`: the candidates. Once the lexical leg fills the
// limit, the limit-th fused result scores at least lexical_weight / (rrf_k + limit), and a chunk
// of lexical rank d or worse at most lexical_weight / (rrf_k + d) + vector_weight / (rrf_k + 1):
// from the first rank where that is lower no chunk can enter the results, or change the score of
// one that does, so rows from there on are not read (10 rows for the default weights and limit,
// instead of 100). The vector leg is still read to `depth`.
size_t HybridLexicalDepth(const SearchRequest& r, size_t depth) {
  const double k = r.rrf_k;
  const double floor = r.lexical_weight / (k + r.limit);
  const double vector_gain = r.vector_weight / (k + 1);
  for (size_t d = static_cast<size_t>(r.limit); d < depth; ++d) {
    // Rank d + 1 onward; the margin keeps rounding from admitting a tie.
    if (r.lexical_weight / (k + static_cast<double>(d + 1)) + vector_gain < floor * (1 - 1e-9)) {
      return d;
    }
  }
  return depth;
}

}  // namespace

struct Searcher::Impl {
  Store* store = nullptr;
  const Embedder* embedder = nullptr;
  SearcherOptions options;
  std::string stamp;  // Store::GetChangeStamp when loaded
  std::vector<ChunkInfo> chunks;
  std::unordered_map<std::string, uint32_t> by_id;
  size_t dim = 0;
  std::vector<float> vectors;       // row-major, dim floats a row
  std::vector<uint32_t> row_chunk;  // row -> chunk index
  std::vector<RepoInfo> repos;
  size_t index_repositories = 0;  // in the whole index, not just the Searcher's scope

  Status Load();
  Status ReloadIfChanged();
  RepoInfo* FindRepo(std::string_view name);
  bool PassesFilters(const ChunkInfo& c, const SearchRequest& r) const;
  // *more: rows past `depth` may exist that the leg did not read (rows were filtered out here).
  Status LexicalLeg(const SearchRequest& r, size_t depth, std::vector<LegHit>* hits, bool* more);
  Status VectorLeg(const SearchRequest& r, const std::vector<RepoInfo*>& scope, size_t depth,
                   SearchResponse* out, std::vector<LegHit>* hits);
  Status ServerVectorLeg(const SearchRequest& r, const std::vector<float>& query, size_t depth,
                         SearchResponse* out, std::vector<LegHit>* hits, bool* served);
  Status EnsureHnsw(RepoInfo* repo);
  void Assemble(const SearchRequest& r, SearchMode mode, const std::vector<LegHit>& lexical,
                const std::vector<LegHit>& vector, SearchResponse* out) const;
  Status AddSnippets(const SearchRequest& r, SearchResponse* out);
};

Status Searcher::Impl::Load() {
  chunks.clear();
  by_id.clear();
  vectors.clear();
  row_chunk.clear();
  repos.clear();
  dim = embedder != nullptr ? static_cast<size_t>(embedder->dim()) : 0;
  if (Status s = store->GetChangeStamp(&stamp); !s.ok()) return s;
  std::vector<std::string> names;
  if (Status s = store->ListRepositories(&names); !s.ok()) return s;
  index_repositories = names.size();
  if (!options.repository.empty()) {
    RepositoryStats stats;
    if (Status s = store->GetStats(options.repository, &stats); !s.ok()) return s;
    names = {options.repository};
  }
  for (const std::string& name : names) {
    RepoInfo repo;
    repo.name = name;
    if (embedder != nullptr) {
      RepositoryStats stats;
      if (Status s = store->GetStats(name, &stats); !s.ok()) return s;
      repo.has_vectors = !stats.model_id.empty();
      if (repo.has_vectors) {
        if (Status s = CheckIndexModel(store, name, *embedder); !s.ok()) return s;
      }
    }
    repos.push_back(std::move(repo));
  }
  Status row_error;
  ChunkFilter filter;
  filter.repository = options.repository;
  Status s = store->LoadSearchChunks(filter, embedder != nullptr, [&](SearchChunkRow& row) {
    RepoInfo* repo = FindRepo(row.repository);
    if (repo == nullptr) {  // chunks without a registry row (written by hand)
      repos.push_back(RepoInfo{});
      repo = &repos.back();
      repo->name = row.repository;
    }
    if (repo->chunk_end == 0) {  // rows come grouped by repository
      repo->chunk_begin = static_cast<uint32_t>(chunks.size());
      repo->row_begin = static_cast<uint32_t>(row_chunk.size());
    }
    ChunkInfo c{std::move(row.id),
                std::move(row.repository),
                std::move(row.file_path),
                std::move(row.language),
                std::move(row.chunk_type),
                std::move(row.name),
                std::move(row.qualified_name),
                row.start_line,
                row.end_line,
                -1};
    if (repo->has_vectors && !row.embedding.empty()) {
      if (row.embedding.size() != dim && row_error.ok()) {
        row_error =
            Status::InvalidArgument(fmt::format("chunk {} of {} has a {}-d vector, the model {}-d",
                                                c.id, repo->name, row.embedding.size(), dim));
      }
      if (row.embedding.size() == dim) {
        c.vector_row = static_cast<int64_t>(row_chunk.size());
        vectors.insert(vectors.end(), row.embedding.begin(), row.embedding.end());
        row_chunk.push_back(static_cast<uint32_t>(chunks.size()));
        ++repo->row_count;
      }
    }
    by_id.emplace(c.id, static_cast<uint32_t>(chunks.size()));
    chunks.push_back(std::move(c));
    repo->chunk_end = static_cast<uint32_t>(chunks.size());
  });
  return s.ok() ? row_error : s;
}

Status Searcher::Impl::ReloadIfChanged() {
  std::string now;
  if (Status s = store->GetChangeStamp(&now); !s.ok()) return s;
  return now == stamp ? Status::Ok() : Load();
}

RepoInfo* Searcher::Impl::FindRepo(std::string_view name) {
  for (RepoInfo& r : repos) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

bool Searcher::Impl::PassesFilters(const ChunkInfo& c, const SearchRequest& r) const {
  return (r.repository.empty() || c.repository == r.repository) &&
         (r.language.empty() || c.language == r.language) && (r.kind.empty() || c.kind == r.kind) &&
         (r.path_glob.empty() || PathGlobMatches(r.path_glob, c.file_path));
}

Status Searcher::Impl::LexicalLeg(const SearchRequest& r, size_t depth, std::vector<LegHit>* hits,
                                  bool* more) {
  ChunkFilter filter;
  filter.repository = r.repository.empty() ? options.repository : r.repository;
  // The store answers fastest unfiltered; when the index holds no other repository the
  // repository filter changes nothing (PassesFilters checks it again below).
  if (index_repositories <= 1) filter.repository.clear();
  filter.language = r.language;
  filter.chunk_type = r.kind;
  std::vector<LexicalHit> found;
  // The path glob is not the store's to apply: read every match and filter here.
  const int64_t limit = r.path_glob.empty() ? static_cast<int64_t>(depth) : -1;
  if (Status s = store->SearchLexical(r.query, filter, limit, &found); !s.ok()) return s;
  for (const LexicalHit& hit : found) {
    auto it = by_id.find(hit.chunk_id);
    if (it == by_id.end() || !PassesFilters(chunks[it->second], r)) continue;
    hits->push_back({it->second, hit.score});
    if (hits->size() == depth) break;
  }
  *more = hits->size() < depth && limit > 0 && found.size() == static_cast<size_t>(limit);
  return Status::Ok();
}

Status Searcher::Impl::EnsureHnsw(RepoInfo* repo) {
  if (repo->hnsw != nullptr) return Status::Ok();
  std::vector<const std::string*> ids;
  ids.reserve(repo->row_count);
  for (uint32_t i = 0; i < repo->row_count; ++i) {
    ids.push_back(&chunks[row_chunk[repo->row_begin + i]].id);
  }
  search_internal::HnswParams params;
  params.m = options.hnsw_m;
  params.ef_construction = options.hnsw_ef_construction;
  const float* base = vectors.data() + static_cast<size_t>(repo->row_begin) * dim;
  const std::string stamp_text =
      search_internal::VectorStamp(embedder->model_id(), dim, ids, base, params);
  bool loaded = false;
  return search_internal::LoadOrBuildHnsw(options.hnsw_dir, repo->name, stamp_text, base,
                                          repo->row_count, dim, params, &repo->hnsw, &loaded);
}

// The store's own nearest-neighbour search (PostgreSQL with pgvector), when it has one and every
// filter can go to it; *served = false leaves the leg to the client. kExact asks for the exact
// scan, which the client does.
Status Searcher::Impl::ServerVectorLeg(const SearchRequest& r, const std::vector<float>& query,
                                       size_t depth, SearchResponse* out, std::vector<LegHit>* hits,
                                       bool* served) {
  *served = false;
  if (r.vector_index == VectorIndex::kExact) return Status::Ok();
  VectorSearch search;
  if (!r.path_glob.empty()) {
    std::optional<std::string> regex = search_internal::PathGlobRegex(r.path_glob);
    if (!regex) return Status::Ok();
    search.path_regex = std::move(*regex);
  }
  search.query = query;
  search.filter.repository = r.repository.empty() ? options.repository : r.repository;
  search.filter.language = r.language;
  search.filter.chunk_type = r.kind;
  search.limit = static_cast<int64_t>(depth);
  VectorSearchResult result;
  if (Status s = store->SearchVectors(search, &result); !s.ok()) return s;
  if (!result.warning.empty()) out->notes.push_back(result.warning);
  if (!result.served) return Status::Ok();
  for (const VectorHit& hit : result.hits) {
    auto it = by_id.find(hit.chunk_id);
    if (it == by_id.end() || !PassesFilters(chunks[it->second], r)) continue;
    hits->push_back({it->second, hit.score});
  }
  *served = true;
  out->used_hnsw = true;
  return Status::Ok();
}

Status Searcher::Impl::VectorLeg(const SearchRequest& r, const std::vector<RepoInfo*>& scope,
                                 size_t depth, SearchResponse* out, std::vector<LegHit>* hits) {
  if (IsBlank(r.query)) return Status::Ok();  // nothing to embed: no vector hits
  auto start = std::chrono::steady_clock::now();
  std::vector<std::vector<float>> embedded;
  const std::string text = TruncateUtf8(r.query, kMaxEmbeddedQueryBytes);
  Status s = embedder->Embed({text}, &embedded);
  out->embed_ms = MillisecondsSince(start);
  // The model refuses texts with nothing to embed (e.g. blank once prepared): no vector hits.
  if (s.code() == Status::Code::kInvalidArgument) return Status::Ok();
  if (!s.ok()) return s;
  start = std::chrono::steady_clock::now();
  bool served = false;
  if (Status v = ServerVectorLeg(r, embedded[0], depth, out, hits, &served); !v.ok() || served) {
    out->vector_ms = MillisecondsSince(start);
    return v;
  }
  const float* query = embedded[0].data();
  const bool filtered = !r.language.empty() || !r.kind.empty() || !r.path_glob.empty();
  std::vector<ScoredRow> rows;
  for (RepoInfo* repo : scope) {
    if (!repo->has_vectors || repo->row_count == 0) continue;
    const bool hnsw =
        !filtered &&
        (r.vector_index == VectorIndex::kHnsw ||
         (r.vector_index == VectorIndex::kAuto && repo->row_count >= options.hnsw_min_chunks));
    std::vector<ScoredRow> found;
    if (hnsw) {
      if (Status h = EnsureHnsw(repo); !h.ok()) return h;
      found = repo->hnsw->Search(query, depth, static_cast<size_t>(options.hnsw_ef_search));
      for (ScoredRow& row : found) row.row += repo->row_begin;
      out->used_hnsw = true;
    } else if (!filtered) {
      found = search_internal::ExactTopK(vectors.data(), dim, query, depth, {}, repo->row_begin,
                                         repo->row_count);
    } else {
      std::vector<uint32_t> candidates;
      for (uint32_t c = repo->chunk_begin; c < repo->chunk_end; ++c) {
        if (chunks[c].vector_row >= 0 && PassesFilters(chunks[c], r)) {
          candidates.push_back(static_cast<uint32_t>(chunks[c].vector_row));
        }
      }
      if (candidates.empty()) continue;
      found = search_internal::ExactTopK(vectors.data(), dim, query, depth, candidates, 0, 0);
    }
    rows.insert(rows.end(), found.begin(), found.end());
  }
  std::sort(rows.begin(), rows.end(), search_internal::BetterRow);
  if (rows.size() > depth) rows.resize(depth);
  for (const ScoredRow& row : rows) hits->push_back({row_chunk[row.row], row.score});
  out->vector_ms = MillisecondsSince(start);
  return Status::Ok();
}

void Searcher::Impl::Assemble(const SearchRequest& r, SearchMode mode,
                              const std::vector<LegHit>& lexical, const std::vector<LegHit>& vector,
                              SearchResponse* out) const {
  auto make = [&](uint32_t chunk) {
    const ChunkInfo& c = chunks[chunk];
    SearchResult res;
    res.chunk_id = c.id;
    res.repository = c.repository;
    res.file_path = c.file_path;
    res.language = c.language;
    res.kind = c.kind;
    res.name = c.name;
    res.qualified_name = c.qualified_name;
    res.start_line = c.start_line;
    res.end_line = c.end_line;
    return res;
  };
  std::unordered_map<uint32_t, std::pair<int, double>> lex_rank;
  std::unordered_map<uint32_t, std::pair<int, double>> vec_rank;
  std::vector<std::string> lex_ids;
  std::vector<std::string> vec_ids;
  for (size_t i = 0; i < lexical.size(); ++i) {
    lex_rank.emplace(lexical[i].chunk, std::make_pair(static_cast<int>(i + 1), lexical[i].score));
    lex_ids.push_back(chunks[lexical[i].chunk].id);
  }
  for (size_t i = 0; i < vector.size(); ++i) {
    vec_rank.emplace(vector[i].chunk, std::make_pair(static_cast<int>(i + 1), vector[i].score));
    vec_ids.push_back(chunks[vector[i].chunk].id);
  }
  std::vector<uint32_t> order;
  std::vector<double> scores;
  if (mode == SearchMode::kHybrid) {
    for (const FusedId& f :
         FuseReciprocalRank({lex_ids, vec_ids}, {r.lexical_weight, r.vector_weight}, r.rrf_k)) {
      order.push_back(by_id.at(f.id));
      scores.push_back(f.score);
    }
  } else {
    for (const LegHit& h : mode == SearchMode::kLexical ? lexical : vector) {
      order.push_back(h.chunk);
      scores.push_back(h.score);
    }
  }
  for (size_t i = 0; i < order.size() && i < static_cast<size_t>(r.limit); ++i) {
    SearchResult res = make(order[i]);
    res.score = scores[i];
    if (auto it = lex_rank.find(order[i]); it != lex_rank.end()) {
      res.lexical = {it->second.first, it->second.second};
    }
    if (auto it = vec_rank.find(order[i]); it != vec_rank.end()) {
      res.vector = {it->second.first, it->second.second};
    }
    out->results.push_back(std::move(res));
  }
}

Status Searcher::Impl::AddSnippets(const SearchRequest& r, SearchResponse* out) {
  if (!r.snippets || out->results.empty()) return Status::Ok();
  std::vector<std::string> ids;
  for (const SearchResult& res : out->results) ids.push_back(res.chunk_id);
  std::vector<std::string> sources;
  if (Status s = store->LoadChunkSources(ids, &sources); !s.ok()) return s;
  for (size_t i = 0; i < sources.size(); ++i) {
    out->results[i].snippet = search_internal::MakeSnippet(sources[i], r.query);
  }
  return Status::Ok();
}

Searcher::Searcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Searcher::~Searcher() = default;

size_t Searcher::chunk_count() const { return impl_->chunks.size(); }

Status Searcher::Open(Store* store, const Embedder* embedder, const SearcherOptions& options,
                      std::unique_ptr<Searcher>* out) {
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->embedder = embedder;
  impl->options = options;
  if (Status s = impl->Load(); !s.ok()) return s;
  out->reset(new Searcher(std::move(impl)));
  return Status::Ok();
}

Status Searcher::Search(const SearchRequest& request, SearchResponse* out) {
  *out = SearchResponse();
  out->mode = request.mode;
  if (Status s = ValidateRequest(request); !s.ok()) return s;
  Impl& im = *impl_;
  if (Status s = im.ReloadIfChanged(); !s.ok()) return s;

  std::vector<RepoInfo*> scope;
  if (!request.repository.empty()) {
    RepoInfo* repo = im.FindRepo(request.repository);
    if (repo == nullptr) {
      return Status::InvalidArgument(
          im.options.repository.empty()
              ? fmt::format("repository {} is not in the index", request.repository)
              : fmt::format("repository {} is not the searched repository {}", request.repository,
                            im.options.repository));
    }
    scope.push_back(repo);
  } else {
    for (RepoInfo& repo : im.repos) scope.push_back(&repo);
  }
  std::vector<std::string> without_vectors;
  for (RepoInfo* repo : scope) {
    if (!repo->has_vectors) without_vectors.push_back(repo->name);
  }
  const bool any_vectors =
      im.embedder != nullptr && without_vectors.size() < scope.size() && !scope.empty();
  SearchMode mode = request.mode;
  if (mode != SearchMode::kLexical && !any_vectors) {
    const std::string why = im.embedder == nullptr
                                ? "no embedding model was loaded"
                                : "no repository searched has vectors (indexed with --no-embed)";
    if (mode == SearchMode::kVector) {
      return Status::InvalidArgument("vector search impossible: " + why);
    }
    out->notes.push_back(fmt::format("hybrid search ran lexically only: {}", why));
    mode = SearchMode::kLexical;
  } else if (mode != SearchMode::kLexical && im.embedder != nullptr) {
    for (const std::string& name : without_vectors) {
      out->notes.push_back(fmt::format(
          "repository {} has no vectors (indexed with --no-embed): searched lexically only", name));
    }
  }
  out->mode = mode;

  const size_t depth = mode == SearchMode::kHybrid
                           ? static_cast<size_t>(std::max(request.candidates, request.limit))
                           : static_cast<size_t>(request.limit);
  std::vector<LegHit> lexical;
  std::vector<LegHit> vector;
  if (mode != SearchMode::kVector) {
    auto start = std::chrono::steady_clock::now();
    const size_t lexical_depth =
        mode == SearchMode::kHybrid ? HybridLexicalDepth(request, depth) : depth;
    bool more = false;
    if (Status s = im.LexicalLeg(request, lexical_depth, &lexical, &more); !s.ok()) return s;
    if (more && lexical_depth < depth) {  // the bound needs lexical_depth hits: read deeper
      lexical.clear();
      if (Status s = im.LexicalLeg(request, depth, &lexical, &more); !s.ok()) return s;
    }
    out->lexical_ms = MillisecondsSince(start);
  }
  if (mode != SearchMode::kLexical) {
    if (Status s = im.VectorLeg(request, scope, depth, out, &vector); !s.ok()) return s;
  }
  im.Assemble(request, mode, lexical, vector, out);
  return im.AddSnippets(request, out);
}

}  // namespace semdex
