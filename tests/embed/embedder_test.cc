// The default Embedder's contract: vectors, windows, batching invariance, sharing across threads,
// bad input.
#include <gtest/gtest.h>
#include <omp.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "embed/embed.h"
#include "embed/use_lite_embedder.h"
#include "embed/use_lite_model.h"
#include "embed_test_util.h"

namespace semdex {
namespace {

using testing::Cosine;
using testing::MaxAbsDiff;
using testing::SharedDefaultEmbedder;
using Vectors = std::vector<std::vector<float>>;

const char* const kSnippets[] = {
    "export function map<T, R>(project: (value: T, index: number) => R): OperatorFunction<T, R>",
    "How do I cancel a pending HTTP request?",
    "x",
    "def load_config(path):\n    with open(path) as f:\n        return yaml.safe_load(f)",
    "日本語のテキスト 🚀",
};

// A text of about `lines` lines of code, well over one window for lines >= 10.
std::string LongCode(int lines) {
  std::string s;
  for (int i = 0; i < lines; ++i) {
    s += "  const value" + std::to_string(i) + " = computeSomething(input[" + std::to_string(i) +
         "], options.retryCount);\n";
  }
  return s;
}

Vectors EmbedOrDie(const Embedder& e, const std::vector<std::string_view>& texts) {
  Vectors out;
  Status st = e.Embed(texts, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(EmbedderTest, DescribesTheDefaultModel) {
  const Embedder* e = SharedDefaultEmbedder();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->model_id(), "use-lite-en@0.2.0");
  EXPECT_EQ(e->dim(), 512);
  EXPECT_EQ(e->max_tokens(), 128);
}

TEST(EmbedderTest, ReturnsOneUnitVectorPerText) {
  const Embedder* e = SharedDefaultEmbedder();
  ASSERT_NE(e, nullptr);
  std::string long_code = LongCode(40);
  std::vector<std::string_view> texts(std::begin(kSnippets), std::end(kSnippets));
  texts.push_back(long_code);
  Vectors out = EmbedOrDie(*e, texts);
  ASSERT_EQ(out.size(), texts.size());
  for (const auto& v : out) {
    ASSERT_EQ(v.size(), 512u);
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  EXPECT_TRUE(EmbedOrDie(*e, {}).empty());
}

TEST(EmbedderTest, PreparesCodeTextBeforeTokenizing) {
  const Embedder* split = SharedDefaultEmbedder();
  ASSERT_NE(split, nullptr);
  EmbedderOptions options;
  options.prepare_code_text = false;
  std::unique_ptr<Embedder> raw;
  ASSERT_TRUE(LoadEmbedder("default", options, &raw).ok());
  EXPECT_EQ(EmbedOrDie(*split, {"getUserName"}), EmbedOrDie(*raw, {"get user name"}));
  EXPECT_EQ(EmbedOrDie(*split, {"\n  if (isDone)\n    return;\n"}),
            EmbedOrDie(*raw, {"if (is done) return;"}));
  EXPECT_NE(EmbedOrDie(*split, {"getUserName"}), EmbedOrDie(*raw, {"getUserName"}));
  size_t with = 0, without = 0;
  ASSERT_TRUE(split->CountTokens("getUserName", &with).ok());
  ASSERT_TRUE(raw->CountTokens("getUserName", &without).ok());
  EXPECT_EQ(with, 3u);     // ▁get ▁user ▁name
  EXPECT_EQ(without, 5u);  // as the golden fixture has it
}

// A text's vector does not depend on the batch it is in, nor on how the batch is cut into passes.
TEST(EmbedderTest, BatchingDoesNotChangeVectors) {
  const Embedder* e = SharedDefaultEmbedder();
  ASSERT_NE(e, nullptr);
  std::string long_a = LongCode(12), long_b = LongCode(30);
  std::vector<std::string_view> batch = {long_a, kSnippets[0], long_b, kSnippets[2], kSnippets[1]};
  EmbedderOptions small;
  small.batch_tokens = 200;  // several passes, windows of one text in different passes
  std::unique_ptr<Embedder> chopped;
  ASSERT_TRUE(LoadEmbedder("default", small, &chopped).ok());
  for (const Embedder* embedder : {e, static_cast<const Embedder*>(chopped.get())}) {
    Vectors together = EmbedOrDie(*embedder, batch);
    ASSERT_EQ(together.size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      Vectors alone = EmbedOrDie(*e, {batch[i]});
      EXPECT_LE(MaxAbsDiff(alone[0], together[i]), 1e-5) << "text " << i;
    }
  }
}

// Long texts: the fewest near-equal windows of <= 128 tokens, averaged by token count.
TEST(EmbedderTest, LongTextIsTheWeightedMeanOfItsWindows) {
  const auto* e = dynamic_cast<const UseLiteEmbedder*>(SharedDefaultEmbedder());
  ASSERT_NE(e, nullptr);
  std::string text = LongCode(20);
  std::vector<int32_t> ids;
  ASSERT_TRUE(e->Tokenize(text, 0, &ids).ok());
  ASSERT_GT(ids.size(), 256u);
  size_t count = 0;
  ASSERT_TRUE(e->CountTokens(text, &count).ok());
  EXPECT_EQ(count, ids.size());

  std::unique_ptr<TfjsWeights> weights;
  ASSERT_TRUE(TfjsWeights::Load(testing::DefaultModelDir(), &weights).ok());
  std::unique_ptr<UseLiteModel> model;
  ASSERT_TRUE(UseLiteModel::Create(std::move(weights), &model).ok());
  UseLiteModel::Scratch scratch(128);
  const size_t k = (ids.size() + 127) / 128;
  std::vector<float> expected(512, 0.0f), window(512);
  for (size_t w = 0, start = 0; w < k; ++w) {
    const int len = static_cast<int>(ids.size() / k + (w < ids.size() % k ? 1 : 0));
    ASSERT_TRUE(model->Forward(ids.data() + start, {len}, &scratch, window.data()).ok());
    for (size_t j = 0; j < 512; ++j) expected[j] += static_cast<float>(len) * window[j];
    start += static_cast<size_t>(len);
  }
  Vectors got = EmbedOrDie(*e, {text});
  EXPECT_GE(Cosine(got[0], expected), 0.99999);
}

TEST(EmbedderTest, SharedAcrossThreadsGivesTheSameVectors) {
  const Embedder* e = SharedDefaultEmbedder();
  ASSERT_NE(e, nullptr);
  std::string long_code = LongCode(15);
  std::vector<std::string_view> texts(std::begin(kSnippets), std::end(kSnippets));
  texts.push_back(long_code);
  const Vectors reference = EmbedOrDie(*e, texts);
  constexpr int kThreads = 4, kRounds = 5;
  std::vector<int> mismatches(kThreads, 0), failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        Vectors out;
        if (!e->Embed(texts, &out).ok()) ++failures[t];
        if (out != reference) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  }
}

TEST(EmbedderTest, IntraOpThreadsGiveTheSameVectorsAndRestoreTheCallersSetting) {
  EmbedderOptions options;
  options.intra_op_threads = 2;
  std::unique_ptr<Embedder> two;
  ASSERT_TRUE(LoadEmbedder("default", options, &two).ok());
  std::string long_code = LongCode(25);
  std::vector<std::string_view> texts(std::begin(kSnippets), std::end(kSnippets));
  texts.push_back(long_code);
  omp_set_num_threads(3);
  Vectors a = EmbedOrDie(*two, texts);
  EXPECT_EQ(omp_get_max_threads(), 3);
  Vectors b = EmbedOrDie(*SharedDefaultEmbedder(), texts);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_LE(MaxAbsDiff(a[i], b[i]), 1e-5) << i;
}

TEST(EmbedderTest, BadInputIsAClearErrorNamingTheText) {
  const Embedder* e = SharedDefaultEmbedder();
  ASSERT_NE(e, nullptr);
  const std::string huge(1 << 20, 'a');  // 1 MB
  const std::string invalid = "const s = \"\xff\xfe\";";
  struct Case {
    std::vector<std::string_view> texts;
    std::string expect;
  } cases[] = {
      {{"ok", ""}, "text 1 is empty"},
      {{huge}, "text 0 has 1048576 bytes, more than the limit of 262144"},
      {{"ok", "fine", invalid}, "text 2 is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    Vectors out = {{1.0f}};
    Status st = e->Embed(c.texts, &out);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << c.expect;
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << st.message();
    EXPECT_TRUE(out.empty());
  }
  size_t count = 7;
  EXPECT_EQ(e->CountTokens("", &count).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(e->CountTokens(invalid, &count).code(), Status::Code::kInvalidArgument);
}

TEST(EmbedderTest, BlankTextsAreErrorsButUnknownOnlyTextsEmbed) {
  const Embedder* e = SharedDefaultEmbedder();
  ASSERT_NE(e, nullptr);
  Vectors out;
  Status st = e->Embed({"fine", " \n\t "}, &out);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("text 1 is blank"), std::string::npos) << st.message();
  EXPECT_EQ(EmbedOrDie(*e, {"🚀🚀🚀", std::string_view("\0", 1)}).size(), 2u);
  // Unprepared, whitespace is text like any other.
  EmbedderOptions options;
  options.prepare_code_text = false;
  std::unique_ptr<Embedder> raw;
  ASSERT_TRUE(LoadEmbedder("default", options, &raw).ok());
  EXPECT_EQ(EmbedOrDie(*raw, {" \n\t "}).size(), 1u);
}

TEST(EmbedderTest, RaisedByteLimitEmbedsALargeText) {
  EmbedderOptions options;
  options.max_text_bytes = 1 << 20;
  std::unique_ptr<Embedder> e;
  ASSERT_TRUE(LoadEmbedder("default", options, &e).ok());
  std::string text = LongCode(100);  // ~9 KB, ~25 windows
  Vectors out = EmbedOrDie(*e, {text});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_GE(Cosine(out[0], EmbedOrDie(*SharedDefaultEmbedder(), {text})[0]), 0.99999);
}

TEST(EmbedderTest, RejectsBadOptions) {
  std::unique_ptr<Embedder> e;
  EmbedderOptions no_batch;
  no_batch.batch_tokens = 0;
  EXPECT_EQ(LoadEmbedder("default", no_batch, &e).code(), Status::Code::kInvalidArgument);
  EmbedderOptions no_threads;
  no_threads.intra_op_threads = 0;
  EXPECT_EQ(LoadEmbedder("default", no_threads, &e).code(), Status::Code::kInvalidArgument);
}

// A pass smaller than one window is raised to one window: a 300-token text still embeds, and
// gives the same vector as with the default batch.
TEST(EmbedderTest, BatchSmallerThanAWindowIsRaisedToOne) {
  EmbedderOptions small_batch;
  small_batch.batch_tokens = 16;
  std::unique_ptr<Embedder> small, normal;
  ASSERT_TRUE(LoadEmbedder("default", small_batch, &small).ok());
  ASSERT_TRUE(LoadEmbedder("default", EmbedderOptions(), &normal).ok());
  std::string text;
  for (int i = 0; i < 60; ++i) text += "subscribe to the observable and map each value ";
  std::vector<std::vector<float>> a, b;
  ASSERT_TRUE(small->Embed({text}, &a).ok());
  ASSERT_TRUE(normal->Embed({text}, &b).ok());
  double dot = 0;
  for (size_t i = 0; i < a[0].size(); ++i) dot += static_cast<double>(a[0][i]) * b[0][i];
  EXPECT_GT(dot, 0.99999);
}

}  // namespace
}  // namespace semdex
