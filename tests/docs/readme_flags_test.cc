// The documentation names the command line as it is: every flag the README (and the guides in
// docs/) names exists in that subcommand's --help, and every flag of every --help is named in the
// README. The first tests pin down the checker itself on small documents.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "doc_flags.h"

namespace semdex::docs {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ReadDocument(const std::string& relative) {
  std::ifstream in(std::string(SEMDEX_SOURCE_DIR) + "/" + relative);
  if (!in) throw std::runtime_error("cannot read " + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Lines(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += "\n  " + p;
  return out;
}

// A small command line: index (--full, --db), graph (--json) with callers (--depth) and path
// (--calls-only).
CommandLine SmallCommandLine() {
  CommandLine cli;
  cli[""] = {{"--help", "--version"}, {"index", "graph"}};
  cli["index"] = {{"--help", "--full", "--db"}, {}};
  cli["graph"] = {{"--help", "--json"}, {"callers", "path"}};
  cli["graph callers"] = {{"--help", "--depth"}, {}};
  cli["graph path"] = {{"--help", "--calls-only"}, {}};
  return cli;
}

TEST(ParseHelpTest, ReadsOptionsAndSubcommandsOfCli11Help) {
  const HelpText help = ParseHelp(
      "Query the code graph: see --json below\n"
      "Usage: semdex graph [OPTIONS] SUBCOMMAND\n\n"
      "Positionals:\n"
      "  DIR TEXT REQUIRED           Directory to index\n\n"
      "Options:\n"
      "  -h,--help                   Print this help message and exit\n"
      "  --workers INT:INT in [1 - 256]\n"
      "                              Parse threads --not-a-flag\n"
      "  --no-embed Excludes: --model --precision\n"
      "                              Skip embeddings\n\n"
      "Subcommands:\n"
      "  callers                     Symbols that call SYMBOL\n"
      "  path                        A shortest path\n");
  EXPECT_EQ(help.flags, (std::set<std::string>{"--help", "--workers", "--no-embed"}));
  EXPECT_THAT(help.subcommands, ElementsAre("callers", "path"));
}

TEST(FindMentionsTest, ReadsCommandsInBlocksAndSpansAndFlagsUnderHeadings) {
  const CommandLine cli = SmallCommandLine();
  const std::vector<FlagMention> mentions = FindMentions(
      "# Title\n"
      "Run `semdex index DIR --full` or `build/semdex graph callers|path X --depth 2`.\n"
      "\n"
      "```\n"
      "semdex index DIR [--full | --db PATH]\n"
      "             [--db PATH] # a comment --not-read\n"
      "$ build/semdex index . --db x.db | jq --raw-output .total\n"
      "sqlite3 --bail x.db\n"
      "semdex graph path A B \\\n"
      "  --calls-only --json\n"
      "```\n"
      "\n"
      "### semdex index\n"
      "- `--full`: rebuild; `--db PATH` too; `semdex` alone, `--json` of jq.\n"
      "### Elsewhere\n"
      "- `--depth D`\n",
      cli);
  ASSERT_EQ(mentions.size(), 9u);
  EXPECT_EQ(mentions[0].line, 2);
  EXPECT_EQ(mentions[0].subcommand, "index");
  EXPECT_THAT(mentions[0].flags, ElementsAre("--full"));
  EXPECT_EQ(mentions[1].subcommand, "graph");
  EXPECT_EQ(mentions[1].nested, (std::set<std::string>{"callers", "path"}));
  EXPECT_THAT(mentions[1].flags, ElementsAre("--depth"));
  EXPECT_EQ(mentions[2].line, 5);
  EXPECT_THAT(mentions[2].flags, ElementsAre("--full", "--db", "--db"))
      << "the indented line continues the synopsis, `|` inside brackets is no pipe, `#` ends it";
  EXPECT_THAT(mentions[3].flags, ElementsAre("--db")) << "the pipe ends the command";
  EXPECT_EQ(mentions[4].line, 9);
  EXPECT_EQ(mentions[4].nested, (std::set<std::string>{"path"}));
  EXPECT_THAT(mentions[4].flags, ElementsAre("--calls-only", "--json"));
  EXPECT_EQ(mentions[5].subcommand, "index") << "the heading names the subcommand";
  EXPECT_THAT(mentions[5].flags, ElementsAre("--full"));
  EXPECT_EQ(mentions[6].line, 14);
  EXPECT_EQ(mentions[6].text, "--db PATH");
  EXPECT_THAT(mentions[7].flags, ElementsAre("--json"));
  EXPECT_EQ(mentions[8].subcommand, "") << "a heading naming no subcommand";
  EXPECT_THAT(mentions[8].flags, ElementsAre("--depth"));
}

TEST(UnknownFlagsTest, ReportsRenamedAndMisplacedFlags) {
  const CommandLine cli = SmallCommandLine();
  EXPECT_THAT(UnknownFlags("doc.md",
                           FindMentions("`semdex index . --full --db x`\n\n"
                                        "`semdex graph callers X --depth 2 --json`\n\n"
                                        "`semdex graph --json callers X`\n\n"
                                        "# semdex graph\n`--calls-only`\n# Other\n`--db P`\n",
                                        cli),
                           cli),
              IsEmpty());
  EXPECT_THAT(UnknownFlags("doc.md", FindMentions("x\n\n`semdex index . --fulll`\n", cli), cli),
              ElementsAre("doc.md:3: `semdex index . --fulll`: no flag --fulll in semdex index "
                          "(see its --help)"));
  EXPECT_THAT(
      UnknownFlags("doc.md", FindMentions("`semdex graph path A B --depth 2`\n", cli), cli),
      ElementsAre("doc.md:1: `semdex graph path A B --depth 2`: no flag --depth in semdex graph "
                  "path (see its --help)"));
  EXPECT_THAT(UnknownFlags("doc.md", FindMentions("# semdex graph\n`--full`\n", cli), cli),
              ElementsAre("doc.md:2: `--full`: no flag --full in semdex graph (see its --help)"));
  EXPECT_THAT(
      UnknownFlags("doc.md", FindMentions("A paragraph: `--full`,\nthen `--gone`.\n", cli), cli),
      ElementsAre("doc.md:2: `--gone`: no flag --gone in any semdex subcommand (see its "
                  "--help)"))
      << "the line of the span, not of its paragraph";
  EXPECT_THAT(UnknownFlags("doc.md", FindMentions("`--gone`\n", cli), cli),
              ElementsAre("doc.md:1: `--gone`: no flag --gone in any semdex subcommand (see its "
                          "--help)"));
}

TEST(UndocumentedFlagsTest, ReportsFlagsAndSubcommandsTheDocumentNeverNames) {
  const CommandLine cli = SmallCommandLine();
  const std::string complete =
      "```\nsemdex index DIR [--full] [--db PATH]\n"
      "semdex graph callers SYMBOL [--depth D] [--json]\n"
      "semdex graph path A B --calls-only\n```\n";
  EXPECT_THAT(UndocumentedFlags("doc.md", FindMentions(complete, cli), cli), IsEmpty());
  const std::string partial =
      "```\nsemdex index DIR [--full]\nsemdex graph callers SYMBOL --json\n```\n"
      "# semdex graph\n`--depth D`\n";
  EXPECT_THAT(UndocumentedFlags("doc.md", FindMentions(partial, cli), cli),
              ElementsAre("doc.md never shows `semdex graph path`",
                          "doc.md never names --calls-only of `semdex graph path` (listed by its "
                          "--help)",
                          "doc.md never names --db of `semdex index` (listed by its --help)"));
}

class DocumentationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cli_ = new CommandLine(ReadCommandLine(SEMDEX_BINARY)); }
  static void TearDownTestSuite() {
    delete cli_;
    cli_ = nullptr;
  }
  static CommandLine* cli_;
};

CommandLine* DocumentationTest::cli_ = nullptr;

TEST_F(DocumentationTest, TheCommandLineIsReadFromTheBinary) {
  ASSERT_EQ(cli_->count("index"), 1u);
  EXPECT_EQ(cli_->at("index").flags.count("--no-embed"), 1u);
  ASSERT_EQ(cli_->count("graph path"), 1u);
  EXPECT_EQ(cli_->at("graph path").flags.count("--calls-only"), 1u);
  EXPECT_EQ(cli_->at("").flags.count("--version"), 1u);
}

TEST_F(DocumentationTest, EveryFlagTheReadmeNamesExists) {
  const std::vector<FlagMention> mentions = FindMentions(ReadDocument("README.md"), *cli_);
  EXPECT_GT(mentions.size(), 20u);
  const std::vector<std::string> problems = UnknownFlags("README.md", mentions, *cli_);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(DocumentationTest, TheReadmeNamesEverySubcommandAndFlag) {
  const std::vector<FlagMention> mentions = FindMentions(ReadDocument("README.md"), *cli_);
  const std::vector<std::string> problems = UndocumentedFlags("README.md", mentions, *cli_);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(DocumentationTest, EveryFlagTheGuidesNameExists) {
  for (const char* guide : {"docs/ARCHITECTURE.md", "docs/TROUBLESHOOTING.md"}) {
    const std::vector<std::string> problems =
        UnknownFlags(guide, FindMentions(ReadDocument(guide), *cli_), *cli_);
    EXPECT_TRUE(problems.empty()) << Lines(problems);
  }
}

}  // namespace
}  // namespace semdex::docs
