// Test helpers for the scan tests: a throw-away directory tree under /tmp, and a guard that
// makes permission bits bind even when the tests run as root.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "scan/scan.h"

namespace semdex::testing {

// A directory created with mkdtemp under /tmp and removed, with everything in it, on
// destruction. Paths given to its methods are relative to the root.
class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/semdex_scan_test_XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    EXPECT_NE(dir, nullptr) << std::strerror(errno);
    if (dir != nullptr) root_ = dir;
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }
  std::string Abs(std::string_view rel) const { return root_ + "/" + std::string(rel); }

  // Writes a file, creating its parent directories.
  void Write(std::string_view rel, std::string_view contents) const {
    std::filesystem::path p = Abs(rel);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << contents;
  }
  void MakeDir(std::string_view rel) const { std::filesystem::create_directories(Abs(rel)); }
  // Creates `rel` as a symlink holding `target` verbatim (relative targets stay relative).
  void Symlink(std::string_view target, std::string_view rel) const {
    std::filesystem::path p = Abs(rel);
    std::filesystem::create_directories(p.parent_path());
    ASSERT_EQ(::symlink(std::string(target).c_str(), p.c_str()), 0) << std::strerror(errno);
  }

 private:
  std::string root_;
};

// Drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from this thread's effective capabilities
// while alive, so that chmod 000 makes a path unreadable even for root (CI runs tests as root).
// A no-op for ordinary users, who never had them. Tests still check with open() whether the
// path really became unreadable.
class ScopedNoDacOverride {
 public:
  ScopedNoDacOverride() {
    header_.version = _LINUX_CAPABILITY_VERSION_3;
    header_.pid = 0;
    if (::syscall(SYS_capget, &header_, saved_) != 0) return;
    __user_cap_data_struct dropped[2];
    std::memcpy(dropped, saved_, sizeof(dropped));
    dropped[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    active_ = ::syscall(SYS_capset, &header_, dropped) == 0;
  }
  ~ScopedNoDacOverride() {
    if (active_) ::syscall(SYS_capset, &header_, saved_);
  }
  ScopedNoDacOverride(const ScopedNoDacOverride&) = delete;
  ScopedNoDacOverride& operator=(const ScopedNoDacOverride&) = delete;

 private:
  __user_cap_header_struct header_{};
  __user_cap_data_struct saved_[2]{};
  bool active_ = false;
};

// True if this process can open `path` for reading right now.
inline bool CanOpen(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Result accessors shared by the scan tests.
inline std::vector<std::string> Paths(const ScanResult& r) {
  std::vector<std::string> out;
  for (const ScannedFile& f : r.files) out.push_back(f.path);
  return out;
}

inline std::vector<std::string> SkippedPaths(const ScanResult& r) {
  std::vector<std::string> out;
  for (const SkippedPath& s : r.skipped) out.push_back(s.path);
  return out;
}

inline const SkippedPath* FindSkip(const ScanResult& r, const std::string& path) {
  for (const SkippedPath& s : r.skipped) {
    if (s.path == path) return &s;
  }
  return nullptr;
}

inline const ScannedFile* FindFile(const ScanResult& r, const std::string& path) {
  for (const ScannedFile& f : r.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

inline std::string RealPath(const std::string& path) {
  char* p = ::realpath(path.c_str(), nullptr);
  std::string out = p ? p : "";
  std::free(p);
  return out;
}

}  // namespace semdex::testing
