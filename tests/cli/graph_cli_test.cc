// End-to-end tests of `semdex graph`: the --json contract, text output, exit codes for unknown
// and ambiguous symbols.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace semdex {
namespace {

using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

const std::string kSemdex = SEMDEX_BINARY;

class GraphCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    WriteFile(*dir_ / "src/a.ts",
              "import { helper } from './b';\n"
              "export function main() { return helper(1); }\n");
    WriteFile(*dir_ / "src/b.ts",
              "import { deep } from './c';\n"
              "export function helper(x: number) { return deep(x); }\n");
    WriteFile(*dir_ / "src/c.ts", "export function deep(x: number) { return x; }\n");
    WriteFile(*dir_ / "src/d.ts", "export function helper() { return 3; }\n");
    auto r = RunCommand(kSemdex + " index '" + *dir_ / "src" +
                        "' --no-embed --repository fx --db '" + Db() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string Db() { return *dir_ / "index.db"; }
  static testing::CommandResult Graph(const std::string& args) {
    return RunCommand(kSemdex + " graph " + args + " --db '" + Db() + "'");
  }
  static TempDir* dir_;
};

TempDir* GraphCliTest::dir_ = nullptr;

TEST_F(GraphCliTest, CallersJsonContract) {
  auto r = Graph("callers deep --depth 2 --json --repository fx");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j, (nlohmann::json{{"symbol", "deep"},
                               {"results",
                                {{{"name", "helper"},
                                  {"qualified_name", "helper"},
                                  {"file", "b.ts"},
                                  {"line", 2},
                                  {"relation", "called_by"},
                                  {"depth", 1}},
                                 {{"name", "main"},
                                  {"qualified_name", "main"},
                                  {"file", "a.ts"},
                                  {"line", 2},
                                  {"relation", "called_by"},
                                  {"depth", 2}}}}}));
}

TEST_F(GraphCliTest, CalleesPathAndNeighbors) {
  auto r = Graph("callees main --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["file"], "b.ts");

  r = Graph("path main deep --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["symbol"], "main");
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][2]["qualified_name"], "deep");
  EXPECT_EQ(j["results"][2]["depth"], 2);

  r = Graph("neighbors b.ts:helper");  // text
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Neighbors of b.ts:helper (function, line 2): 3"), std::string::npos)
      << r.out;
  // One aligned row per neighbor: depth, relation, qualified name, file:line.
  EXPECT_NE(r.out.find("\n      1  called_by     main  a.ts:2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n      1  calls         deep  c.ts:1\n"), std::string::npos) << r.out;
}

TEST_F(GraphCliTest, AmbiguousSymbolListsCandidatesAndExits2) {
  auto r = Graph("callers helper --json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("\"helper\" is ambiguous"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("b.ts:helper (function, line 2)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("d.ts:helper (function, line 1)"), std::string::npos) << r.err;
  // Either end of a path can be ambiguous.
  EXPECT_EQ(Graph("path main helper").exit_code, 2);
}

TEST_F(GraphCliTest, UnknownSymbolOrRepositoryExits2) {
  auto r = Graph("callees nosuch");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no symbol matches \"nosuch\""), std::string::npos) << r.err;
  r = Graph("callees main --repository other");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("repository other is not in the index"), std::string::npos) << r.err;
  EXPECT_EQ(Graph("callers").exit_code, 2);                 // SYMBOL missing
  EXPECT_EQ(Graph("callers main --depth 0").exit_code, 2);  // out of range
  EXPECT_EQ(Graph("sideways main").exit_code, 2);
}

}  // namespace
}  // namespace semdex
