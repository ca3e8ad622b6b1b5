// watch_bench SEMDEX CORPUS [--subtree REL] [--file REL] [--saves N] [--no-embed | --model SPEC]
//
// Latency of `semdex watch`: copies CORPUS (or its REL subtree) to a temporary directory,
// starts `semdex watch` on it (--json, its own database), waits for the initial index, then
// saves one file N times (appending a new exported function each time, one save at a time)
// and measures, from the moment the save is closed:
//   searchable: the new function's chunk is in the database (what search reads; polled every
//               2 ms through SQLite from this process, as `semdex search` would read it);
//   graph:      the repository's graph is current again (repository_state.graph_stale = 0).
// Prints median [min, max] of each, and the watcher's own breakdown from its --json lines
// (debounce wait, run start -> files committed, whole run with the graph rebuild). Asserts
// nothing.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// One integer from a query on the database (read-only; -1 when it cannot be read yet).
int64_t QueryInt(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

// Polls `ready` every 2 ms; returns seconds since `from`, or -1 after 120 s.
template <typename Ready>
double WaitSeconds(Clock::time_point from, Ready ready) {
  while (Clock::now() - from < std::chrono::seconds(120)) {
    if (ready()) return std::chrono::duration<double>(Clock::now() - from).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return -1;
}

std::vector<nlohmann::json> ReadBatches(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

std::string Stats(std::vector<double> v) {
  if (v.empty()) return "n/a";
  std::sort(v.begin(), v.end());
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%.3f [%.3f, %.3f]", v[v.size() / 2], v.front(), v.back());
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"semdex watch latency: saved change -> searchable, and -> graph current"};
  std::string semdex, corpus, subtree, file = "src/math/Vector3.js", model;
  int saves = 7;
  bool no_embed = false;
  app.add_option("SEMDEX", semdex, "The semdex binary")->required();
  app.add_option("CORPUS", corpus, "The tree to watch (a copy is edited)")->required();
  app.add_option("--subtree", subtree, "Watch only this directory of CORPUS");
  app.add_option("--file", file, "The file to save, relative to the watched directory");
  app.add_option("--saves", saves, "Saves to time (default 7)");
  app.add_flag("--no-embed", no_embed, "Watch with --no-embed");
  app.add_option("--model", model, "Watch with --model SPEC (default: the default model)");
  CLI11_PARSE(app, argc, argv);

  const fs::path tmp =
      fs::temp_directory_path() / ("semdex-watch-bench-" + std::to_string(getpid()));
  const fs::path tree = tmp / "tree";
  fs::create_directories(tmp);
  fs::copy(subtree.empty() ? fs::path(corpus) : fs::path(corpus) / subtree, tree,
           fs::copy_options::recursive);
  const std::string db = (tmp / "index.db").string();
  const std::string out = (tmp / "out.jsonl").string();
  std::vector<std::string> args = {semdex, "watch", tree.string(), "--repository", "bench",
                                   "--db", db,      "--json"};
  if (no_embed) {
    args.push_back("--no-embed");
  } else if (!model.empty()) {
    args.push_back("--model");
    args.push_back(model);
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv_c;
    for (std::string& a : args) argv_c.push_back(a.data());
    argv_c.push_back(nullptr);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::execv(semdex.c_str(), argv_c.data());
    ::_exit(127);
  }
  const Clock::time_point start = Clock::now();
  const double initial = WaitSeconds(start, [&] { return !ReadBatches(out).empty(); });
  if (initial < 0) {
    std::fprintf(stderr, "watch_bench: the initial index did not finish\n");
    ::kill(pid, SIGKILL);
    fs::remove_all(tmp);
    return 1;
  }
  const nlohmann::json first = ReadBatches(out).front();
  std::printf("watched: %s (%lld files, %lld chunks, %s); initial index %.2f s\n",
              tree.string().c_str(), first["summary"]["total_files"].get<long long>(),
              first["summary"]["total_chunks"].get<long long>(),
              no_embed ? "--no-embed" : (model.empty() ? "default model" : model.c_str()), initial);
  std::printf("saved file: %s, %d saves, one at a time; seconds, median [min, max]\n", file.c_str(),
              saves);

  std::vector<double> searchable, graph, wait_s, files_s, run_s;
  for (int i = 0; i < saves; ++i) {
    const size_t batches_before = ReadBatches(out).size();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a quiet tree before the save
    const std::string name = "semdexWatchBenchMarker" + std::to_string(i);
    {
      std::ofstream f(tree / file, std::ios::app);
      f << "\nexport function " << name << "() { return " << i << "; }\n";
    }
    const Clock::time_point saved = Clock::now();
    const std::string visible =
        "SELECT COUNT(*) FROM code_chunks WHERE repository = 'bench' AND file_path = '" + file +
        "' AND name = '" + name + "'";  // by code_chunks_by_file: a poll costs well under 1 ms
    const double s = WaitSeconds(saved, [&] { return QueryInt(db, visible) > 0; });
    const double g = WaitSeconds(saved, [&] {
      return QueryInt(db, visible) > 0 &&
             QueryInt(db, "SELECT graph_stale FROM repository_state WHERE repository = 'bench'") ==
                 0;
    });
    if (s >= 0) searchable.push_back(s);
    if (g >= 0) graph.push_back(g);
    WaitSeconds(saved, [&] { return ReadBatches(out).size() > batches_before; });
    std::vector<nlohmann::json> batches = ReadBatches(out);
    for (size_t b = batches_before; b < batches.size(); ++b) {
      if (batches[b]["summary"]["changes"]["changed"].get<int64_t>() == 0) continue;
      wait_s.push_back(batches[b]["wait_s"].get<double>());
      files_s.push_back(batches[b]["searchable_s"].get<double>());
      run_s.push_back(batches[b]["summary"]["elapsed_s"].get<double>());
    }
  }
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::printf("%-44s %s\n", "save -> searchable (chunk in the database)",
              Stats(searchable).c_str());
  std::printf("%-44s %s\n", "save -> graph current", Stats(graph).c_str());
  std::printf("%-44s %s\n", "watcher: debounce (first event -> run)", Stats(wait_s).c_str());
  std::printf("%-44s %s\n", "watcher: run start -> files committed", Stats(files_s).c_str());
  std::printf("%-44s %s\n", "watcher: whole run incl. graph", Stats(run_s).c_str());
  std::printf("watch exit: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  fs::remove_all(tmp);
  return 0;
}
