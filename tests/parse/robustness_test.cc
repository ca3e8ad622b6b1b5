// Inputs that must not break the parser: syntax errors, empty files, pathological nesting,
// chunks over the size limits.
#include <string>

#include "parse_test_util.h"

namespace semdex::testing {
namespace {

std::string Repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out.append(s);
  return out;
}

void ExpectWellFormed(std::string_view source, const ParsedFile& f) {
  EXPECT_EQ(CheckStructure(source, f), "");
  std::vector<int> uncovered = UncoveredLines(source, f);
  EXPECT_TRUE(uncovered.empty()) << "line " << uncovered.front() << " in no chunk";
}

TEST(RobustnessTest, InvalidSyntaxGivesAModuleChunkAndErrors) {
  std::string source = "!!!INVALID SYNTAX!!!\n";
  ParsedFile f = ParseSource("bad.ts", source);
  ASSERT_EQ(f.chunks.size(), 1u);
  EXPECT_EQ(f.chunks[0].type, ChunkType::kModule);
  EXPECT_EQ(f.chunks[0].name, "bad");
  EXPECT_GT(f.syntax_error_count, 0);
  ExpectWellFormed(source, f);
}

TEST(RobustnessTest, SyntaxErrorsKeepTheOtherChunks) {
  std::string source =
      "function broken() {\n  let = ;\n}\nfunction fine() { return 1; }\nclass K { m( { }\n";
  ParsedFile f = ParseSource("partial.js", source);
  EXPECT_GT(f.syntax_error_count, 0);
  EXPECT_NE(FindChunk(f, "fine"), nullptr);
  ExpectWellFormed(source, f);
}

TEST(RobustnessTest, MissingNodesCount) {
  ParsedFile f = ParseSource("missing.ts", "function f() {\n  g(\n");
  EXPECT_GT(f.syntax_error_count, 0);
}

TEST(RobustnessTest, EmptyAndBlankFilesGiveNoChunks) {
  ParsedFile empty = ParseSource("empty.ts", "");
  EXPECT_TRUE(empty.chunks.empty());
  EXPECT_EQ(empty.line_count, 0);
  EXPECT_EQ(empty.syntax_error_count, 0);
  ParsedFile blank = ParseSource("blank.js", "\n\n   \n\t\n");
  EXPECT_TRUE(blank.chunks.empty());
  EXPECT_EQ(blank.line_count, 4);
}

TEST(RobustnessTest, CommentOnlyFileIsOneModuleChunk) {
  std::string source = "// one\n\n/* two\n   three */\n// four\n";
  ParsedFile f = ParseSource("lib/notes.ts", source);
  ASSERT_EQ(f.chunks.size(), 1u);
  EXPECT_EQ(f.chunks[0].type, ChunkType::kModule);
  EXPECT_EQ(f.chunks[0].name, "notes");
  EXPECT_EQ(f.chunks[0].qualified_name, "lib/notes");
  EXPECT_EQ(f.chunks[0].start_line, 1);
  EXPECT_EQ(f.chunks[0].end_line, 5);
  EXPECT_EQ(f.chunks[0].loc, 4);
}

TEST(RobustnessTest, CrLfLineEnds) {
  std::string source = "import a from 'a';\r\n\r\nfunction f() {\r\n  a();\r\n}\r\n";
  ParsedFile f = ParseSource("crlf.ts", source);
  ExpectWellFormed(source, f);
  const Chunk* fn = FindChunk(f, "f");
  ASSERT_NE(fn, nullptr);
  EXPECT_EQ(fn->start_line, 3);
  EXPECT_EQ(fn->end_line, 5);
  ASSERT_EQ(fn->calls.size(), 1u);
  EXPECT_EQ(fn->calls[0].context, "a();");
}

TEST(RobustnessTest, ParserIsReusableAcrossLanguages) {
  Parser parser;
  ParsedFile out;
  ASSERT_TRUE(parser.Parse("a.ts", Language::kTypeScript, "function a() {}\n", {}, &out).ok());
  ASSERT_EQ(out.chunks.size(), 1u);
  ASSERT_TRUE(parser.Parse("b.js", Language::kJavaScript, "function b() {}\n", {}, &out).ok());
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(out.chunks[0].name, "b");
  ASSERT_TRUE(parser.Parse("c.tsx", Language::kTsx, "const C = () => <p/>;\n", {}, &out).ok());
  ASSERT_EQ(out.chunks.size(), 1u);
  EXPECT_EQ(out.chunks[0].name, "C");
}

// ---- 50,000-deep nesting: no stack overflow, a bounded number of chunks, invariants hold.

constexpr int kDeep = 50000;

struct DeepCase {
  const char* name;
  const char* path;
  std::string source;
};

std::vector<DeepCase> DeepCases() {
  return {
      {"brackets", "deep1.ts", Repeat("[", kDeep)},
      {"braces", "deep2.js", Repeat("{", kDeep)},
      {"balanced_brackets", "deep3.ts", "x = " + Repeat("[", kDeep) + Repeat("]", kDeep) + ";\n"},
      {"parens", "deep4.js", "y = " + Repeat("(", kDeep) + "1" + Repeat(")", kDeep) + ";\n"},
      {"arrows", "deep5.ts", "const f = " + Repeat("() => ", kDeep) + "1;\n"},
      {"bare_arrows", "deep6.js", Repeat("()=>", kDeep) + "0\n"},
      {"namespaces", "deep7.ts", Repeat("namespace A {\n", kDeep) + Repeat("}\n", kDeep)},
      {"class_fields", "deep8.ts",
       Repeat("class A { static B = ", kDeep) + "1" + Repeat(" }", kDeep) + "\n"},
      {"functions", "deep9.js", Repeat("function f() {", kDeep) + Repeat("}", kDeep) + "\n"},
      {"exported_objects", "deep10.ts",
       "export const o = " + Repeat("{ m() {}, k: ", kDeep) + "1" + Repeat(" }", kDeep) + ";\n"},
      {"blocks_in_function", "deep11.ts",
       "function f() {\n" + Repeat("if (a) {", kDeep) + Repeat("}", kDeep) + "\n}\n"},
      {"calls", "deep12.js", Repeat("f(", kDeep) + Repeat(")", kDeep) + ";\n"},
      {"member_chain", "deep13.js", "a" + Repeat(".b()", kDeep) + ";\n"},
      {"jsx", "deep14.tsx", "const v = " + Repeat("<a>", kDeep) + Repeat("</a>", kDeep) + ";\n"},
      {"python_lists", "deep15.py", "x = " + Repeat("[", kDeep) + Repeat("]", kDeep) + "\n"},
      {"python_parens", "deep16.py", Repeat("(", kDeep) + "\n"},
  };
}

TEST(RobustnessTest, FiftyThousandDeepNestingDoesNotCrash) {
  Parser parser;
  for (const DeepCase& c : DeepCases()) {
    SCOPED_TRACE(c.name);
    ParsedFile f;
    Status s = parser.Parse(c.path, *LanguageForPath(c.path), c.source, {}, &f);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_LE(f.chunks.size(), 1000u);
    ExpectWellFormed(c.source, f);
  }
}

// 10,000 deep: below the guard's limit, so tree-sitter parses them and every step of the
// chunker walks the deep tree.
TEST(RobustnessTest, TenThousandDeepNestingIsParsed) {
  constexpr int kLevels = 10000;
  std::vector<DeepCase> cases = {
      {"brackets", "p1.ts", "x = " + Repeat("[", kLevels) + Repeat("]", kLevels) + ";\n"},
      {"arrows", "p2.ts", "export const f = " + Repeat("() => ", kLevels) + "g();\n"},
      {"functions", "p3.js", Repeat("function f() {", kLevels) + Repeat("}", kLevels) + "\n"},
      {"ifs", "p4.ts",
       "function f() {\n" + Repeat("if (a && b) {", kLevels) + Repeat("}", kLevels) + "\n}\n"},
      {"calls", "p5.js", Repeat("f(", kLevels) + Repeat(")", kLevels) + ";\n"},
      {"objects", "p6.ts",
       "export const o = " + Repeat("{ m() { g(); }, k: ", kLevels) + "1" + Repeat(" }", kLevels) +
           ";\n"},
      {"python", "p7.py", "x = " + Repeat("[", kLevels) + Repeat("]", kLevels) + "\n"},
  };
  Parser parser;
  for (const DeepCase& c : cases) {
    SCOPED_TRACE(c.name);
    ParsedFile f;
    ASSERT_TRUE(parser.Parse(c.path, *LanguageForPath(c.path), c.source, {}, &f).ok());
    EXPECT_EQ(f.syntax_error_count, 0);  // parsed, not handed to the line-split fallback
    EXPECT_LE(f.chunks.size(), 200u);
    ExpectWellFormed(c.source, f);
  }
  ParsedFile ifs = ParseSource("p4.ts", cases[3].source);
  ASSERT_EQ(ifs.chunks.size(), 1u);
  EXPECT_EQ(ifs.chunks[0].cyclomatic_complexity, 1 + 2 * kLevels);
  ParsedFile arrows = ParseSource("p2.ts", cases[1].source);
  ASSERT_EQ(arrows.chunks.size(), 1u);
  ASSERT_EQ(arrows.chunks[0].calls.size(), 1u);
  EXPECT_EQ(arrows.chunks[0].signature, "export const f = () =>");
}

// Deep enough to exceed the chunk nesting cap, shallow enough for tree-sitter (see below).
TEST(RobustnessTest, DeepChunkNestingIsCapped) {
  constexpr int kLevels = 5000;
  std::string source = Repeat("namespace A {\n", kLevels) + Repeat("}\n", kLevels);
  ParsedFile f = ParseSource("deep.ts", source);
  EXPECT_EQ(f.syntax_error_count, 0);
  ASSERT_EQ(f.chunks.size(), 64u);
  EXPECT_EQ(f.chunks.back().parent_index, 62);
  EXPECT_EQ(f.chunks.back().qualified_name.size(), 64u * 2 - 1);  // "A.A. ... .A"
  EXPECT_EQ(f.chunks.back().end_line, 2 * kLevels - 63);
  std::string classes = Repeat("class A { static B = ", kLevels) + "1" + Repeat(" }", kLevels);
  ParsedFile g = ParseSource("deep_classes.ts", classes);
  EXPECT_EQ(g.syntax_error_count, 0);
  EXPECT_EQ(g.chunks.size(), 64u);
}

// tree-sitter 0.20.7 corrupts its heap when a node gets more than 65,535 children, which these
// inputs cause (each crashed the parser before the guard). They are chunked by lines instead.
TEST(RobustnessTest, InputsThatWouldOverflowTreeSitterAreChunkedByLines) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"brackets.js", Repeat("[", 70000)},
      {"objects.ts", Repeat("{a:", 30000)},
      {"ternaries.js", Repeat("a ? ", 70000)},
      {"generics.ts", "let t: " + Repeat("Array<", 70000)},
      {"comments.js", Repeat("// x\n", 70000) + "x;\n"},
      {"body_comments.ts", "function f() {\n" + Repeat("  // x\n", 70000) + "}\n"},
      {"after.js", "x = " + Repeat("[", 70000) + ";\nfoo();\n"},
      {"comments.py", Repeat("# x\n", 70000)},
      {"parens.py", Repeat("(", 70000)},
      {"nots.py", "x = " + Repeat("not ", 70000) + "y\n"},
  };
  Parser parser;
  for (const auto& [path, source] : cases) {
    SCOPED_TRACE(path);
    ParsedFile f;
    ASSERT_TRUE(parser.Parse(path, *LanguageForPath(path), source, {}, &f).ok());
    EXPECT_EQ(f.syntax_error_count, 1);
    ASSERT_FALSE(f.chunks.empty());
    for (const Chunk& c : f.chunks) {
      EXPECT_EQ(c.type, ChunkType::kModule);
      EXPECT_LE(c.end_line - c.start_line + 1, 400);
    }
    ExpectWellFormed(source, f);
  }
}

TEST(RobustnessTest, DeepPythonNesting) {
  std::string source;
  for (int i = 0; i < 2000; ++i) source += std::string(i, ' ') + "class C:\n";
  source += std::string(2000, ' ') + "pass\n";
  Parser parser;
  ParsedFile f;
  ASSERT_TRUE(parser.Parse("deep.py", Language::kPython, source, {}, &f).ok());
  int classes = 0;
  for (const Chunk& c : f.chunks) classes += c.type == ChunkType::kClass;
  EXPECT_GT(classes, 0);
  EXPECT_LE(classes, 64);
  ExpectWellFormed(source, f);
}

// ---- Splitting.

TEST(RobustnessTest, HugeFunctionIsSplitAtStatements) {
  std::string source = "/** Big. */\nfunction big(a) {\n";
  for (int i = 0; i < 1000; ++i) source += "  if (a) call" + std::to_string(i) + "();\n";
  source += "}\n";
  ParsedFile f = ParseSource("big.ts", source);
  ExpectWellFormed(source, f);
  std::vector<const Chunk*> parts = FindChunks(f, "big");
  ASSERT_EQ(parts.size(), 3u);
  int calls = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Chunk& p = *parts[i];
    EXPECT_EQ(p.part, static_cast<int>(i) + 1);
    EXPECT_EQ(p.part_count, 3);
    EXPECT_EQ(p.name, "big");
    EXPECT_LE(p.end_line - p.start_line + 1, 400);
    EXPECT_EQ(p.cyclomatic_complexity, 1001);  // the whole function's
    EXPECT_EQ(p.signature, "function big(a)");
    if (i > 0) {
      EXPECT_EQ(p.start_line, parts[i - 1]->end_line + 1);
    }
    calls += static_cast<int>(p.calls.size());
    for (const CallSite& c : p.calls) {
      EXPECT_GE(c.line, p.start_line);
      EXPECT_LE(c.line, p.end_line);
    }
  }
  EXPECT_EQ(calls, 1000);
  EXPECT_EQ(parts.front()->start_line, 1);
  EXPECT_EQ(parts.back()->end_line, 1003);
}

TEST(RobustnessTest, HugeClassIsSplitAtMembersAndMethodsPointAtTheirPart) {
  std::string source = "export class Big {\n";
  for (int i = 0; i < 300; ++i) {
    source +=
        "  /** M" + std::to_string(i) + ". */\n  m" + std::to_string(i) + "() {\n    x();\n  }\n";
  }
  source += "}\n";
  ParsedFile f = ParseSource("bigclass.ts", source);
  ExpectWellFormed(source, f);
  std::vector<const Chunk*> parts = FindChunks(f, "Big");
  ASSERT_EQ(parts.size(), 4u);  // 1202 lines, at most 400 per part
  for (const Chunk& c : f.chunks) {
    if (c.type != ChunkType::kMethod) continue;
    ASSERT_GE(c.parent_index, 0);
    const Chunk& parent = f.chunks[c.parent_index];
    EXPECT_EQ(parent.qualified_name, "Big");
    EXPECT_LE(parent.start_line, c.start_line);
    EXPECT_GE(parent.end_line, c.end_line);
    EXPECT_EQ(c.docstring.substr(0, 5), "/** M");
  }
}

TEST(RobustnessTest, ByteLimitSplitsToo) {
  std::string source = "function f() {\n";
  for (int i = 0; i < 50; ++i) source += "  step(" + std::string(100, 'x') + ");\n";
  source += "}\n";
  ParseOptions options;
  options.max_chunk_bytes = 1024;
  ParsedFile f = ParseSource("bytes.js", source, options);
  ExpectWellFormed(source, f);
  EXPECT_GE(f.chunks.size(), 6u);
  for (const Chunk& c : f.chunks) EXPECT_LE(c.source_code.size(), 1024u);
}

TEST(RobustnessTest, OneGiganticStatementStaysOnePart) {
  std::string source = "function table() {\n  return [\n";
  for (int i = 0; i < 2000; ++i) source += "    " + std::to_string(i) + ",\n";
  source += "  ];\n}\n";
  ParsedFile f = ParseSource("table.ts", source);
  ExpectWellFormed(source, f);
  ASSERT_EQ(f.chunks.size(), 1u);
  EXPECT_EQ(f.chunks[0].part_count, 1);
}

TEST(RobustnessTest, LongModuleRunIsSplit) {
  std::string source;
  for (int i = 0; i < 1000; ++i) source += "register(" + std::to_string(i) + ");\n";
  ParsedFile f = ParseSource("setup.js", source);
  ExpectWellFormed(source, f);
  std::vector<const Chunk*> parts = FindChunks(f, "setup");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]->type, ChunkType::kModule);
  EXPECT_EQ(parts[2]->part, 3);
}

}  // namespace
}  // namespace semdex::testing
