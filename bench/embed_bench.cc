// Embedding benchmark: how fast the local models embed real code chunks, and how close their
// matrix products come to oneDNN's own sgemm at the same shapes, measured in the same run.
//
// Input: the chunks semdex's parser makes of a source tree (default: rxjs's src/, which
// scripts/setup.sh unpacks), embedded in calls of --batch chunks each, in file order. For each
// model, precision and thread count (1, and --threads callers sharing one Embedder, each with
// intra_op_threads = 1) it prints:
//   chunks/s, tokens/s   over --seconds of embedding (tokenising included);
//   pad%                 tokens computed but not used, of all computed (0: the engine packs);
//   GFLOP/s              the model's real work per second: dense layers 2*rows*in*out, attention
//                        4*len^2*width per sequence and layer (fp32 FLOPs, whatever the precision);
//   sgemm GFLOP/s        dnnl_sgemm running exactly the products of the same forward passes (same
//                        M, N, K, the same number of times), with the same threads; ratio = the
//                        model's GFLOP/s over it.
// Per model and thread count it also prints the raw GEMM rates at the dense layers' shapes:
// dnnl_sgemm GFLOP/s and dnnl_gemm_u8s8s32 GOP/s, the ceiling of what int8 can gain here.
//
//   embed_bench [--model SPEC]... [--precision P]... [--corpus DIR] [--batch N] [--threads N]
//               [--seconds S] [--max-chunks N] [--json]
//
// A model the shape table below does not know (not USE Lite, no config.json) is benchmarked
// without FLOP figures. bench/make_random_bert.py makes a random-weight BERT-shaped model.
#include <fmt/format.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "embed/embed.h"
#include "parse/parse.h"

namespace semdex {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- The model's work: shapes of its matrix products --------------------------------------

struct Dense {
  int in, out;
};
struct AttentionShape {
  int heads, head_width;
};
struct ModelShape {
  bool known = false;
  bool packed = true;                     // windows back to back, no padding (both local engines)
  std::vector<Dense> per_token;           // dense layers every token goes through
  std::vector<AttentionShape> attention;  // per layer
  std::vector<Dense> per_window;          // dense layers on each window's pooled vector
};

// USE Lite (see src/embed/use_lite_model.h).
ModelShape UseLiteShape() {
  ModelShape m;
  m.known = true;
  m.per_token = {{256, 768},  {256, 512}, {256, 512},  {512, 1536}, {1536, 512},  // layer 0
                 {512, 1536}, {512, 512}, {512, 1536}, {1536, 512}};              // layer 1
  m.attention = {{4, 64}, {4, 128}};
  m.per_window = {{512, 512}};
  return m;
}

// A BERT-family model from its config.json (JinaBERT's GLU feed-forward doubles the first
// feed-forward layer's outputs).
ModelShape BertShape(const std::string& dir) {
  ModelShape m;
  std::ifstream in(dir + "/config.json");
  if (!in) return m;
  nlohmann::json c = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!c.is_object() || !c.contains("hidden_size")) return m;
  const int h = c.value("hidden_size", 0), layers = c.value("num_hidden_layers", 0);
  const int inter = c.value("intermediate_size", 0), heads = c.value("num_attention_heads", 1);
  const bool glu = c.value("feed_forward_type", std::string()).find("glu") != std::string::npos;
  for (int l = 0; l < layers; ++l) {
    m.per_token.insert(m.per_token.end(),
                       {{h, 3 * h}, {h, h}, {h, glu ? 2 * inter : inter}, {inter, h}});
    m.attention.push_back({heads, h / heads});
  }
  m.known = h > 0 && layers > 0;
  return m;
}

ModelShape ShapeOf(const std::string& spec, const Embedder& e) {
  if (e.model_id().starts_with("use-lite")) return UseLiteShape();
  return BertShape(spec);
}

// One Embed() call's texts and the forward passes the engine makes of them.
struct Pass {
  int tokens = 0;
  std::vector<int> windows;  // lengths
};
struct Batch {
  size_t first = 0, count = 0;
  int64_t tokens = 0;
  std::vector<Pass> passes;
};

// Splits each text into the fewest near-equal windows of at most max_tokens and packs them, in
// order, into passes of at most batch_tokens (as the engines do; see embed.h).
Status PlanBatches(const Embedder& e, const std::vector<std::string_view>& texts, size_t batch,
                   int batch_tokens, std::vector<Batch>* out) {
  const int max = e.max_tokens();
  for (size_t first = 0; first < texts.size(); first += batch) {
    Batch b;
    b.first = first;
    b.count = std::min(batch, texts.size() - first);
    b.passes.emplace_back();
    for (size_t i = first; i < first + b.count; ++i) {
      size_t n = 0;
      Status st = e.CountTokens(texts[i], &n);
      if (!st.ok()) return st;
      b.tokens += static_cast<int64_t>(n);
      const int k = static_cast<int>((n + max - 1) / max);
      for (int w = 0; w < k; ++w) {
        const int len = static_cast<int>(n / k + (static_cast<size_t>(w) < n % k ? 1 : 0));
        if (b.passes.back().tokens + len > batch_tokens) b.passes.emplace_back();
        b.passes.back().tokens += len;
        b.passes.back().windows.push_back(len);
      }
    }
    out->push_back(std::move(b));
  }
  return Status::Ok();
}

double PassFlops(const ModelShape& m, const Pass& p) {
  double f = 0;
  for (const Dense& d : m.per_token) f += 2.0 * p.tokens * d.in * d.out;
  for (const Dense& d : m.per_window)
    f += 2.0 * static_cast<double>(p.windows.size()) * d.in * d.out;
  for (const AttentionShape& a : m.attention) {
    for (int n : p.windows) f += 4.0 * n * n * a.heads * a.head_width;
  }
  return f;
}

// Tokens computed, padded as the engine pads (0 extra when it packs).
int64_t ComputedTokens(const ModelShape& m, const Pass& p) {
  if (m.packed || p.windows.empty()) return p.tokens;
  return static_cast<int64_t>(p.windows.size()) *
         *std::max_element(p.windows.begin(), p.windows.end());
}

// ---- Timed runs ---------------------------------------------------------------------------
//
// The machine is shared and noisy, so every contender (each precision's Embedder, each reference
// product set) runs the same batches in turn, round by round: one batch per thread per round,
// the contenders' order rotating. Ratios between contenders are then measured under the same load.

struct Totals {
  double seconds = 0;
  int64_t chunks = 0, tokens = 0, computed = 0;
  double flops = 0;
  bool failed = false;
};

// A thing being timed: work(batch index) does one batch, on the calling thread.
struct Contender {
  std::string name;
  std::function<bool(size_t)> work;
  ModelShape counted;  // whose FLOPs its work counts
  Totals totals;
};

// `threads` threads (OpenMP 1 each) that run one batch each per round, all contenders in turn.
class RoundRunner {
 public:
  explicit RoundRunner(int threads) : start_(threads + 1), done_(threads + 1) {
    for (int t = 0; t < threads; ++t) {
      pool_.emplace_back([this, t] {
        omp_set_num_threads(1);
        for (;;) {
          start_.arrive_and_wait();
          if (stop_) return;
          ok_[t] = job_(batch_[t]);
          done_.arrive_and_wait();
        }
      });
    }
    ok_.resize(threads);
    batch_.resize(threads);
  }
  ~RoundRunner() {
    stop_ = true;
    start_.arrive_and_wait();
    for (auto& t : pool_) t.join();
  }

  // Runs every contender on the batches first, first + 1, ... (one per thread, wrapping) for
  // rounds until each has had about budget_s.
  void Run(const std::vector<Batch>& batches, double budget_s, std::vector<Contender>* contenders) {
    const Clock::time_point start = Clock::now();
    const size_t n = contenders->size();
    size_t next = 0;
    for (size_t round = 0; round == 0 || Since(start) < budget_s * static_cast<double>(n);
         ++round) {
      for (size_t t = 0; t < batch_.size(); ++t) batch_[t] = next++ % batches.size();
      for (size_t k = 0; k < n; ++k) {
        Contender& c = (*contenders)[(k + round) % n];
        job_ = c.work;
        const Clock::time_point t0 = Clock::now();
        start_.arrive_and_wait();
        done_.arrive_and_wait();
        c.totals.seconds += Since(t0);
        for (size_t t = 0; t < batch_.size(); ++t) {
          const Batch& b = batches[batch_[t]];
          c.totals.failed = c.totals.failed || !ok_[t];
          c.totals.chunks += static_cast<int64_t>(b.count);
          c.totals.tokens += b.tokens;
          for (const Pass& p : b.passes) {
            c.totals.flops += PassFlops(c.counted, p);
            c.totals.computed += ComputedTokens(c.counted, p);
          }
        }
      }
    }
  }

 private:
  std::barrier<> start_, done_;
  std::vector<std::thread> pool_;
  std::function<bool(size_t)> job_;
  std::vector<size_t> batch_;
  std::vector<char> ok_;
  std::atomic<bool> stop_{false};
};

// Random operands for the reference products: weights shared by all threads, one per dense layer
// shape, as the model has one per layer.
struct GemmOperands {
  std::vector<std::vector<float>> w;
  std::vector<std::vector<int8_t>> w8;
  size_t max_a = 0, max_c = 0;
};

GemmOperands MakeOperands(const ModelShape& m, const std::vector<Batch>& batches) {
  GemmOperands g;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  int max_rows = 1, max_width = 1;
  for (const Batch& b : batches) {
    for (const Pass& p : b.passes) max_rows = std::max(max_rows, p.tokens);
  }
  std::vector<Dense> all = m.per_token;
  all.insert(all.end(), m.per_window.begin(), m.per_window.end());
  for (const Dense& d : all) {
    std::vector<float> w(static_cast<size_t>(d.in) * d.out);
    for (float& v : w) v = u(rng);
    std::vector<int8_t> w8(w.size());
    for (size_t i = 0; i < w.size(); ++i) w8[i] = static_cast<int8_t>(w[i] * 127);
    g.w.push_back(std::move(w));
    g.w8.push_back(std::move(w8));
    max_width = std::max({max_width, d.in, d.out});
  }
  g.max_a = g.max_c = static_cast<size_t>(max_rows) * 3 * max_width;
  return g;
}

enum class Reference { kSgemmAll, kSgemmDense, kInt8Dense };

// The products of one batch's passes, on scratch operands: all of them in sgemm, or only the
// dense layers' in sgemm or in u8s8s32 (the layout Linear uses: weights [out, in]).
bool ReferenceBatch(const ModelShape& m, const GemmOperands& g, const Batch& b, Reference kind) {
  thread_local std::vector<float> a, c, scores;
  thread_local std::vector<uint8_t> a8;
  thread_local std::vector<int32_t> c32;
  a.resize(g.max_a, 0.5f);
  c.resize(g.max_c);
  a8.resize(g.max_a, 64);
  c32.resize(g.max_c);
  const int32_t zero = 0;
  bool ok = true;
  auto dense = [&](const Dense& d, size_t index, int rows) {
    if (kind == Reference::kInt8Dense) {
      ok &= dnnl_gemm_u8s8s32('N', 'T', 'F', rows, d.out, d.in, 1.0f, a8.data(), d.in, 0,
                              g.w8[index].data(), d.in, 0, 0.0f, c32.data(), d.out,
                              &zero) == dnnl_success;
    } else {
      ok &= dnnl_sgemm('N', 'N', rows, d.out, d.in, 1.0f, a.data(), d.in, g.w[index].data(), d.out,
                       0.0f, c.data(), d.out) == dnnl_success;
    }
  };
  for (const Pass& p : b.passes) {
    for (size_t i = 0; i < m.per_token.size(); ++i) dense(m.per_token[i], i, p.tokens);
    for (size_t i = 0; i < m.per_window.size(); ++i) {
      dense(m.per_window[i], m.per_token.size() + i, static_cast<int>(p.windows.size()));
    }
    if (kind != Reference::kSgemmAll) continue;
    for (const AttentionShape& at : m.attention) {
      const int w = at.heads * at.head_width, dh = at.head_width;
      for (int n : p.windows) {
        scores.resize(static_cast<size_t>(n) * n);
        for (int h = 0; h < at.heads; ++h) {  // q, k, v: column blocks of a [n, 3w] matrix
          const float* q = a.data() + h * dh;
          ok &= dnnl_sgemm('N', 'T', n, n, dh, 1.0f, q, 3 * w, q + w, 3 * w, 0.0f, scores.data(),
                           n) == dnnl_success;
          ok &= dnnl_sgemm('N', 'N', n, dh, n, 1.0f, scores.data(), n, q + 2 * w, 3 * w, 0.0f,
                           c.data() + h * dh, w) == dnnl_success;
        }
      }
    }
  }
  return ok;
}

// ---- Inputs and output --------------------------------------------------------------------

// Every non-blank chunk the parser makes of the source files under `dir`, in path order.
Status LoadChunks(const std::string& dir, std::vector<std::string>* out) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("no directory " + dir);
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file() && LanguageForPath(it->path().string())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  Parser parser;
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string source = SanitizeUtf8(bytes.str());
    ParsedFile parsed;
    const std::string rel = fs::relative(path, dir).string();
    Status st = parser.Parse(rel, *LanguageForPath(rel), source, ParseOptions(), &parsed);
    if (!st.ok()) return st;
    for (Chunk& c : parsed.chunks) {
      if (c.source_code.find_first_not_of(" \t\r\n") != std::string::npos) {
        out->push_back(std::move(c.source_code));
      }
    }
  }
  return out->empty() ? Status::NotFound("no chunks in " + dir) : Status::Ok();
}

struct Options {
  std::vector<std::string> models = {"default"};
  std::vector<std::string> precisions = {"fp32", "int8", "bf16"};
  std::string corpus = SEMDEX_BENCH_CORPUS;
  size_t batch = 32;
  int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  double seconds = 5;
  size_t max_chunks = 0;
  bool json = false;
};

struct Loaded {
  std::string precision;
  std::unique_ptr<Embedder> embedder;
};

// Loads `spec` in each of o.precisions that this machine runs, reporting the others.
std::vector<Loaded> LoadPrecisions(const Options& o, const std::string& spec,
                                   nlohmann::json* results) {
  std::vector<Loaded> loaded;
  for (const std::string& name : o.precisions) {
    EmbedderOptions eo;
    Status st = ParsePrecision(name, &eo.precision);
    std::unique_ptr<Embedder> e;
    if (st.ok()) st = LoadEmbedder(spec, eo, &e);
    if (!st.ok()) {
      if (!o.json) fmt::print("{} {}: not run: {}\n", spec, name, st.ToString());
      results->push_back({{"model", spec}, {"precision", name}, {"error", st.ToString()}});
      continue;
    }
    loaded.push_back({name, std::move(e)});
  }
  return loaded;
}

double Rate(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0; }

// Prints (or records) one thread count's results: a row per precision, then the raw GEMM rates.
void Report(const Options& o, const std::string& spec, int threads, size_t precisions,
            const std::vector<Contender>& c, nlohmann::json* results) {
  const double sgemm = c.size() > precisions
                           ? Rate(c[precisions].totals.flops * 1e-9, c[precisions].totals.seconds)
                           : 0;
  const double fp32_tokens =
      c[0].name == "fp32" ? Rate(static_cast<double>(c[0].totals.tokens), c[0].totals.seconds) : 0;
  for (size_t i = 0; i < precisions; ++i) {
    const Totals& t = c[i].totals;
    const double tokens = Rate(static_cast<double>(t.tokens), t.seconds);
    const double gflops = Rate(t.flops * 1e-9, t.seconds);
    const double pad = t.computed > 0 ? 100.0 * static_cast<double>(t.computed - t.tokens) /
                                            static_cast<double>(t.computed)
                                      : 0;
    nlohmann::json r = {{"model", spec},
                        {"precision", c[i].name},
                        {"threads", threads},
                        {"seconds", t.seconds},
                        {"chunks", t.chunks},
                        {"tokens", t.tokens},
                        {"chunks_per_s", Rate(static_cast<double>(t.chunks), t.seconds)},
                        {"tokens_per_s", tokens},
                        {"padding_waste_pct", pad},
                        {"gflops", gflops},
                        {"sgemm_gflops", sgemm},
                        {"ratio_to_sgemm", sgemm > 0 ? gflops / sgemm : 0}};
    std::string speedup;
    if (i > 0 && fp32_tokens > 0) {
      r["tokens_per_s_vs_fp32"] = tokens / fp32_tokens;
      speedup = fmt::format("  {:.2f}x fp32", tokens / fp32_tokens);
    }
    if (t.failed) r["error"] = "an Embed() call failed";
    if (!o.json) {
      fmt::print("{:>9} {:>7} {:>9.2f} {:>9.0f} {:>5.1f} {:>8.1f} {:>14.1f} {:>6.2f}{}{}\n",
                 c[i].name, threads, r["chunks_per_s"].get<double>(), tokens, pad, gflops, sgemm,
                 sgemm > 0 ? gflops / sgemm : 0, speedup, t.failed ? "  (an Embed() failed)" : "");
    }
    results->push_back(r);
  }
  if (c.size() < precisions + 3) return;
  const double s = Rate(c[precisions + 1].totals.flops * 1e-9, c[precisions + 1].totals.seconds);
  const double q = Rate(c[precisions + 2].totals.flops * 1e-9, c[precisions + 2].totals.seconds);
  if (!o.json) {
    fmt::print(
        "{:>17} raw GEMM at the dense layers' shapes: sgemm {:.1f} GFLOP/s, "
        "u8s8s32 {:.1f} GOP/s ({:.2f}x)\n",
        "", s, q, q / s);
  }
  results->push_back({{"model", spec},
                      {"threads", threads},
                      {"dense_sgemm_gflops", s},
                      {"dense_u8s8s32_gops", q},
                      {"int8_gemm_vs_sgemm", q / s}});
}

// Benchmarks one model in every precision and thread count, appending one JSON object per
// result (and one per thread count for the raw GEMM rates) to *results.
void BenchModel(const Options& o, const std::string& spec,
                const std::vector<std::string_view>& texts, nlohmann::json* results) {
  std::vector<Loaded> loaded = LoadPrecisions(o, spec, results);
  if (loaded.empty()) return;
  const Embedder& first = *loaded[0].embedder;
  const ModelShape shape = ShapeOf(spec, first);
  std::vector<Batch> batches;
  Status st = PlanBatches(first, texts, o.batch, EmbedderOptions().batch_tokens, &batches);
  if (!st.ok()) {
    fmt::print(stderr, "{}: {}\n", spec, st.ToString());
    return;
  }
  int64_t tokens = 0;
  for (const Batch& b : batches) tokens += b.tokens;
  if (!o.json) {
    fmt::print("\n{} ({}): {} chunks, {} tokens, {} chunks per Embed() call{}\n", spec,
               first.model_id(), texts.size(), tokens, o.batch,
               shape.known ? "" : "; shape unknown: no FLOP figures");
    fmt::print("{:>9} {:>7} {:>9} {:>9} {:>5} {:>8} {:>14} {:>6}\n", "precision", "threads",
               "chunks/s", "tokens/s", "pad%", "GFLOP/s", "sgemm GFLOP/s", "ratio");
  }
  const GemmOperands operands = shape.known ? MakeOperands(shape, batches) : GemmOperands();
  ModelShape dense = shape;
  dense.attention.clear();
  std::vector<Contender> contenders;
  for (const Loaded& l : loaded) {
    const Embedder* e = l.embedder.get();
    contenders.push_back({l.precision,
                          [&, e](size_t i) {
                            std::vector<std::string_view> call(
                                texts.begin() + batches[i].first,
                                texts.begin() + batches[i].first + batches[i].count);
                            std::vector<std::vector<float>> vectors;
                            return e->Embed(call, &vectors).ok();
                          },
                          shape, Totals()});
  }
  if (shape.known) {
    const std::pair<const char*, Reference> refs[] = {{"sgemm", Reference::kSgemmAll},
                                                      {"sgemm dense", Reference::kSgemmDense},
                                                      {"u8s8s32 dense", Reference::kInt8Dense}};
    for (const auto& [name, kind] : refs) {
      contenders.push_back(
          {name, [&, kind](size_t i) { return ReferenceBatch(shape, operands, batches[i], kind); },
           kind == Reference::kSgemmAll ? shape : dense, Totals()});
    }
  }
  for (Contender& c : contenders) c.work(0);  // warm-up: JIT kernels, scratch, page faults
  std::vector<int> thread_counts = {1};
  if (o.threads > 1) thread_counts.push_back(o.threads);
  for (int threads : thread_counts) {
    for (Contender& c : contenders) c.totals = Totals();
    RoundRunner runner(threads);
    runner.Run(batches, o.seconds, &contenders);
    Report(o, spec, threads, loaded.size(), contenders, results);
  }
}

}  // namespace
}  // namespace semdex

int main(int argc, char** argv) {
  using namespace semdex;
  Options o;
  CLI::App app("Embedding throughput and GEMM efficiency of the local models");
  app.add_option("--model", o.models, "model spec, as for LoadEmbedder (repeatable)");
  app.add_option("--precision", o.precisions, "fp32, int8, bf16 (repeatable)");
  app.add_option("--corpus", o.corpus, "source tree whose chunks are embedded");
  app.add_option("--batch", o.batch, "chunks per Embed() call")->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads, "callers sharing one Embedder in the multi-thread runs")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds", o.seconds, "time budget of each measurement")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-chunks", o.max_chunks, "use at most this many chunks (0: all)");
  app.add_flag("--json", o.json, "print one JSON array instead of tables");
  CLI11_PARSE(app, argc, argv);
  omp_set_num_threads(1);  // warm-ups on this thread; timed work sets its own

  std::vector<std::string> chunks;
  Status st = LoadChunks(o.corpus, &chunks);
  if (!st.ok()) {
    fmt::print(stderr, "embed_bench: {}\n", st.ToString());
    return 1;
  }
  if (o.max_chunks > 0 && chunks.size() > o.max_chunks) chunks.resize(o.max_chunks);
  const std::vector<std::string_view> texts(chunks.begin(), chunks.end());
  if (!o.json) {
    fmt::print("corpus {}: {} chunks; oneDNN ISA {:#x} (avx2 0x7, avx512_core 0x27)\n", o.corpus,
               chunks.size(), static_cast<int>(dnnl_get_effective_cpu_isa()));
  }
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& spec : o.models) BenchModel(o, spec, texts, &results);
  if (o.json) fmt::print("{}\n", results.dump(2));
  return 0;
}
