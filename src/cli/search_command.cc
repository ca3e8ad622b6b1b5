// semdex search "QUERY" [--repository NAME] [--limit K] [--mode hybrid|lexical|vector]
//                       [--lang L] [--kind K] [--path GLOB] [--db PATH] [--json] [--explain]
//                       [--model NAME|PATH|URL [--precision P]] [--lexical-weight W]
//                       [--vector-weight W] [--rrf-k K] [--exact | --hnsw]
// Exit codes: 0 with results or none; 2 usage, index or model errors.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "search/search.h"

namespace semdex::cli {
namespace {

struct SearchFlags {
  std::string query;
  std::string repository;
  int limit = 10;
  std::string mode = "hybrid";
  std::string language;
  std::string kind;
  std::string path_glob;
  std::string db;
  bool json = false;
  bool explain = false;
  std::string model;  // "": the index's own model
  std::string precision;
  double lexical_weight = SearchRequest().lexical_weight;
  double vector_weight = SearchRequest().vector_weight;
  int rrf_k = SearchRequest().rrf_k;
  bool exact = false;
  bool hnsw = false;
};

nlohmann::json LegJson(const LegScore& leg) {
  if (leg.rank == 0) return nullptr;
  return {{"rank", leg.rank}, {"score", leg.score}};
}

nlohmann::json ResultsJson(const SearchResponse& response) {
  nlohmann::json array = nlohmann::json::array();
  for (const SearchResult& r : response.results) {
    array.push_back({{"file", r.file_path},
                     {"start_line", r.start_line},
                     {"end_line", r.end_line},
                     {"name", r.name},
                     {"qualified_name", r.qualified_name},
                     {"kind", r.kind},
                     {"score", r.score},
                     {"repository", r.repository},
                     {"language", r.language},
                     {"chunk_id", r.chunk_id},
                     {"lexical", LegJson(r.lexical)},
                     {"vector", LegJson(r.vector)},
                     {"snippet", r.snippet}});
  }
  return array;
}

std::string LegText(const char* name, const LegScore& leg) {
  if (leg.rank == 0) return fmt::format("{} -", name);
  return fmt::format("{} #{} ({:.4f})", name, leg.rank, leg.score);
}

// Results grouped by file, files in the order of their best result; each result keeps its rank.
std::string ResultsText(const SearchResponse& response, bool explain, bool many_repositories) {
  std::vector<std::string> files;
  for (const SearchResult& r : response.results) {
    const std::string key = r.repository + "\n" + r.file_path;
    if (std::find(files.begin(), files.end(), key) == files.end()) files.push_back(key);
  }
  std::string out;
  for (const std::string& key : files) {
    bool header = false;
    for (size_t i = 0; i < response.results.size(); ++i) {
      const SearchResult& r = response.results[i];
      if (r.repository + "\n" + r.file_path != key) continue;
      if (!header) {
        out += many_repositories ? fmt::format("{}: {}\n", r.repository, r.file_path)
                                 : fmt::format("{}\n", r.file_path);
        header = true;
      }
      out += fmt::format("  {:>2}. {}:{}-{}  {} {}  score {:.4f}\n", i + 1, r.file_path,
                         r.start_line, r.end_line, r.kind,
                         r.qualified_name.empty() ? r.name : r.qualified_name, r.score);
      if (explain) {
        out += fmt::format("      {}, {}\n", LegText("lexical", r.lexical),
                           LegText("vector", r.vector));
      }
      size_t start = 0;
      while (start < r.snippet.size()) {
        size_t end = r.snippet.find('\n', start);
        if (end == std::string::npos) end = r.snippet.size();
        out += fmt::format("      | {}\n", r.snippet.substr(start, end - start));
        start = end + 1;
      }
    }
    out += "\n";
  }
  return out;
}

int Fail(const std::string& message) {
  fmt::print(stderr, "semdex search: error: {}\n", message);
  return 2;
}

int RunSearchCommand(const SearchFlags& flags) {
  SearchRequest request;
  request.query = flags.query;
  request.limit = flags.limit;
  request.repository = flags.repository;
  request.language = flags.language;
  request.kind = flags.kind;
  request.path_glob = flags.path_glob;
  request.lexical_weight = flags.lexical_weight;
  request.vector_weight = flags.vector_weight;
  request.rrf_k = flags.rrf_k;
  request.vector_index =
      flags.exact ? VectorIndex::kExact : (flags.hnsw ? VectorIndex::kHnsw : VectorIndex::kAuto);
  if (Status s = ParseSearchMode(flags.mode, &request.mode); !s.ok()) return Fail(s.message());

  std::string location;
  if (Status s = ResolveDbLocation(flags.db, &location); !s.ok()) return Fail(s.message());
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(location, StoreOptions(), &store); !s.ok()) return Fail(s.ToString());

  std::unique_ptr<Embedder> embedder;
  if (request.mode != SearchMode::kLexical) {
    EmbedderOptions options;
    if (!flags.precision.empty()) {
      if (Status s = ParsePrecision(flags.precision, &options.precision); !s.ok()) {
        return Fail("--precision: " + s.message());
      }
    }
    std::string note;
    if (Status s = LoadQueryEmbedder(store.get(), flags.repository, flags.model, options, &embedder,
                                     &note);
        !s.ok()) {
      return Fail(fmt::format("cannot load the query's embedding model: {}", s.ToString()));
    }
    if (embedder == nullptr && request.mode == SearchMode::kVector) {
      return Fail("--mode vector: " + note + "; use --mode lexical");
    }
    if (embedder == nullptr) {
      fmt::print(stderr, "semdex search: hybrid search ran lexically only: {}\n", note);
      request.mode = SearchMode::kLexical;
    }
  }
  SearcherOptions options;
  options.repository = flags.repository;
  options.hnsw_dir = IndexSideDirectory(location);
  std::unique_ptr<Searcher> searcher;
  if (Status s = Searcher::Open(store.get(), embedder.get(), options, &searcher); !s.ok()) {
    return Fail(s.ToString());
  }
  SearchResponse response;
  if (Status s = searcher->Search(request, &response); !s.ok()) return Fail(s.ToString());
  for (const std::string& note : response.notes) fmt::print(stderr, "semdex search: {}\n", note);
  if (flags.json) {
    fmt::print("{}\n", ResultsJson(response).dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace));
  } else if (response.results.empty()) {
    fmt::print("No results.\n");
  } else {
    std::vector<std::string> repositories;
    if (Status s = store->ListRepositories(&repositories); !s.ok()) return Fail(s.ToString());
    fmt::print("{}", ResultsText(response, flags.explain,
                                 flags.repository.empty() && repositories.size() > 1));
  }
  return 0;
}

}  // namespace

CommandRunner AddSearchCommand(CLI::App* app) {
  auto flags = std::make_shared<SearchFlags>();
  CLI::App* cmd = app->add_subcommand("search", "Search the index (lexical, vector or hybrid)");
  cmd->add_option("QUERY", flags->query, "What to look for: words, identifiers, a description")
      ->required();
  cmd->add_option("--repository", flags->repository,
                  "Search this repository only (default: every repository in the index)");
  cmd->add_option("--limit", flags->limit, "Results to show (default: 10)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--mode", flags->mode,
                  "hybrid (default: lexical and vector fused by reciprocal rank), lexical "
                  "(full-text, BM25) or vector (embedding similarity)")
      ->check(CLI::IsMember({"hybrid", "lexical", "vector"}));
  cmd->add_option("--lang", flags->language,
                  "Only chunks of this language: typescript, javascript, python");
  cmd->add_option("--kind", flags->kind,
                  "Only chunks of this kind: function, method, class, interface, type, enum, "
                  "namespace, module");
  cmd->add_option("--path", flags->path_glob,
                  "Only files matching this glob (* within a directory, ** across; a glob "
                  "without / also matches file names)");
  AddDbOption(cmd, &flags->db);
  cmd->add_flag("--json", flags->json, "Print the results as a JSON array on stdout");
  cmd->add_flag("--explain", flags->explain, "Show each result's lexical and vector rank");
  CLI::Option* model =
      cmd->add_option("--model", flags->model,
                      "The model to embed the query with (default: the index's own; needed for "
                      "models indexed from a directory)");
  cmd->add_option("--precision", flags->precision,
                  "Precision of --model: fp32 (default), int8, bf16")
      ->needs(model);
  cmd->add_option("--lexical-weight", flags->lexical_weight,
                  "Weight of the lexical rank in hybrid fusion (default: 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--vector-weight", flags->vector_weight,
                  "Weight of the vector rank in hybrid fusion (default: 0.01: with the default "
                  "model the lexical leg ranks better; raise it for a code embedding model)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--rrf-k", flags->rrf_k, "Reciprocal rank fusion constant (default: 60)")
      ->check(CLI::PositiveNumber);
  CLI::Option* exact = cmd->add_flag("--exact", flags->exact, "Always scan vectors exactly");
  cmd->add_flag("--hnsw", flags->hnsw, "Use the HNSW graph whatever the repository's size")
      ->excludes(exact);
  cmd->footer(
      "Exit codes: 0 with or without results; 2 usage, index or model errors. docs/search.md "
      "explains the modes and the fusion weights");
  return [flags] { return RunSearchCommand(*flags); };
}

}  // namespace semdex::cli
