// The index tools: search_code (search/search.h), index_repository (pipeline/pipeline.h),
// get_indexing_status and get_indexing_errors (the store's stats and files table).
#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "mcp/mcp_internal.h"
#include "pipeline/pipeline.h"

namespace semdex {
namespace {

using nlohmann::json;

std::string OptionalText(const json& args, const char* name) {
  return args.contains(name) ? args[name].get<std::string>() : "";
}

// The searcher for `repository` ("" all), opened on first use with the model the index was
// embedded with. A model that cannot be loaded leaves the searcher lexical-only, with a note.
Status GetSearcher(McpServer::State* state, const std::string& repository, CachedSearcher** out) {
  auto it = state->searchers.find(repository);
  if (it == state->searchers.end()) {
    CachedSearcher cached;
    if (Status s = LoadQueryEmbedder(state->store, repository, "", EmbedderOptions(),
                                     &cached.embedder, &cached.note);
        !s.ok()) {
      if (s.code() == Status::Code::kNotFound) return s;  // no such repository
      cached.embedder.reset();
      cached.note =
          "the index's embedding model could not be loaded, so only lexical search "
          "runs: " +
          s.message();
    }
    SearcherOptions options;
    options.repository = repository;
    if (Status s = Searcher::Open(state->store, cached.embedder.get(), options, &cached.searcher);
        !s.ok()) {
      return s;
    }
    it = state->searchers.emplace(repository, std::move(cached)).first;
  }
  *out = &it->second;
  return Status::Ok();
}

json SearchResultJson(const SearchResult& r) {
  return {{"repository", r.repository},
          {"file", r.file_path},
          {"start_line", r.start_line},
          {"end_line", r.end_line},
          {"name", r.name},
          {"qualified_name", r.qualified_name},
          {"kind", r.kind},
          {"language", r.language},
          {"score", r.score},
          {"snippet", r.snippet}};
}

// The summary of a run, with its file lists cut to their first entries (the full lists stay
// in the index: get_indexing_errors).
json TrimmedSummary(const IndexSummary& summary) {
  json j = SummaryToJson(summary);
  for (const char* list : {"errors", "skipped"}) {
    if (!j.contains(list) || !j[list].is_array() || j[list].size() <= 20) continue;
    j[list].erase(j[list].begin() + 20, j[list].end());
    j[std::string(list) + "_truncated"] = true;
  }
  return j;
}

}  // namespace

ToolOutcome RunSearchCode(McpServer::State* state, const json& args) {
  SearchRequest request;
  request.query = args["query"].get<std::string>();
  request.repository = OptionalText(args, "repository");
  request.limit = args.value("limit", 10);
  request.language = OptionalText(args, "language");
  request.kind = OptionalText(args, "kind");
  request.path_glob = OptionalText(args, "path");
  if (Status s = ParseSearchMode(args.value("mode", "hybrid"), &request.mode); !s.ok()) {
    return ToolOutcome::Error(s.message());
  }
  CachedSearcher* cached = nullptr;
  if (Status s = GetSearcher(state, request.repository, &cached); !s.ok()) {
    return ToolOutcome::Error(s.message());
  }
  SearchResponse response;
  if (Status s = cached->searcher->Search(request, &response); !s.ok()) {
    return ToolOutcome::Error(s.message());
  }
  json results = json::array();
  for (const SearchResult& r : response.results) results.push_back(SearchResultJson(r));
  std::vector<std::string> notes = response.notes;
  if (!cached->note.empty()) notes.insert(notes.begin(), cached->note);
  return {{{"query", request.query},
           {"mode", SearchModeName(response.mode)},
           {"notes", notes},
           {"results", std::move(results)}},
          ""};
}

ToolOutcome RunIndexRepository(McpServer::State* state, const json& args) {
  const bool no_embed = args.value("no_embed", false);
  if (!no_embed && state->index_embedder == nullptr) {
    EmbedderOptions options;
    options.batch_tokens = 256;  // as `semdex index`: bounded scratch memory per Embed() call
    if (Status s = LoadEmbedder("default", options, &state->index_embedder); !s.ok()) {
      return ToolOutcome::Error(
          fmt::format("cannot load the default embedding model ({}); pass no_embed: true for a "
                      "lexical and graph index",
                      s.message()));
    }
  }
  IndexOptions options;
  options.root = args["path"].get<std::string>();
  options.repository = OptionalText(args, "repository");
  options.full = args.value("full", false);
  options.workers =
      args.value("workers", std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  options.embedder = no_embed ? nullptr : state->index_embedder.get();
  std::FILE* log = state->options.log;
  options.on_scanned = [log](int64_t total) {
    fmt::print(log, "semdex mcp: index_repository: {} files to index\n", total);
  };
  options.on_file = [log](const FileEvent&, int64_t done, int64_t total) {
    if (done % 200 == 0 || done == total) {
      fmt::print(log, "semdex mcp: index_repository: {}/{} files\n", done, total);
    }
  };
  IndexSummary summary;
  Status s = RunIndex(options, state->store, &summary);
  // Searchers hold the previous model and rows' scope; reopen them on the next search.
  state->searchers.clear();
  if (!s.ok()) return ToolOutcome::Error(s.ToString());
  return {TrimmedSummary(summary), ""};
}

ToolOutcome RunGetIndexingStatus(McpServer::State* state, const json& args) {
  std::vector<std::string> names;
  if (args.contains("repository")) {
    names.push_back(args["repository"].get<std::string>());
  } else if (Status s = state->store->ListRepositories(&names); !s.ok()) {
    return ToolOutcome::Error(s.ToString());
  }
  json repositories = json::array();
  for (const std::string& name : names) {
    RepositoryStats stats;
    if (Status s = state->store->GetStats(name, &stats); !s.ok()) {
      return ToolOutcome::Error(s.message());
    }
    repositories.push_back(RepositoryStatsToJson(stats));
  }
  return {{{"db", state->options.db_location}, {"repositories", std::move(repositories)}}, ""};
}

ToolOutcome RunGetIndexingErrors(McpServer::State* state, const json& args) {
  const std::string repository = OptionalText(args, "repository");
  if (!repository.empty()) {
    std::vector<std::string> known;
    if (Status s = state->store->ListRepositories(&known); !s.ok()) {
      return ToolOutcome::Error(s.ToString());
    }
    if (!std::binary_search(known.begin(), known.end(), repository)) {
      return ToolOutcome::Error(fmt::format("repository {} is not in the index", repository));
    }
  }
  std::vector<FileProblem> problems;
  if (Status s = state->store->ListFileProblems(repository, &problems); !s.ok()) {
    return ToolOutcome::Error(s.ToString());
  }
  const size_t limit = args.value("limit", 100);
  json rows = json::array();
  for (size_t i = 0; i < problems.size() && i < limit; ++i) {
    const FileProblem& p = problems[i];
    rows.push_back({{"repository", p.repository},
                    {"file", p.file_path},
                    {"status", p.status},
                    {"reason", p.reason},
                    {"detail", p.detail}});
  }
  return {{{"total", problems.size()},
           {"truncated", problems.size() > rows.size()},
           {"files", std::move(rows)}},
          ""};
}

}  // namespace semdex
