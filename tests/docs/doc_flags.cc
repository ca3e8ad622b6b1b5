// doc_flags: the --help parser and the Markdown scanner behind the documentation tests.
#include "doc_flags.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "test_util.h"

namespace semdex::docs {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::vector<std::string> SplitOn(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t end; (end = text.find(separator, start)) != std::string::npos; start = end + 1) {
    parts.push_back(text.substr(start, end - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

bool IsFlagChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// The flag a word starts with ("[--model" -> "--model", "--rrf-k=60" -> "--rrf-k"), or "".
std::string LeadingFlag(const std::string& word) {
  size_t i = word.find_first_not_of("[(\"'");
  if (i == std::string::npos || word.compare(i, 2, "--") != 0) return "";
  size_t end = i + 2;
  if (end >= word.size() || !(word[end] >= 'a' && word[end] <= 'z')) return "";
  while (end < word.size() && IsFlagChar(word[end])) ++end;
  return word.substr(i, end - i);
}

bool IsSemdex(const std::string& word) {
  return word == "semdex" || (word.size() > 7 && word.ends_with("/semdex"));
}

bool IsShellOperator(const std::string& word) {
  return word == "|" || word == "||" || word == "&&" || word == ";" || word.starts_with("#");
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

const std::vector<std::string>& TopSubcommands(const CommandLine& cli) {
  static const std::vector<std::string> kNone;
  auto it = cli.find("");
  return it == cli.end() ? kNone : it->second.subcommands;
}

// Appends the `semdex SUB ...` commands in `text` (one line of code, or a code span).
void AddCommands(const std::string& text, int line, const CommandLine& cli,
                 std::vector<FlagMention>* out) {
  const std::vector<std::string> words = SplitWords(text);
  size_t i = 0;
  while (i < words.size()) {
    if (!IsSemdex(words[i]) || i + 1 >= words.size() ||
        !Contains(TopSubcommands(cli), words[i + 1])) {
      ++i;
      continue;
    }
    FlagMention m;
    m.line = line;
    m.subcommand = words[i + 1];
    const HelpText& sub = cli.at(m.subcommand);
    size_t j = i + 2;
    int depth = 0;  // of [ ]: inside brackets `|` separates alternatives, it is no pipe
    for (; j < words.size(); ++j) {
      const std::string& w = words[j];
      if (IsSemdex(w) || (depth <= 0 && IsShellOperator(w))) break;
      if (std::string flag = LeadingFlag(w); !flag.empty()) {
        m.flags.push_back(flag);
      } else if (!w.starts_with("-") && !sub.subcommands.empty()) {
        std::vector<std::string> names = SplitOn(w, '|');
        if (std::all_of(names.begin(), names.end(),
                        [&](const std::string& n) { return Contains(sub.subcommands, n); })) {
          m.nested.insert(names.begin(), names.end());
        }
      }
      depth += static_cast<int>(std::count(w.begin(), w.end(), '[')) -
               static_cast<int>(std::count(w.begin(), w.end(), ']'));
    }
    std::vector<std::string> span(words.begin() + static_cast<long>(i),
                                  words.begin() + static_cast<long>(j));
    for (const std::string& w : span) m.text += (m.text.empty() ? "" : " ") + w;
    out->push_back(std::move(m));
    i = j;
  }
}

// The one top-level subcommand a heading names ("### semdex index" -> "index"), else "".
std::string HeadingSubcommand(const std::string& heading, const CommandLine& cli) {
  std::string plain;
  for (char c : heading) {
    if (c != '`' && c != ',' && c != ':') plain += c;
  }
  std::set<std::string> named;
  const std::vector<std::string> words = SplitWords(plain);
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (IsSemdex(words[i]) && Contains(TopSubcommands(cli), words[i + 1])) {
      named.insert(words[i + 1]);
    }
  }
  return named.size() == 1 ? *named.begin() : "";
}

// Appends the mentions in the code spans of a paragraph (its lines joined by '\n'; `first_line`
// is the first one's number).
void AddSpans(const std::string& paragraph, int first_line, const std::string& heading_subcommand,
              const CommandLine& cli, std::vector<FlagMention>* out) {
  size_t i = 0;
  while ((i = paragraph.find('`', i)) != std::string::npos) {
    const size_t ticks = paragraph.find_first_not_of('`', i) - i;
    const std::string fence(ticks, '`');
    const size_t close = paragraph.find(fence, i + ticks);
    if (close == std::string::npos) return;
    std::string span = paragraph.substr(i + ticks, close - i - ticks);
    const int line =
        first_line + static_cast<int>(std::count(paragraph.begin(),
                                                 paragraph.begin() + static_cast<long>(i), '\n'));
    i = close + ticks;
    std::replace(span.begin(), span.end(), '\n', ' ');
    if (!LeadingFlag(span).empty()) {
      FlagMention m;
      m.line = line;
      m.text = span;
      m.subcommand = heading_subcommand;
      for (const std::string& w : SplitWords(span)) {
        if (std::string flag = LeadingFlag(w); !flag.empty()) m.flags.push_back(flag);
      }
      out->push_back(std::move(m));
    } else {
      AddCommands(span, line, cli, out);
    }
  }
}

std::string JoinSet(const std::set<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

}  // namespace

HelpText ParseHelp(const std::string& text) {
  HelpText help;
  std::string section;
  for (const std::string& line : SplitLines(text)) {
    if (IsBlank(line)) {
      section.clear();
    } else if (line[0] != ' ' && line.back() == ':') {
      section = line;
    } else if (line.size() > 2 && line.starts_with("  ") && line[2] != ' ') {
      std::string head = SplitWords(line)[0];
      if (section == "Options:") {
        if (head.size() > 3 && head[0] == '-' && head[2] == ',')
          head = head.substr(3);  // -h,--help
        if (std::string flag = LeadingFlag(head); !flag.empty()) help.flags.insert(flag);
      } else if (section == "Subcommands:") {
        help.subcommands.push_back(head);
      }
    }
  }
  return help;
}

CommandLine ReadCommandLine(const std::string& binary) {
  CommandLine cli;
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    const std::string path = pending.back();
    pending.pop_back();
    const std::string command = binary + (path.empty() ? "" : " " + path) + " --help";
    testing::CommandResult r = testing::RunCommand(command);
    if (r.exit_code != 0) {
      throw std::runtime_error(command + " exited " + std::to_string(r.exit_code) + ": " + r.err);
    }
    HelpText help = ParseHelp(r.out);
    for (const std::string& sub : help.subcommands) {
      pending.push_back(path.empty() ? sub : path + " " + sub);
    }
    cli[path] = std::move(help);
  }
  return cli;
}

std::vector<FlagMention> FindMentions(const std::string& markdown, const CommandLine& cli) {
  std::vector<FlagMention> out;
  const std::vector<std::string> lines = SplitLines(markdown);
  std::string heading_subcommand;
  std::string paragraph;
  int paragraph_line = 0;
  auto end_paragraph = [&] {
    if (!paragraph.empty()) AddSpans(paragraph, paragraph_line, heading_subcommand, cli, &out);
    paragraph.clear();
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (trimmed.starts_with("```")) {
      end_paragraph();
      // The block's lines; a command goes on over `\` and over the indented lines after it.
      size_t j = i + 1;
      while (j < lines.size()) {
        const std::string& first = lines[j];
        if (first.substr(std::min(first.find_first_not_of(' '), first.size())).starts_with("```")) {
          break;
        }
        std::string logical = first;
        const int start = static_cast<int>(j) + 1;
        ++j;
        const bool command = logical.find("semdex ") != std::string::npos;
        while (j < lines.size() && !lines[j].starts_with("```") &&
               ((!logical.empty() && logical.back() == '\\') ||
                (command && !lines[j].empty() && (lines[j][0] == ' ' || lines[j][0] == '\t') &&
                 lines[j].find("```") == std::string::npos))) {
          if (!logical.empty() && logical.back() == '\\') logical.pop_back();
          logical += " " + lines[j];
          ++j;
        }
        AddCommands(logical, start, cli, &out);
      }
      i = j;  // the closing fence
      continue;
    }
    if (trimmed.starts_with("#")) {
      end_paragraph();
      heading_subcommand = HeadingSubcommand(trimmed, cli);
      continue;
    }
    if (IsBlank(line)) {
      end_paragraph();
      continue;
    }
    if (paragraph.empty()) paragraph_line = static_cast<int>(i) + 1;
    paragraph += (paragraph.empty() ? "" : "\n") + line;
  }
  end_paragraph();
  return out;
}

std::vector<std::string> UnknownFlags(const std::string& document_name,
                                      const std::vector<FlagMention>& mentions,
                                      const CommandLine& cli) {
  std::set<std::string> every_flag;
  for (const auto& [path, help] : cli) every_flag.insert(help.flags.begin(), help.flags.end());
  std::vector<std::string> problems;
  for (const FlagMention& m : mentions) {
    std::set<std::string> allowed;
    std::string where;
    if (m.subcommand.empty()) {
      allowed = every_flag;
      where = "any semdex subcommand";
    } else {
      const HelpText& sub = cli.at(m.subcommand);
      allowed = sub.flags;
      where = "semdex " + m.subcommand;
      for (const std::string& nested : sub.subcommands) {
        if (!m.nested.empty() && m.nested.count(nested) == 0) continue;
        const HelpText& help = cli.at(m.subcommand + " " + nested);
        allowed.insert(help.flags.begin(), help.flags.end());
      }
      if (!m.nested.empty()) where += " " + JoinSet(m.nested, "|");
    }
    for (const std::string& flag : m.flags) {
      if (allowed.count(flag) > 0) continue;
      problems.push_back(document_name + ":" + std::to_string(m.line) + ": `" + m.text +
                         "`: no flag " + flag + " in " + where + " (see its --help)");
    }
  }
  return problems;
}

std::vector<std::string> UndocumentedFlags(const std::string& document_name,
                                           const std::vector<FlagMention>& mentions,
                                           const CommandLine& cli) {
  std::vector<std::string> problems;
  for (const auto& [path, help] : cli) {
    if (path.empty()) continue;  // the program's own: --help and --version
    const size_t space = path.find(' ');
    const std::string top = path.substr(0, space);
    const std::string nested = space == std::string::npos ? "" : path.substr(space + 1);
    auto names_path = [&](const FlagMention& m) {
      return m.subcommand == top && (nested.empty() || m.nested.empty() || m.nested.count(nested));
    };
    if (std::none_of(mentions.begin(), mentions.end(), [&](const FlagMention& m) {
          return m.subcommand == top && (nested.empty() || m.nested.count(nested) > 0);
        })) {
      problems.push_back(document_name + " never shows `semdex " + path + "`");
    }
    for (const std::string& flag : help.flags) {
      if (flag == "--help") continue;
      const bool named = std::any_of(mentions.begin(), mentions.end(), [&](const FlagMention& m) {
        return names_path(m) && Contains(m.flags, flag);
      });
      if (!named) {
        problems.push_back(document_name + " never names " + flag + " of `semdex " + path +
                           "` (listed by its --help)");
      }
    }
  }
  return problems;
}

}  // namespace semdex::docs
