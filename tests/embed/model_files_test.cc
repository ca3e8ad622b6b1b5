// LoadEmbedder on missing, corrupt and unusual model files: each a clear error naming the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "embed/embed.h"
#include "embed/tfjs_weights.h"
#include "embed_test_util.h"
#include "test_util.h"

namespace semdex {
namespace {

namespace fs = std::filesystem;
using testing::DefaultModelDir;
using testing::ReadFileOrDie;
using testing::TempDir;
using testing::WriteFile;

const char* const kFiles[] = {"model.json",       "vocab.json",       "group1-shard1of7",
                              "group1-shard2of7", "group1-shard3of7", "group1-shard4of7",
                              "group1-shard5of7", "group1-shard6of7", "group1-shard7of7"};

// A model directory under `root` whose files link to the real model; tests replace the ones they
// corrupt with real files.
std::string LinkedModel(const std::string& root) {
  fs::create_directories(root);
  for (const char* f : kFiles) fs::create_symlink(DefaultModelDir() + "/" + f, root + "/" + f);
  return root;
}

void Replace(const std::string& path, const std::string& content) {
  fs::remove(path);
  WriteFile(path, content);
}

Status Load(const std::string& spec, std::unique_ptr<Embedder>* e = nullptr,
            EmbedderOptions options = EmbedderOptions()) {
  std::unique_ptr<Embedder> local;
  return LoadEmbedder(spec, options, e != nullptr ? e : &local);
}

void ExpectError(const Status& st, Status::Code code, const std::string& needle) {
  EXPECT_EQ(st.code(), code) << st.ToString();
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.ToString();
}

TEST(ModelFilesTest, IntactCopyIsThePinnedModelAndMapped) {
  TempDir tmp;
  std::unique_ptr<Embedder> e;
  ASSERT_TRUE(Load(LinkedModel(tmp / "m"), &e).ok());
  EXPECT_EQ(e->model_id(), "use-lite-en@0.2.0");
  std::unique_ptr<TfjsWeights> w;
  ASSERT_TRUE(TfjsWeights::Load(DefaultModelDir(), &w).ok());
  EXPECT_TRUE(w->mapped());
  EXPECT_EQ(w->bytes().size(), 27903656u);
}

TEST(ModelFilesTest, UnknownSpecsAndLayouts) {
  TempDir tmp;
  ExpectError(Load(tmp / "nope"), Status::Code::kNotFound, tmp / "nope");
  fs::create_directories(tmp / "empty");
  ExpectError(Load(tmp / "empty"), Status::Code::kNotFound, "holds no model.json");
  WriteFile(tmp / "hf/config.json", "{\"architectures\": [\"JinaBertForMaskedLM\"]}");
  ExpectError(Load(tmp / "hf"), Status::Code::kParseError, "hidden_size");
  WriteFile(tmp / "gpt/config.json", "{\"architectures\": [\"GPT2LMHeadModel\"]}");
  ExpectError(Load(tmp / "gpt"), Status::Code::kUnsupported, "GPT2LMHeadModel");
  // Nothing listens on the discard port: the probe request fails, naming the endpoint.
  ExpectError(Load("http://127.0.0.1:9/v1"), Status::Code::kIoError, "127.0.0.1:9/v1/embeddings");
  EmbedderOptions elsewhere;
  elsewhere.model_root = tmp / "empty";
  ExpectError(Load("default", nullptr, elsewhere), Status::Code::kNotFound, "scripts/setup.sh");
  // A package directory (with dist/ inside) is accepted too.
  LinkedModel(tmp / "pkg/dist");
  EXPECT_TRUE(Load(tmp / "pkg").ok());
}

TEST(ModelFilesTest, DisplayModelSpecDropsUrlCredentials) {
  EXPECT_EQ(DisplayModelSpec("http://u:pw@host:8080/v1#m"), "http://host:8080/v1#m");
  EXPECT_EQ(DisplayModelSpec("https://token@host/v1/embeddings"), "https://host/v1/embeddings");
  EXPECT_EQ(DisplayModelSpec("http://host/v1?x=a@b"), "http://host/v1?x=a@b");
  EXPECT_EQ(DisplayModelSpec("/models/jina@v2"), "/models/jina@v2");
  EXPECT_EQ(DisplayModelSpec("default"), "default");
}

TEST(ModelFilesTest, ManifestErrorsNameModelJson) {
  TempDir tmp;
  const std::string dir = LinkedModel(tmp / "m");
  const std::string manifest = dir + "/model.json";
  Replace(manifest, "{\"weightsManifest\": [");
  ExpectError(Load(dir), Status::Code::kParseError, manifest + ": not valid JSON");
  Replace(manifest, "{\"modelTopology\": {}}");
  ExpectError(Load(dir), Status::Code::kParseError, "no weightsManifest");
  fs::remove(manifest);
  ExpectError(Load(dir), Status::Code::kNotFound, "holds no model.json");

  nlohmann::json doc = nlohmann::json::parse(ReadFileOrDie(DefaultModelDir() + "/model.json"));
  nlohmann::json renamed = doc;
  for (auto& w : renamed["weightsManifest"][0]["weights"]) {
    if (w["name"] == "module/Encoder_en/hidden_layers/tanh_layer_0/weights") w["name"] = "x";
  }
  Replace(manifest, renamed.dump());
  ExpectError(Load(dir), Status::Code::kParseError,
              "weight module/Encoder_en/hidden_layers/tanh_layer_0/weights is missing");
  nlohmann::json reshaped = doc;
  for (auto& w : reshaped["weightsManifest"][0]["weights"]) {
    if (w["name"] == "module/Encoder_en/hidden_layers/tanh_layer_0/weights") {
      w["shape"] = {256, 1024};  // same size, wrong shape
    }
  }
  Replace(manifest, reshaped.dump());
  ExpectError(Load(dir), Status::Code::kParseError, "expected float32 [512, 512]");
  nlohmann::json quantized = doc;
  quantized["weightsManifest"][0]["weights"][0]["quantization"] = {{"dtype", "uint8"}};
  Replace(manifest, quantized.dump());
  ExpectError(Load(dir), Status::Code::kUnsupported, "quantized");
}

TEST(ModelFilesTest, ShardErrorsNameTheShard) {
  TempDir tmp;
  const std::string dir = LinkedModel(tmp / "m");
  const std::string last = dir + "/group1-shard7of7", third = dir + "/group1-shard3of7";
  std::string bytes = ReadFileOrDie(DefaultModelDir() + "/group1-shard7of7");
  Replace(last, bytes.substr(0, bytes.size() - 100));  // truncated
  ExpectError(Load(dir), Status::Code::kIoError,
              "weight shard " + last + " has 2737732 bytes, expected 2737832");
  Replace(last, bytes + "extra");
  ExpectError(Load(dir), Status::Code::kIoError, "weight shard " + last);
  Replace(last, bytes);
  Replace(third, ReadFileOrDie(DefaultModelDir() + "/group1-shard3of7").substr(0, 4000000));
  ExpectError(Load(dir), Status::Code::kIoError, "weight shard " + third + " has 4000000 bytes");
  fs::remove(third);
  ExpectError(Load(dir), Status::Code::kNotFound, "missing weight shard " + third);
}

TEST(ModelFilesTest, VocabularyErrorsNameVocabJson) {
  TempDir tmp;
  const std::string dir = LinkedModel(tmp / "m");
  const std::string vocab = dir + "/vocab.json";
  Replace(vocab, "[[\"a\", 1], oops]");
  ExpectError(Load(dir), Status::Code::kParseError, vocab + ": not valid JSON");
  fs::remove(vocab);
  ExpectError(Load(dir), Status::Code::kNotFound, vocab);
}

// Changed weight bytes with intact sizes: the default model refuses them, a directory gets an id
// of its own.
TEST(ModelFilesTest, AlteredWeightsAreDetected) {
  TempDir tmp;
  const std::string root = tmp / "root";
  const std::string dir =
      LinkedModel(root + "/@energetic-ai+model-embeddings-en-0.2.0/package/dist");
  std::string bytes = ReadFileOrDie(DefaultModelDir() + "/group1-shard5of7");
  bytes[1000] ^= 0x01;
  Replace(dir + "/group1-shard5of7", bytes);
  EmbedderOptions options;
  options.model_root = root;
  ExpectError(Load("default", nullptr, options), Status::Code::kIoError, "differs from the pinned");
  std::unique_ptr<Embedder> e;
  ASSERT_TRUE(Load(dir, &e).ok());
  EXPECT_EQ(e->model_id().rfind("use-lite-en@custom-", 0), 0u) << e->model_id();
}

// Shards whose sizes are not whole pages cannot be mapped: they are read, with the same result.
TEST(ModelFilesTest, UnalignedShardsAreReadIntoMemory) {
  TempDir tmp;
  const std::string dir = tmp / "m";
  fs::create_directories(dir);
  std::string all;
  for (int i = 1; i <= 7; ++i) {
    all += ReadFileOrDie(DefaultModelDir() + "/group1-shard" + std::to_string(i) + "of7");
  }
  nlohmann::json doc = nlohmann::json::parse(ReadFileOrDie(DefaultModelDir() + "/model.json"));
  nlohmann::json paths = nlohmann::json::array();
  const size_t piece = 10000003;
  for (size_t off = 0, i = 0; off < all.size(); off += piece, ++i) {
    const std::string name = "odd-shard-" + std::to_string(i);
    WriteFile(dir + "/" + name, all.substr(off, piece));
    paths.push_back(name);
  }
  doc["weightsManifest"][0]["paths"] = paths;
  WriteFile(dir + "/model.json", doc.dump());
  fs::copy_file(DefaultModelDir() + "/vocab.json", dir + "/vocab.json");
  std::unique_ptr<TfjsWeights> w;
  ASSERT_TRUE(TfjsWeights::Load(dir, &w).ok());
  EXPECT_FALSE(w->mapped());
  std::unique_ptr<Embedder> e;
  ASSERT_TRUE(Load(dir, &e).ok());
  EXPECT_EQ(e->model_id(), "use-lite-en@0.2.0");
  std::vector<std::vector<float>> a, b;
  ASSERT_TRUE(e->Embed({"read, not mapped"}, &a).ok());
  ASSERT_TRUE(testing::SharedDefaultEmbedder()->Embed({"read, not mapped"}, &b).ok());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace semdex
