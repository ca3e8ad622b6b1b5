// A model that needs no weights, for the pipeline tests: a text's vector is derived from its
// bytes. It records every Embed() call and text, counts how many calls run at once, and can be
// told to refuse texts containing "POISON" (InvalidArgument, as a real model refuses bad input),
// to fail every call (as an unreachable endpoint does), or to take time.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "embed/embed.h"

namespace semdex::testing {

class FakeEmbedder : public Embedder {
 public:
  explicit FakeEmbedder(std::string id = "fake@1") : id_(std::move(id)) {}

  int dim() const override { return 4; }
  const std::string& model_id() const override { return id_; }
  int max_tokens() const override { return 64; }
  Status CountTokens(std::string_view text, size_t* count) const override {
    *count = text.size() / 4 + 1;
    return Status::Ok();
  }
  Status Embed(const std::vector<std::string_view>& texts,
               std::vector<std::vector<float>>* out) const override {
    out->clear();
    const int now = ++active_;
    int seen = max_active_.load();
    while (now > seen && !max_active_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    --active_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.emplace_back(texts.begin(), texts.end());
    }
    if (fail_all) return Status::IoError("http://127.0.0.1:9/v1/embeddings: connection refused");
    for (size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].find("POISON") != std::string_view::npos) {
        return Status::InvalidArgument("text " + std::to_string(i) + ": poisoned");
      }
    }
    for (std::string_view text : texts) out->push_back(VectorOf(text));
    return Status::Ok();
  }

  static std::vector<float> VectorOf(std::string_view text) {
    std::vector<float> v(4, 0.5f);
    for (size_t i = 0; i < text.size(); ++i) v[i % 4] += static_cast<unsigned char>(text[i]);
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
  }

  // Every call's texts, each call's list joined, sorted: comparable across thread schedules.
  std::vector<std::string> CallSignatures() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& call : calls_) {
      std::string joined;
      for (const std::string& t : call) joined += t + "\x1f";
      out.push_back(joined);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(calls_.size());
  }
  // Every text embedded, in call order.
  std::vector<std::string> texts() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& call : calls_) out.insert(out.end(), call.begin(), call.end());
    return out;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.clear();
  }
  int max_active() const { return max_active_.load(); }

  bool fail_all = false;
  int delay_ms = 0;

 private:
  std::string id_;
  mutable std::mutex mu_;
  mutable std::vector<std::vector<std::string>> calls_;
  mutable std::atomic<int> active_{0};
  mutable std::atomic<int> max_active_{0};
};

}  // namespace semdex::testing
