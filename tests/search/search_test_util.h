// Helpers for the search tests: a small deterministic Embedder and an index written through the
// Store with chosen chunks and vectors.
#pragma once

#include <cctype>
#include <cmath>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "embed/embed.h"
#include "search/search.h"
#include "store/store.h"
#include "test_util.h"

namespace semdex::testing {

// Bag of lower-cased ASCII words hashed into dim() buckets, L2-normalised: texts sharing words
// are similar. Blank texts are refused as the real models refuse them.
class BagOfWordsEmbedder : public Embedder {
 public:
  explicit BagOfWordsEmbedder(std::string id = "bow-test@1", int dim = 256)
      : id_(std::move(id)), dim_(dim) {}
  int dim() const override { return dim_; }
  const std::string& model_id() const override { return id_; }
  int max_tokens() const override { return 512; }
  Status CountTokens(std::string_view text, size_t* count) const override {
    *count = text.size();
    return Status::Ok();
  }
  Status Embed(const std::vector<std::string_view>& texts,
               std::vector<std::vector<float>>* out) const override {
    out->clear();
    for (std::string_view text : texts) {
      std::vector<float> v(static_cast<size_t>(dim_), 0.0f);
      std::string word;
      bool any = false;
      for (size_t i = 0; i <= text.size(); ++i) {
        const char c = i < text.size() ? text[i] : ' ';
        if (std::isalnum(static_cast<unsigned char>(c))) {
          word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        } else if (!word.empty()) {
          v[std::hash<std::string>()(word) % v.size()] += 1.0f;
          any = true;
          word.clear();
        }
      }
      if (!any) {
        out->clear();
        return Status::InvalidArgument("text is blank");
      }
      float norm = 0;
      for (float x : v) norm += x * x;
      for (float& x : v) x /= std::sqrt(norm);
      out->push_back(std::move(v));
    }
    return Status::Ok();
  }

 private:
  std::string id_;
  int dim_;
};

struct TestChunk {
  std::string name;
  std::string kind = "function";
  std::string source;
  std::string docstring;
};

// One file's rows with the given chunks (vectors from `embedder` when not null).
inline FileRow MakeSearchFile(const std::string& repository, const std::string& path,
                              const std::vector<TestChunk>& chunks, const Embedder* embedder) {
  FileRow file;
  file.repository = repository;
  file.file_path = path;
  std::optional<Language> lang = LanguageForPath(path);
  file.language = lang ? std::string(LanguageName(*lang)) : "";
  file.content_hash = "h";
  int line = 1;
  for (size_t i = 0; i < chunks.size(); ++i) {
    ChunkRow c;
    c.id = ChunkId(repository, path, static_cast<uint32_t>(i * 100),
                   static_cast<uint32_t>(i * 100 + 50), 1);
    c.chunk_type = chunks[i].kind;
    c.name = chunks[i].name;
    c.qualified_name = chunks[i].name;
    c.source_code = chunks[i].source;
    c.start_line = line;
    c.end_line = line + 2;
    line += 4;
    c.metadata_json = nlohmann::json{{"signature", "function " + chunks[i].name + "()"},
                                     {"docstring", chunks[i].docstring}}
                          .dump();
    if (embedder != nullptr) {
      std::vector<std::vector<float>> v;
      if (embedder->Embed({c.source_code}, &v).ok()) c.embedding_code = v[0];
    }
    file.chunks.push_back(std::move(c));
  }
  return file;
}

// Records a finished run of `repository` with `embedder`'s model (none when null), as the
// pipeline does, so that CheckIndexModel sees the model.
inline void RecordRun(Store* store, const std::string& repository, const Embedder* embedder) {
  RunRecord run;
  run.repository = repository;
  run.mode = "sequential";
  run.embed = embedder != nullptr;
  run.model_id = embedder != nullptr ? embedder->model_id() : "";
  run.embedding_dim = embedder != nullptr ? embedder->dim() : 0;
  int64_t id = 0;
  if (!store->BeginRun(run, &id).ok() || !store->FinishRun(id, "{}").ok()) {
    throw std::runtime_error("cannot record a run");
  }
}

inline std::unique_ptr<Store> OpenTestStore(const std::string& path,
                                            const StoreOptions& options = StoreOptions()) {
  std::unique_ptr<Store> store;
  Status s = OpenStore(path, options, &store);
  if (!s.ok()) throw std::runtime_error(s.ToString());
  return store;
}

// The names of the results, in order.
inline std::vector<std::string> Names(const SearchResponse& r) {
  std::vector<std::string> names;
  for (const SearchResult& res : r.results) names.push_back(res.name);
  return names;
}

}  // namespace semdex::testing
