// ModuleResolver: module specifier -> indexed file or external module, following TypeScript's
// "node" resolution over the indexed files (no file system access: a file that was not indexed
// does not exist for the graph).
#include <algorithm>
#include <array>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

// Appended to an extensionless specifier, in TypeScript's order (sources, declarations, then
// JavaScript), and tried after "/index".
constexpr std::array<std::string_view, 9> kProbeExtensions = {
    ".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"};

// A `.js`-family specifier may name the TypeScript source it is compiled from.
struct SourceFor {
  std::string_view js;
  std::array<std::string_view, 3> sources;
};
constexpr SourceFor kSourceFor[] = {
    {".js", {".ts", ".tsx", ".d.ts"}},
    {".jsx", {".tsx", "", ""}},
    {".mjs", {".mts", ".d.mts", ""}},
    {".cjs", {".cts", ".d.cts", ""}},
};

bool IsNodeBuiltin(std::string_view name) {
  static const std::unordered_set<std::string_view> kBuiltins = {"assert",
                                                                 "async_hooks",
                                                                 "buffer",
                                                                 "child_process",
                                                                 "cluster",
                                                                 "console",
                                                                 "constants",
                                                                 "crypto",
                                                                 "dgram",
                                                                 "diagnostics_channel",
                                                                 "dns",
                                                                 "domain",
                                                                 "events",
                                                                 "fs",
                                                                 "http",
                                                                 "http2",
                                                                 "https",
                                                                 "inspector",
                                                                 "module",
                                                                 "net",
                                                                 "os",
                                                                 "path",
                                                                 "perf_hooks",
                                                                 "process",
                                                                 "punycode",
                                                                 "querystring",
                                                                 "readline",
                                                                 "repl",
                                                                 "stream",
                                                                 "string_decoder",
                                                                 "sys",
                                                                 "timers",
                                                                 "tls",
                                                                 "trace_events",
                                                                 "tty",
                                                                 "url",
                                                                 "util",
                                                                 "v8",
                                                                 "vm",
                                                                 "wasi",
                                                                 "worker_threads",
                                                                 "zlib"};
  return kBuiltins.count(name) != 0;
}

bool IsRelative(std::string_view spec) {
  return spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../");
}

// Splits "@scope/pkg/sub" / "pkg/sub" into package name and subpath.
std::pair<std::string, std::string> SplitPackage(std::string_view spec) {
  size_t slash = spec.find('/');
  if (spec.starts_with("@") && slash != std::string_view::npos) {
    slash = spec.find('/', slash + 1);
  }
  if (slash == std::string_view::npos) return {std::string(spec), ""};
  return {std::string(spec.substr(0, slash)), std::string(spec.substr(slash + 1))};
}

// Matches `spec` against a paths pattern with at most one '*'; fills the captured text.
bool MatchPattern(std::string_view pattern, std::string_view spec, std::string* star) {
  size_t pos = pattern.find('*');
  if (pos == std::string_view::npos) {
    star->clear();
    return pattern == spec;
  }
  std::string_view prefix = pattern.substr(0, pos);
  std::string_view suffix = pattern.substr(pos + 1);
  if (spec.size() < prefix.size() + suffix.size() || !spec.starts_with(prefix) ||
      !spec.ends_with(suffix)) {
    return false;
  }
  *star = std::string(spec.substr(prefix.size(), spec.size() - prefix.size() - suffix.size()));
  return true;
}

std::string ReplaceStar(const std::string& target, const std::string& star) {
  size_t pos = target.find('*');
  if (pos == std::string::npos) return target;
  return target.substr(0, pos) + star + target.substr(pos + 1);
}

}  // namespace

std::string DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(path.substr(0, slash));
}

std::string JoinPath(std::string_view dir, std::string_view rel) {
  std::vector<std::string_view> parts;
  int above = 0;  // ".." segments that climbed out of the root
  auto add = [&](std::string_view path) {
    while (!path.empty()) {
      size_t slash = path.find('/');
      std::string_view seg = path.substr(0, slash);
      path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
      if (seg.empty() || seg == ".") continue;
      if (seg != "..") {
        parts.push_back(seg);
      } else if (!parts.empty()) {
        parts.pop_back();
      } else {
        ++above;
      }
    }
  };
  add(dir);
  add(rel);
  std::string out;
  for (int i = 0; i < above; ++i) out += i == 0 ? ".." : "/..";
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

void ResolveModules(Model* model, ModuleResolver* modules) {
  for (size_t f = 0; f < model->files.size(); ++f) {
    FileInfo& file = model->files[f];
    for (Import& imp : file.imports) imp.target = modules->Resolve(static_cast<int>(f), imp.source);
    for (Export& e : file.exports) {
      if (!e.source.empty()) e.target = modules->Resolve(static_cast<int>(f), e.source);
    }
  }
}

ModuleResolver::ModuleResolver(Model* model, ProjectConfig config)
    : model_(model), config_(std::move(config)) {}

int ModuleResolver::FileAt(const std::string& path) const {
  auto it = model_->file_by_path.find(path);
  return it == model_->file_by_path.end() ? -1 : it->second;
}

int ModuleResolver::Probe(const std::string& path) const {
  if (path.starts_with("..")) return -1;  // outside the repository
  for (const SourceFor& s : kSourceFor) {
    if (!path.ends_with(s.js)) continue;
    std::string stem = path.substr(0, path.size() - s.js.size());
    for (std::string_view ext : s.sources) {
      if (ext.empty()) continue;
      if (int f = FileAt(stem + std::string(ext)); f >= 0) return f;
    }
  }
  if (int f = FileAt(path); f >= 0) return f;
  for (std::string_view ext : kProbeExtensions) {
    if (int f = FileAt(path + std::string(ext)); f >= 0) return f;
  }
  const std::string index = path.empty() ? "index" : path + "/index";
  for (std::string_view ext : kProbeExtensions) {
    if (int f = FileAt(index + std::string(ext)); f >= 0) return f;
  }
  return -1;
}

int ModuleResolver::ProbePython(const std::string& path) const {
  if (path.starts_with("..")) return -1;
  for (std::string_view suffix : {".py", ".pyi", "/__init__.py", "/__init__.pyi"}) {
    if (path.empty() && suffix.front() == '.') continue;
    std::string candidate =
        path.empty() ? std::string(suffix.substr(1)) : path + std::string(suffix);
    if (int f = FileAt(candidate); f >= 0) return f;
  }
  return -1;
}

const ModuleTarget& ModuleResolver::Resolve(int from_file, const std::string& specifier) {
  const FileInfo& from = model_->files[from_file];
  std::string key = from.python ? "py\n" : "js\n";
  if (from.python ? specifier.starts_with(".") : IsRelative(specifier)) key += DirName(from.path);
  key += '\n';
  key += specifier;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(std::move(key), ResolveUncached(from_file, specifier)).first->second;
}

ModuleTarget ModuleResolver::MakeExternal(const std::string& specifier, bool python) {
  ModuleTarget t;
  t.kind = ModuleTarget::Kind::kExternal;
  External ext;
  if (python) {
    size_t dot = specifier.find('.');
    ext.name = specifier.substr(0, dot);
    ext.ecosystem = "python";
    if (dot != std::string::npos) t.subpath = specifier.substr(dot + 1);
  } else {
    std::string_view spec = specifier;
    bool node_prefix = spec.starts_with("node:");
    if (node_prefix) spec.remove_prefix(5);
    auto [name, sub] = SplitPackage(spec);
    t.subpath = sub;
    if (node_prefix || IsNodeBuiltin(name)) {
      ext.name = "node:" + name;
      ext.ecosystem = "node";
      ext.builtin = true;
    } else {
      ext.name = name;
      ext.ecosystem = "npm";
    }
  }
  t.index = model_->ExternalIndex(ext);
  return t;
}

ModuleTarget ModuleResolver::ResolveUncached(int from_file, const std::string& spec) {
  const FileInfo& from = model_->files[from_file];
  if (from.python) return ResolvePython(from_file, spec);
  ModuleTarget found;
  auto found_file = [&](int f) {
    if (f < 0) return false;
    found.kind = ModuleTarget::Kind::kFile;
    found.index = f;
    return true;
  };
  if (spec.empty()) return found;
  if (IsRelative(spec)) {
    found_file(Probe(JoinPath(DirName(from.path), spec)));
    return found;  // a relative specifier that leads nowhere is missing, never external
  }
  if (spec.starts_with("/") || spec.starts_with("node:")) {
    return spec.starts_with("/") ? found : MakeExternal(spec, false);
  }
  std::string star;
  for (const ProjectConfig::PathAlias& alias : config_.paths) {
    if (!MatchPattern(alias.pattern, spec, &star)) continue;
    for (const std::string& target : alias.targets) {
      if (found_file(Probe(ReplaceStar(target, star)))) return found;
    }
    break;  // the best-matching pattern decides, as in TypeScript
  }
  if (config_.has_base_url && found_file(Probe(JoinPath(config_.base_url, spec)))) return found;
  auto [name, sub] = SplitPackage(spec);
  for (const ProjectConfig::Package& pkg : config_.packages) {
    if (pkg.name != name) continue;
    if (sub.empty()) {
      for (const std::string& entry : pkg.entries) {
        if (found_file(Probe(entry))) return found;
      }
      return found;  // a package of the tree whose entry is not indexed: missing
    }
    for (const auto& [pattern, target] : pkg.subpaths) {
      if (MatchPattern(pattern, sub, &star) && found_file(Probe(ReplaceStar(target, star)))) {
        return found;
      }
    }
    found_file(Probe(JoinPath(pkg.dir, sub)));
    return found;
  }
  return MakeExternal(spec, false);
}

ModuleTarget ModuleResolver::ResolvePython(int from_file, const std::string& spec) {
  ModuleTarget found;
  size_t dots = 0;
  while (dots < spec.size() && spec[dots] == '.') ++dots;
  std::string rest = spec.substr(dots);
  std::replace(rest.begin(), rest.end(), '.', '/');
  int file = -1;
  if (dots > 0) {
    std::string dir = DirName(model_->files[from_file].path);
    for (size_t i = 1; i < dots; ++i) dir = JoinPath(dir, "..");
    file = ProbePython(JoinPath(dir, rest));
  } else {
    file = ProbePython(rest);
    if (file < 0) file = ProbePython(JoinPath("src", rest));
  }
  if (file >= 0) {
    found.kind = ModuleTarget::Kind::kFile;
    found.index = file;
    return found;
  }
  return dots > 0 ? found : MakeExternal(spec, true);
}

}  // namespace semdex::graph_internal
