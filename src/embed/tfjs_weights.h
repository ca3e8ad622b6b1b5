// tfjs_weights: the weights of a TensorFlow.js graph model (model.json's weightsManifest and its
// shard files). Internal to src/embed/ (and its tests).
//
// The shards, concatenated in manifest order, hold every weight back to back, little-endian,
// 4 bytes per value, in manifest order. They are memory-mapped read-only into one contiguous
// range when every shard but the last is a whole number of pages (as TF.js's 4 MiB shards are),
// so the weights are shared with the page cache and by every thread; otherwise they are read into
// memory. Loading checks what can be checked without the graph: the JSON, every weight's name,
// shape and dtype, and that the shard sizes add up to exactly the bytes the manifest lists; errors
// name the file at fault.
//
// Thread-safety: immutable after Load(); the tensors may be read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex {

class TfjsWeights {
 public:
  struct Tensor {
    std::string dtype;           // "float32" or "int32"
    std::vector<int64_t> shape;  // empty for a scalar
    size_t offset = 0;           // bytes from the start of the concatenated shards
    size_t count = 1;            // number of values
  };

  // Loads `model_dir`/model.json and the shard files it names (relative to model_dir).
  static Status Load(const std::string& model_dir, std::unique_ptr<TfjsWeights>* out);
  ~TfjsWeights();
  TfjsWeights(const TfjsWeights&) = delete;
  TfjsWeights& operator=(const TfjsWeights&) = delete;

  // Sets *data to the float32 weight `name`, which must have exactly `shape`; otherwise a
  // ParseError naming model.json, the weight and what differs.
  Status GetFloat(const std::string& name, const std::vector<int64_t>& shape,
                  const float** data) const;
  // The entry for `name`, or nullptr.
  const Tensor* Find(std::string_view name) const;
  // The values of `t` (from Find) as floats.
  const float* FloatData(const Tensor& t) const;
  // All weight bytes, in manifest order (for fingerprinting the model).
  std::string_view bytes() const;
  // Whether the bytes are memory-mapped (rather than read into memory).
  bool mapped() const { return mapped_; }

 private:
  TfjsWeights() = default;
  Status ParseManifest(std::string_view json_text, std::vector<std::string>* shard_paths,
                       size_t* total_bytes);
  Status MapOrReadShards(const std::vector<std::string>& paths, size_t total_bytes);

  std::string manifest_path_;
  std::map<std::string, Tensor, std::less<>> tensors_;
  bool mapped_ = false;
  void* region_ = nullptr;  // the mapping (mapped_) or the buffer (!mapped_)
  size_t region_size_ = 0;
  size_t total_bytes_ = 0;
};

}  // namespace semdex
