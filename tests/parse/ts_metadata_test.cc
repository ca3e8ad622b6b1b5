// Per-chunk metadata of TypeScript / JavaScript chunks.
#include "parse_test_util.h"

namespace semdex::testing {
namespace {

std::vector<std::string> Callees(const Chunk& c) {
  std::vector<std::string> out;
  for (const CallSite& call : c.calls) out.push_back(call.callee);
  return out;
}

const Chunk& Get(const ParsedFile& f, std::string_view qualified_name) {
  const Chunk* c = FindChunk(f, qualified_name);
  EXPECT_NE(c, nullptr) << qualified_name;
  static const Chunk kEmpty;
  return c == nullptr ? kEmpty : *c;
}

TEST(TsMetadataTest, FunctionSignatureParametersAndReturnType) {
  ParsedFile f = ParseSource("m.ts",
                             "/**\n"
                             " * Fetches.\n"
                             " */\n"
                             "export async function fetchAll<T>(\n"
                             "    url: string,\n"
                             "    retries = 3,\n"
                             "    opts?: Options,\n"
                             "    { a, b }: Pair = DEFAULT,\n"
                             "    ...rest: T[]): Promise<T[]> {\n"
                             "  return [];\n"
                             "}\n");
  const Chunk& c = Get(f, "fetchAll");
  EXPECT_EQ(c.signature,
            "export async function fetchAll<T>( url: string, retries = 3, opts?: Options, { a, b "
            "}: Pair = DEFAULT, ...rest: T[]): Promise<T[]>");
  ASSERT_EQ(c.parameters.size(), 5u);
  EXPECT_EQ(c.parameters[0].name, "url");
  EXPECT_EQ(c.parameters[0].type, "string");
  EXPECT_EQ(c.parameters[1].name, "retries");
  EXPECT_EQ(c.parameters[1].default_value, "3");
  EXPECT_EQ(c.parameters[1].type, "");
  EXPECT_EQ(c.parameters[2].name, "opts");
  EXPECT_TRUE(c.parameters[2].optional);
  EXPECT_EQ(c.parameters[2].type, "Options");
  EXPECT_EQ(c.parameters[3].name, "{ a, b }");
  EXPECT_EQ(c.parameters[3].type, "Pair");
  EXPECT_EQ(c.parameters[3].default_value, "DEFAULT");
  EXPECT_EQ(c.parameters[4].name, "rest");
  EXPECT_TRUE(c.parameters[4].rest);
  EXPECT_EQ(c.parameters[4].type, "T[]");
  EXPECT_EQ(c.return_type, "Promise<T[]>");
  EXPECT_TRUE(c.is_async);
  EXPECT_FALSE(c.is_generator);
  EXPECT_TRUE(c.is_exported);
  EXPECT_FALSE(c.is_default_export);
  EXPECT_EQ(c.docstring, "/**\n * Fetches.\n */");
  EXPECT_EQ(c.start_line, 1);
  EXPECT_EQ(c.end_line, 11);
  EXPECT_EQ(c.loc, 11);
}

TEST(TsMetadataTest, JavaScriptParameters) {
  ParsedFile f = ParseSource("p.js",
                             "const g = function* (a, b = 2, [c, d], ...more) {};\n"
                             "const h = x => x;\n");
  const Chunk& g = Get(f, "g");
  EXPECT_TRUE(g.is_generator);
  ASSERT_EQ(g.parameters.size(), 4u);
  EXPECT_EQ(g.parameters[1].name, "b");
  EXPECT_EQ(g.parameters[1].default_value, "2");
  EXPECT_EQ(g.parameters[2].name, "[c, d]");
  EXPECT_TRUE(g.parameters[3].rest);
  EXPECT_EQ(g.parameters[3].name, "more");
  EXPECT_EQ(g.signature, "const g = function* (a, b = 2, [c, d], ...more)");
  const Chunk& h = Get(f, "h");
  ASSERT_EQ(h.parameters.size(), 1u);
  EXPECT_EQ(h.parameters[0].name, "x");
  EXPECT_EQ(h.signature, "const h = x =>");
}

TEST(TsMetadataTest, MethodModifiers) {
  ParsedFile f =
      ParseSource("c.ts",
                  "export abstract class Base<T> extends Parent<T> implements I, J<T> {\n"
                  "  private static async *load(): AsyncGenerator<T> {}\n"
                  "  protected get size(): number { return 0; }\n"
                  "  public set size(v: number) {}\n"
                  "  #secret() {}\n"
                  "  @Log() readonly handler = async (e: Event): Promise<void> => {};\n"
                  "  constructor(public x: number) { super(); }\n"
                  "}\n");
  const Chunk& base = Get(f, "Base");
  EXPECT_TRUE(base.is_abstract);
  EXPECT_TRUE(base.is_exported);
  EXPECT_EQ(base.extends, (std::vector<std::string>{"Parent<T>"}));
  EXPECT_EQ(base.implements, (std::vector<std::string>{"I", "J<T>"}));
  EXPECT_EQ(base.signature, "export abstract class Base<T> extends Parent<T> implements I, J<T>");
  const Chunk& load = Get(f, "Base.load");
  EXPECT_TRUE(load.is_static);
  EXPECT_TRUE(load.is_async);
  EXPECT_TRUE(load.is_generator);
  EXPECT_EQ(load.visibility, "private");
  EXPECT_EQ(load.return_type, "AsyncGenerator<T>");
  EXPECT_EQ(load.signature, "private static async *load(): AsyncGenerator<T>");
  EXPECT_FALSE(load.is_exported);
  const Chunk& getter = Get(f, "Base.size");
  EXPECT_EQ(getter.accessor, "get");
  EXPECT_EQ(getter.visibility, "protected");
  const Chunk* setter = nullptr;
  for (const Chunk& c : f.chunks) {
    if (c.qualified_name == "Base.size" && c.accessor == "set") setter = &c;
  }
  ASSERT_NE(setter, nullptr);
  EXPECT_EQ(setter->visibility, "public");
  EXPECT_EQ(setter->parameters.size(), 1u);
  EXPECT_EQ(Get(f, "Base.#secret").visibility, "#private");
  const Chunk& handler = Get(f, "Base.handler");
  EXPECT_EQ(handler.type, ChunkType::kMethod);
  EXPECT_TRUE(handler.is_async);
  EXPECT_EQ(handler.return_type, "Promise<void>");
  EXPECT_EQ(handler.decorators, (std::vector<std::string>{"@Log()"}));
  EXPECT_EQ(handler.signature, "readonly handler = async (e: Event): Promise<void> =>");
  ASSERT_EQ(handler.parameters.size(), 1u);
  EXPECT_EQ(handler.parameters[0].type, "Event");
  const Chunk& ctor = Get(f, "Base.constructor");
  ASSERT_EQ(ctor.parameters.size(), 1u);
  EXPECT_EQ(ctor.parameters[0].name, "x");
  EXPECT_EQ(Callees(ctor), (std::vector<std::string>{"super"}));
}

TEST(TsMetadataTest, InterfaceAndTypeSignatures) {
  ParsedFile f = ParseSource("i.ts",
                             "export interface Sub<T> extends Base<T>, Other {\n"
                             "  x: T;\n"
                             "}\n"
                             "export type Fn<T> = (a: T) => void;\n"
                             "enum Color { Red }\n"
                             "namespace N.M { }\n");
  const Chunk& sub = Get(f, "Sub");
  EXPECT_EQ(sub.signature, "export interface Sub<T> extends Base<T>, Other");
  EXPECT_EQ(sub.extends, (std::vector<std::string>{"Base<T>", "Other"}));
  EXPECT_EQ(Get(f, "Fn").signature, "export type Fn<T> = (a: T) => void;");
  EXPECT_EQ(Get(f, "Color").signature, "enum Color");
  EXPECT_EQ(Get(f, "N.M").signature, "namespace N.M");
}

TEST(TsMetadataTest, CallsWithReceiversLinesAndContext) {
  ParsedFile f = ParseSource("calls.ts",
                             "class Svc extends Base {\n"
                             "  private cache = makeCache();\n"
                             "  run(obj: any) {\n"
                             "    this.load();\n"
                             "    obj.y.z(1);\n"
                             "    const w = new Widget(2);\n"
                             "    super.run();\n"
                             "    maybe?.call();\n"
                             "    helper(() => inner());\n"
                             "    source\n"
                             "      .pipe(x)\n"
                             "      .subscribe();\n"
                             "    return import('./lazy');\n"
                             "  }\n"
                             "}\n");
  const Chunk& run = Get(f, "Svc.run");
  EXPECT_EQ(Callees(run), (std::vector<std::string>{"this.load", "obj.y.z", "new Widget",
                                                    "super.run", "maybe?.call", "helper", "inner",
                                                    "source .pipe(x) .subscribe", "source .pipe"}));
  ASSERT_EQ(run.calls.size(), 9u);
  EXPECT_EQ(run.calls[0].line, 4);
  EXPECT_EQ(run.calls[0].context, "this.load();");
  EXPECT_FALSE(run.calls[0].is_new);
  EXPECT_TRUE(run.calls[2].is_new);
  EXPECT_EQ(run.calls[2].line, 6);
  EXPECT_EQ(run.calls[7].line, 12);  // reported where `.subscribe` is
  EXPECT_EQ(run.calls[8].line, 11);
  // The class chunk lists the calls of its own code (a field initializer), not its methods'.
  EXPECT_EQ(Callees(Get(f, "Svc")), (std::vector<std::string>{"makeCache"}));
}

TEST(TsMetadataTest, CyclomaticComplexity) {
  ParsedFile f = ParseSource("cc.ts",
                             "function complex(xs: number[], a?: boolean, b?: boolean) {\n"
                             "  if (a && b) {}\n"                  // if, &&
                             "  else if (a || b) {}\n"             // if, ||
                             "  for (let i = 0; i < 1; i++) {}\n"  // for
                             "  for (const x of xs) {}\n"          // for-of
                             "  for (const k in xs) {}\n"          // for-in
                             "  while (a) {}\n"                    // while
                             "  do {} while (b);\n"                // do
                             "  switch (xs.length) {\n"
                             "    case 0: break;\n"   // case
                             "    case 1: break;\n"   // case
                             "    default: break;\n"  // (default: not counted)
                             "  }\n"
                             "  try {} catch (e) {}\n"   // catch
                             "  const v = a ? 1 : 2;\n"  // ?:
                             "  return v ?? 0;\n"        // ??
                             "}\n"
                             "function simple() { return 1 + 2; }\n");
  EXPECT_EQ(Get(f, "complex").cyclomatic_complexity, 1 + 14);
  EXPECT_EQ(Get(f, "simple").cyclomatic_complexity, 1);
  EXPECT_EQ(Get(f, "complex").loc, 17);
}

TEST(TsMetadataTest, LocCountsNonBlankLines) {
  ParsedFile f = ParseSource("loc.ts", "function f() {\n\n  a();\n\n  b();\n}\n");
  EXPECT_EQ(Get(f, "f").loc, 4);
}

TEST(TsMetadataTest, ModuleChunkCallsAndComplexity) {
  ParsedFile f = ParseSource("top.js", "const x = a ? b() : c();\nfunction f() { d(); }\n");
  const Chunk* mod = FindChunk(f, "top");
  ASSERT_NE(mod, nullptr);
  EXPECT_EQ(Callees(*mod), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(mod->cyclomatic_complexity, 2);
  EXPECT_EQ(mod->signature, "");
}

TEST(TsMetadataTest, ObjectLiteralMethodsCallsAreTheirOwn) {
  ParsedFile f =
      ParseSource("o.js", "module.exports = {\n  a() { one(); },\n  b: () => two(),\n};\n");
  EXPECT_EQ(Callees(Get(f, "a")), (std::vector<std::string>{"one"}));
  EXPECT_EQ(Callees(Get(f, "b")), (std::vector<std::string>{"two"}));
  EXPECT_TRUE(FindChunk(f, "o")->calls.empty());
}

}  // namespace
}  // namespace semdex::testing
