// Search benchmark: latency of each mode, HNSW recall against the exact scan, and relevance
// (MRR@10) on an existing index.
//   search_bench DB REPOSITORY [--queries N] [--relevance TSV] [--dump-queries FILE]
//                              [--synthetic N]
// Queries (N, default 200) are derived from the index: the first sentence of chunk doc comments
// (at least 4 words), spread evenly over the chunks in id order; the documented chunk's qualified
// name is the answer. The doc comment is part of the chunk's source and of its indexed text, so
// these queries are easy for the lexical leg: --relevance adds a hand-written set (query TAB
// qualified name per line, '#' comments), e.g. bench/search_queries_three.tsv, paraphrased
// rather than copied from the docs.
// Latency is Searcher::Search wall time (query embedding, store query, snippets) after one
// warm-up pass; the HNSW graph is built (or loaded) before timing. --synthetic N also times the
// exact scan and HNSW over N random 512-d unit vectors (no store), to see the scan at other sizes.
// Index first, e.g.: semdex index .cache/npm/three-0.187.0/package/src --repository three
//                    --db /tmp/three.db
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <string>
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
      if (Status s = searcher->Search(r, &out); !s.ok()) {
        fmt::print(stderr, "search_bench: {}\n", s.ToString());
        return 1;
      }
      if (pass == 0) continue;  // warm-up
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
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
    fmt::print("  {:<15} p50 {:7.2f} ms   p95 {:7.2f} ms   (query embedding p50 {:.2f} ms)\n",
               setting.label, Percentile(ms, 0.5), Percentile(ms, 0.95), Percentile(embed_ms, 0.5));
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr,
               "usage: search_bench DB REPOSITORY [--queries N] [--relevance TSV] "
               "[--dump-queries FILE] [--synthetic N]\n");
    return 2;
  }
  const std::string db = argv[1];
  const std::string repository = argv[2];
  size_t count = 200;
  std::string relevance, dump;
  size_t synthetic = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--queries") count = std::stoul(argv[i + 1]);
    if (flag == "--relevance") relevance = argv[i + 1];
    if (flag == "--dump-queries") dump = argv[i + 1];
    if (flag == "--synthetic") synthetic = std::stoul(argv[i + 1]);
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
  if (synthetic > 0) Synthetic(synthetic);
  return 0;
}
