// scan: which files under a directory semdex indexes, and why the others are skipped.
//
// ScanDirectory walks a tree once, honouring .gitignore files (nested, negation, anchored and
// directory patterns, with git's semantics), .semdexignore files (same syntax), and always
// skipping .git and node_modules. It does only what a directory listing and stat() tell;
// content checks (binary, minified) happen where the file is read, through ClassifyContent, so
// every file is read once.
//
// Thread-safety: all functions are thread-compatible; GitignoreMatcher is immutable once built
// and may be shared by threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex {

// Why a path was not indexed. The summary groups skips by this code.
enum class SkipReason {
  kIgnored,         // matched a .gitignore / .semdexignore pattern (detail names file and pattern)
  kNodeModules,     // inside node_modules (recorded once per node_modules directory)
  kTooLarge,        // larger than ScanOptions::max_file_bytes
  kBinary,          // NUL bytes or mostly non-text bytes
  kMinified,        // minified or generated (very long lines, high density, *.min.js)
  kUnreadable,      // open/read/stat failed (permissions, vanished)
  kSymlinkOutside,  // a symlink whose target is outside the root
  kSymlinkLoop,     // a symlink cycle, or a directory already visited through another link
};

// "ignored", "node_modules", "too_large", "binary", "minified", "unreadable",
// "symlink_outside", "symlink_loop".
std::string_view SkipReasonName(SkipReason reason);

struct ScanOptions {
  uint64_t max_file_bytes = 1 << 20;  // files larger than this are skipped as kTooLarge
};

struct ScannedFile {
  std::string path;      // relative to the root, '/'-separated, no leading "./"
  std::string abs_path;  // absolute path to open (symlinks inside the root resolved)
  Language language = Language::kTypeScript;
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  bool is_test = false;         // *.test.* / *.spec.*, or under __tests__/, test/, tests/, spec/
  bool is_declaration = false;  // *.d.ts, *.d.mts, *.d.cts
};

struct SkippedPath {
  std::string path;  // relative to the root; directories end with '/'
  SkipReason reason = SkipReason::kIgnored;
  std::string detail;  // human-readable, e.g. ".gitignore:3: dist/" or "5242880 bytes > 1048576"
};

struct ScanResult {
  std::vector<ScannedFile> files;    // sorted by path (byte order)
  std::vector<SkippedPath> skipped;  // sorted by path
  // Every directory walked (not ignored, not node_modules, readable): absolute physical paths
  // (symlinks resolved), the root first, each once. What semdex watch watches.
  std::vector<std::string> directories;
};

// Walks `root`. Candidate files are those with an extension LanguageForPath() knows; other
// files are neither indexed nor recorded. Skipped candidate files, ignored directories and
// node_modules directories are recorded in `skipped`.
// Errors: root missing, not a directory, or unreadable -> non-OK Status naming the root.
// Unreadable entries below the root are recorded as kUnreadable and the walk goes on.
Status ScanDirectory(const std::string& root, const ScanOptions& options, ScanResult* out);

// Content checks for a file that has been read. Returns the reason to skip it, or nullopt to
// index it; fills `detail` when it returns a reason.
std::optional<SkipReason> ClassifyContent(std::string_view path, std::string_view content,
                                          std::string* detail);

// Matches paths against gitignore-syntax pattern files, with git's precedence: patterns in
// deeper directories win over shallower ones, later lines win over earlier ones, and a file
// cannot be re-included when a parent directory is excluded.
class GitignoreMatcher {
 public:
  GitignoreMatcher();
  ~GitignoreMatcher();
  GitignoreMatcher(GitignoreMatcher&&) noexcept;
  GitignoreMatcher& operator=(GitignoreMatcher&&) noexcept;

  // Adds the patterns of one ignore file located in directory `dir` ("" for the root, else
  // a '/'-separated relative path without trailing slash). `source` names it in details
  // (e.g. "src/.gitignore").
  void AddPatterns(std::string_view dir, std::string_view contents, std::string_view source);

  struct Match {
    bool ignored = false;
    std::string detail;  // "<source>:<line>: <pattern>" of the deciding pattern
  };
  // Decides `path` (relative, '/'-separated) on its own patterns only: the caller is
  // responsible for not descending into ignored directories.
  // REQUIRES: every ignore file of every ancestor directory of `path` has been added.
  Match Decide(std::string_view path, bool is_dir) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace semdex
