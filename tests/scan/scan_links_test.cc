// ScanDirectory on symlinks, special files and unreadable paths; and on a real package.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "scan/scan.h"
#include "temp_tree.h"

namespace semdex {
namespace {

using testing::CanOpen;
using testing::FindSkip;
using testing::Paths;
using testing::RealPath;
using testing::ScopedNoDacOverride;
using testing::SkippedPaths;
using testing::TempTree;

ScanResult Scan(const std::string& root) {
  ScanResult r;
  Status s = ScanDirectory(root, {}, &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return r;
}

TEST(ScanLinksTest, SymlinkLoopToAncestorIsRecorded) {
  TempTree t;
  t.Write("a/b/x.js", "x\n");
  t.Symlink("..", "a/b/up");  // -> a
  t.Symlink(".", "self");     // -> the root
  ScanResult r = Scan(t.root());
  EXPECT_EQ(Paths(r), std::vector<std::string>{"a/b/x.js"});
  EXPECT_EQ(SkippedPaths(r), (std::vector<std::string>{"a/b/up/", "self/"}));
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kSymlinkLoop);
  EXPECT_EQ(r.skipped[0].detail, "points to a/, a directory already walked");
  EXPECT_EQ(r.skipped[1].reason, SkipReason::kSymlinkLoop);
}

TEST(ScanLinksTest, LinkToWalkedDirectoryIsNotWalkedAgain) {
  TempTree t;
  t.Write("lib/x.js", "x\n");
  t.Symlink("lib", "alias");  // sorts before lib: the real path still wins
  ScanResult r = Scan(t.root());
  EXPECT_EQ(Paths(r), std::vector<std::string>{"lib/x.js"});
  EXPECT_EQ(SkippedPaths(r), std::vector<std::string>{"alias/"});
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kSymlinkLoop);
}

TEST(ScanLinksTest, LinkToIgnoredDirectoryIsFollowedOnce) {
  TempTree t;
  t.Write(".gitignore", "vendor/\n");
  t.Write("vendor/v.js", "x\n");
  t.Symlink("vendor", "link");
  t.Symlink("vendor", "link2");
  ScanResult r = Scan(t.root());
  EXPECT_EQ(Paths(r), std::vector<std::string>{"link/v.js"});
  EXPECT_EQ(r.files[0].abs_path, RealPath(t.Abs("vendor/v.js")));
  EXPECT_EQ(SkippedPaths(r), (std::vector<std::string>{"link2/", "vendor/"}));
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kSymlinkLoop);
  EXPECT_EQ(r.skipped[1].reason, SkipReason::kIgnored);
}

TEST(ScanLinksTest, LinksOutOfTheTreeAreRecorded) {
  TempTree t;
  TempTree outside;
  outside.Write("o.js", "x\n");
  outside.Write("o.txt", "x\n");
  t.Symlink(outside.root(), "ext");
  t.Symlink(outside.Abs("o.js"), "ext.js");
  t.Symlink(outside.Abs("o.txt"), "ext.txt");  // not a candidate: not recorded
  t.Symlink(outside.Abs("o.js"), "gone.js");
  t.Write(".gitignore", "gone.js\n");  // ignore rules come first
  ScanResult r = Scan(t.root());
  EXPECT_TRUE(r.files.empty());
  EXPECT_EQ(SkippedPaths(r), (std::vector<std::string>{"ext.js", "ext/", "gone.js"}));
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kSymlinkOutside);
  EXPECT_EQ(r.skipped[0].detail,
            "points to " + RealPath(outside.Abs("o.js")) + ", outside the root");
  EXPECT_EQ(r.skipped[1].reason, SkipReason::kSymlinkOutside);
  EXPECT_EQ(r.skipped[2].reason, SkipReason::kIgnored);
}

TEST(ScanLinksTest, LinkToFileInsideTheTreeIsIndexed) {
  TempTree t;
  t.Write("src/a.js", "x\n");
  t.Symlink("src/a.js", "link.js");
  t.Symlink("src/a.js", "link.txt");  // the link's own name decides the language
  ScanResult r = Scan(t.root());
  EXPECT_EQ(Paths(r), (std::vector<std::string>{"link.js", "src/a.js"}));
  EXPECT_EQ(r.files[0].abs_path, RealPath(t.Abs("src/a.js")));
  EXPECT_EQ(r.files[0].size_bytes, 2u);
  EXPECT_TRUE(r.skipped.empty());
}

TEST(ScanLinksTest, RootGivenThroughASymlink) {
  TempTree t;
  t.Write("real/a.js", "x\n");
  t.Symlink("real", "root_link");
  ScanResult r = Scan(t.Abs("root_link"));
  EXPECT_EQ(Paths(r), std::vector<std::string>{"a.js"});
  EXPECT_EQ(r.files[0].abs_path, RealPath(t.Abs("real/a.js")));
}

TEST(ScanLinksTest, BrokenSymlinksAreUnreadable) {
  TempTree t;
  t.Symlink("missing.js", "broken.js");
  t.Symlink("missing", "broken_dir");  // not a candidate name: not recorded
  t.Symlink("self.js", "self.js");     // a loop of one link
  ScanResult r = Scan(t.root());
  EXPECT_TRUE(r.files.empty());
  EXPECT_EQ(SkippedPaths(r), (std::vector<std::string>{"broken.js", "self.js"}));
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kUnreadable);
  EXPECT_EQ(r.skipped[0].detail, "broken symlink: No such file or directory");
  EXPECT_EQ(r.skipped[1].reason, SkipReason::kUnreadable);
  EXPECT_EQ(r.skipped[1].detail, "broken symlink: Too many levels of symbolic links");
}

TEST(ScanLinksTest, NodeModulesSymlinkIsRecordedAsNodeModules) {
  TempTree t;
  t.Write("store/pkg/index.js", "x\n");
  t.Symlink("store", "node_modules");
  ScanResult r = Scan(t.root());
  EXPECT_EQ(Paths(r), std::vector<std::string>{"store/pkg/index.js"});
  ASSERT_NE(FindSkip(r, "node_modules/"), nullptr);
  EXPECT_EQ(FindSkip(r, "node_modules/")->reason, SkipReason::kNodeModules);
}

TEST(ScanLinksTest, FifoWithCandidateNameIsUnreadable) {
  TempTree t;
  ASSERT_EQ(::mkfifo(t.Abs("pipe.js").c_str(), 0644), 0);
  ASSERT_EQ(::mkfifo(t.Abs("pipe").c_str(), 0644), 0);  // not a candidate: not recorded
  t.Write("a.js", "x\n");
  ScanResult r = Scan(t.root());  // must not block on the FIFO
  EXPECT_EQ(Paths(r), std::vector<std::string>{"a.js"});
  ASSERT_EQ(SkippedPaths(r), std::vector<std::string>{"pipe.js"});
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kUnreadable);
  EXPECT_EQ(r.skipped[0].detail, "not a regular file");
}

TEST(ScanLinksTest, UnreadableFileIsRecorded) {
  TempTree t;
  t.Write("locked.js", "x\n");
  t.Write("open.js", "x\n");
  ASSERT_EQ(::chmod(t.Abs("locked.js").c_str(), 0), 0);
  ScanResult r;
  bool readable;
  {
    ScopedNoDacOverride no_override;  // binds permission bits for root too
    readable = CanOpen(t.Abs("locked.js"));
    r = Scan(t.root());
  }
  if (readable) {  // root whose override could not be dropped: the file really is readable
    EXPECT_EQ(Paths(r), (std::vector<std::string>{"locked.js", "open.js"}));
  } else {
    EXPECT_EQ(Paths(r), std::vector<std::string>{"open.js"});
    ASSERT_EQ(SkippedPaths(r), std::vector<std::string>{"locked.js"});
    EXPECT_EQ(r.skipped[0].reason, SkipReason::kUnreadable);
    EXPECT_EQ(r.skipped[0].detail, "Permission denied");
  }
}

TEST(ScanLinksTest, UnreadableDirectoryIsRecordedAndTheWalkGoesOn) {
  TempTree t;
  t.Write("locked/a.js", "x\n");
  t.Write("z/b.js", "x\n");
  ASSERT_EQ(::chmod(t.Abs("locked").c_str(), 0), 0);
  ScanResult r;
  bool readable;
  {
    ScopedNoDacOverride no_override;
    readable = CanOpen(t.Abs("locked"));
    r = Scan(t.root());
  }
  ::chmod(t.Abs("locked").c_str(), 0755);
  if (readable) {
    EXPECT_EQ(Paths(r), (std::vector<std::string>{"locked/a.js", "z/b.js"}));
  } else {
    EXPECT_EQ(Paths(r), std::vector<std::string>{"z/b.js"});
    ASSERT_EQ(SkippedPaths(r), std::vector<std::string>{"locked/"});
    EXPECT_EQ(r.skipped[0].reason, SkipReason::kUnreadable);
    EXPECT_EQ(r.skipped[0].detail, "cannot open directory: Permission denied");
  }
}

TEST(ScanLinksTest, UnreadableIgnoreFileIsRecorded) {
  TempTree t;
  t.Write(".gitignore", "*.js\n");
  t.Write("a.js", "x\n");
  ASSERT_EQ(::chmod(t.Abs(".gitignore").c_str(), 0), 0);
  ScanResult r;
  bool readable;
  {
    ScopedNoDacOverride no_override;
    readable = CanOpen(t.Abs(".gitignore"));
    r = Scan(t.root());
  }
  if (readable) {
    EXPECT_TRUE(r.files.empty());
  } else {
    EXPECT_EQ(Paths(r), std::vector<std::string>{"a.js"});
    ASSERT_EQ(SkippedPaths(r), std::vector<std::string>{".gitignore"});
    EXPECT_EQ(r.skipped[0].reason, SkipReason::kUnreadable);
  }
}

// The pinned three.js package (scripts/setup.sh): 1,266 candidate files, of which the four
// bundles in build/ over 1 MiB are too large.
TEST(ScanCorpusTest, ThreePackage) {
  std::string root = std::string(SEMDEX_NPM_CACHE_DIR) + "/three-0.187.0/package";
  ASSERT_TRUE(std::filesystem::is_directory(root)) << root << " missing: run scripts/setup.sh";
  ScanResult r = Scan(root);
  std::printf("three-0.187.0: %zu files, %zu skipped\n", r.files.size(), r.skipped.size());
  EXPECT_EQ(r.files.size(), 1262u);
  EXPECT_EQ(SkippedPaths(r),
            (std::vector<std::string>{"build/three.core.js", "build/three.tsl.js",
                                      "build/three.webgpu.js", "build/three.webgpu.nodes.js"}));
  for (const SkippedPath& s : r.skipped) EXPECT_EQ(s.reason, SkipReason::kTooLarge) << s.path;
}

}  // namespace
}  // namespace semdex
