// ScanDirectory: one iterative walk of a tree, deciding each entry from a listing and stat().
//
// Real directories are walked first; symlinked directories inside the root are queued and
// followed afterwards, so a directory reachable both directly and through a link is always
// indexed under its real path, and the link is the one recorded as kSymlinkLoop. Directories
// are identified by (device, inode) to catch loops and repeats.
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scan/scan.h"

namespace semdex {
namespace {

// Ignore files read in every directory; a later one overrides an earlier one in the same
// directory (.semdexignore refines what .gitignore says).
constexpr std::string_view kIgnoreFileNames[] = {".gitignore", ".semdexignore"};

constexpr std::string_view kTestDirNames[] = {"__tests__", "test", "tests", "spec", "__mocks__"};
constexpr std::string_view kDeclarationSuffixes[] = {".d.ts", ".d.mts", ".d.cts"};

std::string ErrnoText(int err) {
  char buf[256];
  return strerror_r(err, buf, sizeof(buf));  // the GNU variant returns the message
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool IsTestPath(std::string_view path) {
  std::string_view base = BaseName(path);
  if (base.find(".test.") != std::string_view::npos) return true;
  if (base.find(".spec.") != std::string_view::npos) return true;
  std::string_view dirs = path.substr(0, path.size() - base.size());
  while (!dirs.empty()) {
    size_t slash = dirs.find('/');
    std::string_view component = dirs.substr(0, slash);
    if (std::find(std::begin(kTestDirNames), std::end(kTestDirNames), component) !=
        std::end(kTestDirNames)) {
      return true;
    }
    dirs.remove_prefix(slash == std::string_view::npos ? dirs.size() : slash + 1);
  }
  return false;
}

bool IsDeclarationPath(std::string_view path) {
  std::string_view base = BaseName(path);
  return std::any_of(std::begin(kDeclarationSuffixes), std::end(kDeclarationSuffixes),
                     [&](std::string_view s) { return base.ends_with(s); });
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Reads a small file relative to an open directory. Returns 0 or an errno value.
int ReadFileAt(int dir_fd, const char* name, std::string* out) {
  int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return errno;
  int err = 0;
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return err;
}

struct DirEntry {
  std::string name;
  unsigned char type = DT_UNKNOWN;  // d_type
};

struct DevIno {
  dev_t dev = 0;
  ino_t ino = 0;
  auto operator<=>(const DevIno&) const = default;
};

struct PendingDir {
  std::string rel;  // "" for the root, else no trailing '/'
  std::string abs;  // physical path, symlinks resolved
};

// A symlink to a directory inside the root, followed once the real tree has been walked.
struct LinkedDir {
  std::string rel;
  std::string target;  // realpath of the link
  DevIno id;
};

class Walker {
 public:
  Walker(std::string root, std::string display_root, const ScanOptions& options, ScanResult* out)
      : root_(std::move(root)),
        display_root_(std::move(display_root)),
        options_(options),
        out_(out) {}

  Status Run(DevIno root_id);

 private:
  Status WalkDir(const PendingDir& dir);
  void LoadIgnoreFiles(int dir_fd, const PendingDir& dir, const std::vector<DirEntry>& entries);
  void HandleEntry(int dir_fd, const PendingDir& dir, const DirEntry& entry);
  void HandleSymlink(const std::string& rel, const std::string& abs, std::string_view name);
  void HandleDir(const std::string& rel, const std::string& abs, const struct stat& st);
  void HandleCandidate(const std::string& rel, const std::string& abs, const struct stat& st);
  bool Ignored(const std::string& rel, bool is_dir);
  bool InsideRoot(std::string_view real) const;
  std::string RootRelative(std::string_view real) const;
  std::string JoinAbs(std::string_view dir, std::string_view name) const;
  void Skip(std::string path, SkipReason reason, std::string detail) {
    out_->skipped.push_back({std::move(path), reason, std::move(detail)});
  }

  const std::string root_;          // realpath of the root
  const std::string display_root_;  // the root as the caller spelled it, for errors
  const ScanOptions options_;
  ScanResult* const out_;
  GitignoreMatcher ignore_;
  std::vector<PendingDir> stack_;
  std::deque<LinkedDir> linked_;
  std::set<DevIno> visited_;
};

Status Walker::Run(DevIno root_id) {
  visited_.insert(root_id);
  stack_.push_back({"", root_});
  for (;;) {
    while (!stack_.empty()) {
      PendingDir dir = std::move(stack_.back());
      stack_.pop_back();
      if (Status s = WalkDir(dir); !s.ok()) return s;
    }
    if (linked_.empty()) break;
    LinkedDir link = std::move(linked_.front());
    linked_.pop_front();
    if (!visited_.insert(link.id).second) {
      Skip(link.rel + "/", SkipReason::kSymlinkLoop,
           fmt::format("points to {}/, a directory already walked", RootRelative(link.target)));
      continue;
    }
    stack_.push_back({std::move(link.rel), std::move(link.target)});
  }
  auto by_path = [](const auto& a, const auto& b) { return a.path < b.path; };
  std::sort(out_->files.begin(), out_->files.end(), by_path);
  std::sort(out_->skipped.begin(), out_->skipped.end(), by_path);
  return Status::Ok();
}

Status Walker::WalkDir(const PendingDir& dir) {
  DIR* d = ::opendir(dir.abs.c_str());
  if (d == nullptr) {
    int err = errno;
    if (dir.rel.empty()) {
      return Status::IoError(
          fmt::format("cannot read scan root {}: {}", display_root_, ErrnoText(err)));
    }
    Skip(dir.rel + "/", SkipReason::kUnreadable,
         fmt::format("cannot open directory: {}", ErrnoText(err)));
    return Status::Ok();
  }
  out_->directories.push_back(dir.abs);
  std::vector<DirEntry> entries;
  errno = 0;
  while (const struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") entries.push_back({std::string(name), e->d_type});
    errno = 0;
  }
  if (errno != 0) {
    Skip(dir.rel.empty() ? "./" : dir.rel + "/", SkipReason::kUnreadable,
         fmt::format("listing stopped early: {}", ErrnoText(errno)));
  }
  // Sorted so that which of two links to one directory is followed does not depend on the
  // file system's listing order.
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  LoadIgnoreFiles(::dirfd(d), dir, entries);
  size_t first_child = stack_.size();
  for (const DirEntry& entry : entries) HandleEntry(::dirfd(d), dir, entry);
  std::reverse(stack_.begin() + static_cast<ptrdiff_t>(first_child), stack_.end());
  ::closedir(d);
  return Status::Ok();
}

void Walker::LoadIgnoreFiles(int dir_fd, const PendingDir& dir,
                             const std::vector<DirEntry>& entries) {
  for (std::string_view file_name : kIgnoreFileNames) {
    bool present = std::any_of(entries.begin(), entries.end(),
                               [&](const DirEntry& e) { return e.name == file_name; });
    if (!present) continue;
    std::string source =
        dir.rel.empty() ? std::string(file_name) : fmt::format("{}/{}", dir.rel, file_name);
    std::string contents;
    int err = ReadFileAt(dir_fd, std::string(file_name).c_str(), &contents);
    if (err == EISDIR || err == ENOENT) continue;  // not an ignore file after all
    if (err != 0) {
      // Recorded: the patterns it holds are not applied, so the user should know.
      Skip(source, SkipReason::kUnreadable,
           fmt::format("cannot read ignore file: {}", ErrnoText(err)));
      continue;
    }
    ignore_.AddPatterns(dir.rel, contents, source);
  }
}

void Walker::HandleEntry(int dir_fd, const PendingDir& dir, const DirEntry& entry) {
  if (entry.name == ".git") return;
  bool candidate = LanguageForPath(entry.name).has_value();
  // The common case, a file semdex does not index, costs no stat().
  if (entry.type == DT_REG && !candidate) return;
  std::string rel = dir.rel.empty() ? entry.name : fmt::format("{}/{}", dir.rel, entry.name);
  std::string abs = JoinAbs(dir.abs, entry.name);
  struct stat st {};
  if (::fstatat(dir_fd, entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    int err = errno;
    if (entry.type == DT_DIR) {
      Skip(rel + "/", SkipReason::kUnreadable, ErrnoText(err));
    } else if (candidate) {
      Skip(rel, SkipReason::kUnreadable, ErrnoText(err));
    }
    return;
  }
  if (S_ISLNK(st.st_mode)) {
    HandleSymlink(rel, abs, entry.name);
  } else if (S_ISDIR(st.st_mode)) {
    HandleDir(rel, abs, st);
  } else if (candidate && !Ignored(rel, false)) {
    HandleCandidate(rel, abs, st);
  }
}

void Walker::HandleSymlink(const std::string& rel, const std::string& abs, std::string_view name) {
  bool candidate = LanguageForPath(name).has_value();
  char* resolved = ::realpath(abs.c_str(), nullptr);
  if (resolved == nullptr) {
    int err = errno;
    if (candidate && !Ignored(rel, false)) {
      Skip(rel, SkipReason::kUnreadable, fmt::format("broken symlink: {}", ErrnoText(err)));
    }
    return;
  }
  std::string target = resolved;
  std::free(resolved);
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    int err = errno;
    if (candidate && !Ignored(rel, false)) Skip(rel, SkipReason::kUnreadable, ErrnoText(err));
    return;
  }
  bool is_dir = S_ISDIR(st.st_mode);
  if (is_dir && name == "node_modules") {
    Skip(rel + "/", SkipReason::kNodeModules, "never indexed");
    return;
  }
  if ((!is_dir && !candidate) || Ignored(rel, is_dir)) return;
  if (!InsideRoot(target)) {
    Skip(is_dir ? rel + "/" : rel, SkipReason::kSymlinkOutside,
         fmt::format("points to {}, outside the root", target));
  } else if (is_dir) {
    linked_.push_back({rel, std::move(target), {st.st_dev, st.st_ino}});
  } else {
    HandleCandidate(rel, target, st);
  }
}

void Walker::HandleDir(const std::string& rel, const std::string& abs, const struct stat& st) {
  if (BaseName(rel) == "node_modules") {
    Skip(rel + "/", SkipReason::kNodeModules, "never indexed");
    return;
  }
  if (Ignored(rel, true)) return;
  if (!visited_.insert({st.st_dev, st.st_ino}).second) {  // a bind mount of an ancestor
    Skip(rel + "/", SkipReason::kSymlinkLoop, "directory already walked");
    return;
  }
  stack_.push_back({rel, abs});
}

void Walker::HandleCandidate(const std::string& rel, const std::string& abs,
                             const struct stat& st) {
  if (!S_ISREG(st.st_mode)) {  // a FIFO or device would block or never end
    Skip(rel, SkipReason::kUnreadable, "not a regular file");
    return;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > options_.max_file_bytes) {
    Skip(rel, SkipReason::kTooLarge,
         fmt::format("{} bytes > {} limit", size, options_.max_file_bytes));
    return;
  }
  // open() rather than access(): access() checks the real uid, not what reading will meet.
  int fd = ::open(abs.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    Skip(rel, SkipReason::kUnreadable, ErrnoText(errno));
    return;
  }
  ::close(fd);
  ScannedFile file;
  file.path = rel;
  file.abs_path = abs;
  file.language = *LanguageForPath(rel);
  file.size_bytes = size;
  file.mtime_ns = MtimeNs(st);
  file.is_test = IsTestPath(rel);
  file.is_declaration = IsDeclarationPath(rel);
  out_->files.push_back(std::move(file));
}

// Records `rel` as kIgnored when the ignore files say so. Directories are recorded with '/'.
bool Walker::Ignored(const std::string& rel, bool is_dir) {
  GitignoreMatcher::Match m = ignore_.Decide(rel, is_dir);
  if (m.ignored) Skip(is_dir ? rel + "/" : rel, SkipReason::kIgnored, std::move(m.detail));
  return m.ignored;
}

bool Walker::InsideRoot(std::string_view real) const {
  if (root_ == "/") return true;
  return real == root_ || (real.starts_with(root_) && real[root_.size()] == '/');
}

std::string Walker::RootRelative(std::string_view real) const {
  if (real == root_) return ".";
  return std::string(real.substr(root_ == "/" ? 1 : root_.size() + 1));
}

std::string Walker::JoinAbs(std::string_view dir, std::string_view name) const {
  return dir == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", dir, name);
}

}  // namespace

Status ScanDirectory(const std::string& root, const ScanOptions& options, ScanResult* out) {
  *out = ScanResult{};
  char* resolved = ::realpath(root.c_str(), nullptr);
  if (resolved == nullptr) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(fmt::format("scan root does not exist: {}", root));
    return Status::IoError(fmt::format("cannot resolve scan root {}: {}", root, ErrnoText(err)));
  }
  std::string real_root = resolved;
  std::free(resolved);
  struct stat st {};
  if (::stat(real_root.c_str(), &st) != 0) {
    return Status::IoError(fmt::format("cannot stat scan root {}: {}", root, ErrnoText(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(fmt::format("scan root is not a directory: {}", root));
  }
  Walker walker(std::move(real_root), root, options, out);
  Status s = walker.Run({st.st_dev, st.st_ino});
  if (!s.ok()) *out = ScanResult{};
  return s;
}

}  // namespace semdex
