// Python chunks, metadata, imports and exports.
#include "parse_test_util.h"

namespace semdex::testing {
namespace {

std::vector<std::string> Outline(const ParsedFile& file) {
  std::vector<std::string> out;
  for (const Chunk& c : file.chunks) {
    out.push_back(std::string(ChunkTypeName(c.type)) + " " + c.name + " " + c.qualified_name + " " +
                  std::to_string(c.start_line) + "-" + std::to_string(c.end_line));
  }
  return out;
}

constexpr std::string_view kService =
    "\"\"\"Module docstring.\"\"\"\n"                                       // 1
    "import os\n"                                                           // 2
    "import a.b as c\n"                                                     // 3
    "from .x import y as z, w\n"                                            // 4
    "from .. import parent\n"                                               // 5
    "from m import *\n"                                                     // 6
    "\n"                                                                    // 7
    "# Loads things.\n"                                                     // 8
    "async def load(path: str, retries: int = 3, *args, **kw) -> bytes:\n"  // 9
    "    \"\"\"Load a file.\"\"\"\n"                                        // 10
    "    data = await read(path) if path and retries else None\n"           // 11
    "    return [x for x in data if x]\n"                                   // 12
    "\n"                                                                    // 13
    "\n"                                                                    // 14
    "@dataclass\n"                                                          // 15
    "class Service(Base, metaclass=Meta):\n"                                // 16
    "    \"\"\"A service.\"\"\"\n"                                          // 17
    "    limit = 10\n"                                                      // 18
    "\n"                                                                    // 19
    "    def __init__(self, name):\n"                                       // 20
    "        super().__init__()\n"                                          // 21
    "        self.name = name\n"                                            // 22
    "\n"                                                                    // 23
    "    @property\n"                                                       // 24
    "    def size(self) -> int:\n"                                          // 25
    "        return len(self.items)\n"                                      // 26
    "\n"                                                                    // 27
    "    @staticmethod\n"                                                   // 28
    "    def make():\n"                                                     // 29
    "        for i in range(3):\n"                                          // 30
    "            if i:\n"                                                   // 31
    "                pass\n"                                                // 32
    "            elif i > 1:\n"                                             // 33
    "                pass\n"                                                // 34
    "        while False:\n"                                                // 35
    "            try:\n"                                                    // 36
    "                pass\n"                                                // 37
    "            except ValueError:\n"                                      // 38
    "                pass\n"                                                // 39
    "        return helper.build(1) or other()\n"                           // 40
    "\n"                                                                    // 41
    "    def _gen(self):\n"                                                 // 42
    "        def inner():\n"                                                // 43
    "            yield 1\n"                                                 // 44
    "        yield from inner()\n"                                          // 45
    "\n"                                                                    // 46
    "    class Inner:\n"                                                    // 47
    "        def __secret(self): pass\n"                                    // 48
    "\n"                                                                    // 49
    "\n"                                                                    // 50
    "if __name__ == '__main__':\n"                                          // 51
    "    load('x')\n";                                                      // 52

TEST(PythonTest, Chunks) {
  ParsedFile f = ParseSource("pkg/service.py", kService);
  EXPECT_EQ(CheckStructure(kService, f), "");
  EXPECT_EQ(UncoveredLines(kService, f), std::vector<int>{});
  EXPECT_EQ(f.syntax_error_count, 0);
  EXPECT_EQ(Outline(f), (std::vector<std::string>{
                            "module service pkg/service 1-6",
                            "function load load 8-12",
                            "class Service Service 15-48",
                            "method __init__ Service.__init__ 20-22",
                            "method size Service.size 24-26",
                            "method make Service.make 28-40",
                            "method _gen Service._gen 42-45",
                            "class Inner Service.Inner 47-48",
                            "method __secret Service.Inner.__secret 48-48",
                            "module service pkg/service 51-52",
                        }));
  EXPECT_EQ(f.chunks[3].parent_index, 2);
  EXPECT_EQ(f.chunks[8].parent_index, 7);
}

TEST(PythonTest, Metadata) {
  ParsedFile f = ParseSource("pkg/service.py", kService);
  const Chunk* load = FindChunk(f, "load");
  ASSERT_NE(load, nullptr);
  EXPECT_EQ(load->signature, "async def load(path: str, retries: int = 3, *args, **kw) -> bytes");
  EXPECT_TRUE(load->is_async);
  EXPECT_TRUE(load->is_exported);
  EXPECT_EQ(load->return_type, "bytes");
  EXPECT_EQ(load->docstring, "\"\"\"Load a file.\"\"\"");
  ASSERT_EQ(load->parameters.size(), 4u);
  EXPECT_EQ(load->parameters[0].name, "path");
  EXPECT_EQ(load->parameters[0].type, "str");
  EXPECT_EQ(load->parameters[1].default_value, "3");
  EXPECT_EQ(load->parameters[1].type, "int");
  EXPECT_TRUE(load->parameters[2].rest);
  EXPECT_EQ(load->parameters[2].name, "args");
  EXPECT_EQ(load->parameters[3].name, "kw");
  // conditional expression, `and`, comprehension `if`.
  EXPECT_EQ(load->cyclomatic_complexity, 4);
  ASSERT_EQ(load->calls.size(), 1u);
  EXPECT_EQ(load->calls[0].callee, "read");
  EXPECT_EQ(load->calls[0].line, 11);

  const Chunk* service = FindChunk(f, "Service");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->signature, "class Service(Base, metaclass=Meta)");
  EXPECT_EQ(service->extends, (std::vector<std::string>{"Base"}));
  EXPECT_EQ(service->decorators, (std::vector<std::string>{"@dataclass"}));
  EXPECT_EQ(service->docstring, "\"\"\"A service.\"\"\"");
  EXPECT_TRUE(service->calls.empty());  // its methods' calls are theirs

  const Chunk* init = FindChunk(f, "Service.__init__");
  ASSERT_NE(init, nullptr);
  ASSERT_EQ(init->calls.size(), 2u);
  EXPECT_EQ(init->calls[0].callee, "super().__init__");
  EXPECT_EQ(init->calls[1].callee, "super");
  EXPECT_EQ(init->visibility, "");

  const Chunk* size = FindChunk(f, "Service.size");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->accessor, "get");
  EXPECT_EQ(size->return_type, "int");
  EXPECT_EQ(size->decorators, (std::vector<std::string>{"@property"}));

  const Chunk* make = FindChunk(f, "Service.make");
  ASSERT_NE(make, nullptr);
  EXPECT_TRUE(make->is_static);
  // for, if, elif, while, except, `or`.
  EXPECT_EQ(make->cyclomatic_complexity, 7);
  EXPECT_EQ(make->loc, 13);

  const Chunk* gen = FindChunk(f, "Service._gen");
  ASSERT_NE(gen, nullptr);
  EXPECT_TRUE(gen->is_generator);
  EXPECT_EQ(gen->visibility, "protected");
  EXPECT_EQ(FindChunk(f, "Service.Inner.__secret")->visibility, "private");
  EXPECT_EQ(FindChunk(f, "load")->docstring, "\"\"\"Load a file.\"\"\"");
}

TEST(PythonTest, LeadingCommentIsTheDocstringWhenThereIsNone) {
  ParsedFile f =
      ParseSource("a.py", "x = 1\n# Adds.\n# Twice.\ndef add(a, b):\n    return a + b\n");
  const Chunk* add = FindChunk(f, "add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->docstring, "# Adds.\n# Twice.");
  EXPECT_EQ(add->start_line, 2);
  EXPECT_FALSE(add->is_generator);
}

TEST(PythonTest, Imports) {
  ParsedFile f = ParseSource("pkg/service.py", kService);
  std::vector<std::string> got;
  for (const ImportRecord& r : f.imports) {
    std::string s = r.kind + " " + r.source + " " + std::to_string(r.line) + ":";
    for (const ImportedName& n : r.names) s += " " + n.imported + "->" + n.local;
    got.push_back(s);
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "python_import os 2: *->os",
                     "python_import a.b 3: *->c",
                     "python_from .x 4: y->z w->w",
                     "python_from .. 5: parent->parent",
                     "python_from m 6: *->*",
                 }));
}

TEST(PythonTest, AllDecidesWhatIsExported) {
  ParsedFile f = ParseSource("m.py",
                             "def public(): pass\n"
                             "def _private(): pass\n"
                             "def listed(): pass\n"
                             "__all__ = ['listed']\n");
  EXPECT_FALSE(FindChunk(f, "public")->is_exported);
  EXPECT_TRUE(FindChunk(f, "listed")->is_exported);
  ASSERT_EQ(f.exports.size(), 1u);
  EXPECT_EQ(f.exports[0].name, "listed");
  ParsedFile g = ParseSource("n.py", "def public(): pass\ndef _private(): pass\n");
  EXPECT_TRUE(FindChunk(g, "public")->is_exported);
  EXPECT_FALSE(FindChunk(g, "_private")->is_exported);
}

TEST(PythonTest, SyntaxErrorsKeepChunks) {
  std::string source = "def ok():\n    return 1\n\ndef broken(:\n    pass\n";
  ParsedFile f = ParseSource("bad.py", source);
  EXPECT_GT(f.syntax_error_count, 0);
  EXPECT_NE(FindChunk(f, "ok"), nullptr);
  EXPECT_EQ(UncoveredLines(source, f), std::vector<int>{});
}

}  // namespace
}  // namespace semdex::testing
