// Helpers shared by the embed tests: where the default model and the golden fixture are, and a
// once-per-process shared default Embedder.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "embed/embed.h"

namespace semdex::testing {

// The unpacked default model (scripts/setup.sh).
inline std::string DefaultModelDir() {
  return std::string(SEMDEX_NPM_CACHE_DIR) +
         "/@energetic-ai+model-embeddings-en-0.2.0/package/dist";
}

inline std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One case of tests/fixtures/embed/use_lite_golden.json (made by
// scripts/golden/make_use_lite_golden.js from the reference JavaScript).
struct GoldenCase {
  std::string text;
  std::vector<int32_t> ids;      // all token ids
  std::vector<float> embedding;  // of the first 128 ids
};

inline std::vector<GoldenCase> LoadGolden() {
  nlohmann::json doc = nlohmann::json::parse(
      ReadFileOrDie(std::string(SEMDEX_FIXTURES_DIR) + "/embed/use_lite_golden.json"));
  std::vector<GoldenCase> cases;
  for (const auto& c : doc["cases"]) {
    cases.push_back({c["text"].get<std::string>(), c["ids"].get<std::vector<int32_t>>(),
                     c["embedding"].get<std::vector<float>>()});
  }
  return cases;
}

inline double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return dot / std::sqrt(na * nb);
}

inline float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = a.size() == b.size() ? 0.0f : 1e9f;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// The default model loaded once per test process with `options`-less defaults, or nullptr (with a
// test failure) when it cannot load.
inline const Embedder* SharedDefaultEmbedder() {
  static std::unique_ptr<Embedder> embedder = [] {
    std::unique_ptr<Embedder> e;
    Status st = LoadEmbedder("default", EmbedderOptions(), &e);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return e;
  }();
  return embedder.get();
}

}  // namespace semdex::testing
