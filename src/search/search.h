// search: answers a query over an index. The one header other stages include from src/search/.
//
// Three ways to rank the chunks of an index (SearchMode):
// - lexical: the store's full-text index (SQLite FTS5, BM25). Documents and queries go through
//   the same code-aware tokeniser (store/code_tokens.h): identifiers are kept whole AND split
//   into lower-case words (getUserName -> getusername get user name). Every query term is quoted
//   before it reaches the engine, so no query text is ever FTS syntax: empty, huge, punctuation
//   only, `"`, `*`, `NEAR(`, `AND OR NOT`, unbalanced parentheses are all searched as text (or
//   give no results), never an engine error. Terms are OR-ed; BM25 weighs a term found in the
//   name 8x, the qualified name 4x, the signature and doc comment 2x, the source 1x. Equal
//   scores keep the order the chunks were written in. The SQLite store ranks only the rows that
//   hold the query's rarest terms when score bounds prove no other row can reach the top `limit`
//   (store/lexical_bounds.h): the same rows, in the same order, for less time.
// - vector: the query embedded with the index's model (CheckIndexModel: a clear error when the
//   Embedder is another model), scored by dot product (cosine: vectors are unit length) against
//   every chunk's vector. Exact scan by default (vectors loaded once per Searcher, SIMD dot
//   products); an HNSW graph (hnswlib) for a repository with at least
//   SearcherOptions::hnsw_min_chunks vectors when the request filters on nothing but the
//   repository (hnswlib 0.6 cannot filter during its walk, so filtered requests scan the
//   filtered rows exactly). A store with its own nearest-neighbour search (PostgreSQL with
//   pgvector: Store::SearchVectors) answers instead, filters included, unless the request asks
//   for VectorIndex::kExact or its path glob cannot be sent (PathGlobRegex); when that search
//   fails the store says why once (SearchResponse::notes) and the client-side scan answers.
// - hybrid (default): reciprocal rank fusion of the two legs' top `candidates`:
//   score = lexical_weight / (rrf_k + lexical rank) + vector_weight / (rrf_k + vector rank),
//   ranks 1-based, a leg that did not return the chunk adds nothing. Ties break by chunk id.
//   The lexical leg is read only as deep as a chunk could still reach the top `limit` (10 rows
//   with the defaults), which changes no result (HybridLexicalDepth in searcher.cc).
//   The default weights (1 and 0.01, see SearchRequest) favour the lexical leg: with the default
//   model it is the better one on every query set measured.
//   When no vectors can be searched (no Embedder given, or every repository in scope was indexed
//   with --no-embed) hybrid runs the lexical leg alone and says so in SearchResponse::notes;
//   vector mode fails instead.
//
// HNSW persistence: with SearcherOptions::hnsw_dir set, each repository's graph is saved as
// <hnsw_dir>/<repository file name>.hnsw with a .stamp file beside it. The stamp is a hash of the
// model id, dimension, and every (chunk id, vector) of the repository in id order, so any change
// to the rows (re-index, a changed file, another model) makes the saved graph stale; a stale or
// unreadable graph is rebuilt from the rows and saved again. Without hnsw_dir graphs are built in
// memory when first needed.
//
// Staleness of a long-lived Searcher: each Search() first asks the store for its change stamp
// (Store::GetChangeStamp, O(1)) and reloads chunks and vectors when the rows may have changed, so
// a server never answers from rows that are gone.
//
// Thread-safety: a Searcher is used by one thread at a time (it queries its Store, which is
// single-threaded). The Embedder it was given must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "embed/embed.h"
#include "store/store.h"
#include "util/util.h"

namespace semdex {

enum class SearchMode { kHybrid, kLexical, kVector };

// "hybrid", "lexical", "vector".
const char* SearchModeName(SearchMode mode);
// Parses SearchModeName()'s spellings; InvalidArgument for anything else.
Status ParseSearchMode(std::string_view name, SearchMode* out);

// How the vector leg finds its candidates.
enum class VectorIndex {
  kAuto,   // HNSW when the repository has >= hnsw_min_chunks vectors and no filter but the
           // repository applies; else exact
  kExact,  // always the exact scan
  kHnsw,   // HNSW whenever no filter but the repository applies (builds it if needed)
};

struct SearchRequest {
  std::string query;  // any text; see the file comment for what "bad" queries do
  SearchMode mode = SearchMode::kHybrid;
  int limit = 10;  // results wanted, 1..1000 (InvalidArgument otherwise)
  // Filters; "" matches everything. They apply before ranking in every mode.
  std::string repository;  // one repository (must be in the Searcher's scope)
  std::string language;    // code_chunks.language: "typescript", "javascript", "python"
  std::string kind;        // code_chunks.chunk_type: "function", "method", "class", ...
  std::string path_glob;   // matched against the file path (PathGlobMatches)
  // Fusion (hybrid mode). The default vector weight was chosen with search_bench
  // --fusion-sweep on three@0.187.0 with the default model (docs/search.md): every weight from
  // 0.05 up ranked worse than the lexical leg alone, on both query sets; 0.01 keeps the lexical
  // order within the top ~15 and lets the vector leg break ties and answer when the words of the
  // query are not in the code. With a code model (jina-embeddings-v2-base-code) raise it.
  double lexical_weight = 1.0;  // >= 0
  double vector_weight = 0.01;  // >= 0
  int rrf_k = 60;               // >= 1
  int candidates = 100;  // how deep each leg is read before fusing; raised to `limit` if smaller
  VectorIndex vector_index = VectorIndex::kAuto;
  bool snippets = true;  // fill SearchResult::snippet (one extra store read per request)
};

// One leg's view of a result.
struct LegScore {
  int rank = 0;  // 1-based rank in that leg; 0: the leg did not return this chunk
  // lexical: -bm25 (higher is better); vector: cosine similarity in [-1, 1]. 0 when rank is 0.
  double score = 0;
};

struct SearchResult {
  std::string chunk_id;
  std::string repository;
  std::string file_path;
  std::string language;
  std::string kind;  // chunk_type
  std::string name;
  std::string qualified_name;
  int start_line = 0;
  int end_line = 0;
  // The mode's score, higher is better: hybrid the RRF sum, lexical -bm25, vector the cosine.
  double score = 0;
  LegScore lexical;
  LegScore vector;
  std::string snippet;  // a few lines of the chunk (its first code line, the best-matching line)
};

struct SearchResponse {
  std::vector<SearchResult> results;      // best first, at most `limit`
  SearchMode mode = SearchMode::kHybrid;  // the mode that ran (hybrid may fall back to lexical)
  bool used_hnsw = false;                 // the vector leg read an HNSW graph
  std::vector<std::string> notes;         // e.g. why hybrid ran lexically
  // Where the time went, milliseconds.
  double embed_ms = 0;
  double lexical_ms = 0;
  double vector_ms = 0;
};

struct SearcherOptions {
  // The repository the Searcher serves; "" every repository in the index.
  std::string repository;
  // Folder for persisted HNSW graphs (created when needed); "" keeps graphs in memory only.
  std::string hnsw_dir;
  // VectorIndex::kAuto uses HNSW for a repository with at least this many vectors. The exact scan
  // of 20k 512-d vectors takes a few milliseconds, so the graph pays off only above that.
  int64_t hnsw_min_chunks = 20000;
  int hnsw_m = 16;                 // graph degree
  int hnsw_ef_construction = 200;  // build-time beam width
  int hnsw_ef_search = 128;        // query-time beam width (raised to the candidates wanted)
};

// A loaded index, ready to answer many queries. See the file comment.
class Searcher {
 public:
  // Loads the chunks of options.repository (or all) from `store`, with their vectors when
  // `embedder` is not null, and checks the embedder against each repository's model
  // (CheckIndexModel). A repository embedded with another model fails here (InvalidArgument,
  // naming both models); one indexed with --no-embed is searched lexically only.
  // NotFound when options.repository is not in the index.
  // REQUIRES: `store` and `embedder` (when not null) outlive the Searcher.
  static Status Open(Store* store, const Embedder* embedder, const SearcherOptions& options,
                     std::unique_ptr<Searcher>* out);
  ~Searcher();
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  // Runs one request. InvalidArgument for a bad limit/weights/mode, a repository outside the
  // Searcher's scope, or vector mode without searchable vectors; other errors come from the store
  // or the model. A query that matches nothing gives OK and no results.
  Status Search(const SearchRequest& request, SearchResponse* out);

  // Number of chunks loaded (with or without vectors), for diagnostics.
  size_t chunk_count() const;

 private:
  struct Impl;
  explicit Searcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The model spec (for LoadEmbedder) and precision that reproduce a recorded model id:
// "use-lite-en@0.2.0" -> "default"; a "+int8"/"+bf16" suffix -> that precision;
// "remote:HOST/PATH#MODEL" -> "http://HOST/PATH#MODEL" for loopback hosts, else https://.
// Ids that name a local directory's model ("hf:...", "use-lite-en@custom-...") cannot be
// reproduced: InvalidArgument asking for --model PATH.
Status ModelSpecForIndex(std::string_view model_id, std::string* spec, Precision* precision);

// Loads the Embedder a query against `repository` ("" every repository) must be embedded with:
// `model_flag` when not empty (precision from base.precision), else derived from the recorded
// model ids (ModelSpecForIndex), which must then agree. Leaves *out null, OK, with *note set,
// when no repository in scope has vectors (indexed with --no-embed).
Status LoadQueryEmbedder(Store* store, const std::string& repository, const std::string& model_flag,
                         const EmbedderOptions& base, std::unique_ptr<Embedder>* out,
                         std::string* note);

// Glob over a relative file path: `*` any run of characters except '/', `**` any run including
// '/', `?` one character except '/', `[abc]` / `[a-z]` / `[!a]` a class; everything else literal.
// A glob without '/' matches the path's last component too ("*.ts" matches "src/a.ts"); a glob
// with '/' must match the whole path ("src/**/*.ts").
bool PathGlobMatches(std::string_view glob, std::string_view path);

// Reciprocal rank fusion of ranked id lists (best first). One entry per distinct id; each gets
// sum over lists of weight / (k + rank) with 1-based ranks; sorted by fused score descending,
// ties by id. Exposed for tests.
struct FusedId {
  std::string id;
  double score = 0;
  std::vector<int> ranks;  // per input list, 0 when absent
};
std::vector<FusedId> FuseReciprocalRank(const std::vector<std::vector<std::string>>& lists,
                                        const std::vector<double>& weights, int k);

}  // namespace semdex
