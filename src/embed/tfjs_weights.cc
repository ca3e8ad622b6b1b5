#include "embed/tfjs_weights.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "embed/model_file.h"

namespace semdex {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads exactly `size` bytes of `path` into `dest`.
Status ReadWhole(const std::string& path, char* dest, size_t size) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return Status::IoError("cannot open weight shard " + path + ": " + strerror(errno));
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(f.fd, dest + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IoError("cannot read weight shard " + path + ": short read");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Checks that the shard sizes add up to the manifest's total. TF.js writes every shard but the
// last at one size, so the error names the first shard that departs from that pattern.
Status CheckShardSizes(const std::vector<std::string>& paths, const std::vector<size_t>& sizes,
                       size_t total_bytes, const std::string& manifest_path) {
  size_t sum = 0;
  for (size_t s : sizes) sum += s;
  if (sum == total_bytes) return Status::Ok();
  std::string summary = " (" + manifest_path + " lists " + std::to_string(total_bytes) +
                        " bytes of weights; its shards hold " + std::to_string(sum) + ")";
  size_t full = *std::max_element(sizes.begin(), sizes.end());
  size_t expected_last = total_bytes - std::min(total_bytes, full * (sizes.size() - 1));
  for (size_t i = 0; i < sizes.size(); ++i) {
    size_t expected = i + 1 < sizes.size() ? full : expected_last;
    if (sizes[i] != expected) {
      return Status::IoError("weight shard " + paths[i] + " has " + std::to_string(sizes[i]) +
                             " bytes, expected " + std::to_string(expected) + summary);
    }
  }
  return Status::IoError("weight shards do not match the manifest" + summary);
}

}  // namespace

TfjsWeights::~TfjsWeights() {
  if (region_ == nullptr) return;
  if (mapped_) {
    ::munmap(region_, region_size_);
  } else {
    std::free(region_);
  }
}

Status TfjsWeights::Load(const std::string& model_dir, std::unique_ptr<TfjsWeights>* out) {
  std::unique_ptr<TfjsWeights> w(new TfjsWeights());
  w->manifest_path_ = model_dir + "/model.json";
  std::string text;
  Status st = ReadModelFile(w->manifest_path_, "model manifest", &text);
  if (!st.ok()) return st;
  std::vector<std::string> shards;
  size_t total = 0;
  st = w->ParseManifest(text, &shards, &total);
  if (!st.ok()) return st;
  for (std::string& s : shards) s = model_dir + "/" + s;
  st = w->MapOrReadShards(shards, total);
  if (!st.ok()) return st;
  *out = std::move(w);
  return Status::Ok();
}

Status TfjsWeights::ParseManifest(std::string_view json_text, std::vector<std::string>* shard_paths,
                                  size_t* total_bytes) {
  const std::string& where = manifest_path_;
  nlohmann::json doc;
  Status st = ParseModelJson(json_text, where, &doc);
  if (!st.ok()) return st;
  const nlohmann::json* groups =
      doc.is_object() && doc.contains("weightsManifest") ? &doc["weightsManifest"] : nullptr;
  if (groups == nullptr || !groups->is_array() || groups->empty()) {
    return Status::ParseError(where + ": no weightsManifest array");
  }
  size_t offset = 0;
  for (const nlohmann::json& group : *groups) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
        !group.contains("weights") || !group["weights"].is_array()) {
      return Status::ParseError(where + ": a weightsManifest group lacks paths or weights");
    }
    for (const nlohmann::json& p : group["paths"]) {
      if (!p.is_string()) return Status::ParseError(where + ": a shard path is not a string");
      shard_paths->push_back(p.get<std::string>());
    }
    for (const nlohmann::json& e : group["weights"]) {
      bool ok = e.is_object() && e.contains("name") && e["name"].is_string() &&
                e.contains("shape") && e["shape"].is_array() && e.contains("dtype") &&
                e["dtype"].is_string();
      if (!ok) return Status::ParseError(where + ": a weight entry lacks name, shape or dtype");
      const std::string name = e["name"].get<std::string>();
      if (e.contains("quantization")) {
        return Status::Unsupported(where + ": weight " + name + " is quantized");
      }
      Tensor t;
      t.dtype = e["dtype"].get<std::string>();
      if (t.dtype != "float32" && t.dtype != "int32") {
        return Status::Unsupported(where + ": weight " + name + " has dtype " + t.dtype);
      }
      for (const nlohmann::json& d : e["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (1 << 30)) {
          return Status::ParseError(where + ": weight " + name + " has a bad shape");
        }
        t.shape.push_back(d.get<int64_t>());
        t.count *= static_cast<size_t>(t.shape.back());
      }
      t.offset = offset;
      offset += 4 * t.count;
      tensors_.emplace(name, std::move(t));
    }
  }
  if (shard_paths->empty()) return Status::ParseError(where + ": lists no shard files");
  *total_bytes = offset;
  return Status::Ok();
}

Status TfjsWeights::MapOrReadShards(const std::vector<std::string>& paths, size_t total_bytes) {
  std::vector<size_t> sizes;
  for (const std::string& p : paths) {
    struct stat sb;
    if (::stat(p.c_str(), &sb) != 0) {
      return Status::NotFound("missing weight shard " + p + ": " + strerror(errno));
    }
    sizes.push_back(static_cast<size_t>(sb.st_size));
  }
  Status st = CheckShardSizes(paths, sizes, total_bytes, manifest_path_);
  if (!st.ok()) return st;
  total_bytes_ = total_bytes;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  bool mappable = total_bytes > 0;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) mappable = mappable && sizes[i] % page == 0;
  if (mappable) {
    region_size_ = (total_bytes + page - 1) / page * page;
    void* base = ::mmap(nullptr, region_size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return Status::IoError("cannot reserve memory for weights");
    region_ = base;
    mapped_ = true;
    size_t offset = 0;
    for (size_t i = 0; i < paths.size(); ++i) {
      if (sizes[i] == 0) continue;
      Fd f{::open(paths[i].c_str(), O_RDONLY | O_CLOEXEC)};
      void* at = static_cast<char*>(base) + offset;
      if (f.fd < 0 || ::mmap(at, sizes[i], PROT_READ, MAP_PRIVATE | MAP_FIXED, f.fd, 0) != at) {
        return Status::IoError("cannot map weight shard " + paths[i] + ": " + strerror(errno));
      }
      offset += sizes[i];
    }
    return Status::Ok();
  }
  region_size_ = std::max<size_t>(64, (total_bytes + 63) / 64 * 64);
  region_ = std::aligned_alloc(64, region_size_);
  if (region_ == nullptr) return Status::IoError("out of memory reading weights");
  size_t offset = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    Status st = ReadWhole(paths[i], static_cast<char*>(region_) + offset, sizes[i]);
    if (!st.ok()) return st;
    offset += sizes[i];
  }
  return Status::Ok();
}

Status TfjsWeights::GetFloat(const std::string& name, const std::vector<int64_t>& shape,
                             const float** data) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    return Status::ParseError(manifest_path_ + ": weight " + name + " is missing");
  }
  const Tensor& t = it->second;
  if (t.dtype != "float32" || t.shape != shape) {
    return Status::ParseError(manifest_path_ + ": weight " + name + " is " + t.dtype + " " +
                              ShapeString(t.shape) + ", expected float32 " + ShapeString(shape));
  }
  *data = FloatData(t);
  return Status::Ok();
}

const TfjsWeights::Tensor* TfjsWeights::Find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const float* TfjsWeights::FloatData(const Tensor& t) const {
  return reinterpret_cast<const float*>(static_cast<const char*>(region_) + t.offset);
}

std::string_view TfjsWeights::bytes() const {
  return {static_cast<const char*>(region_), total_bytes_};
}

}  // namespace semdex
