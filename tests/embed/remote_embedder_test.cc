// The remote Embedder against a real HTTP server on 127.0.0.1 (cpp-httplib) that serves
// deterministic fake embeddings and can be told to misbehave: URL forms, probing, batching,
// ordering, retries, timeouts, authentication, redaction, bad answers, sharing across threads.
#include "embed/remote_embedder.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "embed/embed.h"
#include "embed_test_util.h"

namespace semdex {
namespace {

using nlohmann::json;
using testing::MaxAbsDiff;
using Vectors = std::vector<std::vector<float>>;

constexpr int kDim = 8;
// Retries in tests wait milliseconds, not seconds.
constexpr RemoteBackoff kFastBackoff = {0.001, 0.01, 5};

// The fake model: a deterministic, not normalised vector for a text.
std::vector<float> FakeVector(const std::string& text, int dim) {
  std::vector<float> v(dim);
  uint64_t h = std::hash<std::string>()(text);
  for (int j = 0; j < dim; ++j) {
    h = (h ^ (h >> 31)) * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(j);
    v[j] = static_cast<float>(static_cast<int>(h % 2001) - 1000) / 50.0f + (j == 0 ? 0.5f : 0.0f);
  }
  return v;
}

std::vector<float> Normalized(std::vector<float> v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(sum));
  return v;
}

double Norm(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  return std::sqrt(sum);
}

// An OpenAI-compatible /v1/embeddings server on 127.0.0.1, in a thread of its own. Set its public
// fields (under mu) to make it misbehave; it records every request.
class FakeServer {
 public:
  enum class Answer { kGood, kNotJson, kOneTooFew, kWrongDim, kReversedIndex };
  struct Request {
    std::string path;
    std::string authorization;
    json body;
  };

  FakeServer() {
    server_.set_keep_alive_timeout(1);
    server_.set_tcp_nodelay(true);
    server_.Post(
        ".*", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, &res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeServer() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu);
    return requests_;
  }
  void ClearRequests() {
    std::lock_guard<std::mutex> lock(mu);
    requests_.clear();
  }

  std::mutex mu;
  int dim = kDim;
  Answer answer = Answer::kGood;
  std::string required_key;    // the Bearer token to insist on (401 otherwise), if not empty
  int failures_left = 0;       // requests to fail before answering again
  int failure_status = 503;    // how they fail
  std::string retry_after;     // the failures' Retry-After header, if not empty
  double failure_sleep_s = 0;  // failures first sleep this long

  // Requests with larger bodies are answered 413 and the connection closed unread.
  void LimitPayload(size_t bytes) { server_.set_payload_max_length(bytes); }

 private:
  void Handle(const httplib::Request& req, httplib::Response* res) {
    std::unique_lock<std::mutex> lock(mu);
    const std::string auth = req.get_header_value("Authorization");
    requests_.push_back({req.path, auth, json::parse(req.body, nullptr, false)});
    if (!required_key.empty() && auth != "Bearer " + required_key) {
      res->status = 401;
      res->set_content(json{{"error", {{"message", "bad key; you sent " + auth}}}}.dump(),
                       "application/json");
      return;
    }
    if (failures_left > 0) {
      --failures_left;
      res->status = failure_status;
      if (!retry_after.empty()) res->set_header("Retry-After", retry_after);
      res->set_content("{\"error\":\"overloaded; your headers: Authorization: " + auth + "\"}",
                       "application/json");
      const double sleep_s = failure_sleep_s;
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
      return;
    }
    const json& body = requests_.back().body;
    if (answer == Answer::kNotJson || !body.is_object() || !body["input"].is_array()) {
      res->set_content("<html>not json</html>", "text/html");
      return;
    }
    const json& input = body["input"];
    json data = json::array();
    for (size_t i = 0; i < input.size(); ++i) {
      const int d = answer == Answer::kWrongDim ? dim + 1 : dim;
      data.push_back({{"object", "embedding"},
                      {"index", i},
                      {"embedding", FakeVector(input[i].get<std::string>(), d)}});
    }
    if (answer == Answer::kReversedIndex) std::reverse(data.begin(), data.end());
    if (answer == Answer::kOneTooFew) data.erase(data.begin());
    res->set_content(json{{"object", "list"}, {"data", data}, {"model", body["model"]}}.dump(),
                     "application/json");
  }

  httplib::Server server_;
  std::vector<Request> requests_;
  int port_ = 0;
  std::thread thread_;
};

EmbedderOptions FastOptions() {
  EmbedderOptions options;
  options.api_key_env = "SEMDEX_TEST_REMOTE_KEY";
  options.remote_timeout_s = 2;
  options.remote_retries = 2;
  return options;
}

std::unique_ptr<Embedder> LoadOrDie(const std::string& url, const EmbedderOptions& options) {
  std::unique_ptr<Embedder> e;
  Status st = RemoteEmbedder::Load(url, options, &e, kFastBackoff);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return e;
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(RemoteEndpointTest, ParsesSpecUrls) {
  struct Case {
    const char* url;
    const char* display;
    const char* query;
    const char* model;
  };
  const Case cases[] = {
      {"http://gpu:8080", "http://gpu:8080/v1/embeddings", "", ""},
      {"http://gpu:8080/", "http://gpu:8080/v1/embeddings", "", ""},
      {"http://gpu:8080/v1", "http://gpu:8080/v1/embeddings", "", ""},
      {"http://gpu:8080/v1/", "http://gpu:8080/v1/embeddings", "", ""},
      {"http://GPU:8080/v1/embeddings", "http://gpu:8080/v1/embeddings", "", ""},
      {"https://api.openai.com/v1#text-embedding-3-small", "https://api.openai.com/v1/embeddings",
       "", "text-embedding-3-small"},
      {"http://gpu/openai", "http://gpu/openai/v1/embeddings", "", ""},
      {"https://u:p%40ss@gw.example/deploy/embeddings?api-version=2024-02-01#BAAI/bge-m3",
       "https://gw.example/deploy/embeddings", "?api-version=2024-02-01", "BAAI/bge-m3"},
      {"http://[::1]:11434#nomic-embed-text:latest", "http://[::1]:11434/v1/embeddings", "",
       "nomic-embed-text:latest"},
  };
  for (const Case& c : cases) {
    RemoteEndpoint e;
    Status st = ParseRemoteEndpoint(c.url, &e);
    ASSERT_TRUE(st.ok()) << c.url << ": " << st.ToString();
    EXPECT_EQ(e.Display(), c.display) << c.url;
    EXPECT_EQ(e.query, c.query) << c.url;
    EXPECT_EQ(e.model, c.model) << c.url;
  }
  RemoteEndpoint e;
  ASSERT_TRUE(ParseRemoteEndpoint("https://u:p%40ss@gw.example/x", &e).ok());
  EXPECT_EQ(e.user, "u");
  EXPECT_EQ(e.password, "p@ss");
  EXPECT_EQ(e.port, 443);
  ASSERT_TRUE(ParseRemoteEndpoint("http://gw.example", &e).ok());
  EXPECT_EQ(e.port, 80);
}

TEST(RemoteEndpointTest, RejectsBadUrlsWithoutQuotingCredentials) {
  for (const char* url :
       {"http://", "http://:8080/v1", "http://h:port", "http://h:70000", "http://h:0", "ftp://h/v1",
        "http://user:hunter2@:99999/v1", "http://[::1/v1", "http://[::1]x/v1"}) {
    RemoteEndpoint e;
    Status st = ParseRemoteEndpoint(url, &e);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << url << ": " << st.ToString();
    EXPECT_EQ(st.message().find("hunter2"), std::string::npos) << st.message();
  }
}

TEST(RemoteEmbedderTest, ProbesTheModelAtLoad) {
  FakeServer server;
  std::unique_ptr<Embedder> e;
  Status st = LoadEmbedder(server.url() + "#fake-model", FastOptions(), &e);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(e->dim(), kDim);
  EXPECT_EQ(e->model_id(),
            "remote:127.0.0.1:" + std::to_string(server.port()) + "/v1/embeddings#fake-model");
  EXPECT_EQ(e->max_tokens(), RemoteEmbedder::kNominalMaxTokens);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/v1/embeddings");
  EXPECT_EQ(requests[0].body["model"], "fake-model");
  EXPECT_EQ(requests[0].body["input"].size(), 1u);
  EXPECT_EQ(requests[0].authorization, "");

  // The option wins over the fragment; without either the model is "default".
  EmbedderOptions options = FastOptions();
  options.remote_model = "other";
  e = LoadOrDie(server.url() + "/v1#fake-model", options);
  EXPECT_EQ(server.requests().back().body["model"], "other");
  e = LoadOrDie(server.url() + "/v1/embeddings", FastOptions());
  EXPECT_EQ(server.requests().back().body["model"], "default");
  EXPECT_TRUE(e->model_id().ends_with("#default")) << e->model_id();
}

TEST(RemoteEmbedderTest, SendsUrlCredentialsAsBasicAuthAndKeepsThemOutOfModelId) {
  FakeServer server;
  std::unique_ptr<Embedder> e =
      LoadOrDie("http://alice:s3cret@127.0.0.1:" + std::to_string(server.port()), FastOptions());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->model_id().find("s3cret"), std::string::npos) << e->model_id();
  EXPECT_EQ(e->model_id().find("alice"), std::string::npos) << e->model_id();
  EXPECT_EQ(server.requests().back().authorization, "Basic YWxpY2U6czNjcmV0");  // alice:s3cret
}

TEST(RemoteEmbedderTest, BatchesRequestsAndKeepsOrder) {
  FakeServer server;
  EmbedderOptions options = FastOptions();
  options.remote_batch = 64;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), options);
  ASSERT_NE(e, nullptr);
  server.ClearRequests();
  std::vector<std::string> texts;
  for (int i = 0; i < 150; ++i) texts.push_back("function f" + std::to_string(i) + "() {}");
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  Vectors out;
  Status st = e->Embed(views, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::string> sent;
  for (const auto& r : requests) {
    for (const auto& t : r.body["input"]) sent.push_back(t.get<std::string>());
  }
  EXPECT_EQ(requests[0].body["input"].size(), 64u);
  EXPECT_EQ(requests[1].body["input"].size(), 64u);
  EXPECT_EQ(requests[2].body["input"].size(), 22u);
  EXPECT_EQ(sent, texts);
  ASSERT_EQ(out.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_NEAR(Norm(out[i]), 1.0, 1e-5) << i;
    EXPECT_LT(MaxAbsDiff(out[i], Normalized(FakeVector(texts[i], kDim))), 1e-6) << i;
  }
}

TEST(RemoteEmbedderTest, OrdersVectorsByIndex) {
  FakeServer server;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), FastOptions());
  ASSERT_NE(e, nullptr);
  server.answer = FakeServer::Answer::kReversedIndex;
  const std::vector<std::string_view> texts = {"alpha", "beta", "gamma"};
  Vectors out;
  ASSERT_TRUE(e->Embed(texts, &out).ok());
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_LT(MaxAbsDiff(out[i], Normalized(FakeVector(std::string(texts[i]), kDim))), 1e-6) << i;
  }
}

TEST(RemoteEmbedderTest, RetriesServerErrorsThenSucceeds) {
  FakeServer server;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), FastOptions());
  ASSERT_NE(e, nullptr);
  server.ClearRequests();
  server.failures_left = 2;
  server.failure_status = 503;
  Vectors out;
  Status st = e->Embed({"x"}, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(RemoteEmbedderTest, HonoursRetryAfter) {
  FakeServer server;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), FastOptions());
  ASSERT_NE(e, nullptr);
  server.failures_left = 1;
  server.failure_status = 429;
  server.retry_after = "1";
  const auto start = std::chrono::steady_clock::now();
  Vectors out;
  Status st = e->Embed({"x"}, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();
  // The backoff alone would have waited milliseconds.
  EXPECT_GE(SecondsSince(start), 0.95);
}

TEST(RemoteEmbedderTest, GivesUpAfterTheRetriesNamingTheUrl) {
  FakeServer server;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), FastOptions());
  ASSERT_NE(e, nullptr);
  server.ClearRequests();
  server.failures_left = 100;
  Vectors out = {{1.0f}};
  Status st = e->Embed({"x"}, &out);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find(server.url() + "/v1/embeddings"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("HTTP 503"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("tried 3 times"), std::string::npos) << st.message();
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(server.requests().size(), 3u);  // remote_retries = 2
}

TEST(RemoteEmbedderTest, DoesNotRetryOtherClientErrors) {
  FakeServer server;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), FastOptions());
  ASSERT_NE(e, nullptr);
  server.ClearRequests();
  server.failures_left = 100;
  server.failure_status = 400;
  Vectors out;
  Status st = e->Embed({"x"}, &out);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("HTTP 400: overloaded"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("tried"), std::string::npos) << st.message();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(RemoteEmbedderTest, TimesOutSlowAnswersAndRetriesThem) {
  FakeServer server;
  EmbedderOptions options = FastOptions();
  options.remote_timeout_s = 0.2;
  options.remote_retries = 1;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), options);
  ASSERT_NE(e, nullptr);
  server.failures_left = 1;
  server.failure_sleep_s = 0.6;
  Vectors out;
  Status st = e->Embed({"x"}, &out);
  ASSERT_TRUE(st.ok()) << st.ToString();

  options.remote_retries = 0;
  e = LoadOrDie(server.url(), options);
  ASSERT_NE(e, nullptr);
  server.failures_left = 1;
  const auto start = std::chrono::steady_clock::now();
  st = e->Embed({"x"}, &out);
  EXPECT_LT(SecondsSince(start), 0.55);  // gave up before the server answered
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("timeout"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(server.url()), std::string::npos) << st.message();
}

TEST(RemoteEmbedderTest, AuthenticationFailureNamesTheVariableNotTheKey) {
  FakeServer server;
  server.required_key = "sk-right-0123456789";
  unsetenv("SEMDEX_TEST_REMOTE_KEY");
  std::unique_ptr<Embedder> e;
  Status st = RemoteEmbedder::Load(server.url(), FastOptions(), &e, kFastBackoff);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("authentication failed"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("set $SEMDEX_TEST_REMOTE_KEY"), std::string::npos) << st.message();
  EXPECT_EQ(server.requests().size(), 1u);  // not retried

  setenv("SEMDEX_TEST_REMOTE_KEY", "sk-wrong-9876543210", 1);
  st = RemoteEmbedder::Load(server.url(), FastOptions(), &e, kFastBackoff);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find("$SEMDEX_TEST_REMOTE_KEY"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("sk-wrong"), std::string::npos) << st.message();

  setenv("SEMDEX_TEST_REMOTE_KEY", "sk-right-0123456789", 1);
  e = LoadOrDie(server.url(), FastOptions());
  unsetenv("SEMDEX_TEST_REMOTE_KEY");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(server.requests().back().authorization, "Bearer sk-right-0123456789");
  EXPECT_EQ(e->model_id().find("sk-right"), std::string::npos);

  // A server error that echoes the request's headers: the key is redacted from the excerpt.
  server.failures_left = 100;
  server.failure_status = 500;
  Vectors out;
  st = e->Embed({"x"}, &out);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_EQ(st.message().find("sk-right"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("Bearer <redacted>"), std::string::npos) << st.message();
}

TEST(RemoteEmbedderTest, UnreachableEndpointNamesTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(UnusedPort());
  EmbedderOptions options = FastOptions();
  options.remote_retries = 1;
  std::unique_ptr<Embedder> e;
  Status st = LoadEmbedder(url + "/v1", options, &e);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find(url + "/v1/embeddings"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("could not connect"), std::string::npos) << st.message();
  EXPECT_EQ(e, nullptr);
}

TEST(RemoteEmbedderTest, MalformedAnswersAreParseErrors) {
  FakeServer server;
  server.answer = FakeServer::Answer::kNotJson;
  std::unique_ptr<Embedder> e;
  Status st = RemoteEmbedder::Load(server.url(), FastOptions(), &e, kFastBackoff);
  EXPECT_EQ(st.code(), Status::Code::kParseError);
  EXPECT_NE(st.message().find(server.url()), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("not a JSON object: <html>not json</html>"), std::string::npos)
      << st.message();

  server.answer = FakeServer::Answer::kGood;
  e = LoadOrDie(server.url(), FastOptions());
  ASSERT_NE(e, nullptr);
  for (auto answer : {FakeServer::Answer::kNotJson, FakeServer::Answer::kOneTooFew,
                      FakeServer::Answer::kWrongDim}) {
    server.answer = answer;
    Vectors out = {{1.0f}};
    st = e->Embed({"a", "b"}, &out);
    EXPECT_EQ(st.code(), Status::Code::kParseError) << st.ToString();
    EXPECT_NE(st.message().find(server.url()), std::string::npos) << st.message();
    EXPECT_TRUE(out.empty());
  }
  server.answer = FakeServer::Answer::kOneTooFew;
  Vectors out;
  st = e->Embed({"a", "b"}, &out);
  EXPECT_NE(st.message().find("1 embeddings for 2 texts"), std::string::npos) << st.message();
  server.answer = FakeServer::Answer::kWrongDim;
  st = e->Embed({"a"}, &out);
  EXPECT_NE(st.message().find("9 values; expected 8"), std::string::npos) << st.message();
}

TEST(RemoteEmbedderTest, RejectsBadInputWithoutARequest) {
  FakeServer server;
  EmbedderOptions options = FastOptions();
  options.max_text_bytes = 16;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), options);
  ASSERT_NE(e, nullptr);
  server.ClearRequests();
  const std::string bad_utf8 = "ok\xc3";
  for (std::string_view bad :
       {std::string_view(""), std::string_view(bad_utf8), std::string_view("seventeen bytes!!")}) {
    Vectors out = {{1.0f}};
    Status st = e->Embed({"fine", bad}, &out);
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << st.ToString();
    EXPECT_NE(st.message().find("text 1"), std::string::npos) << st.message();
    EXPECT_TRUE(out.empty());
  }
  EXPECT_TRUE(server.requests().empty());
  size_t count = 0;
  ASSERT_TRUE(e->CountTokens("abcdefgh", &count).ok());
  EXPECT_EQ(count, 2u);
  ASSERT_TRUE(e->CountTokens("abcdefghi", &count).ok());
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(e->CountTokens("", &count).code(), Status::Code::kInvalidArgument);
}

TEST(RemoteEmbedderTest, ServesFourThreadsAtOnce) {
  FakeServer server;
  EmbedderOptions options = FastOptions();
  options.remote_batch = 7;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), options);
  ASSERT_NE(e, nullptr);
  std::atomic<int> mismatches = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        std::vector<std::string> texts;
        for (int i = 0; i < 30; ++i) {
          texts.push_back("thread " + std::to_string(t) + " round " + std::to_string(round) +
                          " text " + std::to_string(i));
        }
        Vectors out;
        Status st = e->Embed({texts.begin(), texts.end()}, &out);
        if (!st.ok() || out.size() != texts.size()) {
          ++mismatches;
          continue;
        }
        for (size_t i = 0; i < texts.size(); ++i) {
          if (MaxAbsDiff(out[i], Normalized(FakeVector(texts[i], kDim))) > 1e-6) ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches, 0);
}

// A server that answers 413 and hangs up while a large request is still being sent: an error
// naming the URL. SIGPIPE keeps its default disposition (terminate) meanwhile, so a write to the
// closed connection that raised it would end the test (cpp-httplib 0.11 gets ECONNRESET here, but
// its behaviour differs between versions and with TLS).
TEST(RemoteEmbedderTest, SurvivesAServerThatRefusesALargeRequest) {
  FakeServer server;
  server.LimitPayload(64 * 1024);
  EmbedderOptions options = FastOptions();
  options.remote_retries = 1;
  std::unique_ptr<Embedder> e = LoadOrDie(server.url(), options);
  ASSERT_NE(e, nullptr);
  const std::string big(200 * 1024, 'x');
  std::vector<std::string_view> texts(40, big);
  void (*saved)(int) = signal(SIGPIPE, SIG_DFL);
  Vectors out;
  Status st = e->Embed(texts, &out);
  signal(SIGPIPE, saved);
  EXPECT_EQ(st.code(), Status::Code::kIoError);
  EXPECT_NE(st.message().find(server.url()), std::string::npos) << st.message();
}

}  // namespace
}  // namespace semdex
