// Call resolution through scope, one rule per test, on fixture repositories with known answers:
// locals, same-file symbols, namespaces, object literals, import bindings (named, default,
// namespace, CommonJS), barrels and `export *`, cycles, this./super. up the extends chain,
// overrides, static members, new C(), heritage, and names that must stay unresolved.
#include <gtest/gtest.h>

#include "graph_test_util.h"

namespace semdex {
namespace {

using testing::GraphFixture;
using Set = std::set<std::string>;
using List = std::vector<std::string>;

TEST(CallResolutionTest, SameFileSymbolsLocalsAndTopLevelCode) {
  GraphFixture fx;
  fx.Write("a.ts",
           "function helper() {}\n"
           "function next() {}\n"
           "export function main(next: () => void) {\n"
           "  helper();\n"
           "  next();  // the parameter, not the top-level function\n"
           "  function inner() {}\n"
           "  inner();\n"
           "  const { render } = opts();\n"
           "  render();\n"
           "  main(next);  // recursion\n"
           "}\n"
           "main(() => {});\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("a.ts:main", "calls"), (Set{"a.ts:helper", "a.ts:main"}));
  EXPECT_EQ(fx.Unresolved("a.ts:main"),
            (List{"next:local", "inner:local", "opts:not_found", "render:local"}));
  EXPECT_EQ(fx.EdgesFrom("a.ts", "calls"), Set{"a.ts:main"});  // top-level code
  EXPECT_EQ(fx.EdgesFrom("a.ts", "contains"), (Set{"a.ts:helper", "a.ts:main", "a.ts:next"}));
}

TEST(CallResolutionTest, NamespacesAndObjectLiterals) {
  GraphFixture fx;
  fx.Write("n.ts",
           "export namespace Geo {\n"
           "  export function area() { return 1; }\n"
           "  export function total() { return area(); }\n"
           "}\n"
           "export const api = {\n"
           "  get() { return this.post(); },\n"
           "  post() { return Geo.total(); },\n"
           "};\n"
           "export function use() { api.get(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("n.ts:Geo.total", "calls"), Set{"n.ts:Geo.area"});
  EXPECT_EQ(fx.EdgesFrom("n.ts:api.get", "calls"), Set{"n.ts:api.post"});
  EXPECT_EQ(fx.EdgesFrom("n.ts:api.post", "calls"), Set{"n.ts:Geo.total"});
  EXPECT_EQ(fx.EdgesFrom("n.ts:use", "calls"), Set{"n.ts:api.get"});
  EXPECT_EQ(fx.EdgesFrom("n.ts:Geo", "contains"), (Set{"n.ts:Geo.area", "n.ts:Geo.total"}));
}

TEST(CallResolutionTest, ImportBindingsNamedDefaultNamespaceAndCommonJs) {
  GraphFixture fx;
  fx.Write("lib/math.ts",
           "export function add() {}\nexport default function mul() {}\n"
           "export { add as plus };\n");
  fx.Write("lib/util.ts", "export function f() {}\nexport function g() {}\n");
  fx.Write("lib/cjs.js", "exports.h = function () {};\nmodule.exports.k = function k() {};\n");
  fx.Write("lib/single.js", "module.exports = function single() {};\n");
  fx.Write("main.ts",
           "import mul, { add, plus as sum } from './lib/math';\n"
           "import * as util from './lib/util';\n"
           "const cjs = require('./lib/cjs');\n"
           "const { k } = require('./lib/cjs');\n"
           "const single = require('./lib/single');\n"
           "export function run() {\n"
           "  add(); mul(); sum(); util.f(); util.g.call(null); cjs.h(); k(); single();\n"
           "}\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("main.ts:run", "calls"),
            (Set{"lib/cjs.js:h", "lib/cjs.js:k", "lib/math.ts:add", "lib/math.ts:mul",
                 "lib/single.js:single", "lib/util.ts:f", "lib/util.ts:g"}));
  EXPECT_TRUE(fx.Unresolved("main.ts:run").empty());
  EXPECT_EQ(fx.Weight("main.ts:run -calls-> lib/math.ts:add", "call_count"), "2");  // add, sum
}

TEST(CallResolutionTest, BarrelsReExportsAndNamespaceReExports) {
  GraphFixture fx;
  fx.Write("lib/a.ts", "export function foo() {}\n");
  fx.Write("lib/b.ts", "export function bar() {}\nexport class Baz {}\n");
  fx.Write("lib/c.ts", "export function qux() {}\n");
  fx.Write("lib/q.ts", "export function q() {}\n");
  fx.Write("lib/index.ts",
           "export { foo as renamed } from './a';\n"
           "export * from './b';\n"
           "export * as ns from './c';\n"
           "import { q } from './q';\n"
           "export { q };\n");
  fx.Write("index.ts", "export * from './lib';\n");  // a barrel of a barrel
  fx.Write("main.ts",
           "import { renamed, bar, Baz, ns, q } from './index';\n"
           "export function run() { renamed(); bar(); new Baz(); ns.qux(); q(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("main.ts:run", "calls"),
            (Set{"lib/a.ts:foo", "lib/b.ts:Baz", "lib/b.ts:bar", "lib/c.ts:qux", "lib/q.ts:q"}));
  EXPECT_EQ(fx.EdgesFrom("lib/index.ts", "re_exports"),
            (Set{"lib/a.ts:foo", "lib/b.ts:Baz", "lib/b.ts:bar", "lib/c.ts", "lib/q.ts:q"}));
  EXPECT_EQ(fx.EdgesFrom("index.ts", "re_exports"),
            (Set{"lib/a.ts:foo", "lib/b.ts:Baz", "lib/b.ts:bar", "lib/c.ts", "lib/q.ts:q"}));
  EXPECT_EQ(fx.Query("SELECT e.properties->>'name' FROM edges e JOIN nodes s ON s.node_id = "
                     "e.source_node_id JOIN nodes t ON t.node_id = e.target_node_id WHERE "
                     "s.label = 'lib/index.ts' AND t.label = 'foo'"),
            List{"renamed"});
}

TEST(CallResolutionTest, AmbiguousNamesStayUnresolved) {
  GraphFixture fx;
  // `helper` exists in two files; a.ts calls it without importing it.
  fx.Write("b.ts", "export function helper() {}\nexport function dup() {}\n");
  fx.Write("c.ts", "export function helper() {}\nexport function dup() {}\n");
  fx.Write("barrel.ts", "export * from './b';\nexport * from './c';\n");
  fx.Write("a.ts",
           "import { dup } from './barrel';\n"
           "export function run(items: string[]) {\n"
           "  helper(); dup(); items.forEach(x => x); console.log(x);\n"
           "}\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_TRUE(fx.EdgesFrom("a.ts:run", "calls").empty());
  EXPECT_EQ(fx.Unresolved("a.ts:run"), (List{"helper:not_found", "dup:ambiguous",
                                             "items.forEach:receiver", "console.log:global"}));
  // Both sources define both names: `export *` makes them ambiguous, so none is re-exported.
  EXPECT_EQ(fx.EdgesFrom("barrel.ts", "re_exports"), Set{});
}

TEST(CallResolutionTest, ImportAndExportCyclesTerminate) {
  GraphFixture fx;
  fx.Write("a.ts",
           "import { b } from './b';\nexport * from './b';\n"
           "export function a() { b(); }\n");
  fx.Write("b.ts",
           "import { a } from './a';\nexport * from './a';\n"
           "export function b() { a(); }\n");
  fx.Write("main.ts",
           "import { a, missing } from './a';\nexport function m() { a(); missing(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("a.ts", "imports"), (Set{"b.ts"}));
  EXPECT_EQ(fx.EdgesFrom("b.ts", "imports"), (Set{"a.ts"}));
  EXPECT_EQ(fx.EdgesFrom("a.ts:a", "calls"), Set{"b.ts:b"});
  EXPECT_EQ(fx.EdgesFrom("b.ts:b", "calls"), Set{"a.ts:a"});
  EXPECT_EQ(fx.EdgesFrom("a.ts", "re_exports"), Set{"b.ts:b"});
  EXPECT_EQ(fx.EdgesFrom("main.ts:m", "calls"), Set{"a.ts:a"});
  EXPECT_EQ(fx.Unresolved("main.ts:m"), List{"missing:not_found"});
}

TEST(CallResolutionTest, LongReExportChainsAreFollowedThenCut) {
  GraphFixture fx;
  // b0.ts re-exports b1.ts ... re-exports b299.ts, which defines `deep`; b50 defines `mid`.
  for (int i = 0; i < 300; ++i) {
    std::string body = i + 1 < 300 ? "export * from './b" + std::to_string(i + 1) + "';\n" : "";
    if (i == 50) body += "export function mid() {}\n";
    if (i == 299) body += "export function deep() {}\n";
    fx.Write("b" + std::to_string(i) + ".ts", body);
  }
  fx.Write("main.ts",
           "import { mid, deep } from './b0';\nexport function m() { mid(); deep(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("main.ts:m", "calls"), Set{"b50.ts:mid"});
  EXPECT_EQ(fx.Unresolved("main.ts:m"), List{"deep:not_found"});
}

TEST(CallResolutionTest, ThisSuperNewOverridesAndStaticMembers) {
  GraphFixture fx;
  fx.Write("base.ts",
           "export class Base {\n"
           "  constructor() { this.init(); }\n"
           "  init() {}\n"
           "  m() {}\n"
           "  static make() { return new Base(); }\n"
           "  make() {}\n"
           "}\n");
  fx.Write("derived.ts",
           "import { Base } from './base';\n"
           "export class Derived extends Base {\n"
           "  constructor() { super(); }\n"
           "  n() { this.m(); super.m(); this.own(); this.field.go(); }\n"
           "  own() {}\n"
           "}\n"
           "export class Override extends Derived {\n"
           "  m() { super.m(); }\n"
           "  k() { this.m(); this.init(); Base.make(); this.make(); }\n"
           "}\n"
           "export function build() { return new Override(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("derived.ts:Derived.constructor", "calls"),
            Set{"base.ts:Base.constructor"});
  EXPECT_EQ(fx.EdgesFrom("derived.ts:Derived.n", "calls"),
            (Set{"base.ts:Base.m", "derived.ts:Derived.own"}));
  EXPECT_EQ(fx.Unresolved("derived.ts:Derived.n"), List{"this.field.go:receiver"});
  // The override is the target of this.m() in its class; super.m() skips it.
  EXPECT_EQ(fx.EdgesFrom("derived.ts:Override.m", "calls"), Set{"base.ts:Base.m"});
  EXPECT_EQ(fx.Query("SELECT j.value->>'target_name' FROM detailed_metadata d JOIN nodes n ON "
                     "n.node_id = d.node_id, json_each(d.metadata->'calls') j WHERE n.label = "
                     "'Override.k' ORDER BY j.key"),
            (List{"Override.m", "Base.init", "Base.make", "Base.make"}));
  EXPECT_EQ(fx.Query("SELECT COUNT(DISTINCT j.value->>'target') FROM detailed_metadata d JOIN "
                     "nodes n ON n.node_id = d.node_id, json_each(d.metadata->'calls') j WHERE "
                     "n.label = 'Override.k' AND j.value->>'target_name' = 'Base.make'"),
            List{"2"});  // Base.make() is the static one, this.make() the instance one
  EXPECT_EQ(fx.EdgesFrom("derived.ts:build", "calls"), Set{"derived.ts:Override"});
  EXPECT_EQ(fx.EdgesFrom("base.ts:Base.constructor", "calls"), Set{"base.ts:Base.init"});
  EXPECT_EQ(fx.EdgesFrom("derived.ts:Override", "extends"), Set{"derived.ts:Derived"});
  EXPECT_EQ(fx.EdgesFrom("derived.ts:Derived", "extends"), Set{"base.ts:Base"});
  EXPECT_EQ(
      fx.EdgesFrom("derived.ts:Derived", "contains"),
      (Set{"derived.ts:Derived.constructor", "derived.ts:Derived.n", "derived.ts:Derived.own"}));
}

TEST(CallResolutionTest, ThisOutsideAClassAndUnknownBasesStayUnresolved) {
  GraphFixture fx;
  fx.Write("w.ts",
           "import { Component } from 'react';\n"
           "export class View extends Component {\n"
           "  render() { this.setState(); super.render(); }\n"
           "}\n"
           "export function plain() { this.x(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.Unresolved("w.ts:View.render"),
            (List{"this.setState:inherited_unknown", "super.render:inherited_unknown"}));
  EXPECT_EQ(fx.Unresolved("w.ts:plain"), List{"this.x:this_outside_class"});
  EXPECT_TRUE(fx.EdgesFrom("w.ts:View", "extends").empty());
  EXPECT_EQ(fx.Query("SELECT j.value->>'external' FROM detailed_metadata d JOIN nodes n ON "
                     "n.node_id = d.node_id, json_each(d.metadata->'unlinked') j WHERE n.label = "
                     "'View'"),
            List{"react"});
}

TEST(CallResolutionTest, HeritageExtendsAndImplements) {
  GraphFixture fx;
  fx.Write("types.ts",
           "export interface Shape { area(): number }\n"
           "export interface Named { name: string }\n"
           "export interface Solid extends Shape, Named {}\n");
  fx.Write("box.ts",
           "import * as t from './types';\n"
           "import { Shape } from './types';\n"
           "export abstract class Base<T> implements Shape { abstract area(): number }\n"
           "export class Box extends Base<number> implements t.Solid, Shape {\n"
           "  area() { return 1; }\n"
           "}\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("types.ts:Solid", "extends"), (Set{"types.ts:Named", "types.ts:Shape"}));
  EXPECT_EQ(fx.EdgesFrom("box.ts:Base", "implements"), Set{"types.ts:Shape"});
  EXPECT_EQ(fx.EdgesFrom("box.ts:Box", "extends"), Set{"box.ts:Base"});
  EXPECT_EQ(fx.EdgesFrom("box.ts:Box", "implements"), (Set{"types.ts:Shape", "types.ts:Solid"}));
}

TEST(CallResolutionTest, PrototypeMethodsAndFunctionCallApplyBind) {
  GraphFixture fx;
  fx.Write("p.js",
           "function Widget() { this.init(); }\n"
           "Widget.prototype.init = function () { this.draw(); };\n"
           "Widget.prototype.draw = function () {};\n"
           "Widget.create = function () { return new Widget(); };\n"
           "export function go() { Widget.create(); onKey.bind(this); }\n"
           "function onKey() {}\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("p.js:Widget.prototype.init", "calls"), Set{"p.js:Widget.prototype.draw"});
  EXPECT_EQ(fx.EdgesFrom("p.js:Widget.create", "calls"), Set{"p.js:Widget"});
  EXPECT_EQ(fx.EdgesFrom("p.js:go", "calls"), (Set{"p.js:Widget.create", "p.js:onKey"}));
  EXPECT_EQ(fx.Unresolved("p.js:Widget"), List{"this.init:this_outside_class"});
}

TEST(CallResolutionTest, PythonImportsSelfAndSuper) {
  GraphFixture fx;
  fx.Write("pkg/__init__.py", "");
  fx.Write("pkg/base.py",
           "class Base:\n"
           "    def save(self):\n"
           "        return self.validate()\n"
           "    def validate(self):\n"
           "        return True\n");
  fx.Write("pkg/models.py",
           "from .base import Base\n"
           "import os\n"
           "class User(Base):\n"
           "    def save(self):\n"
           "        os.path.join('a')\n"
           "        return super().save()\n"
           "def make():\n"
           "    return User()\n");
  fx.Write("app.py",
           "from pkg.models import make\nimport pkg.base\n\ndef main():\n    make()\n"
           "    pkg.base.Base()\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("pkg/base.py:Base.save", "calls"), Set{"pkg/base.py:Base.validate"});
  EXPECT_EQ(fx.EdgesFrom("pkg/models.py:User.save", "calls"),
            (Set{"ext:os", "pkg/base.py:Base.save"}));
  EXPECT_EQ(fx.EdgesFrom("pkg/models.py:make", "calls"), Set{"pkg/models.py:User"});
  EXPECT_EQ(fx.EdgesFrom("pkg/models.py:User", "extends"), Set{"pkg/base.py:Base"});
  EXPECT_EQ(fx.EdgesFrom("app.py:main", "calls"), (Set{"pkg/base.py:Base", "pkg/models.py:make"}));
}

}  // namespace
}  // namespace semdex
