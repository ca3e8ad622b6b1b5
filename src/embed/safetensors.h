// safetensors: the weights of a Hugging Face model in the .safetensors format, one file or the
// shards a model.safetensors.index.json names. Internal to src/embed/ (and its tests).
//
// A .safetensors file is an 8-byte little-endian header length N, N bytes of JSON naming each
// tensor's dtype, shape and [begin, end) byte range within the data that follows, then the data.
// Files are memory-mapped read-only; F32 tensors are used in place (shared with the page cache and
// by every thread) when their data is 4-byte aligned, and copied otherwise; F16 and BF16 tensors
// are converted to float32 at load. Other dtypes (I64 position ids and the like) are listed but
// cannot be read as floats. Loading checks the header JSON, every tensor's dtype, shape and range,
// and that the data is exactly as long as the header says; errors name the file at fault.
//
// Thread-safety: immutable after Open(); the tensors may be read from any thread.
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

class SafetensorsWeights {
 public:
  struct Tensor {
    std::string dtype;            // as in the header: "F32", "F16", "BF16", "I64", ...
    std::vector<int64_t> shape;   // empty for a scalar
    const float* data = nullptr;  // float32 values; nullptr for dtypes that are not floats
    size_t file = 0;              // index into files()
  };

  // Opens `path`: a .safetensors file, or a model.safetensors.index.json whose "weight_map" names
  // the shard file (relative to the index's folder) of every tensor.
  static Status Open(const std::string& path, std::unique_ptr<SafetensorsWeights>* out);
  ~SafetensorsWeights();
  SafetensorsWeights(const SafetensorsWeights&) = delete;
  SafetensorsWeights& operator=(const SafetensorsWeights&) = delete;

  // The entry for `name`, or nullptr.
  const Tensor* Find(std::string_view name) const;
  // Sets *data to the float tensor `name`, which must have exactly `shape`; otherwise a
  // ParseError naming the file, the tensor and what differs (NotFound-like ParseError when it is
  // missing).
  Status GetFloat(const std::string& name, const std::vector<int64_t>& shape,
                  const float** data) const;
  // The paths of the files the tensors come from.
  const std::vector<std::string>& files() const { return paths_; }
  // Each file's bytes, in files() order (for fingerprinting the model).
  std::vector<std::string_view> file_bytes() const;
  // The tensors, by name.
  const std::map<std::string, Tensor, std::less<>>& tensors() const { return tensors_; }

 private:
  struct Mapping {
    void* addr = nullptr;
    size_t size = 0;
  };
  SafetensorsWeights() = default;
  Status AddFile(const std::string& path, const std::vector<std::string>* only);

  std::vector<std::string> paths_;
  std::vector<Mapping> mappings_;
  std::vector<std::unique_ptr<float[]>> converted_;  // F16/BF16/unaligned tensors as float32
  std::map<std::string, Tensor, std::less<>> tensors_;
  std::string origin_;  // what errors name: the file, or the index for sharded weights
};

// "[2, 3]".
std::string TensorShapeString(const std::vector<int64_t>& shape);

}  // namespace semdex
