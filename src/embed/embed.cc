// LoadEmbedder: model specs -> Embedder (contract in embed.h).

#include "embed/embed.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "embed/hf_embedder.h"
#include "embed/remote_embedder.h"
#include "embed/use_lite_embedder.h"

namespace semdex {
namespace {

// Where scripts/setup.sh unpacks the default model, relative to the model root.
constexpr const char* kDefaultModelPath = "@energetic-ai+model-embeddings-en-0.2.0/package/dist";

bool IsFile(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

}  // namespace

const char* PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kInt8:
      return "int8";
    case Precision::kBf16:
      return "bf16";
  }
  return "fp32";
}

Status ParsePrecision(std::string_view name, Precision* out) {
  for (Precision p : {Precision::kFp32, Precision::kInt8, Precision::kBf16}) {
    if (name == PrecisionName(p)) {
      *out = p;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("unknown precision \"" + std::string(name) +
                                 "\" (expected fp32, int8 or bf16)");
}

std::string DisplayModelSpec(const std::string& spec) {
  const size_t scheme = spec.find("://");
  if (scheme == std::string::npos || !(spec.starts_with("http") || spec.starts_with("https"))) {
    return spec;
  }
  const size_t host = scheme + 3;
  const size_t end = spec.find_first_of("/?#", host);
  const size_t at = spec.rfind('@', end == std::string::npos ? spec.size() : end);
  if (at == std::string::npos || at < host) return spec;
  return spec.substr(0, host) + spec.substr(at + 1);
}

std::string DefaultModelRoot() {
  const char* env = std::getenv("SEMDEX_MODEL_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  return SEMDEX_DEFAULT_MODEL_ROOT;
}

Status LoadEmbedder(const std::string& spec, const EmbedderOptions& options,
                    std::unique_ptr<Embedder>* out) {
  namespace fs = std::filesystem;
  if (spec.empty() || spec == "default" || spec == "use-lite") {
    const std::string root = options.model_root.empty() ? DefaultModelRoot() : options.model_root;
    const fs::path dir = fs::path(root) / kDefaultModelPath;
    if (!IsFile(dir / "model.json")) {
      return Status::NotFound("the default model is not installed: no " +
                              (dir / "model.json").string() +
                              " (run scripts/setup.sh, or set SEMDEX_MODEL_DIR to the folder "
                              "holding @energetic-ai+model-embeddings-en-0.2.0)");
    }
    return UseLiteEmbedder::Load(dir.string(), /*require_pinned=*/true, options, out);
  }
  if (spec.starts_with("http://") || spec.starts_with("https://")) {
    return RemoteEmbedder::Load(spec, options, out);
  }
  std::error_code ec;
  if (!fs::is_directory(spec, ec)) {
    return Status::NotFound("unknown model \"" + spec +
                            "\": not a model name (default, use-lite) nor a directory");
  }
  for (const fs::path& dir : {fs::path(spec), fs::path(spec) / "dist"}) {
    if (IsFile(dir / "model.json")) {
      return UseLiteEmbedder::Load(dir.string(), /*require_pinned=*/false, options, out);
    }
  }
  if (IsFile(fs::path(spec) / "config.json")) {
    return HfEmbedder::Load(spec, options, out);
  }
  return Status::NotFound("model directory " + spec +
                          " holds no model.json (TensorFlow.js USE Lite export) nor "
                          "config.json (Hugging Face encoder)");
}

}  // namespace semdex
