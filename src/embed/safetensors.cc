#include "embed/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "embed/model_file.h"

namespace semdex {
namespace {

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);  // inf, nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exp = 113;
    while ((mant & 0x400) == 0) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float Bf16ToFloat(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Bytes per value of a dtype, or 0 when unknown.
size_t DtypeSize(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2") {
    return 1;
  }
  return 0;
}

}  // namespace

std::string TensorShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

SafetensorsWeights::~SafetensorsWeights() {
  for (const Mapping& m : mappings_) {
    if (m.addr != nullptr) ::munmap(m.addr, m.size);
  }
}

Status SafetensorsWeights::Open(const std::string& path, std::unique_ptr<SafetensorsWeights>* out) {
  std::unique_ptr<SafetensorsWeights> w(new SafetensorsWeights());
  w->origin_ = path;
  if (!path.ends_with(".json")) {
    Status st = w->AddFile(path, nullptr);
    if (!st.ok()) return st;
    *out = std::move(w);
    return Status::Ok();
  }
  std::string text;
  Status st = ReadModelFile(path, "weight index", &text);
  if (!st.ok()) return st;
  nlohmann::json index;
  st = ParseModelJson(text, path, &index);
  if (!st.ok()) return st;
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    return Status::ParseError(path + ": no \"weight_map\" object");
  }
  std::map<std::string, std::vector<std::string>> by_file;  // shard -> its tensors
  for (const auto& [name, file] : index["weight_map"].items()) {
    if (!file.is_string()) return Status::ParseError(path + ": weight_map[" + name + "]");
    by_file[file.get<std::string>()].push_back(name);
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const auto& [file, names] : by_file) {
    st = w->AddFile((dir / file).string(), &names);
    if (!st.ok()) return st;
  }
  *out = std::move(w);
  return Status::Ok();
}

// Maps `path` and adds its tensors (with `only`, exactly those, which the file must hold).
Status SafetensorsWeights::AddFile(const std::string& path, const std::vector<std::string>* only) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    return errno == ENOENT
               ? Status::NotFound("cannot open weights " + path)
               : Status::IoError("cannot open weights " + path + ": " + strerror(errno));
  }
  struct stat sb;
  if (::fstat(f.fd, &sb) != 0) return Status::IoError("cannot stat weights " + path);
  const size_t size = static_cast<size_t>(sb.st_size);
  if (size < 8) {
    return Status::ParseError(path + ": truncated safetensors file (" + std::to_string(size) +
                              " bytes, less than its 8-byte header length)");
  }
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, f.fd, 0);
  if (addr == MAP_FAILED) return Status::IoError("cannot map weights " + path);
  mappings_.push_back(Mapping{addr, size});
  const size_t file_index = paths_.size();
  paths_.push_back(path);
  const auto* base = static_cast<const unsigned char*>(addr);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | base[i];
  if (header_len > size - 8) {
    return Status::ParseError(path + ": truncated safetensors file (header of " +
                              std::to_string(header_len) + " bytes, file of " +
                              std::to_string(size) + ")");
  }
  nlohmann::json header;
  Status st = ParseModelJson(std::string_view(reinterpret_cast<const char*>(base) + 8, header_len),
                             path, &header);
  if (!st.ok()) return st;
  if (!header.is_object()) return Status::ParseError(path + ": header is not a JSON object");
  const size_t data_start = 8 + header_len, data_size = size - data_start;
  const unsigned char* data = base + data_start;
  size_t covered = 0;
  std::set<std::string> wanted;
  if (only != nullptr) wanted.insert(only->begin(), only->end());
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string what = path + ": tensor " + name;
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2) {
      return Status::ParseError(what + ": needs dtype, shape and data_offsets [begin, end]");
    }
    Tensor t;
    t.dtype = entry["dtype"].get<std::string>();
    t.file = file_index;
    size_t count = 1;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned()) return Status::ParseError(what + ": bad shape");
      t.shape.push_back(d.get<int64_t>());
      count *= static_cast<size_t>(t.shape.back());
    }
    const auto& offs = entry["data_offsets"];
    if (!offs[0].is_number_unsigned() || !offs[1].is_number_unsigned()) {
      return Status::ParseError(what + ": bad data_offsets");
    }
    const size_t begin = offs[0].get<size_t>(), end = offs[1].get<size_t>();
    const size_t width = DtypeSize(t.dtype);
    if (width == 0) return Status::ParseError(what + ": unknown dtype " + t.dtype);
    if (begin > end || end - begin != count * width) {
      return Status::ParseError(what + ": data_offsets [" + std::to_string(begin) + ", " +
                                std::to_string(end) + ") do not hold " + std::to_string(count) +
                                " values of " + t.dtype + " (shape " + TensorShapeString(t.shape) +
                                ")");
    }
    if (end > data_size) {
      return Status::ParseError(path + ": truncated safetensors file: tensor " + name +
                                " ends at data byte " + std::to_string(end) +
                                " but the file holds " + std::to_string(data_size) +
                                " bytes of data");
    }
    covered = std::max(covered, end);
    if (only != nullptr && wanted.erase(name) == 0) continue;  // not this shard's per the index
    const unsigned char* p = data + begin;
    if (t.dtype == "F32" && reinterpret_cast<uintptr_t>(p) % alignof(float) == 0) {
      t.data = reinterpret_cast<const float*>(p);
    } else if (t.dtype == "F32" || t.dtype == "F16" || t.dtype == "BF16") {
      std::unique_ptr<float[]> values(new float[count]);
      for (size_t i = 0; i < count; ++i) {
        if (t.dtype == "F32") {
          std::memcpy(&values[i], p + 4 * i, 4);
        } else {
          const uint16_t h = static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
          values[i] = t.dtype == "F16" ? HalfToFloat(h) : Bf16ToFloat(h);
        }
      }
      t.data = values.get();
      converted_.push_back(std::move(values));
    }
    if (!tensors_.emplace(name, std::move(t)).second) {
      return Status::ParseError(path + ": tensor " + name + " appears in two weight files");
    }
  }
  if (covered != data_size) {
    return Status::ParseError(path + ": " + std::to_string(data_size) +
                              " bytes of data after the header, but its tensors hold " +
                              std::to_string(covered) + " (corrupt or not a safetensors file)");
  }
  if (!wanted.empty()) {
    return Status::ParseError(origin_ + " places tensor " + *wanted.begin() + " in " + path +
                              ", which does not hold it");
  }
  return Status::Ok();
}

const SafetensorsWeights::Tensor* SafetensorsWeights::Find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Status SafetensorsWeights::GetFloat(const std::string& name, const std::vector<int64_t>& shape,
                                    const float** data) const {
  const Tensor* t = Find(name);
  if (t == nullptr) return Status::ParseError(origin_ + " has no tensor " + name);
  const std::string& file = paths_[t->file];
  if (t->data == nullptr) {
    return Status::ParseError(file + ": tensor " + name + " has dtype " + t->dtype +
                              ", expected F32, F16 or BF16");
  }
  if (t->shape != shape) {
    return Status::ParseError(file + ": tensor " + name + " has shape " +
                              TensorShapeString(t->shape) + ", expected " +
                              TensorShapeString(shape));
  }
  *data = t->data;
  return Status::Ok();
}

std::vector<std::string_view> SafetensorsWeights::file_bytes() const {
  std::vector<std::string_view> out;
  for (const Mapping& m : mappings_) out.emplace_back(static_cast<const char*>(m.addr), m.size);
  return out;
}

}  // namespace semdex
