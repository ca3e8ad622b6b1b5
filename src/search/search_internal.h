// search_internal: the pieces of src/search/ behind search.h: the dot-product kernel, the exact
// scan, the HNSW graph and its persisted files. Internal to src/search/ (and its tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex::search_internal {

// Dot product of two float vectors of length n. AVX2+FMA when the CPU has them (chosen once at
// start-up), else a portable loop the compiler vectorises for the baseline ISA.
float Dot(const float* a, const float* b, size_t n);

// A row of a vector matrix and its similarity to the query.
struct ScoredRow {
  float score = 0;
  uint32_t row = 0;
};

// Orders best first: higher score, then lower row (deterministic ties).
inline bool BetterRow(const ScoredRow& a, const ScoredRow& b) {
  return a.score != b.score ? a.score > b.score : a.row < b.row;
}

// The k best rows among `rows` of `matrix` (row r at matrix + r * dim) by dot product with
// `query`, best first. `rows` empty and `all_count` > 0: rows [first, first + all_count).
std::vector<ScoredRow> ExactTopK(const float* matrix, size_t dim, const float* query, size_t k,
                                 const std::vector<uint32_t>& rows, uint32_t first,
                                 uint32_t all_count);

struct HnswParams {
  int m = 16;
  int ef_construction = 200;
};

// An HNSW graph (hnswlib, inner-product distance 1 - dot) over `count` vectors whose labels are
// 0..count-1 (row offsets). Thread-compatible: Search is const and may run concurrently.
class HnswGraph {
 public:
  ~HnswGraph();
  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  // Builds the graph of vectors[0 .. count*dim).
  static Status Build(const float* vectors, size_t count, size_t dim, const HnswParams& params,
                      std::unique_ptr<HnswGraph>* out);
  // Reads a graph Save wrote. REQUIRES: the file was saved with this dim (the stamp says so).
  static Status Load(const std::string& path, size_t dim, std::unique_ptr<HnswGraph>* out);
  // Writes the graph to `path` atomically (a temporary file renamed over it).
  Status Save(const std::string& path) const;

  size_t size() const;
  // The k nearest labels by inner product, best first; ef: the beam width (raised to k).
  std::vector<ScoredRow> Search(const float* query, size_t k, size_t ef) const;

 private:
  struct Impl;
  explicit HnswGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a persisted graph was built from: a hash of the model id, the dimension and every
// (chunk id, vector) in row order, and the HNSW parameters. Any change to the rows changes it.
std::string VectorStamp(const std::string& model_id, size_t dim,
                        const std::vector<const std::string*>& ids, const float* vectors,
                        const HnswParams& params);

// The graph of one repository: loaded from <dir>/<file name>.hnsw when its .stamp file holds
// `stamp`, else built and (dir not empty) saved with it. *loaded says which happened.
Status LoadOrBuildHnsw(const std::string& dir, const std::string& repository,
                       const std::string& stamp, const float* vectors, size_t count, size_t dim,
                       const HnswParams& params, std::unique_ptr<HnswGraph>* out, bool* loaded);

// A --path glob as an anchored regular expression (PostgreSQL's `~`, POSIX) that matches exactly
// the paths PathGlobMatches matches, for server-side vector search; nullopt for the globs a
// character-based regex cannot mean byte for byte ('?', negated or non-ASCII classes, control
// characters, invalid UTF-8): those are applied on the client.
std::optional<std::string> PathGlobRegex(std::string_view glob);

// The persisted files' base name for a repository: its safe characters plus a hash.
std::string HnswFileBase(const std::string& repository);

// A few lines of `source` to show under a result: its first code line (after a leading comment)
// and the line sharing the most words with `query`, if another; each trimmed to 160 bytes.
std::string MakeSnippet(const std::string& source, const std::string& query);

}  // namespace semdex::search_internal
