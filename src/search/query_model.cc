// Which model embeds a query: the one the index was embedded with.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "search/search.h"

namespace semdex {
namespace {

constexpr std::string_view kDefaultModelId = "use-lite-en@0.2.0";

bool IsLoopbackHost(std::string_view host_and_rest) {
  for (std::string_view host : {"localhost", "127.", "[::1]"}) {
    if (host_and_rest.substr(0, host.size()) == host) return true;
  }
  return false;
}

}  // namespace

Status ModelSpecForIndex(std::string_view model_id, std::string* spec, Precision* precision) {
  *precision = Precision::kFp32;
  std::string_view id = model_id;
  if (id.substr(0, 7) == "remote:") {
    const std::string_view rest = id.substr(7);
    *spec = std::string(IsLoopbackHost(rest) ? "http://" : "https://") + std::string(rest);
    return Status::Ok();
  }
  const size_t plus = id.rfind('+');
  if (plus != std::string_view::npos) {
    if (Status s = ParsePrecision(id.substr(plus + 1), precision); !s.ok()) {
      return Status::InvalidArgument(
          fmt::format("the index's model id {} has an unknown precision suffix", model_id));
    }
    id = id.substr(0, plus);
  }
  if (id == kDefaultModelId) {
    *spec = "default";
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format(
      "the index was embedded with model {}, which names a local model directory: pass --model "
      "PATH (the directory it was indexed with){}",
      model_id,
      *precision == Precision::kFp32
          ? ""
          : fmt::format(" and --precision {}", PrecisionName(*precision))));
}

Status LoadQueryEmbedder(Store* store, const std::string& repository, const std::string& model_flag,
                         const EmbedderOptions& base, std::unique_ptr<Embedder>* out,
                         std::string* note) {
  out->reset();
  note->clear();
  std::vector<std::string> repositories;
  if (!repository.empty()) {
    repositories.push_back(repository);
  } else if (Status s = store->ListRepositories(&repositories); !s.ok()) {
    return s;
  }
  std::set<std::string> model_ids;
  for (const std::string& name : repositories) {
    RepositoryStats stats;
    if (Status s = store->GetStats(name, &stats); !s.ok()) return s;
    if (!stats.model_id.empty()) model_ids.insert(stats.model_id);
  }
  if (model_ids.empty()) {
    *note = repository.empty()
                ? "the index has no vectors (indexed with --no-embed)"
                : fmt::format("repository {} has no vectors (indexed with --no-embed)", repository);
    return Status::Ok();
  }
  EmbedderOptions options = base;
  std::string spec = model_flag;
  if (spec.empty()) {
    if (model_ids.size() > 1) {
      return Status::InvalidArgument(
          fmt::format("the repositories were embedded with different models ({}): choose one with "
                      "--repository",
                      fmt::join(model_ids, ", ")));
    }
    if (Status s = ModelSpecForIndex(*model_ids.begin(), &spec, &options.precision); !s.ok()) {
      return s;
    }
  }
  // LoadEmbedder's errors name the model directory or URL.
  return LoadEmbedder(spec, options, out);
}

}  // namespace semdex
