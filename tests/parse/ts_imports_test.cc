// File-level imports and exports of TypeScript / JavaScript sources.
#include <fmt/format.h>

#include "parse_test_util.h"

namespace semdex::testing {
namespace {

// "kind source line: imported->local[:type] ..." per import.
std::vector<std::string> Imports(const ParsedFile& f) {
  std::vector<std::string> out;
  for (const ImportRecord& r : f.imports) {
    std::string s = r.kind + " " + r.source + " " + std::to_string(r.line) + ":";
    for (const ImportedName& n : r.names) {
      s += " " + n.imported + "->" + n.local + (n.is_type ? ":type" : "");
    }
    out.push_back(s);
  }
  return out;
}

// "name<-local from source line" per export.
std::vector<std::string> Exports(const ParsedFile& f) {
  std::vector<std::string> out;
  for (const ExportRecord& e : f.exports) {
    out.push_back(e.name + "<-" + e.local + " from " + e.source + " " + std::to_string(e.line));
  }
  return out;
}

TEST(TsImportsTest, EsImportForms) {
  ParsedFile f = ParseSource("i.ts",
                             "import def, { a, b as c, type D } from 'mod';\n"
                             "import * as ns from './ns';\n"
                             "import type { T } from './types';\n"
                             "import './side-effect';\n"
                             "import fs = require('fs');\n"
                             "import Alias = Some.Namespace;\n"
                             "async function lazy() { return import('./lazy'); }\n"
                             "const { x, y: z } = require('cjs'), whole = require('whole');\n"
                             "load(require('inline'));\n");
  EXPECT_EQ(Imports(f), (std::vector<std::string>{
                            "import mod 1: default->def a->a b->c D->D:type",
                            "import ./ns 2: *->ns",
                            "import_type ./types 3: T->T:type",
                            "side_effect ./side-effect 4:",
                            "require fs 5: *->fs",
                            "dynamic_import ./lazy 7:",
                            "require cjs 8: x->x y->z",
                            "require whole 8: *->whole",
                            "require inline 9:",
                        }));
}

TEST(TsImportsTest, ReExports) {
  ParsedFile f = ParseSource("index.ts",
                             "export { a, b as bee } from './ab';\n"
                             "export * from './all';\n"
                             "export * as ns from './ns';\n"
                             "export type { T } from './t';\n");
  EXPECT_EQ(Imports(f), (std::vector<std::string>{
                            "export_from ./ab 1: a->a b->bee",
                            "export_from ./all 2: *->*",
                            "export_from ./ns 3: *->ns",
                            "export_from ./t 4: T->T",
                        }));
  EXPECT_EQ(Exports(f),
            (std::vector<std::string>{"a<- from ./ab 1", "bee<- from ./ab 1", "*<- from ./all 2",
                                      "ns<- from ./ns 3", "T<- from ./t 4"}));
}

TEST(TsImportsTest, ExportDeclarationsAndLists) {
  ParsedFile f = ParseSource("e.ts",
                             "export function f() {}\n"
                             "export function f2(a: string): void;\n"
                             "export function f2(a: any) {}\n"
                             "export class C {}\n"
                             "export interface I {}\n"
                             "export type T = 1;\n"
                             "export enum E { A }\n"
                             "export namespace N {}\n"
                             "export const a = 1, { b, c: d } = obj;\n"
                             "export declare const amb: number;\n"
                             "const local = 1, other = 2;\n"
                             "export { local, other as renamed };\n"
                             "export default local;\n");
  EXPECT_EQ(Exports(f),
            (std::vector<std::string>{"f<-f from  1", "f2<-f2 from  2", "C<-C from  4",
                                      "I<-I from  5", "T<-T from  6", "E<-E from  7",
                                      "N<-N from  8", "a<-a from  9", "b<-b from  9",
                                      "d<-d from  9", "amb<-amb from  10", "local<-local from  12",
                                      "renamed<-other from  12", "default<-local from  13"}));
}

TEST(TsImportsTest, ExportDefaultForms) {
  EXPECT_EQ(Exports(ParseSource("a.ts", "export default function named() {}\n")),
            (std::vector<std::string>{"default<-named from  1"}));
  EXPECT_EQ(Exports(ParseSource("b.ts", "export default class {}\n")),
            (std::vector<std::string>{"default<- from  1"}));
  EXPECT_EQ(Exports(ParseSource("c.ts", "export default 42;\n")),
            (std::vector<std::string>{"default<- from  1"}));
  EXPECT_EQ(Exports(ParseSource("d.ts", "const x = 1;\nexport = x;\n")),
            (std::vector<std::string>{"default<-x from  2"}));
}

TEST(TsImportsTest, CommonJsExports) {
  ParsedFile f = ParseSource("c.js",
                             "exports.one = function () {};\n"
                             "module.exports.two = two;\n"
                             "module.exports = { three, four: impl, five() {} };\n"
                             "function inner() { exports.notTopLevel = 1; }\n");
  EXPECT_EQ(Exports(f),
            (std::vector<std::string>{"one<- from  1", "two<-two from  2", "three<-three from  3",
                                      "four<-impl from  3", "five<- from  3"}));
  ParsedFile g = ParseSource("g.js", "class Thing {}\nmodule.exports = Thing;\n");
  EXPECT_EQ(Exports(g), (std::vector<std::string>{"default<-Thing from  2"}));
  EXPECT_TRUE(FindChunk(g, "Thing")->is_exported);
  EXPECT_TRUE(FindChunk(g, "Thing")->is_default_export);
}

TEST(TsImportsTest, ImportsInsideDeclareModule) {
  ParsedFile f = ParseSource("amb.d.ts",
                             "declare module 'lib' {\n"
                             "  import { Dep } from 'dep';\n"
                             "  export function f(d: Dep): void;\n"
                             "}\n");
  EXPECT_EQ(Imports(f), (std::vector<std::string>{"import dep 2: Dep->Dep"}));
  EXPECT_TRUE(f.exports.empty());  // the ambient module's exports are not this file's
}

// Imports are read from the nodes the metadata walks meet, chunk by chunk: every chunk's own
// nodes (class members, nested functions, namespaces, object literal methods, decorators,
// default values) must be searched, each once.
TEST(TsImportsTest, ImportsInsideChunksOfEveryKind) {
  ParsedFile f =
      ParseSource("w.ts",
                  "import { dep } from './top';\n"
                  "@Component(require('./decorator-arg'))\n"
                  "export class Widget {\n"
                  "  field = require('./field');\n"
                  "  static helper = () => import('./arrow-field');\n"
                  "  method(x = require('./default-param')) {\n"
                  "    function inner() { return require('./nested-function'); }\n"
                  "    return inner;\n"
                  "  }\n"
                  "}\n"
                  "export namespace NS {\n"
                  "  export function f() { return import('./in-namespace'); }\n"
                  "  const g = require('./namespace-binding');\n"
                  "}\n"
                  "module.exports = {\n"
                  "  load() { return require('./object-method'); },\n"
                  "};\n"
                  "const { a, b: c } = require('./binding'), d = k ? require('./ternary') : 0;\n");
  EXPECT_EQ(Imports(f), (std::vector<std::string>{
                            "import ./top 1: dep->dep",
                            "require ./decorator-arg 2:",
                            "require ./field 4:",
                            "dynamic_import ./arrow-field 5:",
                            "require ./default-param 6:",
                            "require ./nested-function 7:",
                            "dynamic_import ./in-namespace 12:",
                            "require ./namespace-binding 13: *->g",
                            "require ./object-method 16:",
                            "require ./binding 18: a->a b->c",
                            "require ./ternary 18:",
                        }));
}

TEST(TsImportsTest, ImportsBeyondTheChunkNestingLimit) {
  std::string source = "class C {\n";
  for (int i = 0; i < 70; ++i) {
    source += fmt::format("f{0} = require('./c{0}'); inner{0} = class {{\n", i);
  }
  source += "x = import('./deepest');\n";
  source.append(71, '}');
  ParsedFile f = ParseSource("deep.ts", source);
  ASSERT_EQ(f.syntax_error_count, 0);
  ASSERT_EQ(f.imports.size(), 71u);
  EXPECT_EQ(f.imports[69].source, "./c69");
  EXPECT_EQ(f.imports[70].kind, "dynamic_import");
}

TEST(TsImportsTest, ImportsAroundSyntaxErrors) {
  ParsedFile f = ParseSource("broken.js",
                             "const early = require('./before-error');\n"
                             "function broken() { if ( }\n"
                             "const late = require('./after-error');\n"
                             "import('./dynamic-after-error');\n");
  EXPECT_GT(f.syntax_error_count, 0);
  EXPECT_EQ(Imports(f), (std::vector<std::string>{
                            "require ./before-error 1: *->early",
                            "require ./after-error 3: *->late",
                            "dynamic_import ./dynamic-after-error 4:",
                        }));
}

}  // namespace
}  // namespace semdex::testing
