#include "parse_test_util.h"

#include <fstream>
#include <sstream>

namespace semdex::testing {

ParsedFile ParseSource(std::string_view path, std::string_view source,
                       const ParseOptions& options) {
  ParsedFile out;
  std::optional<Language> lang = LanguageForPath(path);
  EXPECT_TRUE(lang.has_value()) << path;
  if (!lang) return out;
  Parser parser;
  Status s = parser.Parse(path, *lang, source, options, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

const Chunk* FindChunk(const ParsedFile& file, std::string_view qualified_name, int part) {
  for (const Chunk& c : file.chunks) {
    if (c.qualified_name == qualified_name && c.part == part) return &c;
  }
  return nullptr;
}

std::vector<const Chunk*> FindChunks(const ParsedFile& file, std::string_view qualified_name) {
  std::vector<const Chunk*> out;
  for (const Chunk& c : file.chunks) {
    if (c.qualified_name == qualified_name) out.push_back(&c);
  }
  return out;
}

std::vector<int> UncoveredLines(std::string_view source, const ParsedFile& file) {
  std::vector<bool> covered;
  std::vector<bool> blank;
  size_t start = 0;
  while (start < source.size()) {
    size_t nl = source.find('\n', start);
    size_t end = nl == std::string_view::npos ? source.size() : nl;
    std::string_view line = source.substr(start, end - start);
    blank.push_back(line.find_first_not_of(" \t\r\f\v") == std::string_view::npos);
    start = end + 1;
  }
  covered.assign(blank.size() + 1, false);
  for (const Chunk& c : file.chunks) {
    for (int l = c.start_line; l <= c.end_line && l <= static_cast<int>(blank.size()); ++l) {
      if (l >= 1) covered[l - 1] = true;
    }
  }
  std::vector<int> out;
  for (size_t i = 0; i < blank.size(); ++i) {
    if (!blank[i] && !covered[i]) out.push_back(static_cast<int>(i) + 1);
  }
  return out;
}

namespace {

int LineOfByte(std::string_view source, uint32_t byte) {
  int line = 1;
  for (uint32_t i = 0; i < byte && i < source.size(); ++i) line += source[i] == '\n';
  return line;
}

}  // namespace

std::string CheckStructure(std::string_view source, const ParsedFile& file) {
  const std::vector<Chunk>& cs = file.chunks;
  for (size_t i = 0; i < cs.size(); ++i) {
    const Chunk& c = cs[i];
    std::string where = "chunk " + std::to_string(i) + " (" + c.qualified_name + "): ";
    if (c.end_byte <= c.start_byte || c.end_byte > source.size()) return where + "bad bytes";
    if (c.source_code != source.substr(c.start_byte, c.end_byte - c.start_byte)) {
      return where + "source_code differs from its byte range";
    }
    if (c.start_line > c.end_line) return where + "start_line > end_line";
    if (source.size() < 200000 && (c.start_line != LineOfByte(source, c.start_byte) ||
                                   c.end_line != LineOfByte(source, c.end_byte - 1))) {
      return where + "lines do not match bytes";
    }
    if (c.part < 1 || c.part > c.part_count) return where + "bad part numbering";
    if (c.name.empty() || c.qualified_name.empty()) return where + "empty name";
    if (i > 0 && cs[i - 1].start_byte > c.start_byte) return where + "not in source order";
    if (c.parent_index >= static_cast<int>(i)) return where + "parent after child";
    if (c.parent_index >= 0) {
      const Chunk& p = cs[c.parent_index];
      if (p.start_byte > c.start_byte || p.end_byte < c.end_byte) {
        return where + "outside its parent " + p.qualified_name;
      }
    }
    if (c.loc < 0 || c.loc > c.end_line - c.start_line + 1) return where + "bad loc";
    if (c.cyclomatic_complexity < 1) return where + "bad complexity";
  }
  return "";
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace semdex::testing
