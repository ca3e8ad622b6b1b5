// End-to-end tests of the semdex binary: flags, exit codes, output formats.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace semdex {
namespace {

using testing::QueryRows;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;

const std::string kSemdex = SEMDEX_BINARY;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

bool HasControlCharacters(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\n' && c != '\t') return true;
  }
  return false;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(src_ / "lib/math.ts",
              "/** Adds. */\nexport function add(a: number, b: number): number { return a + b; }\n"
              "export class Calc {\n  twice(x: number) { return add(x, x); }\n}\n");
    WriteFile(src_ / "lib/util.js",
              "function helper() { return 1; }\nmodule.exports = { helper };\n");
    WriteFile(src_ / "README.md", "# not source\n");
  }
  std::string Index(const std::string& flags) {
    return kSemdex + " index " + Quote(src_.path()) + " --db " + Quote(db_ / "index.db") + " " +
           flags;
  }
  TempDir src_, db_;
};

TEST_F(CliTest, IndexJsonSummaryHasTheContractKeys) {
  auto r = RunCommand(Index("--no-embed --json --repository demo"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["repository"], "demo");
  EXPECT_EQ(j["total_files"], 2);
  EXPECT_EQ(j["success_files"], 2);
  EXPECT_EQ(j["error_files"], 0);
  EXPECT_EQ(j["skipped_files"], 0);
  EXPECT_GE(j["total_chunks"].get<int>(), 4);
  EXPECT_TRUE(j["errors"].is_array());
  EXPECT_TRUE(j["skipped"].is_array());
  EXPECT_TRUE(j["elapsed_s"].is_number());
  EXPECT_FALSE(HasControlCharacters(r.out + r.err));
  // The reference design's verification query runs as written.
  auto rows = QueryRows(db_ / "index.db",
                        "SELECT COUNT(*) as total_chunks FROM code_chunks WHERE repository = "
                        "'demo';");
  EXPECT_EQ(rows[0], std::to_string(j["total_chunks"].get<int>()));
}

TEST_F(CliTest, IndexTextSummaryAndVerboseLogNoControlCharactersOffTty) {
  auto r = RunCommand(Index("--no-embed --verbose --sequential"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Success: 2 (100%)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total chunks:"), std::string::npos);
  EXPECT_NE(r.err.find("lib/math.ts"), std::string::npos) << r.err;  // --verbose logs files
  EXPECT_FALSE(HasControlCharacters(r.out + r.err));
}

TEST_F(CliTest, RepositoryDefaultsToBaseNameAndStatsReportsIt) {
  ASSERT_EQ(RunCommand(Index("--no-embed --workers 2")).exit_code, 0);
  std::string base = std::filesystem::path(src_.path()).filename().string();
  auto r = RunCommand(kSemdex + " stats --json --db " + Quote(db_ / "index.db") + " --repository " +
                      Quote(base));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["files"], 2);
  EXPECT_EQ(j["chunks_by_language"]["typescript"].get<int>() +
                j["chunks_by_language"]["javascript"].get<int>(),
            j["chunks"].get<int>());
  EXPECT_EQ(j["chunks_by_type"]["method"], 1);
  EXPECT_TRUE(j["model"].is_null());
  EXPECT_EQ(j["last_run"]["mode"], "parallel");
  auto text = RunCommand(kSemdex + " stats --db " + Quote(db_ / "index.db"));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Repository: " + base), std::string::npos) << text.out;
}

TEST_F(CliTest, DefaultDatabaseLocationFollowsTheEnvironment) {
  TempDir home;
  std::string env = "env -u SEMDEX_DB XDG_DATA_HOME=" + Quote(home / "xdg") + " ";
  auto r = RunCommand(env + kSemdex + " index " + Quote(src_.path()) + " --no-embed --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home / "xdg/semdex/index.db"));
  std::string env2 = "env -u SEMDEX_DB -u XDG_DATA_HOME HOME=" + Quote(home.path()) + " ";
  r = RunCommand(env2 + kSemdex + " index " + Quote(src_.path()) + " --no-embed --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home / ".local/share/semdex/index.db"));
  r = RunCommand("SEMDEX_DB=" + Quote(home / "env.db") + " " + kSemdex + " index " +
                 Quote(src_.path()) + " --no-embed --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(home / "env.db"));
}

TEST_F(CliTest, InputAndUsageErrorsExitTwoWithAClearMessage) {
  auto missing =
      RunCommand(kSemdex + " index /nonexistent/dir --no-embed --db " + Quote(db_ / "i.db"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/dir"), std::string::npos) << missing.err;

  auto file = RunCommand(kSemdex + " index " + Quote(src_ / "lib/math.ts") + " --no-embed --db " +
                         Quote(db_ / "i.db"));
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.err.find("math.ts"), std::string::npos) << file.err;

  WriteFile(db_ / "plainfile", "x");
  auto unwritable = RunCommand(kSemdex + " index " + Quote(src_.path()) + " --no-embed --db " +
                               Quote(db_ / "plainfile/sub/i.db"));
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_NE(unwritable.err.find("plainfile"), std::string::npos) << unwritable.err;

  EXPECT_EQ(RunCommand(kSemdex + " index").exit_code, 2);
  EXPECT_EQ(RunCommand(kSemdex + " index . --workers 0 --no-embed").exit_code, 2);
  EXPECT_EQ(RunCommand(kSemdex + " index . --bogus").exit_code, 2);
  EXPECT_EQ(RunCommand(kSemdex).exit_code, 2);
  auto pg = RunCommand(kSemdex + " index " + Quote(src_.path()) +
                       " --no-embed --db postgresql://u:secret@localhost/x");
  EXPECT_EQ(pg.exit_code, 2);
  EXPECT_EQ(pg.err.find("secret"), std::string::npos) << pg.err;
}

TEST_F(CliTest, EmbeddingWithoutTheEngineIsAClearError) {
  auto r = RunCommand(Index(""));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-embed"), std::string::npos) << r.err;
}

TEST_F(CliTest, ProgressBarOnATerminal) {
  // script(1) gives the command a pseudo-terminal, so stderr is a TTY.
  auto r = RunCommand("script -qec " + Quote(Index("--no-embed")) + " /dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\r["), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2/2 files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("INDEXING COMPLETE"), std::string::npos);
}

TEST_F(CliTest, HelpListsTheContractFlags) {
  auto r = RunCommand(kSemdex + " index --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--repository", "--workers", "--sequential", "--verbose", "--db",
                           "--no-embed", "--full", "--json"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace semdex
