// remote_embedder: an Embedder that sends texts to an OpenAI-compatible /v1/embeddings endpoint
// (text-embeddings-inference, Ollama, llama.cpp's server, OpenAI), for users who run the model on
// a GPU elsewhere. Internal to src/embed/ (and its tests); LoadEmbedder picks it for a spec that
// starts with http:// or https://.
//
// The spec is a URL, scheme://[user:password@]host[:port][/path][?query][#model]:
// - A path ending in "/embeddings" is the endpoint itself. Any other path (none, "/", "/v1",
//   "/openai") is a base: "/v1/embeddings" is appended, or "/embeddings" after a trailing "/v1".
//   The query, if any, is sent as it is (some gateways want ?api-version=...).
// - The request's "model" field is EmbedderOptions::remote_model, else the URL's #fragment, else
//   "default" (what servers that serve one model, such as text-embeddings-inference, ignore).
// - Credentials never appear in an error message or in model_id(): both name the endpoint as
//   scheme://host[:port]/path, without user:password@, query or fragment. The API key is read once,
//   at load, from the environment variable EmbedderOptions::api_key_env and sent as
//   "Authorization: Bearer <key>"; without one, a user:password@ in the URL is sent as HTTP Basic
//   authentication. Excerpts of a server's error responses that go into messages have the key and
//   the password replaced by "<redacted>" (servers have been known to echo request headers).
//
// What the model is: Load sends one short probe text, which fails early (naming the URL) when the
// server cannot be reached, refuses the key, or answers with something that is not embeddings;
// its vector's length is dim(). model_id() is "remote:<host[:port]/path>#<model>": an index
// embedded through one endpoint and model is searched through the same one. The tokenizer is the
// server's, so max_tokens() is a nominal kNominalMaxTokens (the server truncates or refuses longer
// texts; start text-embeddings-inference with --auto-truncate) and CountTokens() an estimate,
// bytes / 4 rounded up, that the pipeline only uses to size batches. Texts are sent as they are:
// EmbedderOptions::prepare_code_text does not apply (remote models tokenise code themselves).
//
// Requests: Embed() sends its texts in requests of at most EmbedderOptions::remote_batch texts,
// one after another, and checks that each answer holds one vector per text (put in order by each
// item's "index") of dim() finite values, not all zero; vectors are L2-normalised here, whatever
// the server did. Each request may take EmbedderOptions::remote_timeout_s to connect and as long
// again between any two reads of the answer (cpp-httplib's timeouts are per socket operation).
// A request that fails to connect, times out, loses its connection, or is answered 408, 429 or
// 5xx is tried again up to EmbedderOptions::remote_retries more times, after an exponential
// backoff with jitter (RemoteBackoff), or after the server's Retry-After (seconds, capped) when it
// gives one. Other answers are final: 401 and 403 say that authentication failed and name the
// environment variable (never its value), other 4xx quote the server's error message.
//
// Thread-safety: immutable after Load; every method is const and may be called concurrently.
// Each request takes an HTTP client (one keep-alive connection) from a pool guarded by a mutex
// and returns it afterwards, so concurrent Embed() calls use separate connections and the number
// of connections grows with the number of concurrent calls. SIGPIPE from writing to a connection
// the server closed is blocked in the calling thread for the duration of a request and discarded,
// so the process's signal dispositions are left alone.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "embed/embed.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace semdex {

// Where the requests of a remote Embedder go: a parsed spec URL (see the file comment).
struct RemoteEndpoint {
  std::string scheme;          // "http" or "https"
  std::string host;            // lower-cased; an IPv6 address keeps its brackets
  int port = 0;                // explicit or the scheme's default
  bool explicit_port = false;  // the URL named the port
  std::string path;            // the endpoint's path, ".../embeddings"
  std::string query;           // with its leading '?', or empty
  std::string user;            // from user:password@, or empty
  std::string password;
  std::string model;  // the URL's #fragment, or empty

  // scheme://host[:port]/path: what messages call the endpoint (no credentials, query or model).
  std::string Display() const;
};

// Parses a spec URL; InvalidArgument (naming the URL without its credentials) when it is not an
// http:// or https:// URL with a host and a valid port.
Status ParseRemoteEndpoint(std::string_view url, RemoteEndpoint* out);

// How long to wait before trying a failed request again: the n-th retry (n = 0, 1, ...) waits a
// random time between half and all of min(initial_s * 2^n, max_s), or the server's Retry-After
// when it sends one, capped at max_retry_after_s.
struct RemoteBackoff {
  double initial_s = 0.5;
  double max_s = 8;
  double max_retry_after_s = 30;
};

class RemoteEmbedder : public Embedder {
 public:
  // What max_tokens() reports: the server's limit is not knowable through the API.
  static constexpr int kNominalMaxTokens = 8192;

  // Connects to the endpoint `url` names and probes it (see the file comment). Errors name the
  // URL (without credentials): InvalidArgument for a bad URL or options, IoError when the server
  // cannot be reached or refuses the request, ParseError when its answer is not embeddings.
  static Status Load(const std::string& url, const EmbedderOptions& options,
                     std::unique_ptr<Embedder>* out, const RemoteBackoff& backoff = {});

  ~RemoteEmbedder() override;

  int dim() const override { return dim_; }
  const std::string& model_id() const override { return model_id_; }
  int max_tokens() const override { return kNominalMaxTokens; }
  Status CountTokens(std::string_view text, size_t* count) const override;
  Status Embed(const std::vector<std::string_view>& texts,
               std::vector<std::vector<float>>* out) const override;

 private:
  RemoteEmbedder() = default;
  Status CheckText(std::string_view text, size_t index) const;
  // One request for `texts`; *vectors gets their L2-normalised vectors in order. `dim` 0 accepts
  // any (consistent) length.
  Status EmbedBatch(const std::vector<std::string_view>& texts, int dim,
                    std::vector<std::vector<float>>* vectors) const;
  // POSTs `body`, trying again as the file comment says; *response gets a 2xx answer's body.
  Status Send(const std::string& body, std::string* response) const;
  std::unique_ptr<httplib::Client> AcquireClient() const;
  void ReleaseClient(std::unique_ptr<httplib::Client> client) const;
  // The server's error message from `body`, shortened, with secrets redacted.
  std::string Excerpt(const std::string& body) const;
  std::string Redact(std::string text) const;

  EmbedderOptions options_;
  RemoteBackoff backoff_;
  RemoteEndpoint endpoint_;
  std::string url_;  // endpoint_.Display()
  std::string model_;
  std::string api_key_;
  std::string model_id_;
  int dim_ = 0;
  // Idle clients (each holding a keep-alive connection), reused by later requests.
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<httplib::Client>> pool_;
};

}  // namespace semdex
