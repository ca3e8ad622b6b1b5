#include "embed/remote_embedder.h"

#include <fmt/format.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "embed/text_windows.h"

namespace semdex {
namespace {

using nlohmann::json;

// The text Load embeds to learn the model's dimension.
constexpr const char* kProbeText = "semdex probe";
// Longest excerpt of a server's error response quoted in a message.
constexpr size_t kExcerptBytes = 200;

// Blocks SIGPIPE in the calling thread while in scope and discards one that a write to a closed
// connection raised meanwhile (the technique libpq uses): the process's dispositions stay as the
// program set them, and a server hanging up mid-request is an error, not the end of the process.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        const timespec zero = {0, 0};
        sigtimedwait(&set, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (a user name or password may hold '@' or ':' only so escaped).
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Base64(std::string_view s) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) n |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) n |= static_cast<unsigned char>(s[i + 2]);
    out += kDigits[(n >> 18) & 63];
    out += kDigits[(n >> 12) & 63];
    out += i + 1 < s.size() ? kDigits[(n >> 6) & 63] : '=';
    out += i + 2 < s.size() ? kDigits[n & 63] : '=';
  }
  return out;
}

void ReplaceAll(std::string* text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = text->find(what); at != std::string::npos;
       at = text->find(what, at + with.size())) {
    text->replace(at, what.size(), with);
  }
}

// The URL without user:password@ and ?query, for messages about a URL that does not parse.
std::string WithoutCredentials(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url.substr(0, url.find('?')));
  const size_t start = scheme_end + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(0, authority_end).rfind('@');
  std::string out(url.substr(0, start));
  out += url.substr(at == std::string_view::npos || at < start ? start : at + 1);
  const size_t query = out.find('?');
  if (query != std::string::npos) out.erase(query, out.find('#', query) - query);
  return out;
}

// The endpoint's path for the path of a spec URL (see the file comment of remote_embedder.h).
std::string EndpointPath(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path == "/") path.clear();
  if (path.ends_with("/embeddings")) return path;
  if (path.ends_with("/v1")) return path + "/embeddings";
  return path + "/v1/embeddings";
}

// Splits "host[:port]" (host possibly a bracketed IPv6 address) into e->host and e->port.
Status ParseHostPort(std::string_view authority, const std::string& shown, RemoteEndpoint* e) {
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("remote model URL \"" + shown + "\": unclosed '[' in host");
    }
    e->host = Lower(authority.substr(0, close + 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') {
      return Status::InvalidArgument("remote model URL \"" + shown + "\": junk after the host");
    }
    if (!rest.empty()) port = rest.substr(1);
    e->explicit_port = !rest.empty();
  } else {
    const size_t colon = authority.rfind(':');
    e->host = Lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    e->explicit_port = colon != std::string_view::npos;
  }
  if (e->host.empty() || e->host == "[]" || e->host.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidArgument("remote model URL \"" + shown + "\" has no host");
  }
  if (!e->explicit_port) {
    e->port = e->scheme == "https" ? 443 : 80;
    return Status::Ok();
  }
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || value > 65535) {
      value = -1;
      break;
    }
    value = value * 10 + (c - '0');
  }
  if (port.empty() || value < 1 || value > 65535) {
    return Status::InvalidArgument("remote model URL \"" + shown + "\": bad port \"" +
                                   std::string(port) + "\"");
  }
  e->port = value;
  return Status::Ok();
}

// What a failed request's transport error means, and whether trying again may help.
std::string DescribeError(httplib::Error error, double timeout_s, bool* retryable) {
  *retryable = true;
  const std::string timeout = fmt::format("the {:g} s timeout", timeout_s);
  switch (error) {
    case httplib::Error::Connection:
      return "could not connect (refused, unreachable, or the host name does not resolve)";
    case httplib::Error::ConnectionTimeout:
      return "no connection within " + timeout;
    case httplib::Error::Read:
      return "no answer within " + timeout + ", or the server closed the connection";
    case httplib::Error::Write:
      return "sending the request failed: the server closed the connection";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      *retryable = false;
      return "the server's TLS certificate failed verification";
    case httplib::Error::SSLLoadingCerts:
      *retryable = false;
      return "cannot load the system's CA certificates";
    default:
      *retryable = error == httplib::Error::Unknown;
      return "the request failed (" + httplib::to_string(error) + ")";
  }
}

// Seconds a Retry-After header asks for, or -1 when it is absent or an HTTP date.
double RetryAfterSeconds(const httplib::Response& res) {
  if (!res.has_header("Retry-After")) return -1;
  const std::string value = res.get_header_value("Retry-After");
  if (value.empty() || value.find_first_not_of("0123456789.") != std::string::npos) return -1;
  return std::strtod(value.c_str(), nullptr);
}

double BackoffSeconds(const RemoteBackoff& backoff, int retry, double retry_after) {
  if (retry_after >= 0) return std::min(retry_after, backoff.max_retry_after_s);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double full = std::min(backoff.max_s, backoff.initial_s * std::ldexp(1.0, retry));
  return std::uniform_real_distribution<double>(0.5, 1.0)(rng) * full;
}

void SetTimeouts(double seconds, httplib::Client* client) {
  const auto sec = static_cast<time_t>(seconds);
  const auto usec = static_cast<time_t>((seconds - static_cast<double>(sec)) * 1e6);
  client->set_connection_timeout(sec, usec);
  client->set_read_timeout(sec, usec);
  client->set_write_timeout(sec, usec);
}

}  // namespace

std::string RemoteEndpoint::Display() const {
  std::string out = scheme + "://" + host;
  if (explicit_port) out += ":" + std::to_string(port);
  return out + path;
}

Status ParseRemoteEndpoint(std::string_view url, RemoteEndpoint* out) {
  const std::string shown = WithoutCredentials(url);
  RemoteEndpoint e;
  const size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) e.scheme = Lower(url.substr(0, scheme_end));
  if (e.scheme != "http" && e.scheme != "https") {
    return Status::InvalidArgument("remote model \"" + shown +
                                   "\" is not an http:// or https:// URL");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    e.model = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    e.query = std::string(rest.substr(q));
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    e.user = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) e.password = PercentDecode(userinfo.substr(colon + 1));
    authority = authority.substr(at + 1);
  }
  Status st = ParseHostPort(authority, shown, &e);
  if (!st.ok()) return st;
  e.path = EndpointPath(path);
  *out = std::move(e);
  return Status::Ok();
}

RemoteEmbedder::~RemoteEmbedder() {
  // Closing a TLS connection writes a close_notify alert, maybe to a connection the server reset.
  ScopedSigpipeBlock no_sigpipe;
  pool_.clear();
}

Status RemoteEmbedder::Load(const std::string& url, const EmbedderOptions& options,
                            std::unique_ptr<Embedder>* out, const RemoteBackoff& backoff) {
  std::unique_ptr<RemoteEmbedder> e(new RemoteEmbedder());
  Status st = ParseRemoteEndpoint(url, &e->endpoint_);
  if (!st.ok()) return st;
  e->url_ = e->endpoint_.Display();
  if (options.remote_batch < 1 || options.remote_retries < 0 || !(options.remote_timeout_s > 0)) {
    return Status::InvalidArgument("remote embedder " + e->url_ +
                                   ": remote_batch must be >= 1, remote_retries >= 0 and "
                                   "remote_timeout_s > 0");
  }
  e->options_ = options;
  e->backoff_ = backoff;
  e->model_ = !options.remote_model.empty() ? options.remote_model
              : !e->endpoint_.model.empty() ? e->endpoint_.model
                                            : "default";
  if (!options.api_key_env.empty()) {
    const char* key = std::getenv(options.api_key_env.c_str());
    if (key != nullptr) e->api_key_ = key;
  }
  e->model_id_ = "remote:" + e->url_.substr(e->endpoint_.scheme.size() + 3) + "#" + e->model_;

  std::unique_ptr<httplib::Client> client = e->AcquireClient();
  if (!client->is_valid()) {
    return Status::IoError("remote embedding endpoint " + e->url_ +
                           ": cannot set up an HTTP client (TLS initialisation failed?)");
  }
  e->ReleaseClient(std::move(client));
  std::vector<std::vector<float>> probe;
  st = e->EmbedBatch({kProbeText}, /*dim=*/0, &probe);
  if (!st.ok()) return st;
  e->dim_ = static_cast<int>(probe[0].size());
  *out = std::move(e);
  return Status::Ok();
}

Status RemoteEmbedder::CheckText(std::string_view text, size_t index) const {
  return CheckEmbedText(text, index, options_.max_text_bytes);
}

Status RemoteEmbedder::CountTokens(std::string_view text, size_t* count) const {
  Status st = CheckText(text, 0);
  if (!st.ok()) return st;
  *count = (text.size() + 3) / 4;
  return Status::Ok();
}

Status RemoteEmbedder::Embed(const std::vector<std::string_view>& texts,
                             std::vector<std::vector<float>>* out) const {
  out->clear();
  for (size_t i = 0; i < texts.size(); ++i) {
    Status st = CheckText(texts[i], i);
    if (!st.ok()) return st;
  }
  std::vector<std::vector<float>> vectors;
  vectors.reserve(texts.size());
  const size_t batch = static_cast<size_t>(options_.remote_batch);
  for (size_t start = 0; start < texts.size(); start += batch) {
    const size_t end = std::min(texts.size(), start + batch);
    std::vector<std::vector<float>> part;
    Status st = EmbedBatch({texts.begin() + start, texts.begin() + end}, dim_, &part);
    if (!st.ok()) return st;
    for (auto& v : part) vectors.push_back(std::move(v));
  }
  *out = std::move(vectors);
  return Status::Ok();
}

Status RemoteEmbedder::EmbedBatch(const std::vector<std::string_view>& texts, int dim,
                                  std::vector<std::vector<float>>* vectors) const {
  json input = json::array();
  for (std::string_view t : texts) input.push_back(t);
  std::string answer;
  Status st = Send(json{{"model", model_}, {"input", std::move(input)}}.dump(), &answer);
  if (!st.ok()) return st;

  const std::string where = "remote embedding endpoint " + url_ + ": ";
  const json doc = json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::ParseError(where + "the answer is not a JSON object: " + Excerpt(answer));
  }
  const auto data = doc.find("data");
  if (data == doc.end() || !data->is_array()) {
    return Status::ParseError(where + "the answer has no \"data\" array: " + Excerpt(answer));
  }
  if (data->size() != texts.size()) {
    return Status::ParseError(where + "the answer has " + std::to_string(data->size()) +
                              " embeddings for " + std::to_string(texts.size()) + " texts");
  }
  std::vector<std::vector<float>> result(texts.size());
  for (size_t i = 0; i < data->size(); ++i) {
    const json& item = (*data)[i];
    const std::string which = where + "answer item " + std::to_string(i);
    if (!item.is_object() || !item.contains("embedding") || !item["embedding"].is_array()) {
      return Status::ParseError(which + " has no \"embedding\" list of numbers");
    }
    size_t index = i;
    if (item.contains("index")) {
      if (!item["index"].is_number_unsigned() || item["index"].get<size_t>() >= texts.size()) {
        return Status::ParseError(which + " has a bad \"index\"");
      }
      index = item["index"].get<size_t>();
    }
    if (!result[index].empty()) {
      return Status::ParseError(which + " repeats index " + std::to_string(index));
    }
    const json& embedding = item["embedding"];
    const size_t expected = dim > 0 ? static_cast<size_t>(dim) : (*data)[0]["embedding"].size();
    if (embedding.empty() || embedding.size() != expected) {
      return Status::ParseError(which + " has " + std::to_string(embedding.size()) +
                                " values; expected " + std::to_string(expected));
    }
    std::vector<float>& v = result[index];
    v.reserve(embedding.size());
    double sum = 0;
    for (const json& x : embedding) {
      const double value = x.is_number() ? x.get<double>() : NAN;
      if (!std::isfinite(value)) {
        return Status::ParseError(which + " holds a value that is not a finite number");
      }
      v.push_back(static_cast<float>(value));
      sum += value * value;
    }
    if (!(sum > 0)) return Status::ParseError(which + " is all zeros");
    const float inv = static_cast<float>(1.0 / std::sqrt(sum));
    for (float& x : v) x *= inv;
  }
  *vectors = std::move(result);
  return Status::Ok();
}

Status RemoteEmbedder::Send(const std::string& body, std::string* response) const {
  const int tries = 1 + options_.remote_retries;
  const std::string target = endpoint_.path + endpoint_.query;
  std::string failure;  // what went wrong with the latest try
  int tried = 0;
  for (;;) {
    ++tried;
    bool retryable = false;
    double retry_after = -1;
    {
      ScopedSigpipeBlock no_sigpipe;
      std::unique_ptr<httplib::Client> client = AcquireClient();
      httplib::Result res = client->Post(target, body, "application/json");
      if (!res) {
        // The connection is in an unknown state: the client is dropped, not pooled.
        failure = DescribeError(res.error(), options_.remote_timeout_s, &retryable);
      } else {
        const int status = res->status;
        if (status >= 200 && status < 300) {
          *response = std::move(res->body);
          ReleaseClient(std::move(client));
          return Status::Ok();
        }
        ReleaseClient(std::move(client));
        if (status == 401 || status == 403) {
          const std::string var = "$" + options_.api_key_env;
          return Status::IoError("remote embedding endpoint " + url_ +
                                 ": authentication failed (HTTP " + std::to_string(status) + "): " +
                                 (api_key_.empty() ? "set " + var + " to the endpoint's API key"
                                                   : "the server refused the API key in " + var));
        }
        retryable = status == 408 || status == 429 || status >= 500;
        failure = "HTTP " + std::to_string(status) + ": " + Excerpt(res->body);
        if (status == 404) failure += " (is " + endpoint_.path + " its embeddings endpoint?)";
        if (status == 413) failure += " (the request was too large: lower remote_batch)";
        if (retryable) retry_after = RetryAfterSeconds(*res);
      }
    }
    if (!retryable || tried >= tries) break;
    std::this_thread::sleep_for(
        std::chrono::duration<double>(BackoffSeconds(backoff_, tried - 1, retry_after)));
  }
  return Status::IoError("remote embedding endpoint " + url_ + ": " + failure +
                         (tried > 1 ? " (tried " + std::to_string(tried) + " times)" : ""));
}

std::unique_ptr<httplib::Client> RemoteEmbedder::AcquireClient() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<httplib::Client> client = std::move(pool_.back());
      pool_.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(endpoint_.scheme + "://" + endpoint_.host + ":" +
                                                  std::to_string(endpoint_.port));
  SetTimeouts(options_.remote_timeout_s, client.get());
  client->set_keep_alive(true);
  // httplib writes the headers and the body separately: without this, Nagle's algorithm and
  // delayed ACKs add ~40 ms to every request.
  client->set_tcp_nodelay(true);
  if (!api_key_.empty()) {
    client->set_bearer_token_auth(api_key_);
  } else if (!endpoint_.user.empty() || !endpoint_.password.empty()) {
    client->set_basic_auth(endpoint_.user, endpoint_.password);
  }
  return client;
}

void RemoteEmbedder::ReleaseClient(std::unique_ptr<httplib::Client> client) const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(client));
}

std::string RemoteEmbedder::Excerpt(const std::string& body) const {
  // OpenAI and Ollama say {"error": {"message": ...}}, text-embeddings-inference {"error": ...}.
  std::string text;
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    const auto error = doc.find("error");
    if (error != doc.end() && error->is_string()) {
      text = error->get<std::string>();
    } else if (error != doc.end() && error->is_object() && error->contains("message") &&
               (*error)["message"].is_string()) {
      text = (*error)["message"].get<std::string>();
    } else if (doc.contains("message") && doc["message"].is_string()) {
      text = doc["message"].get<std::string>();
    }
  }
  if (text.empty()) text = body;
  text = Redact(SanitizeUtf8(text));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  text = TruncateUtf8(text, kExcerptBytes);
  return text.empty() ? "(empty body)" : text;
}

std::string RemoteEmbedder::Redact(std::string text) const {
  static const std::string kRedacted = "<redacted>";
  ReplaceAll(&text, api_key_, kRedacted);
  if (!endpoint_.user.empty() || !endpoint_.password.empty()) {
    ReplaceAll(&text, Base64(endpoint_.user + ":" + endpoint_.password), kRedacted);
    ReplaceAll(&text, endpoint_.password, kRedacted);
  }
  return text;
}

}  // namespace semdex
