// doc_flags: checks that Markdown documentation names the command line as it is. Internal to
// tests/docs/.
//
// The command line is read from the binary's own --help texts (CLI11's layout: an "Options:"
// section with one option per line, indented two spaces; a "Subcommands:" section likewise), so
// nothing here repeats a flag list that could drift.
//
// What the documentation names is read from its code: fenced code blocks and `inline code`.
// - A command is `semdex SUB ...` (also `build/semdex`, `/path/to/semdex`): its --flags belong to
//   SUB, and to the nested subcommands it names (`semdex graph callers|callees SYMBOL --depth D`).
//   It ends at a shell operator outside brackets (`|`, `||`, `&&`, `;`), a comment (`#`) or the
//   next `semdex`. In a code block a command goes on over lines ending in `\` and over the
//   indented lines after it (a usage synopsis wrapped over several lines).
// - An inline code span that starts with a flag (`--workers N`) belongs to the subcommand of the
//   enclosing heading when that heading names exactly one (`### semdex index`); elsewhere it must
//   be a flag of some subcommand. Under such a heading, name another subcommand's flag as a
//   command: `semdex index --no-embed`.
// Positionals, flags of other programs (`jq -r`, `sqlite3`) and text outside code are not read.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace semdex::docs {

// One command's --help: its options and its nested subcommands.
struct HelpText {
  std::set<std::string> flags;           // "--db", ...; -h,--help included as "--help"
  std::vector<std::string> subcommands;  // in --help's order
};

// Parses CLI11's --help output.
HelpText ParseHelp(const std::string& text);

// The whole command line: "" is the program itself, "index", "graph", "graph path", ...
using CommandLine = std::map<std::string, HelpText>;

// Runs `binary [path] --help` for the program and every subcommand, recursively. Throws
// std::runtime_error when a --help run fails.
CommandLine ReadCommandLine(const std::string& binary);

// Where a document names flags of a subcommand.
struct FlagMention {
  int line = 0;                  // 1-based line of the document
  std::string text;              // the command or code span, as written
  std::string subcommand;        // top-level subcommand ("index"); "" when none is known
  std::set<std::string> nested;  // nested subcommands it names ("callers", "callees")
  std::vector<std::string> flags;
};

// Every mention of a semdex subcommand or flag in the document's code.
std::vector<FlagMention> FindMentions(const std::string& markdown, const CommandLine& cli);

// Flags the document names that the command line does not have, one message each
// ("README.md:12: `semdex index ... --fulll`: no such flag of semdex index").
std::vector<std::string> UnknownFlags(const std::string& document_name,
                                      const std::vector<FlagMention>& mentions,
                                      const CommandLine& cli);

// Flags and subcommands of the command line the mentions never name, one message each.
// --help and --version are taken as known.
std::vector<std::string> UndocumentedFlags(const std::string& document_name,
                                           const std::vector<FlagMention>& mentions,
                                           const CommandLine& cli);

}  // namespace semdex::docs
