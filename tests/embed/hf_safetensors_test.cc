// SafetensorsWeights: reading F32 / F16 / BF16 tensors, sharded indexes, and corrupt files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embed/safetensors.h"

namespace semdex {
namespace {

namespace fs = std::filesystem;

struct TensorSpec {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

std::string F32Bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

// A .safetensors file's bytes, the header padded to `pad` extra spaces.
std::string Serialize(const std::vector<TensorSpec>& tensors, int pad = 0) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const TensorSpec& t : tensors) {
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", t.shape},
                      {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data += t.bytes;
  }
  std::string text = header.dump() + std::string(pad, ' ');
  std::string out(8, '\0');
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + text + data;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("semdex_safetensors_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  Status Open(const std::string& path) { return SafetensorsWeights::Open(path, &w_); }
  fs::path dir_;
  std::unique_ptr<SafetensorsWeights> w_;
};

TEST_F(SafetensorsTest, ReadsFloatTensorsOfEveryFloatDtype) {
  // 1.5, -2, 65504 (largest half), a subnormal half (2^-24), in F16; 3.25 and -0.5 in BF16.
  const uint16_t f16[] = {0x3e00, 0xc000, 0x7bff, 0x0001};
  const uint16_t bf16[] = {0x4050, 0xbf00};
  for (int pad : {0, 1, 3}) {  // unaligned F32 data is copied, not misread
    const std::string path =
        Write("a.safetensors",
              Serialize({{"w", "F32", {2, 2}, F32Bytes({1, 2, 3, 4})},
                         {"h", "F16", {4}, std::string(reinterpret_cast<const char*>(f16), 8)},
                         {"b", "BF16", {2}, std::string(reinterpret_cast<const char*>(bf16), 4)},
                         {"ids", "I64", {1}, std::string(8, '\0')}},
                        pad));
    ASSERT_TRUE(Open(path).ok());
    const float* data = nullptr;
    ASSERT_TRUE(w_->GetFloat("w", {2, 2}, &data).ok());
    EXPECT_EQ(std::vector<float>(data, data + 4), (std::vector<float>{1, 2, 3, 4}));
    ASSERT_TRUE(w_->GetFloat("h", {4}, &data).ok());
    EXPECT_EQ(std::vector<float>(data, data + 4),
              (std::vector<float>{1.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)}));
    ASSERT_TRUE(w_->GetFloat("b", {2}, &data).ok());
    EXPECT_EQ(std::vector<float>(data, data + 2), (std::vector<float>{3.25f, -0.5f}));
    Status st = w_->GetFloat("ids", {1}, &data);
    EXPECT_EQ(st.code(), Status::Code::kParseError);
    EXPECT_NE(st.message().find("dtype I64"), std::string::npos);
  }
}

TEST_F(SafetensorsTest, ReadsShardedWeights) {
  Write("m-1.safetensors", Serialize({{"a", "F32", {1}, F32Bytes({7})}}));
  Write("m-2.safetensors", Serialize({{"b", "F32", {2}, F32Bytes({8, 9})}}));
  const std::string index =
      Write("model.safetensors.index.json",
            R"({"metadata": {}, "weight_map": {"a": "m-1.safetensors", "b": "m-2.safetensors"}})");
  ASSERT_TRUE(Open(index).ok());
  const float* data = nullptr;
  ASSERT_TRUE(w_->GetFloat("b", {2}, &data).ok());
  EXPECT_EQ(data[1], 9.0f);
  EXPECT_EQ(w_->files().size(), 2u);
  Write("model.safetensors.index.json", R"({"weight_map": {"a": "m-2.safetensors"}})");
  Status st = Open(index);
  EXPECT_EQ(st.code(), Status::Code::kParseError);
  EXPECT_NE(st.message().find("places tensor a in"), std::string::npos) << st.ToString();
}

TEST_F(SafetensorsTest, RefusesCorruptFilesNamingThem) {
  const std::string good = Serialize({{"w", "F32", {2, 2}, F32Bytes({1, 2, 3, 4})}});
  struct Case {
    std::string bytes;
    std::string message;
  };
  std::string bad_json = good;
  bad_json[8] = '[';
  std::string huge_header = good;
  huge_header[5] = 1;
  const Case cases[] = {
      {good.substr(0, 5), "truncated"},
      {huge_header, "truncated"},
      {good.substr(0, good.size() - 4), "truncated"},
      {good + "xxxx", "bytes of data after the header"},
      {bad_json, "not valid JSON"},
      {Serialize({{"w", "F32", {2, 3}, F32Bytes({1, 2, 3, 4})}}), "do not hold 6 values"},
      {Serialize({{"w", "Q4", {1}, "x"}}), "unknown dtype Q4"},
  };
  for (const Case& c : cases) {
    const std::string path = Write("bad.safetensors", c.bytes);
    Status st = Open(path);
    EXPECT_EQ(st.code(), Status::Code::kParseError) << c.message << ": " << st.ToString();
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find(path), std::string::npos) << st.ToString();
  }
  const std::string path = Write("good.safetensors", good);
  ASSERT_TRUE(Open(path).ok());
  const float* data = nullptr;
  Status st = w_->GetFloat("w", {4}, &data);
  EXPECT_NE(st.message().find(path + ": tensor w has shape [2, 2], expected [4]"),
            std::string::npos)
      << st.ToString();
  st = w_->GetFloat("v", {4}, &data);
  EXPECT_NE(st.message().find("has no tensor v"), std::string::npos) << st.ToString();
  EXPECT_EQ(Open((dir_ / "missing.safetensors").string()).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace semdex
