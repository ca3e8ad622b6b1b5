// ScanResult::directories: every directory the walk entered (what semdex watch watches), and none
// that it did not.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "scan/scan.h"
#include "temp_tree.h"

namespace semdex {
namespace {

using testing::RealPath;
using testing::TempTree;

TEST(ScanDirectoriesTest, ListsWalkedDirectoriesOnlyOnceEachRootFirst) {
  TempTree t;
  t.Write("src/a.ts", "x\n");
  t.MakeDir("src/empty");
  t.Write("docs/readme.md", "# no candidates, still walked\n");
  t.Write("dist/out.js", "x\n");
  t.Write("node_modules/pkg/index.js", "x\n");
  t.Write(".git/HEAD", "ref: refs/heads/main\n");
  t.Write(".gitignore", "dist/\n");
  t.Symlink("src", "link-to-src");  // the same directory again: walked once
  ScanResult r;
  ASSERT_TRUE(ScanDirectory(t.root(), ScanOptions(), &r).ok());
  const std::string root = RealPath(t.root());
  ASSERT_FALSE(r.directories.empty());
  EXPECT_EQ(r.directories.front(), root);
  std::vector<std::string> dirs = r.directories;
  std::sort(dirs.begin(), dirs.end());
  EXPECT_EQ(dirs,
            (std::vector<std::string>{root, root + "/docs", root + "/src", root + "/src/empty"}));
}

}  // namespace
}  // namespace semdex
