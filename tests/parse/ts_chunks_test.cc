// Which chunks TypeScript / JavaScript sources give: kind, name, qualified name, lines, nesting.
#include "parse_test_util.h"

namespace semdex::testing {
namespace {

// "kind name qualified start-end" for every chunk, in order.
std::vector<std::string> Outline(const ParsedFile& file) {
  std::vector<std::string> out;
  for (const Chunk& c : file.chunks) {
    out.push_back(std::string(ChunkTypeName(c.type)) + " " + c.name + " " + c.qualified_name + " " +
                  std::to_string(c.start_line) + "-" + std::to_string(c.end_line));
  }
  return out;
}

// Parses and checks the invariants every result must satisfy.
ParsedFile ParseChecked(std::string_view path, std::string_view source) {
  ParsedFile file = ParseSource(path, source);
  EXPECT_EQ(CheckStructure(source, file), "");
  EXPECT_EQ(UncoveredLines(source, file), std::vector<int>{});
  EXPECT_EQ(file.syntax_error_count, 0);
  return file;
}

std::string ParentOf(const ParsedFile& file, std::string_view qualified_name) {
  const Chunk* c = FindChunk(file, qualified_name);
  if (c == nullptr) return "<missing>";
  if (c->parent_index < 0) return "";
  return file.chunks[c->parent_index].qualified_name;
}

TEST(TsChunksTest, FunctionDeclarations) {
  ParsedFile f = ParseChecked("src/fns.ts",
                              "function plain(a) {\n"
                              "  return a;\n"
                              "}\n"
                              "export async function* gen() {}\n"
                              "export default function () {}\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"function plain plain 1-3", "function gen gen 4-4",
                                      "function default default 5-5"}));
  EXPECT_TRUE(FindChunk(f, "default")->is_default_export);
}

TEST(TsChunksTest, FunctionsBoundToNames) {
  ParsedFile f = ParseChecked("src/bound.ts",
                              "const f = () => 1;\n"
                              "let g = function () {};\n"
                              "var h = async function named() {};\n"
                              "export const k = <T,>(x: T): T =>\n"
                              "  x;\n"
                              "export default () => {};\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"function f f 1-1", "function g g 2-2", "function h h 3-3",
                                      "function k k 4-5", "function default default 6-6"}));
  EXPECT_TRUE(FindChunk(f, "k")->is_exported);
  EXPECT_FALSE(FindChunk(f, "f")->is_exported);
}

TEST(TsChunksTest, SeveralDeclaratorsGiveChunksInsideAModuleChunk) {
  ParsedFile f = ParseChecked("src/multi.ts", "const a = 1, f = () => a, C = class {};\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"module multi src/multi 1-1", "function f f 1-1",
                                                  "class C C 1-1"}));
  EXPECT_EQ(ParentOf(f, "f"), "src/multi");
}

TEST(TsChunksTest, CommonJsExports) {
  ParsedFile f = ParseChecked("lib/cjs.js",
                              "exports.a = function () {};\n"
                              "module.exports.b = () => {};\n"
                              "module.exports = function main() {};\n"
                              "Foo.prototype.bar = function () {};\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"function a a 1-1", "function b b 2-2",
                                                  "function main main 3-3",
                                                  "method bar Foo.prototype.bar 4-4"}));
  EXPECT_TRUE(FindChunk(f, "a")->is_exported);
  EXPECT_TRUE(FindChunk(f, "b")->is_exported);
  EXPECT_TRUE(FindChunk(f, "main")->is_default_export);
  EXPECT_FALSE(FindChunk(f, "Foo.prototype.bar")->is_exported);
}

TEST(TsChunksTest, ModuleExportsObjectMembers) {
  ParsedFile f = ParseChecked("lib/obj.js",
                              "module.exports = {\n"
                              "  one() {},\n"
                              "  // Two.\n"
                              "  two: () => {},\n"
                              "  three: 3,\n"
                              "};\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"module obj lib/obj 1-6", "function one one 2-2",
                                                  "function two two 3-4"}));
  EXPECT_EQ(ParentOf(f, "two"), "lib/obj");
  EXPECT_EQ(FindChunk(f, "two")->docstring, "// Two.");
  EXPECT_TRUE(FindChunk(f, "one")->is_exported);
}

TEST(TsChunksTest, ExportedObjectLiteralMethods) {
  ParsedFile f = ParseChecked("src/api.ts",
                              "export const api = {\n"
                              "  get() {},\n"
                              "  put: async () => {},\n"
                              "  nested: { deep() {} },\n"
                              "};\n"
                              "const local = { a() {} };\n"
                              "const hidden = { b() {} };\n"
                              "export { local };\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"module api src/api 1-8", "method get api.get 2-2",
                                      "method put api.put 3-3", "method deep api.nested.deep 4-4",
                                      "method a local.a 6-6"}));
  EXPECT_TRUE(FindChunk(f, "api.put")->is_async);
  EXPECT_EQ(FindChunk(f, "hidden.b"), nullptr);
}

TEST(TsChunksTest, ExportDefaultObjectMethods) {
  ParsedFile f = ParseChecked("src/d.ts", "export default {\n  run() {},\n};\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"module d src/d 1-3", "method run default.run 2-2"}));
}

TEST(TsChunksTest, ClassMembers) {
  ParsedFile f = ParseChecked("src/shape.ts",
                              "/** Doc. */\n"
                              "export abstract class Shape<T> extends Base implements A, B {\n"
                              "  static count = 0;\n"
                              "  #secret = 1;\n"
                              "  constructor(private readonly x: number) { super(); }\n"
                              "  get area(): number { return 1; }\n"
                              "  set area(v: number) {}\n"
                              "  static create(): Shape<number> { return null!; }\n"
                              "  #hidden() {}\n"
                              "  abstract draw(): void;\n"
                              "  overload(a: string): void;\n"
                              "  overload(a: number): void;\n"
                              "  overload(a: any) {}\n"
                              "  handler = () => {};\n"
                              "}\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{
                            "class Shape Shape 1-15",
                            "method constructor Shape.constructor 5-5",
                            "method area Shape.area 6-6",
                            "method area Shape.area 7-7",
                            "method create Shape.create 8-8",
                            "method #hidden Shape.#hidden 9-9",
                            "method overload Shape.overload 11-13",
                            "method handler Shape.handler 14-14",
                        }));
  for (size_t i = 1; i < f.chunks.size(); ++i) EXPECT_EQ(f.chunks[i].parent_index, 0);
  EXPECT_EQ(f.chunks[2].accessor, "get");
  EXPECT_EQ(f.chunks[3].accessor, "set");
}

TEST(TsChunksTest, ClassExpressionsAndNestedClasses) {
  ParsedFile f = ParseChecked("src/cls.ts",
                              "const Named = class Inner {};\n"
                              "class Outer {\n"
                              "  static Inner = class {\n"
                              "    m() {}\n"
                              "  };\n"
                              "}\n"
                              "customElements.define('x-a', class XA extends HTMLElement {\n"
                              "  connectedCallback() {}\n"
                              "});\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{
                            "class Named Named 1-1",
                            "class Outer Outer 2-6",
                            "class Inner Outer.Inner 3-5",
                            "method m Outer.Inner.m 4-4",
                            "module cls src/cls 7-9",
                            "class XA XA 7-9",
                            "method connectedCallback XA.connectedCallback 8-8",
                        }));
  EXPECT_EQ(ParentOf(f, "Outer.Inner.m"), "Outer.Inner");
  EXPECT_EQ(ParentOf(f, "Outer.Inner"), "Outer");
  EXPECT_EQ(ParentOf(f, "XA"), "src/cls");
}

TEST(TsChunksTest, ExportDefaultAnonymousClass) {
  ParsedFile f = ParseChecked("src/anon.ts", "export default class {\n  run() {}\n}\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"class default default 1-3", "method run default.run 2-2"}));
  EXPECT_TRUE(f.chunks[0].is_default_export);
}

TEST(TsChunksTest, InterfacesTypesEnums) {
  ParsedFile f = ParseChecked("src/types.ts",
                              "interface Point {\n"
                              "  x: number;\n"
                              "  m(): void;\n"
                              "}\n"
                              "type Id = string | number;\n"
                              "export enum Color { Red, Green }\n"
                              "const enum E { A }\n"
                              "declare enum F { B }\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"interface Point Point 1-4", "type Id Id 5-5",
                                      "enum Color Color 6-6", "enum E E 7-7", "enum F F 8-8"}));
}

TEST(TsChunksTest, Namespaces) {
  ParsedFile f = ParseChecked("src/ns.ts",
                              "namespace A.B {\n"
                              "  export function f() {}\n"
                              "  export class C { m() {} }\n"
                              "  const hidden = 1;\n"
                              "}\n"
                              "declare module 'ext' {\n"
                              "  export function g(): void;\n"
                              "}\n"
                              "declare global {\n"
                              "  interface Window { x: number }\n"
                              "}\n"
                              "module Legacy { export const v = () => 1; }\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{
                            "namespace B A.B 1-5",
                            "function f A.B.f 2-2",
                            "class C A.B.C 3-3",
                            "method m A.B.C.m 3-3",
                            "namespace ext ext 6-8",
                            "namespace global global 9-11",
                            "interface Window global.Window 10-10",
                            "namespace Legacy Legacy 12-12",
                            "function v Legacy.v 12-12",
                        }));
  EXPECT_EQ(ParentOf(f, "A.B.f"), "A.B");
  EXPECT_EQ(ParentOf(f, "A.B.C.m"), "A.B.C");
}

TEST(TsChunksTest, ModuleChunksForTopLevelCode) {
  ParsedFile f = ParseChecked("pkg/src/main.ts",
                              "import { x } from './x';\n"
                              "const a = 1;\n"
                              "\n"
                              "function f() {}\n"
                              "console.log(a);\n"
                              "// a comment that documents nothing\n"
                              "\n"
                              "/** Doc for g */\n"
                              "function g() {}\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"module main pkg/src/main 1-2", "function f f 4-4",
                                      "module main pkg/src/main 5-6", "function g g 8-9"}));
  EXPECT_EQ(FindChunk(f, "g")->docstring, "/** Doc for g */");
}

TEST(TsChunksTest, LeadingCommentsAttachOnlyWhenDirectlyAbove) {
  ParsedFile f = ParseChecked("a.ts",
                              "// license\n"
                              "\n"
                              "// one\n"
                              "// two\n"
                              "function f() {}\n"
                              "x(); // trailing\n"
                              "function g() {} // after g\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"module a a 1-1", "function f f 3-5",
                                                  "module a a 6-6", "function g g 7-7"}));
  EXPECT_EQ(FindChunk(f, "f")->docstring, "// one\n// two");
  EXPECT_EQ(FindChunk(f, "g")->source_code, "function g() {} // after g");
}

TEST(TsChunksTest, OverloadSignaturesBelongToTheImplementation) {
  ParsedFile f = ParseChecked("o.ts",
                              "export function over(a: string): string;\n"
                              "/** @deprecated */\n"
                              "export function over(a: number): number;\n"
                              "\n"
                              "/** Impl doc. */\n"
                              "export function over(a: any) { return a; }\n"
                              "declare function ambient(): void;\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"function over over 1-6", "module o o 7-7"}));
  EXPECT_EQ(FindChunk(f, "over")->docstring, "/** Impl doc. */");
}

TEST(TsChunksTest, DecoratorsBelongToTheirChunk) {
  ParsedFile f = ParseChecked("cmp.ts",
                              "@Component({ selector: 'x' })\n"
                              "export class Cmp {\n"
                              "  @Input() name: string;\n"
                              "  /** Clicks. */\n"
                              "  @HostListener('click')\n"
                              "  onClick() {}\n"
                              "}\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"class Cmp Cmp 1-7", "method onClick Cmp.onClick 4-6"}));
  EXPECT_EQ(FindChunk(f, "Cmp")->decorators,
            (std::vector<std::string>{"@Component({ selector: 'x' })"}));
  const Chunk* click = FindChunk(f, "Cmp.onClick");
  EXPECT_EQ(click->decorators, (std::vector<std::string>{"@HostListener('click')"}));
  EXPECT_EQ(click->docstring, "/** Clicks. */");
}

TEST(TsChunksTest, NestedFunctionsStayInTheirEnclosingChunk) {
  ParsedFile f = ParseChecked("n.ts",
                              "function outer() {\n"
                              "  function inner() {}\n"
                              "  const arrow = () => inner();\n"
                              "  class Local { m() {} }\n"
                              "}\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"function outer outer 1-5"}));
}

TEST(TsChunksTest, ExportListMarksEarlierDeclarationsExported) {
  ParsedFile f = ParseChecked("e.ts",
                              "function a() {}\n"
                              "class B {}\n"
                              "const c = () => 1;\n"
                              "function d() {}\n"
                              "export { a, B as Bee, c as default };\n");
  EXPECT_TRUE(FindChunk(f, "a")->is_exported);
  EXPECT_TRUE(FindChunk(f, "B")->is_exported);
  EXPECT_TRUE(FindChunk(f, "c")->is_exported);
  EXPECT_TRUE(FindChunk(f, "c")->is_default_export);
  EXPECT_FALSE(FindChunk(f, "d")->is_exported);
}

TEST(TsChunksTest, TsxFile) {
  ParsedFile f = ParseChecked("ui/App.tsx",
                              "export function App(props: { name: string }) {\n"
                              "  return <div onClick={() => go()}>{props.name}</div>;\n"
                              "}\n"
                              "export const Btn = () => <button type=\"x\" />;\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"function App App 1-3", "function Btn Btn 4-4"}));
  ASSERT_EQ(FindChunk(f, "App")->calls.size(), 1u);
  EXPECT_EQ(FindChunk(f, "App")->calls[0].callee, "go");
}

TEST(TsChunksTest, JsxFile) {
  ParsedFile f = ParseChecked("ui/Hello.jsx",
                              "import React from 'react';\n"
                              "export default function Hello({ who }) {\n"
                              "  return <h1 className=\"t\">Hi {who}</h1>;\n"
                              "}\n"
                              "export class Box extends React.Component {\n"
                              "  render() { return <div>{this.props.children}</div>; }\n"
                              "}\n");
  EXPECT_EQ(Outline(f),
            (std::vector<std::string>{"module Hello ui/Hello 1-1", "function Hello Hello 2-4",
                                      "class Box Box 5-7", "method render Box.render 6-6"}));
  EXPECT_TRUE(FindChunk(f, "Hello")->is_default_export);
  EXPECT_EQ(FindChunk(f, "Box")->extends, (std::vector<std::string>{"React.Component"}));
}

TEST(TsChunksTest, DeclarationFileModuleName) {
  ParsedFile f = ParseChecked("types/index.d.ts", "declare const x: number;\n");
  EXPECT_EQ(Outline(f), (std::vector<std::string>{"module index types/index 1-1"}));
}

}  // namespace
}  // namespace semdex::testing
