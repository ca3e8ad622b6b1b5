// The embedding stage of RunIndex: every chunk of an indexed file gets its vector in the same
// transaction, groups are deterministic (any mode gives the same vectors, bit for bit), a text
// the model refuses fails only its file, a model failure fails files but not the run, at most
// embed_concurrency Embed() calls run at once, and the index records its model.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "fake_embedder.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_internal.h"
#include "store/encoding.h"
#include "test_util.h"

namespace semdex {
namespace {

using testing::ExportChunks;
using testing::ExportFiles;
using testing::FakeEmbedder;
using testing::QueryRows;
using testing::TempDir;
using testing::WriteFile;

struct Outcome {
  Status status;
  IndexSummary summary;
};

Outcome IndexWith(const std::string& root, const std::string& db, const Embedder* embedder,
                  int workers, bool sequential, uint64_t group_tokens = 4096,
                  int embed_concurrency = 0) {
  Outcome r;
  std::unique_ptr<Store> store;
  r.status = OpenStore(db, StoreOptions(), &store);
  if (!r.status.ok()) return r;
  IndexOptions options;
  options.root = root;
  options.repository = "repo";
  options.workers = workers;
  options.sequential = sequential;
  options.embedder = embedder;
  options.embed_group_tokens = group_tokens;
  options.embed_concurrency = embed_concurrency;
  r.status = RunIndex(options, store.get(), &r.summary);
  return r;
}

// A tree of `files` small TypeScript files, two functions each.
void WriteTree(const TempDir& dir, int files) {
  for (int i = 0; i < files; ++i) {
    const std::string n = std::to_string(i);
    WriteFile(dir / ("src/f" + n + ".ts"), "/** Returns " + n + ". */\nexport function value" + n +
                                               "() { return " + n + "; }\nexport function twice" +
                                               n + "(x: number) { return x * 2 + " + n + "; }\n");
  }
}

std::vector<float> Decode(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  std::vector<float> v;
  EXPECT_TRUE(DecodeEmbedding(bytes, &v));
  return v;
}

TEST(EmbedPipelineTest, EveryChunkGetsTheVectorOfItsOwnText) {
  TempDir dir, db;
  WriteTree(dir, 12);
  FakeEmbedder model;
  Outcome r = IndexWith(dir.path(), db / "i.db", &model, 3, false, /*group_tokens=*/64);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.summary.success_files, 12);
  EXPECT_EQ(r.summary.embedding.model_id, "fake@1");
  EXPECT_EQ(r.summary.embedding.dim, 4);
  EXPECT_EQ(r.summary.embedding.chunks, r.summary.total_chunks);
  EXPECT_GT(r.summary.embedding.calls, 1);  // several groups
  auto rows = QueryRows(db / "i.db", "SELECT source_code, hex(embedding_code) FROM code_chunks");
  ASSERT_EQ(rows.size(), static_cast<size_t>(r.summary.total_chunks));
  for (const std::string& row : rows) {
    const size_t bar = row.rfind('|');
    ASSERT_NE(bar, std::string::npos);
    EXPECT_EQ(Decode(row.substr(bar + 1)), FakeEmbedder::VectorOf(row.substr(0, bar))) << row;
  }
  EXPECT_EQ(QueryRows(db / "i.db", "SELECT model_id, embedding_dim FROM repositories"),
            std::vector<std::string>{"fake@1|4"});
  EXPECT_EQ(QueryRows(db / "i.db", "SELECT embed, model_id, embedding_dim FROM runs"),
            std::vector<std::string>{"1|fake@1|4"});
}

TEST(EmbedPipelineTest, GroupsAndVectorsDoNotDependOnTheMode) {
  TempDir dir, db;
  WriteTree(dir, 30);
  FakeEmbedder seq_model, one_model, par_model;
  Outcome seq = IndexWith(dir.path(), db / "seq.db", &seq_model, 1, true, 100);
  Outcome one = IndexWith(dir.path(), db / "one.db", &one_model, 1, false, 100);
  Outcome par = IndexWith(dir.path(), db / "par.db", &par_model, 4, false, 100);
  ASSERT_TRUE(seq.status.ok() && one.status.ok() && par.status.ok());
  EXPECT_GT(seq_model.calls(), 3);
  EXPECT_EQ(seq_model.CallSignatures(), one_model.CallSignatures());
  EXPECT_EQ(seq_model.CallSignatures(), par_model.CallSignatures());
  EXPECT_EQ(ExportChunks(db / "seq.db", "repo"), ExportChunks(db / "par.db", "repo"));
  EXPECT_EQ(ExportChunks(db / "seq.db", "repo"), ExportChunks(db / "one.db", "repo"));
  EXPECT_EQ(ExportFiles(db / "seq.db", "repo"), ExportFiles(db / "par.db", "repo"));
}

// The default model end to end: sequential and parallel runs store the same vectors bit for bit,
// and each is the model's own vector for the chunk's text.
TEST(EmbedPipelineTest, DefaultModelSequentialEqualsParallel) {
  const std::string src =
      std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src/internal/scheduler";
  ASSERT_TRUE(std::filesystem::is_directory(src)) << src << " missing: run scripts/setup.sh";
  EmbedderOptions embed_options;
  embed_options.model_root = SEMDEX_NPM_CACHE_DIR;
  embed_options.batch_tokens = 256;
  std::unique_ptr<Embedder> model;
  ASSERT_TRUE(LoadEmbedder("default", embed_options, &model).ok());
  TempDir db;
  Outcome seq = IndexWith(src, db / "seq.db", model.get(), 1, true, 2048);
  Outcome par = IndexWith(src, db / "par.db", model.get(), 3, false, 2048);
  ASSERT_TRUE(seq.status.ok() && par.status.ok());
  EXPECT_EQ(seq.summary.error_files, 0);
  EXPECT_EQ(seq.summary.embedding.chunks, seq.summary.total_chunks);
  EXPECT_GT(seq.summary.embedding.calls, 2);
  EXPECT_EQ(ExportChunks(db / "seq.db", "repo"), ExportChunks(db / "par.db", "repo"));

  auto rows =
      QueryRows(db / "par.db", "SELECT hex(embedding_code) FROM code_chunks ORDER BY id LIMIT 5");
  auto texts = QueryRows(db / "par.db", "SELECT source_code FROM code_chunks ORDER BY id LIMIT 5");
  ASSERT_EQ(rows.size(), texts.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<std::vector<float>> direct;
    ASSERT_TRUE(model->Embed({texts[i]}, &direct).ok());
    std::vector<float> stored = Decode(rows[i]);
    ASSERT_EQ(stored.size(), 512u);
    double dot = 0;
    for (size_t k = 0; k < stored.size(); ++k) dot += static_cast<double>(stored[k]) * direct[0][k];
    EXPECT_GT(dot, 0.99999) << texts[i];
  }
}

TEST(EmbedPipelineTest, TextsOfAGroupAreSentShortestFirst) {
  TempDir dir, db;
  WriteFile(dir / "a.ts",
            "export function long_one() { const text = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'; }\n"
            "export function s() {}\n");
  FakeEmbedder model;
  Outcome r = IndexWith(dir.path(), db / "i.db", &model, 1, true);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(model.calls(), 1);
  const std::string call = model.CallSignatures()[0];
  EXPECT_LT(call.find("function s()"), call.find("long_one")) << call;
}

TEST(EmbedPipelineTest, ARefusedTextFailsOnlyItsFile) {
  TempDir dir, db;
  WriteTree(dir, 6);
  WriteFile(dir / "src/bad.ts", "export function ok() {}\nexport function bad() { POISON(); }\n");
  for (bool sequential : {true, false}) {
    FakeEmbedder model;
    const std::string path = db / (sequential ? "seq.db" : "par.db");
    Outcome r = IndexWith(dir.path(), path, &model, 2, sequential);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.summary.success_files, 6);
    EXPECT_EQ(r.summary.error_files, 1);
    ASSERT_EQ(r.summary.errors.size(), 1u);
    EXPECT_EQ(r.summary.errors[0].file, "src/bad.ts");
    EXPECT_NE(r.summary.errors[0].error.find("embedding: chunk bad (lines 2-2)"), std::string::npos)
        << r.summary.errors[0].error;
    EXPECT_EQ(ExitCodeFor(r.summary), 1);
    // Nothing of the failed file is stored; every other chunk has its vector.
    EXPECT_EQ(QueryRows(path, "SELECT COUNT(*) FROM code_chunks WHERE file_path = 'src/bad.ts'"),
              std::vector<std::string>{"0"});
    EXPECT_EQ(QueryRows(path, "SELECT status FROM files WHERE file_path = 'src/bad.ts'"),
              std::vector<std::string>{"failed"});
    EXPECT_EQ(QueryRows(path, "SELECT COUNT(*) FROM code_chunks WHERE embedding_code IS NULL"),
              std::vector<std::string>{"0"});
    EXPECT_EQ(QueryRows(path, "SELECT COUNT(*) FROM code_chunks"),
              std::vector<std::string>{std::to_string(r.summary.total_chunks)});
  }
}

TEST(EmbedPipelineTest, AModelFailureFailsTheFilesAndTheRunGoesOn) {
  TempDir dir, db;
  WriteTree(dir, 5);
  WriteFile(dir / "src/minified.min.js", "var a=1;");  // skipped, not failed
  FakeEmbedder model;
  model.fail_all = true;
  Outcome r = IndexWith(dir.path(), db / "i.db", &model, 2, false);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.summary.success_files, 0);
  EXPECT_EQ(r.summary.error_files, 5);
  for (const FileError& e : r.summary.errors) {
    EXPECT_NE(e.error.find("http://127.0.0.1:9/v1/embeddings: connection refused"),
              std::string::npos)
        << e.error;
  }
  EXPECT_EQ(QueryRows(db / "i.db", "SELECT COUNT(*) FROM code_chunks"),
            std::vector<std::string>{"0"});
}

TEST(EmbedPipelineTest, EmbedCallsAtOnceAreCappedWhateverTheWorkers) {
  TempDir dir, db;
  WriteTree(dir, 40);
  FakeEmbedder model;
  model.delay_ms = 20;
  Outcome r = IndexWith(dir.path(), db / "i.db", &model, 8, false, /*group_tokens=*/32,
                        /*embed_concurrency=*/2);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.summary.success_files, 40);
  EXPECT_GT(model.calls(), 8);
  EXPECT_LE(model.max_active(), 2);
  EXPECT_GE(model.max_active(), 1);
}

TEST(EmbedPipelineTest, BlankChunksAreEmbeddedFromTheirName) {
  ChunkRow chunk;
  chunk.chunk_type = "function";
  chunk.name = "f";
  chunk.qualified_name = "A.f";
  chunk.source_code = " \n\t ";
  EXPECT_EQ(EmbedText(chunk), "A.f");
  chunk.qualified_name.clear();
  EXPECT_EQ(EmbedText(chunk), "f");
  chunk.name.clear();
  EXPECT_EQ(EmbedText(chunk), "function");
  chunk.source_code = "x";
  EXPECT_EQ(EmbedText(chunk), "x");
}

TEST(EmbedPipelineTest, GroupBuilderClosesOnTokensFilesAndTheLastFile) {
  auto file = [](std::vector<uint32_t> tokens) {
    FileResult f;
    f.chunk_tokens = std::move(tokens);
    return f;
  };
  GroupBuilder b(/*token_budget=*/10, /*max_files=*/3, /*total_files=*/7);
  EXPECT_FALSE(b.Add(file({4})));
  EXPECT_TRUE(b.Add(file({3, 3})));  // 10 tokens
  EXPECT_EQ(b.Take().files.size(), 2u);
  EXPECT_FALSE(b.Add(file({})));
  EXPECT_FALSE(b.Add(file({1})));
  EXPECT_TRUE(b.Add(file({1})));  // 3 files
  Group g = b.Take();
  EXPECT_EQ(g.files.size(), 3u);
  EXPECT_EQ(g.tokens, 2u);
  EXPECT_FALSE(b.Add(file({1})));
  EXPECT_TRUE(b.Add(file({1})));  // the last of 7
  EXPECT_EQ(b.Take().files.size(), 2u);
}

TEST(EmbedPipelineTest, CheckIndexModelNamesBothModels) {
  TempDir dir, db;
  WriteTree(dir, 2);
  FakeEmbedder model;
  ASSERT_TRUE(IndexWith(dir.path(), db / "i.db", nullptr, 1, true).status.ok());
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore(db / "i.db", StoreOptions(), &store).ok());
  Status none = CheckIndexModel(store.get(), "repo", model);
  EXPECT_EQ(none.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(none.message().find("--no-embed"), std::string::npos) << none.message();
  store.reset();
  ASSERT_TRUE(IndexWith(dir.path(), db / "i.db", &model, 1, true).status.ok());
  ASSERT_TRUE(OpenStore(db / "i.db", StoreOptions(), &store).ok());
  EXPECT_TRUE(CheckIndexModel(store.get(), "repo", model).ok());

  class OtherModel : public FakeEmbedder {
   public:
    int dim() const override { return 8; }
    const std::string& model_id() const override { return id_; }

   private:
    std::string id_ = "other@2";
  } other;
  Status mismatch = CheckIndexModel(store.get(), "repo", other);
  EXPECT_EQ(mismatch.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(mismatch.message().find("fake@1 (4-d)"), std::string::npos) << mismatch.message();
  EXPECT_NE(mismatch.message().find("other@2 (8-d)"), std::string::npos) << mismatch.message();
  EXPECT_EQ(CheckIndexModel(store.get(), "nope", model).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace semdex
