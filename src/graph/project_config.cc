// LoadProjectConfig: tsconfig.json baseUrl/paths and the workspace packages (package.json files)
// of a repository, with every path made relative to the repository root.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kMaxExtendsDepth = 8;

bool IsRegularFile(const fs::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// JSON with comments and trailing commas (tsconfig's dialect) -> JSON. Strings are kept.
std::string StripJsonc(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < in.size() && in[j] != '"') j += in[j] == '\\' ? 2 : 1;
      out.append(in.substr(i, j + 1 - i));
      i = j;
    } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '/') {
      while (i < in.size() && in[i] != '\n') ++i;
      out.push_back('\n');
    } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      size_t end = in.find("*/", i + 2);
      i = end == std::string_view::npos ? in.size() : end + 1;
    } else if (c == ',') {
      size_t next = in.find_first_not_of(" \t\r\n", i + 1);
      if (next != std::string_view::npos && (in[next] == '}' || in[next] == ']')) continue;
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The file's JSON, or a discarded value if it is missing or not (lenient) JSON.
json ReadJsonFile(const fs::path& path, bool jsonc) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return json(json::value_t::discarded);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = jsonc ? StripJsonc(buffer.str()) : buffer.str();
  return json::parse(text, nullptr, false);
}

// `path` relative to `root` ("" for the root itself, "../x" outside it).
std::string RootRelative(const fs::path& root, const fs::path& path) {
  std::string rel = path.lexically_normal().lexically_relative(root).generic_string();
  if (rel == ".") return "";
  if (!rel.empty() && rel.back() == '/') rel.pop_back();
  return rel;
}

struct TsOptions {
  std::optional<fs::path> base_url;                // absolute
  std::optional<std::pair<json, fs::path>> paths;  // the "paths" object and its config's dir
};

// Applies `config` over what its "extends" chain gave (derived settings override).
void ReadTsconfig(const fs::path& file, int depth, TsOptions* out) {
  json config = ReadJsonFile(file, true);
  if (!config.is_object() || depth > kMaxExtendsDepth) return;
  const fs::path dir = file.parent_path();
  if (auto ext = config.find("extends"); ext != config.end()) {
    std::vector<std::string> bases;
    if (ext->is_string()) bases.push_back(ext->get<std::string>());
    if (ext->is_array()) {
      for (const json& b : *ext) {
        if (b.is_string()) bases.push_back(b.get<std::string>());
      }
    }
    for (const std::string& base : bases) {
      if (!base.starts_with(".")) continue;  // a package's config: not in the tree
      fs::path p = (dir / base).lexically_normal();
      if (p.extension() != ".json") p += ".json";
      ReadTsconfig(p, depth + 1, out);
    }
  }
  auto options = config.find("compilerOptions");
  if (options == config.end() || !options->is_object()) return;
  if (auto b = options->find("baseUrl"); b != options->end() && b->is_string()) {
    out->base_url = (dir / b->get<std::string>()).lexically_normal();
  }
  if (auto p = options->find("paths"); p != options->end() && p->is_object()) {
    out->paths = std::make_pair(*p, dir);
  }
}

void LoadTsconfig(const fs::path& root, ProjectConfig* config) {
  TsOptions ts;
  for (const char* name : {"tsconfig.json", "jsconfig.json", "tsconfig.base.json"}) {
    if (IsRegularFile(root / name)) {
      ReadTsconfig(root / name, 0, &ts);
      break;
    }
  }
  if (ts.base_url) {
    config->has_base_url = true;
    config->base_url = RootRelative(root, *ts.base_url);
  }
  if (!ts.paths) return;
  // Targets are relative to baseUrl when there is one, else to the config that set them.
  const fs::path base = ts.base_url ? *ts.base_url : ts.paths->second;
  for (const auto& [pattern, targets] : ts.paths->first.items()) {
    ProjectConfig::PathAlias alias;
    alias.pattern = pattern;
    if (!targets.is_array()) continue;
    for (const json& t : targets) {
      if (t.is_string()) alias.targets.push_back(RootRelative(root, base / t.get<std::string>()));
    }
    config->paths.push_back(std::move(alias));
  }
  // TypeScript picks the pattern with the longest prefix before its '*'; exact patterns first.
  auto prefix_length = [](const std::string& p) {
    size_t star = p.find('*');
    return star == std::string::npos ? p.size() + 1 : star;
  };
  std::stable_sort(config->paths.begin(), config->paths.end(),
                   [&](const ProjectConfig::PathAlias& a, const ProjectConfig::PathAlias& b) {
                     return prefix_length(a.pattern) > prefix_length(b.pattern);
                   });
}

// The file a conditional export names: the first of types, import, module, default, require,
// node (recursively), or the string itself.
std::string ExportTarget(const json& value, int depth = 0) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_object() || depth > 8) return "";
  for (const char* condition : {"types", "import", "module", "default", "require", "node"}) {
    if (auto it = value.find(condition); it != value.end()) {
      std::string target = ExportTarget(*it, depth + 1);
      if (!target.empty()) return target;
    }
  }
  return "";
}

void AddPackage(const std::string& dir, const json& manifest, ProjectConfig* config) {
  auto name = manifest.find("name");
  if (name == manifest.end() || !name->is_string() || name->get<std::string>().empty()) return;
  ProjectConfig::Package pkg;
  pkg.name = name->get<std::string>();
  pkg.dir = dir;
  auto add_entry = [&](const std::string& target) {
    if (!target.empty()) pkg.entries.push_back(JoinPath(dir, target));
  };
  for (const char* field : {"source", "types", "typings", "module", "main"}) {
    if (auto it = manifest.find(field); it != manifest.end() && it->is_string()) {
      add_entry(it->get<std::string>());
    }
  }
  if (auto exports = manifest.find("exports"); exports != manifest.end()) {
    bool subpath_map =
        exports->is_object() && !exports->empty() && exports->begin().key().starts_with(".");
    if (!subpath_map) {
      add_entry(ExportTarget(*exports));
    } else {
      for (const auto& [key, value] : exports->items()) {
        std::string target = ExportTarget(value);
        if (key == ".") {
          add_entry(target);
        } else if (key.starts_with("./") && !target.empty()) {
          pkg.subpaths.emplace_back(key.substr(2), JoinPath(dir, target));
        }
      }
    }
  }
  // Workspace packages often point main at a build output that is not in the tree.
  add_entry("src/index");
  add_entry("index");
  config->packages.push_back(std::move(pkg));
}

}  // namespace

ProjectConfig LoadProjectConfig(const std::string& root_path, const Model& model) {
  ProjectConfig config;
  if (root_path.empty()) return config;
  const fs::path root = fs::path(root_path).lexically_normal();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return config;
  LoadTsconfig(root, &config);

  std::set<std::string> dirs;  // directories holding indexed files, and their ancestors
  for (const FileInfo& f : model.files) {
    for (std::string dir = DirName(f.path);; dir = DirName(dir)) {
      if (!dirs.insert(dir).second || dir.empty()) break;
    }
  }
  for (const std::string& dir : dirs) {
    fs::path manifest = (dir.empty() ? root : root / dir) / "package.json";
    if (!IsRegularFile(manifest)) continue;
    json j = ReadJsonFile(manifest, false);
    if (j.is_object()) AddPackage(dir, j, &config);
  }
  return config;
}

}  // namespace semdex::graph_internal
