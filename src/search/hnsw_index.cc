// The HNSW graph (hnswlib, header-only in Debian's libhnswlib-dev) and its persisted files.
#include <fmt/format.h>
// hnswlib 0.6.2's SSE prefetches read one link past the end of a link list (AddressSanitizer:
// heap-buffer-overflow in searchBaseLayer); they only hint the cache, and the distance function
// is ours (DotSpace), so its hand-written SIMD is not wanted either.
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>
#include <xxhash.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "search/search_internal.h"

namespace semdex::search_internal {
namespace {

// Version of the persisted format: bump when the graph file or the stamp changes meaning.
constexpr int kHnswFileVersion = 1;

float InnerProductDistance(const void* a, const void* b, const void* dim) {
  return 1.0f - Dot(static_cast<const float*>(a), static_cast<const float*>(b),
                    *static_cast<const size_t*>(dim));
}

// hnswlib's own InnerProductSpace picks SIMD at compile time (baseline SSE here); this one uses
// the runtime-dispatched kernel of the exact scan.
class DotSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit DotSpace(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return InnerProductDistance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
};

Status ReadSmallFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    if (!out) return Status::IoError(fmt::format("cannot write {}", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Status::IoError(fmt::format("cannot rename {} to {}: {}", tmp, path, ec.message()));
  return Status::Ok();
}

}  // namespace

struct HnswGraph::Impl {
  explicit Impl(size_t dim) : space(dim) {}
  DotSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
};

HnswGraph::HnswGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HnswGraph::~HnswGraph() = default;

size_t HnswGraph::size() const { return impl_->index->cur_element_count; }

Status HnswGraph::Build(const float* vectors, size_t count, size_t dim, const HnswParams& params,
                        std::unique_ptr<HnswGraph>* out) {
  auto impl = std::make_unique<Impl>(dim);
  try {
    impl->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &impl->space, std::max<size_t>(count, 1), static_cast<size_t>(params.m),
        static_cast<size_t>(params.ef_construction), /*random_seed=*/100);
    // One thread: the graph is then the same on every run (and a 20k x 512-d graph builds in
    // well under a minute, once per change of the rows).
    for (size_t i = 0; i < count; ++i) impl->index->addPoint(vectors + i * dim, i);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("building the HNSW graph: ") + e.what());
  }
  out->reset(new HnswGraph(std::move(impl)));
  return Status::Ok();
}

Status HnswGraph::Load(const std::string& path, size_t dim, std::unique_ptr<HnswGraph>* out) {
  auto impl = std::make_unique<Impl>(dim);
  try {
    impl->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(&impl->space, path);
  } catch (const std::exception& e) {
    return Status::IoError(fmt::format("reading the HNSW graph {}: {}", path, e.what()));
  }
  out->reset(new HnswGraph(std::move(impl)));
  return Status::Ok();
}

Status HnswGraph::Save(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  try {
    impl_->index->saveIndex(tmp);
  } catch (const std::exception& e) {
    return Status::IoError(fmt::format("writing the HNSW graph {}: {}", tmp, e.what()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Status::IoError(fmt::format("cannot rename {} to {}: {}", tmp, path, ec.message()));
  return Status::Ok();
}

std::vector<ScoredRow> HnswGraph::Search(const float* query, size_t k, size_t ef) const {
  std::vector<ScoredRow> rows;
  if (size() == 0 || k == 0) return rows;
  impl_->index->setEf(std::max(ef, k));
  auto queue = impl_->index->searchKnn(query, std::min(k, size()));
  rows.resize(queue.size());
  for (size_t i = queue.size(); i > 0; --i) {  // the queue pops the farthest first
    rows[i - 1] = {1.0f - queue.top().first, static_cast<uint32_t>(queue.top().second)};
    queue.pop();
  }
  std::stable_sort(rows.begin(), rows.end(), BetterRow);
  return rows;
}

std::string VectorStamp(const std::string& model_id, size_t dim,
                        const std::vector<const std::string*>& ids, const float* vectors,
                        const HnswParams& params) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  const std::string header =
      fmt::format("semdex-hnsw {} {} {} {} {} {}", kHnswFileVersion, model_id, dim, ids.size(),
                  params.m, params.ef_construction);
  XXH3_128bits_update(state, header.data(), header.size() + 1);  // with its NUL
  for (size_t i = 0; i < ids.size(); ++i) {
    XXH3_128bits_update(state, ids[i]->data(), ids[i]->size() + 1);
    XXH3_128bits_update(state, vectors + i * dim, dim * sizeof(float));
  }
  const XXH128_hash_t hash = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  return fmt::format("{:016x}{:016x} {}", hash.high64, hash.low64, ids.size());
}

std::string HnswFileBase(const std::string& repository) {
  std::string safe;
  for (char c : repository) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    safe.push_back(ok ? c : '_');
  }
  if (safe.size() > 64) safe.resize(64);
  return safe + "-" + Xxh3Hex(repository).substr(0, 8);
}

Status LoadOrBuildHnsw(const std::string& dir, const std::string& repository,
                       const std::string& stamp, const float* vectors, size_t count, size_t dim,
                       const HnswParams& params, std::unique_ptr<HnswGraph>* out, bool* loaded) {
  *loaded = false;
  std::string graph_path;
  std::string stamp_path;
  if (!dir.empty()) {
    const std::string base = dir + "/" + HnswFileBase(repository);
    graph_path = base + ".hnsw";
    stamp_path = base + ".stamp";
    std::string saved;
    if (ReadSmallFile(stamp_path, &saved).ok() && saved == stamp) {
      std::unique_ptr<HnswGraph> graph;
      // A graph that does not load, or holds another number of vectors, is rebuilt.
      if (HnswGraph::Load(graph_path, dim, &graph).ok() && graph->size() == count) {
        *out = std::move(graph);
        *loaded = true;
        return Status::Ok();
      }
    }
  }
  if (Status s = HnswGraph::Build(vectors, count, dim, params, out); !s.ok()) return s;
  if (dir.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError(fmt::format("cannot create {}: {}", dir, ec.message()));
  // The graph first, then its stamp: a reader never pairs a new stamp with an old graph.
  if (Status s = (*out)->Save(graph_path); !s.ok()) return s;
  return WriteFileAtomically(stamp_path, stamp);
}

}  // namespace semdex::search_internal
