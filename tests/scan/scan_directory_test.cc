// ScanDirectory on real trees built under /tmp.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scan/scan.h"
#include "temp_tree.h"

namespace semdex {
namespace {

using testing::CanOpen;
using testing::FindFile;
using testing::FindSkip;
using testing::Paths;
using testing::RealPath;
using testing::ScopedNoDacOverride;
using testing::TempTree;

ScanResult Scan(const TempTree& tree, ScanOptions options = {}) {
  ScanResult r;
  Status s = ScanDirectory(tree.root(), options, &r);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return r;
}

TEST(ScanDirectoryTest, SortedOutputOfCandidateFilesOnly) {
  TempTree t;
  for (const char* p : {"z/y.py", "b.ts", "a.js", "c.tsx", "d.mjs", "e.cjs", "f.mts", "g.cts",
                        "h.jsx", "a/b.js", "a-b.js", "A.js"}) {
    t.Write(p, "x\n");
  }
  t.Write("README.md", "# readme\n");
  t.Write("Makefile", "all:\n");
  t.Write("src/.hidden", "x\n");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r),
            (std::vector<std::string>{"A.js", "a-b.js", "a.js", "a/b.js", "b.ts", "c.tsx", "d.mjs",
                                      "e.cjs", "f.mts", "g.cts", "h.jsx", "z/y.py"}));
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(FindFile(r, "c.tsx")->language, Language::kTsx);
  EXPECT_EQ(FindFile(r, "z/y.py")->language, Language::kPython);
  EXPECT_EQ(FindFile(r, "f.mts")->language, Language::kTypeScript);
  EXPECT_EQ(FindFile(r, "h.jsx")->language, Language::kJavaScript);
}

TEST(ScanDirectoryTest, FileMetadata) {
  TempTree t;
  t.Write("src/a.ts", "let a = 1;\n");
  ScanResult r = Scan(t);
  ASSERT_EQ(r.files.size(), 1u);
  const ScannedFile& f = r.files[0];
  EXPECT_EQ(f.abs_path, RealPath(t.Abs("src/a.ts")));
  EXPECT_EQ(f.size_bytes, 11u);
  struct stat st {};
  ASSERT_EQ(::stat(t.Abs("src/a.ts").c_str(), &st), 0);
  EXPECT_EQ(f.mtime_ns, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
}

TEST(ScanDirectoryTest, EmptyDirectory) {
  TempTree t;
  ScanResult r = Scan(t);
  EXPECT_TRUE(r.files.empty());
  EXPECT_TRUE(r.skipped.empty());
}

TEST(ScanDirectoryTest, RootWithTrailingSlashOrDotComponents) {
  TempTree t;
  t.Write("a.js", "x\n");
  ScanResult r;
  ASSERT_TRUE(ScanDirectory(t.root() + "/./", {}, &r).ok());
  EXPECT_EQ(Paths(r), std::vector<std::string>{"a.js"});
}

TEST(ScanDirectoryTest, NonexistentRootFails) {
  TempTree t;
  std::string missing = t.Abs("does-not-exist");
  ScanResult r;
  Status s = ScanDirectory(missing, {}, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find(missing), std::string::npos) << s.message();
}

TEST(ScanDirectoryTest, RootThatIsAFileFails) {
  TempTree t;
  t.Write("a.js", "x\n");
  ScanResult r;
  Status s = ScanDirectory(t.Abs("a.js"), {}, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(t.Abs("a.js")), std::string::npos) << s.message();
}

TEST(ScanDirectoryTest, UnreadableRootFails) {
  TempTree t;
  t.Write("locked/a.js", "x\n");
  ASSERT_EQ(::chmod(t.Abs("locked").c_str(), 0), 0);
  ScanResult r;
  Status s;
  bool readable;
  {
    ScopedNoDacOverride no_override;
    readable = CanOpen(t.Abs("locked"));
    s = ScanDirectory(t.Abs("locked"), {}, &r);
  }
  ::chmod(t.Abs("locked").c_str(), 0755);
  if (readable) {  // no way to take root's override away here
    EXPECT_TRUE(s.ok());
  } else {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(t.Abs("locked")), std::string::npos) << s.message();
  }
}

TEST(ScanDirectoryTest, GitDirectoryIsSkippedSilently) {
  TempTree t;
  t.Write(".git/hooks/pre-commit.js", "x\n");
  t.Write("sub/.git", "gitdir: ../.git/modules/sub\n");  // a submodule's .git file
  t.Write("sub/a.js", "x\n");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"sub/a.js"});
  EXPECT_TRUE(r.skipped.empty());
}

TEST(ScanDirectoryTest, NodeModulesRecordedOncePerDirectory) {
  TempTree t;
  t.Write("node_modules/lib/index.js", "x\n");
  t.Write("node_modules/lib/node_modules/dep/index.js", "x\n");
  t.Write("packages/app/node_modules/x.js", "x\n");
  t.Write("packages/app/index.js", "x\n");
  t.Write(".gitignore", "node_modules/\n");  // still reported as node_modules, not ignored
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"packages/app/index.js"});
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_EQ(r.skipped[0].path, "node_modules/");
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kNodeModules);
  EXPECT_EQ(r.skipped[1].path, "packages/app/node_modules/");
  EXPECT_EQ(r.skipped[1].reason, SkipReason::kNodeModules);
}

TEST(ScanDirectoryTest, GitignoreRecordsDirectoriesOnceAndCandidateFiles) {
  TempTree t;
  t.Write(".gitignore", "# output\ndist/\n*.gen.ts\nnotes.txt\n");
  t.Write("dist/a.js", "x\n");
  t.Write("dist/deep/b.js", "x\n");
  t.Write("src/a.gen.ts", "x\n");
  t.Write("src/a.ts", "x\n");
  t.Write("notes.txt", "x\n");  // ignored, but not a candidate: not recorded
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"src/a.ts"});
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_EQ(r.skipped[0].path, "dist/");
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kIgnored);
  EXPECT_EQ(r.skipped[0].detail, ".gitignore:2: dist/");
  EXPECT_EQ(r.skipped[1].path, "src/a.gen.ts");
  EXPECT_EQ(r.skipped[1].detail, ".gitignore:3: *.gen.ts");
}

TEST(ScanDirectoryTest, NegationCannotReincludeUnderExcludedDirectory) {
  TempTree t;
  t.Write(".gitignore", "build/\n!build/keep.js\n");
  t.Write("build/keep.js", "x\n");
  ScanResult r = Scan(t);
  EXPECT_TRUE(r.files.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].path, "build/");
}

TEST(ScanDirectoryTest, NegationReincludesWhenOnlyContentsAreExcluded) {
  TempTree t;
  t.Write(".gitignore", "build/*\n!build/keep.js\n");
  t.Write("build/keep.js", "x\n");
  t.Write("build/other.js", "x\n");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"build/keep.js"});
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].path, "build/other.js");
}

TEST(ScanDirectoryTest, NestedGitignoreOverridesParent) {
  TempTree t;
  t.Write(".gitignore", "*.js\n");
  t.Write("lib/.gitignore", "!*.js\ngenerated/\n");
  t.Write("top.js", "x\n");
  t.Write("lib/a.js", "x\n");
  t.Write("lib/generated/b.ts", "x\n");
  t.Write("other/generated/c.ts", "x\n");  // lib's rule does not reach here
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (std::vector<std::string>{"lib/a.js", "other/generated/c.ts"}));
  ASSERT_NE(FindSkip(r, "top.js"), nullptr);
  ASSERT_NE(FindSkip(r, "lib/generated/"), nullptr);
  EXPECT_EQ(FindSkip(r, "lib/generated/")->detail, "lib/.gitignore:2: generated/");
}

TEST(ScanDirectoryTest, SemdexignoreRefinesGitignore) {
  TempTree t;
  t.Write(".gitignore", "*.gen.ts\n");
  t.Write(".semdexignore", "!keep.gen.ts\nlegacy/\n");
  t.Write("keep.gen.ts", "x\n");
  t.Write("drop.gen.ts", "x\n");
  t.Write("legacy/old.js", "x\n");
  t.Write("sub/.semdexignore", "*.py\n");
  t.Write("sub/a.py", "x\n");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"keep.gen.ts"});
  ASSERT_NE(FindSkip(r, "legacy/"), nullptr);
  EXPECT_EQ(FindSkip(r, "legacy/")->detail, ".semdexignore:2: legacy/");
  ASSERT_NE(FindSkip(r, "sub/a.py"), nullptr);
  EXPECT_EQ(FindSkip(r, "sub/a.py")->detail, "sub/.semdexignore:1: *.py");
  EXPECT_NE(FindSkip(r, "drop.gen.ts"), nullptr);
}

TEST(ScanDirectoryTest, TooLargeWithCustomLimit) {
  TempTree t;
  t.Write("small.js", std::string(10, 'x'));
  t.Write("big.js", std::string(11, 'x'));
  ScanOptions options;
  options.max_file_bytes = 10;
  ScanResult r = Scan(t, options);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"small.js"});
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kTooLarge);
  EXPECT_EQ(r.skipped[0].detail, "11 bytes > 10 limit");
}

TEST(ScanDirectoryTest, TooLargeWithDefaultLimit) {
  TempTree t;
  t.Write("huge.js", "");
  ASSERT_EQ(::truncate(t.Abs("huge.js").c_str(), 5242880), 0);  // sparse, 5 MiB
  t.Write("limit.js", std::string(1 << 20, 'x'));               // exactly 1 MiB is allowed
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), std::vector<std::string>{"limit.js"});
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].path, "huge.js");
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kTooLarge);
  EXPECT_EQ(r.skipped[0].detail, "5242880 bytes > 1048576 limit");
}

TEST(ScanDirectoryTest, TestAndDeclarationFlags) {
  TempTree t;
  for (const char* p :
       {"src/a.ts", "src/a.test.ts", "src/a.spec.js", "__tests__/x.js", "pkg/test/x.py",
        "tests/x.py", "spec/x.js", "src/__mocks__/m.js", "src/testing/x.js", "src/latest.ts",
        "types/a.d.ts", "types/b.d.mts", "types/c.d.cts", "types/d.ts", "test.js"}) {
    t.Write(p, "x\n");
  }
  ScanResult r = Scan(t);
  for (const ScannedFile& f : r.files) {
    bool want_test = f.path == "src/a.test.ts" || f.path == "src/a.spec.js" ||
                     f.path == "__tests__/x.js" || f.path == "pkg/test/x.py" ||
                     f.path == "tests/x.py" || f.path == "spec/x.js" ||
                     f.path == "src/__mocks__/m.js";
    bool want_decl = f.path.starts_with("types/") && f.path != "types/d.ts";
    EXPECT_EQ(f.is_test, want_test) << f.path;
    EXPECT_EQ(f.is_declaration, want_decl) << f.path;
  }
  EXPECT_EQ(r.files.size(), 15u);
}

TEST(ScanDirectoryTest, DeepTreeIsWalkedIteratively) {
  TempTree t;
  std::string dir;
  for (int i = 0; i < 200; ++i) dir += "d/";
  t.Write(dir + "leaf.js", "x\n");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), std::vector<std::string>{dir + "leaf.js"});
}

}  // namespace
}  // namespace semdex
