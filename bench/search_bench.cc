// Search benchmark: latency of each mode, HNSW recall against the exact scan, and relevance
// (MRR@10) on an existing index.
//   search_bench DB REPOSITORY [--queries N] [--relevance TSV] [--dump-queries FILE]
//                              [--synthetic N] [--fusion-sweep]
// Queries (N, default 200) are derived from the index: the first sentence of chunk doc comments
// (at least 4 words), spread evenly over the chunks in id order; the documented chunk's qualified
// name is the answer. The doc comment is part of the chunk's source and of its indexed text, so
// these queries are easy for the lexical leg: --relevance adds a hand-written set (query TAB
// qualified name per line, '#' comments), e.g. bench/search_queries_three.tsv, paraphrased
// rather than copied from the docs.
// Latency is Searcher::Search wall time (query embedding, store query, snippets) after one
// warm-up pass, with the process CPU time beside it (on a loaded machine wall time is mostly
// waiting for a core); the HNSW graph is built (or loaded) before timing. --synthetic N also times
// the exact scan and HNSW over N random 512-d unit vectors (no store), to see the scan at other
// sizes.
// --fusion-sweep reads each query's two legs once and replays reciprocal rank fusion with several
// vector weights: chosen on the even-numbered doc-derived queries, reported on the odd-numbered
// ones and on the --relevance set (see FusionSweep).
// Index first, e.g.: semdex index .cache/npm/three-0.187.0/package/src --repository three
//                    --db /tmp/three.db
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "search/search.h"
#include "search/search_internal.h"

namespace {

using namespace semdex;
using Clock = std::chrono::steady_clock;

struct Query {
  std::string text;
  std::string answer;  // qualified name
};

// CPU time of the whole process (every thread), ms: on a shared machine the wall time of a query
// also counts the time other processes held the cores; the CPU time does not.
double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// The first sentence of a doc comment, markers and tags removed.
std::string FirstSentence(const std::string& doc) {
  std::string text;
  for (size_t i = 0; i < doc.size(); ++i) {
    const char c = doc[i];
    if (c == '/' || c == '*' || c == '"' || c == '#' || c == '\n' || c == '\t') {
      if (!text.empty() && text.back() != ' ') text += ' ';
      continue;
    }
    if (c == '@') break;  // JSDoc tags
    if (c == ' ' && (text.empty() || text.back() == ' ')) continue;
    text += c;
    if (c == '.' && (i + 1 == doc.size() || doc[i + 1] == ' ' || doc[i + 1] == '\n')) break;
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::vector<Query> DeriveQueries(const std::string& db_path, const std::string& repository,
                                 size_t count) {
  sqlite3* db = nullptr;
  std::vector<Query> all;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT qualified_name, metadata->>'docstring' FROM code_chunks WHERE "
                       "repository = ?1 AND chunk_type != 'module' AND "
                       "length(metadata->>'docstring') > 20 ORDER BY id",
                       -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, repository.c_str(), -1, SQLITE_TRANSIENT);
    std::set<std::string> seen;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const char* qn = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      const char* doc = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
      if (qn == nullptr || doc == nullptr) continue;
      std::string sentence = FirstSentence(doc);
      if (std::count(sentence.begin(), sentence.end(), ' ') < 3 || sentence.size() > 300) continue;
      if (!seen.insert(sentence).second) continue;  // the same doc on several chunks
      all.push_back({sentence, qn});
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  std::vector<Query> picked;
  for (size_t i = 0; i < count && !all.empty(); ++i) {
    const size_t at = i * all.size() / count;
    if (picked.empty() || picked.back().text != all[at].text) picked.push_back(all[at]);
  }
  return picked;
}

std::vector<Query> ReadQueries(const std::string& path) {
  std::vector<Query> queries;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    queries.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return queries;
}

struct Setting {
  const char* label;
  SearchMode mode;
  VectorIndex index;
};

constexpr Setting kSettings[] = {
    {"lexical", SearchMode::kLexical, VectorIndex::kExact},
    {"vector exact", SearchMode::kVector, VectorIndex::kExact},
    {"vector hnsw", SearchMode::kVector, VectorIndex::kHnsw},
    {"hybrid (exact)", SearchMode::kHybrid, VectorIndex::kExact},
    {"hybrid (hnsw)", SearchMode::kHybrid, VectorIndex::kHnsw},
};

int Run(Searcher* searcher, const std::string& repository, const std::vector<Query>& queries,
        const Setting& setting, bool print_latency, double* mrr) {
  std::vector<double> ms;
  std::vector<double> cpu_ms;
  std::vector<double> embed_ms;
  double reciprocal = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const Query& q : queries) {
      SearchRequest r;
      r.query = q.text;
      r.mode = setting.mode;
      r.vector_index = setting.index;
      r.repository = repository;
      SearchResponse out;
      const auto start = Clock::now();
      const double cpu_start = ProcessCpuMs();
      if (Status s = searcher->Search(r, &out); !s.ok()) {
        fmt::print(stderr, "search_bench: {}\n", s.ToString());
        return 1;
      }
      if (pass == 0) continue;  // warm-up
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      cpu_ms.push_back(ProcessCpuMs() - cpu_start);
      embed_ms.push_back(out.embed_ms);
      for (size_t i = 0; i < out.results.size(); ++i) {
        if (out.results[i].qualified_name == q.answer) {
          reciprocal += 1.0 / static_cast<double>(i + 1);
          break;
        }
      }
    }
  }
  *mrr = queries.empty() ? 0 : reciprocal / static_cast<double>(queries.size());
  if (print_latency) {
    fmt::print(
        "  {:<15} p50 {:7.2f} ms   p95 {:7.2f} ms   CPU p50 {:6.2f} ms p95 {:6.2f} ms   (query "
        "embedding p50 {:.2f} ms)\n",
        setting.label, Percentile(ms, 0.5), Percentile(ms, 0.95), Percentile(cpu_ms, 0.5),
        Percentile(cpu_ms, 0.95), Percentile(embed_ms, 0.5));
  }
  return 0;
}

double RecallAt10(Searcher* searcher, const std::string& repository,
                  const std::vector<Query>& queries) {
  size_t hit = 0;
  size_t total = 0;
  for (const Query& q : queries) {
    SearchRequest r;
    r.query = q.text;
    r.mode = SearchMode::kVector;
    r.repository = repository;
    r.snippets = false;
    SearchResponse exact, hnsw;
    r.vector_index = VectorIndex::kExact;
    if (!searcher->Search(r, &exact).ok()) return -1;
    r.vector_index = VectorIndex::kHnsw;
    if (!searcher->Search(r, &hnsw).ok()) return -1;
    std::set<std::string> truth;
    for (const SearchResult& res : exact.results) truth.insert(res.chunk_id);
    for (const SearchResult& res : hnsw.results) hit += truth.count(res.chunk_id);
    total += exact.results.size();
  }
  return total == 0 ? 0 : static_cast<double>(hit) / static_cast<double>(total);
}

void Synthetic(size_t count) {
  const size_t dim = 512;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<float> data(count * dim);
  for (size_t i = 0; i < count; ++i) {
    float norm = 0;
    for (size_t d = 0; d < dim; ++d) norm += (data[i * dim + d] = normal(rng)) * data[i * dim + d];
    for (size_t d = 0; d < dim; ++d) data[i * dim + d] /= std::sqrt(norm);
  }
  std::vector<double> exact_ms, hnsw_ms;
  const auto build_start = Clock::now();
  std::unique_ptr<search_internal::HnswGraph> graph;
  search_internal::HnswParams params;
  (void)search_internal::HnswGraph::Build(data.data(), count, dim, params, &graph);
  const double build_s = std::chrono::duration<double>(Clock::now() - build_start).count();
  for (size_t q = 0; q < 200; ++q) {
    const float* query = data.data() + (q * 7919 % count) * dim;
    auto start = Clock::now();
    auto top = search_internal::ExactTopK(data.data(), dim, query, 100, {}, 0,
                                          static_cast<uint32_t>(count));
    exact_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    start = Clock::now();
    auto approx = graph->Search(query, 100, 128);
    hnsw_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  fmt::print(
      "synthetic {} x 512-d: exact top-100 p50 {:.2f} ms p95 {:.2f} ms; HNSW p50 {:.3f} ms "
      "p95 {:.3f} ms (build {:.1f} s, 1 thread)\n",
      count, Percentile(exact_ms, 0.5), Percentile(exact_ms, 0.95), Percentile(hnsw_ms, 0.5),
      Percentile(hnsw_ms, 0.95), build_s);
}

// Each query's two legs, read once to the hybrid depth, so fusion can be replayed offline.
struct LegLists {
  std::vector<std::string> lexical;  // chunk ids, best first
  std::vector<std::string> vector;
  std::string answer;
};

int ReadLegs(Searcher* searcher, const std::string& repository, const std::vector<Query>& queries,
             std::unordered_map<std::string, std::string>* qualified_names,
             std::vector<LegLists>* out) {
  for (const Query& q : queries) {
    LegLists legs;
    legs.answer = q.answer;
    for (SearchMode mode : {SearchMode::kLexical, SearchMode::kVector}) {
      SearchRequest r;
      r.query = q.text;
      r.mode = mode;
      r.vector_index = VectorIndex::kExact;
      r.repository = repository;
      r.limit = r.candidates;  // what hybrid reads from each leg
      r.snippets = false;
      SearchResponse response;
      if (Status s = searcher->Search(r, &response); !s.ok()) {
        fmt::print(stderr, "search_bench: {}\n", s.ToString());
        return 1;
      }
      for (const SearchResult& res : response.results) {
        (mode == SearchMode::kLexical ? legs.lexical : legs.vector).push_back(res.chunk_id);
        qualified_names->emplace(res.chunk_id, res.qualified_name);
      }
    }
    out->push_back(std::move(legs));
  }
  return 0;
}

// MRR@10 of RRF (k = 60) with lexical weight 1 and `vector_weight`, over legs[i] for i % 2 ==
// `half` (-1: all).
double FusedMrr(const std::vector<LegLists>& legs,
                const std::unordered_map<std::string, std::string>& qualified_names,
                double vector_weight, int half) {
  double reciprocal = 0;
  size_t count = 0;
  for (size_t i = 0; i < legs.size(); ++i) {
    if (half >= 0 && static_cast<int>(i % 2) != half) continue;
    ++count;
    const std::vector<FusedId> fused =
        FuseReciprocalRank({legs[i].lexical, legs[i].vector}, {1.0, vector_weight}, 60);
    for (size_t r = 0; r < fused.size() && r < 10; ++r) {
      if (qualified_names.at(fused[r].id) == legs[i].answer) {
        reciprocal += 1.0 / static_cast<double>(r + 1);
        break;
      }
    }
  }
  return count == 0 ? 0 : reciprocal / static_cast<double>(count);
}

// --fusion-sweep: picks the vector weight (lexical weight 1) on the even-numbered doc-derived
// queries and reports it on the odd-numbered ones and on the hand-written set, which took no
// part in the choice.
int FusionSweep(Searcher* searcher, const std::string& repository,
                const std::vector<Query>& doc_queries, const std::vector<Query>& hand_queries) {
  std::unordered_map<std::string, std::string> qualified_names;
  std::vector<LegLists> doc_legs, hand_legs;
  if (ReadLegs(searcher, repository, doc_queries, &qualified_names, &doc_legs) != 0 ||
      ReadLegs(searcher, repository, hand_queries, &qualified_names, &hand_legs) != 0) {
    return 1;
  }
  constexpr double kWeights[] = {0.0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2,
                                 0.3, 0.5,  0.7,  1.0,  1.5,  2.0};
  fmt::print(
      "fusion sweep (RRF k 60, lexical weight 1), MRR@10: vector weight | doc-derived even "
      "(tuning) | doc-derived odd (held out) | hand-written (held out)\n");
  double best_weight = 0;
  double best_mrr = -1;
  for (double w : kWeights) {
    const double tune = FusedMrr(doc_legs, qualified_names, w, 0);
    fmt::print("  {:4.2f}  {:.3f}  {:.3f}  {:.3f}\n", w, tune,
               FusedMrr(doc_legs, qualified_names, w, 1),
               FusedMrr(hand_legs, qualified_names, w, -1));
    // The smallest positive weight among equals: 0 switches the vector leg off (not hybrid).
    if (w > 0 && tune > best_mrr + 1e-9) {
      best_mrr = tune;
      best_weight = w;
    }
  }
  fmt::print("  best positive weight on the tuning half: vector weight {:.2f}\n", best_weight);
  // The legs alone, as fusion with a zero weight on the other leg (ranks are the leg's own).
  for (int half = 0; half < 2; ++half) {
    double lexical = 0, vector = 0;
    size_t count = 0;
    for (size_t i = static_cast<size_t>(half); i < doc_legs.size(); i += 2, ++count) {
      for (size_t r = 0; r < 10; ++r) {
        if (r < doc_legs[i].lexical.size() &&
            qualified_names.at(doc_legs[i].lexical[r]) == doc_legs[i].answer) {
          lexical += 1.0 / static_cast<double>(r + 1);
          break;
        }
      }
      for (size_t r = 0; r < 10; ++r) {
        if (r < doc_legs[i].vector.size() &&
            qualified_names.at(doc_legs[i].vector[r]) == doc_legs[i].answer) {
          vector += 1.0 / static_cast<double>(r + 1);
          break;
        }
      }
    }
    fmt::print("  doc-derived {} half alone: lexical {:.3f} vector {:.3f}\n",
               half == 0 ? "even" : "odd", count ? lexical / count : 0, count ? vector / count : 0);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr,
               "usage: search_bench DB REPOSITORY [--queries N] [--relevance TSV] "
               "[--dump-queries FILE] [--synthetic N] [--fusion-sweep]\n");
    return 2;
  }
  const std::string db = argv[1];
  const std::string repository = argv[2];
  size_t count = 200;
  std::string relevance, dump;
  size_t synthetic = 0;
  bool fusion_sweep = false;
  for (int i = 3; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--fusion-sweep") {
      fusion_sweep = true;
      continue;
    }
    if (i + 1 == argc) break;
    const std::string value = argv[++i];
    if (flag == "--queries") count = std::stoul(value);
    if (flag == "--relevance") relevance = value;
    if (flag == "--dump-queries") dump = value;
    if (flag == "--synthetic") synthetic = std::stoul(value);
  }
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(db, StoreOptions(), &store); !s.ok()) {
    fmt::print(stderr, "search_bench: {}\n", s.ToString());
    return 2;
  }
  std::unique_ptr<Embedder> embedder;
  std::string note;
  if (Status s =
          LoadQueryEmbedder(store.get(), repository, "", EmbedderOptions(), &embedder, &note);
      !s.ok()) {
    fmt::print(stderr, "search_bench: {}\n", s.ToString());
    return 2;
  }
  const bool vectors = embedder != nullptr;  // a --no-embed index: lexical figures only
  SearcherOptions options;
  options.repository = repository;
  options.hnsw_dir = db + ".hnsw";
  auto start = Clock::now();
  std::unique_ptr<Searcher> searcher;
  if (Status s = Searcher::Open(store.get(), embedder.get(), options, &searcher); !s.ok()) {
    fmt::print(stderr, "search_bench: {}\n", s.ToString());
    return 2;
  }
  const double open_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<Query> queries = DeriveQueries(db, repository, count);
  if (!dump.empty()) {
    std::ofstream out(dump);
    out << "# query<TAB>qualified name: first doc-comment sentences of " << repository << "\n";
    for (const Query& q : queries) out << q.text << '\t' << q.answer << '\n';
  }
  // Build or load the graph before timing (the first HNSW search does it).
  start = Clock::now();
  SearchRequest warm;
  warm.query = "warm up";
  warm.mode = SearchMode::kVector;
  warm.vector_index = VectorIndex::kHnsw;
  SearchResponse ignored;
  if (Status s = vectors ? searcher->Search(warm, &ignored) : Status::Ok(); !s.ok()) {
    fmt::print(stderr, "search_bench: {}\n", s.ToString());
    return 2;
  }
  const double hnsw_s = std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print(
      "index {} repository {}: {} chunks, model {}; open {:.2f} s, HNSW build/load {:.2f} s\n", db,
      repository, searcher->chunk_count(), vectors ? embedder->model_id() : note, open_s, hnsw_s);
  fmt::print("latency over {} doc-derived queries (after a warm-up pass):\n", queries.size());
  std::vector<double> doc_mrr;
  for (const Setting& setting : kSettings) {
    double mrr = 0;
    if ((vectors || setting.mode == SearchMode::kLexical) &&
        Run(searcher.get(), repository, queries, setting, true, &mrr) != 0) {
      return 1;
    }
    doc_mrr.push_back(mrr);
  }
  if (vectors) {
    fmt::print("HNSW recall@10 vs exact: {:.4f}\n",
               RecallAt10(searcher.get(), repository, queries));
  }
  fmt::print("MRR@10, doc-derived queries ({}; the doc text is in the indexed chunk):\n",
             queries.size());
  for (size_t i = 0; i < std::size(kSettings); ++i) {
    if (!vectors && kSettings[i].mode != SearchMode::kLexical) continue;
    fmt::print("  {:<15} {:.3f}\n", kSettings[i].label, doc_mrr[i]);
  }
  if (!relevance.empty()) {
    std::vector<Query> hand = ReadQueries(relevance);
    fmt::print("MRR@10, hand-written paraphrased queries ({}, {}):\n", hand.size(), relevance);
    for (const Setting& setting : kSettings) {
      double mrr = 0;
      if (!vectors && setting.mode != SearchMode::kLexical) continue;
      if (Run(searcher.get(), repository, hand, setting, false, &mrr) != 0) return 1;
      fmt::print("  {:<15} {:.3f}\n", setting.label, mrr);
    }
  }
  if (fusion_sweep && vectors &&
      FusionSweep(searcher.get(), repository, queries,
                  relevance.empty() ? std::vector<Query>() : ReadQueries(relevance)) != 0) {
    return 1;
  }
  if (synthetic > 0) Synthetic(synthetic);
  return 0;
}
