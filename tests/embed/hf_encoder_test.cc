// Hugging Face encoders (jina-bert-v2 qk-post-norm and base-en layouts, BERT with mean and CLS
// pooling) on tiny random-weight models, against the NumPy reference tests/embed/hf_reference.py
// (run here with Debian's python3; a missing python3 or numpy fails these tests), plus bad input.
#include "embed/hf_encoder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "embed/embed.h"
#include "embed/hf_embedder.h"
#include "embed_test_util.h"

namespace semdex {
namespace {

namespace fs = std::filesystem;
using testing::MaxAbsDiff;
using testing::ReadFileOrDie;
using Vectors = std::vector<std::vector<float>>;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string ReferenceScript() {
  return std::string(SEMDEX_FIXTURES_DIR) + "/../embed/hf_reference.py";
}

// Runs hf_reference.py with `args`; false (with a test failure) when it fails.
bool RunReference(const std::string& args) {
  const std::string cmd =
      Quote(SEMDEX_PYTHON3) + " " + Quote(ReferenceScript()) + " " + args + " 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << "failed: " << cmd
                   << " (needs Debian's python3 with python3-numpy: apt-get install python3-numpy)";
  return rc == 0;
}

// The tiny models, made once per test process in a temporary folder.
class TinyModels {
 public:
  static const TinyModels& Get() {
    static TinyModels models;
    return models;
  }
  fs::path dir;
  bool ok = false;

 private:
  TinyModels() {
    dir = fs::temp_directory_path() / ("semdex_hf_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ok = RunReference("make-models " + Quote(std::string(SEMDEX_FIXTURES_DIR) + "/embed/hf") + " " +
                      Quote(dir.string()));
  }
  ~TinyModels() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::unique_ptr<Embedder> LoadTiny(const std::string& name, const EmbedderOptions& options = {}) {
  const TinyModels& m = TinyModels::Get();
  EXPECT_TRUE(m.ok);
  std::unique_ptr<Embedder> e;
  Status st = LoadEmbedder((m.dir / name).string(), options, &e);
  EXPECT_TRUE(st.ok()) << name << ": " << st.ToString();
  return e;
}

// A text of about `words` words of code-like English, long enough to need several windows.
std::string LongText(int words) {
  std::string s;
  const char* const kWords[] = {"const", "value",  "=",  "compute(input,", "options);", "return",
                                "the",   "result", "of", "getUserName()",  "\n  ",      "if",
                                "(x)"};
  for (int i = 0; i < words; ++i) s += std::string(kWords[i % 13]) + (i % 7 ? " " : "  ");
  return s;
}

const std::vector<std::string>& Texts() {
  static const std::vector<std::string> texts = {
      "x",
      "function add(a, b) { return a + b; }",
      "def load_config(path):\n    with open(path) as f:\n        return json.load(f)",
      "Caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e deploy \xf0\x9f\x9a\x80",
      "The quick brown fox jumps over the lazy dog.",
      LongText(60),   // a few windows
      LongText(200),  // many windows
  };
  return texts;
}

// Embeds Texts() with `name` in C++ (one call: packed windows of different lengths) and with the
// NumPy reference (one padded, masked batch); returns the largest elementwise difference.
float CompareWithReference(const std::string& name, int* windows) {
  std::unique_ptr<Embedder> e = LoadTiny(name);
  if (e == nullptr) return 1e9f;
  const auto* hf = dynamic_cast<const HfEmbedder*>(e.get());
  EXPECT_NE(hf, nullptr);
  if (hf == nullptr) return 1e9f;
  std::vector<std::string_view> views(Texts().begin(), Texts().end());
  Vectors mine;
  Status st = e->Embed(views, &mine);
  EXPECT_TRUE(st.ok()) << st.ToString();
  nlohmann::json request = {{"model", (TinyModels::Get().dir / name).string()}};
  request["texts"] = nlohmann::json::array();
  for (size_t i = 0; i < views.size(); ++i) {
    std::vector<int32_t> ids;
    EXPECT_TRUE(hf->Tokenize(views[i], i, &ids).ok());
    request["texts"].push_back(ids);
  }
  const fs::path req = TinyModels::Get().dir / (name + "_request.json");
  const fs::path out = TinyModels::Get().dir / (name + "_reference.json");
  std::ofstream(req) << request.dump();
  if (!RunReference("embed " + Quote(req.string()) + " " + Quote(out.string()))) return 1e9f;
  const nlohmann::json ref = nlohmann::json::parse(ReadFileOrDie(out.string()));
  *windows = ref["windows"].get<int>();
  const Vectors expected = ref["vectors"].get<Vectors>();
  EXPECT_EQ(mine.size(), expected.size());
  float worst = 0;
  for (size_t i = 0; i < mine.size() && i < expected.size(); ++i) {
    EXPECT_EQ(mine[i].size(), static_cast<size_t>(e->dim()));
    const float d = MaxAbsDiff(mine[i], expected[i]);
    EXPECT_LT(d, 1e-5f) << name << ", text " << i;  // tighter than asked: catches tanh-GELU
    worst = std::max(worst, d);
  }
  return worst;
}

TEST(HfEncoderTest, JinaCodeMatchesTheNumpyReference) {
  int windows = 0;
  const float diff = CompareWithReference("jina_code", &windows);
  std::printf("jina_code (qk-post-norm, 6 heads): max abs diff %.3g over %d windows\n", diff,
              windows);
  EXPECT_GT(windows, static_cast<int>(Texts().size()) + 4);  // the long texts were windowed
}

TEST(HfEncoderTest, JinaBaseEnMatchesTheNumpyReference) {
  int windows = 0;
  const float diff = CompareWithReference("jina_en", &windows);
  std::printf("jina_en (gated_layers, F16 weights): max abs diff %.3g over %d windows\n", diff,
              windows);
}

TEST(HfEncoderTest, BertMatchesTheNumpyReference) {
  int windows = 0;
  const float diff = CompareWithReference("bert", &windows);
  std::printf("bert (WordPiece, mean pooling): max abs diff %.3g over %d windows\n", diff, windows);
}

TEST(HfEncoderTest, BertWithClsPoolingMatchesTheNumpyReference) {
  int windows = 0;
  const float diff = CompareWithReference("bert_cls", &windows);
  std::printf("bert_cls (CLS pooling, gelu_new): max abs diff %.3g over %d windows\n", diff,
              windows);
}

TEST(HfEncoderTest, DescribesTheModel) {
  std::unique_ptr<Embedder> e = LoadTiny("jina_code");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->dim(), 48);
  EXPECT_EQ(e->max_tokens(), 40);  // max_position_embeddings, under the 512 cap
  EXPECT_TRUE(e->model_id().starts_with("hf:jina_code@")) << e->model_id();
  EXPECT_EQ(e->model_id().size(), std::string("hf:jina_code@").size() + 16);
  size_t count = 0;
  ASSERT_TRUE(e->CountTokens("x", &count).ok());
  EXPECT_EQ(count, 3u);  // <s> x </s>
  const std::string long_text = LongText(200);
  ASSERT_TRUE(e->CountTokens(long_text, &count).ok());
  std::vector<int32_t> ids;
  ASSERT_TRUE(dynamic_cast<const HfEmbedder&>(*e).Tokenize(long_text, 0, &ids).ok());
  const size_t windows = (ids.size() + 37) / 38;
  EXPECT_EQ(count, ids.size() + 2 * windows);
  EXPECT_EQ(AlibiSlopes(8), (std::vector<float>{0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f, 0.015625f,
                                                0.0078125f, 0.00390625f}));
  const std::vector<float> twelve = AlibiSlopes(12);  // jina-v2-base-code's head count
  ASSERT_EQ(twelve.size(), 12u);
  EXPECT_FLOAT_EQ(twelve[8], std::pow(2.0f, -0.5f));
  EXPECT_FLOAT_EQ(twelve[11], std::pow(2.0f, -3.5f));
}

TEST(HfEncoderTest, VectorsDoNotDependOnBatchingOrThreads) {
  EmbedderOptions small;
  small.batch_tokens = 40;  // one window per pass
  std::unique_ptr<Embedder> one = LoadTiny("jina_code", small);
  std::unique_ptr<Embedder> many = LoadTiny("jina_code");
  ASSERT_NE(one, nullptr);
  ASSERT_NE(many, nullptr);
  std::vector<std::string_view> views(Texts().begin(), Texts().end());
  Vectors a, b;
  ASSERT_TRUE(one->Embed(views, &a).ok());
  ASSERT_TRUE(many->Embed(views, &b).ok());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_LT(MaxAbsDiff(a[i], b[i]), 1e-5f) << i;
  std::vector<Vectors> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) {
    threads.emplace_back([&] { EXPECT_TRUE(many->Embed(views, &r).ok()); });
  }
  for (auto& t : threads) t.join();
  for (const Vectors& r : results) {
    ASSERT_EQ(r.size(), b.size());
    for (size_t i = 0; i < r.size(); ++i) EXPECT_LT(MaxAbsDiff(r[i], b[i]), 1e-5f);
  }
}

TEST(HfEncoderTest, RunsTheDenseLayersInInt8) {
  EmbedderOptions int8;
  int8.precision = Precision::kInt8;
  std::unique_ptr<Embedder> q = LoadTiny("jina_code", int8);
  std::unique_ptr<Embedder> f = LoadTiny("jina_code");
  ASSERT_NE(q, nullptr);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(q->model_id(), f->model_id() + "+int8");
  std::vector<std::string_view> views(Texts().begin(), Texts().end());
  Vectors a, b;
  ASSERT_TRUE(q->Embed(views, &a).ok());
  ASSERT_TRUE(f->Embed(views, &b).ok());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_GT(testing::Cosine(a[i], b[i]), 0.99) << i;
    EXPECT_GT(MaxAbsDiff(a[i], b[i]), 0.0f) << i;  // it did run in another precision
  }
}

TEST(HfEncoderTest, RefusesBadTexts) {
  std::unique_ptr<Embedder> e = LoadTiny("bert");
  ASSERT_NE(e, nullptr);
  Vectors out;
  Status st = e->Embed({"fine", ""}, &out);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("text 1"), std::string::npos);
  EXPECT_TRUE(out.empty());
  st = e->Embed({"   \t\n"}, &out);  // WordPiece drops whitespace: nothing left
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("blank"), std::string::npos);
  st = e->Embed({"bad \xff utf8"}, &out);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
}

// A copy of a tiny model in a fresh folder, to break.
fs::path CopyModel(const std::string& name, const std::string& as) {
  const fs::path to = TinyModels::Get().dir / as;
  fs::remove_all(to);
  fs::copy(TinyModels::Get().dir / name, to, fs::copy_options::recursive);
  return to;
}

void Rewrite(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = ReadFileOrDie(path.string());
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void ExpectLoadError(const fs::path& dir, Status::Code code,
                     const std::vector<std::string>& parts) {
  std::unique_ptr<Embedder> e;
  Status st = LoadEmbedder(dir.string(), EmbedderOptions(), &e);
  EXPECT_EQ(st.code(), code) << st.ToString();
  for (const std::string& p : parts) {
    EXPECT_NE(st.message().find(p), std::string::npos) << "no \"" << p << "\" in " << st.ToString();
  }
}

TEST(HfEncoderTest, RefusesBadModelDirectories) {
  ASSERT_TRUE(TinyModels::Get().ok);
  fs::path d = CopyModel("jina_code", "no_hidden");
  Rewrite(d / "config.json", "\"hidden_size\"", "\"hidden_width\"");
  ExpectLoadError(d, Status::Code::kParseError, {(d / "config.json").string(), "hidden_size"});

  d = CopyModel("jina_code", "xlmr");
  Rewrite(d / "config.json", "JinaBertForMaskedLM", "XLMRobertaModel");
  ExpectLoadError(d, Status::Code::kUnsupported,
                  {(d / "config.json").string(), "architecture XLMRobertaModel"});

  d = CopyModel("jina_code", "rope");
  Rewrite(d / "config.json", "\"alibi\"", "\"rotary\"");
  ExpectLoadError(d, Status::Code::kUnsupported, {"position_embedding_type rotary"});

  d = CopyModel("jina_code", "wrong_shape");
  Rewrite(d / "config.json", "\"intermediate_size\": 40", "\"intermediate_size\": 41");
  ExpectLoadError(d, Status::Code::kParseError,
                  {(d / "model.safetensors").string(), "mlp.up_gated_layer.weight",
                   "has shape [80, 48], expected [82, 48]"});

  d = CopyModel("jina_code", "truncated");
  fs::resize_file(d / "model.safetensors", fs::file_size(d / "model.safetensors") - 100);
  ExpectLoadError(d, Status::Code::kParseError, {(d / "model.safetensors").string(), "truncated"});

  d = CopyModel("jina_code", "no_weights");
  fs::remove(d / "model.safetensors");
  ExpectLoadError(d, Status::Code::kNotFound, {"model.safetensors"});

  d = CopyModel("bert", "bad_tokenizer");
  std::ofstream(d / "tokenizer.json", std::ios::trunc) << "{\"model\": ";
  ExpectLoadError(d, Status::Code::kParseError, {(d / "tokenizer.json").string(), "JSON"});

  d = CopyModel("bert", "no_tokenizer");
  fs::remove(d / "tokenizer.json");
  ExpectLoadError(d, Status::Code::kNotFound, {"tokenizer.json"});

  d = CopyModel("bert_cls", "max_pooling");
  Rewrite(d / "1_Pooling/config.json", "\"pooling_mode_max_tokens\": false",
          "\"pooling_mode_max_tokens\": true");
  ExpectLoadError(d, Status::Code::kUnsupported, {"1_Pooling/config.json"});
}

}  // namespace
}  // namespace semdex
