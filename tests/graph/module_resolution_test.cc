// Module resolution, one rule per test: relative specifiers with extension probing, index files,
// `.js` specifiers naming `.ts` sources, tsconfig baseUrl/paths (JSONC, extends), workspace
// packages, external npm packages and Node builtins, and specifiers that lead nowhere.
#include <gtest/gtest.h>

#include "graph_test_util.h"

namespace semdex {
namespace {

using testing::GraphFixture;

TEST(ModuleResolutionTest, RelativeSpecifiersProbeExtensionsAndIndexFiles) {
  GraphFixture fx;
  fx.Write("src/main.ts",
           "import { a } from './a';\n"       // a.ts
           "import { b } from './b';\n"       // b.tsx
           "import type { C } from './c';\n"  // c.d.ts
           "import { d } from './d';\n"       // d.js
           "import { e } from './dir';\n"     // dir/index.ts
           "import { f } from '../lib/f';\n"  // lib/f.mjs
           "import './side';\n"               // side.cjs
           "export const all = [a, b, d, e, f];\n");
  fx.Write("src/a.ts", "export const a = 1;\n");
  fx.Write("src/b.tsx", "export const b = 1;\n");
  fx.Write("src/c.d.ts", "export interface C { x: number }\n");
  fx.Write("src/d.js", "export const d = 1;\n");
  fx.Write("src/dir/index.ts", "export const e = 1;\n");
  fx.Write("lib/f.mjs", "export const f = 1;\n");
  fx.Write("src/side.cjs", "module.exports = {};\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("src/main.ts", "imports"),
            (std::set<std::string>{"lib/f.mjs", "src/a.ts", "src/b.tsx", "src/c.d.ts", "src/d.js",
                                   "src/dir/index.ts", "src/side.cjs"}));
}

TEST(ModuleResolutionTest, JsSpecifierNamesTheTypeScriptSource) {
  GraphFixture fx;
  // ESM-style TypeScript: `./util.js` is what util.ts compiles to. util.js also exists (a
  // build output next to it): the source wins, as in TypeScript.
  fx.Write("main.ts",
           "import { u } from './util.js';\nimport { m } from './mod.mjs';\nu(); m();\n");
  fx.Write("util.ts", "export function u() {}\n");
  fx.Write("util.js", "export function u() {}\n");
  fx.Write("mod.mts", "export function m() {}\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("main.ts", "imports"), (std::set<std::string>{"mod.mts", "util.ts"}));
  EXPECT_EQ(fx.EdgesFrom("main.ts", "calls"), (std::set<std::string>{"mod.mts:m", "util.ts:u"}));
}

TEST(ModuleResolutionTest, TsconfigPathsAndBaseUrl) {
  GraphFixture fx;
  // JSON with comments and trailing commas; paths come from the extended config and are
  // relative to the baseUrl of the extending one.
  fx.Write("tsconfig.json",
           "// project settings\n"
           "{\n"
           "  \"extends\": \"./config/base\",\n"
           "  \"compilerOptions\": {\n"
           "    /* resolution */\n"
           "    \"baseUrl\": \".\",\n"
           "  },\n"
           "}\n");
  fx.Write("config/base.json",
           "{ \"compilerOptions\": { \"paths\": {\n"
           "    \"@app/*\": [\"missing/*\", \"src/app/*\"],\n"
           "    \"@core\": [\"src/core/index.ts\"],\n"
           "} } }\n");
  fx.Write("src/main.ts",
           "import { x } from '@app/x';\n"
           "import { core } from '@core';\n"
           "import { y } from 'src/shared/y';\n"  // through baseUrl
           "x(); core(); y();\n");
  fx.Write("src/app/x.ts", "export function x() {}\n");
  fx.Write("src/core/index.ts", "export function core() {}\n");
  fx.Write("src/shared/y.ts", "export function y() {}\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("src/main.ts", "imports"),
            (std::set<std::string>{"src/app/x.ts", "src/core/index.ts", "src/shared/y.ts"}));
  EXPECT_EQ(
      fx.EdgesFrom("src/main.ts", "calls"),
      (std::set<std::string>{"src/app/x.ts:x", "src/core/index.ts:core", "src/shared/y.ts:y"}));
}

TEST(ModuleResolutionTest, WorkspacePackagesByPackageJsonName) {
  GraphFixture fx;
  // main points at a build output that is not in the tree; exports maps a subpath.
  fx.Write("packages/core/package.json",
           R"({"name": "@acme/core", "main": "dist/index.js",
               "exports": {".": "./dist/index.js", "./util": {"types": "./src/util.ts"}}})");
  fx.Write("packages/core/src/index.ts", "export function start() {}\n");
  fx.Write("packages/core/src/util.ts", "export function help() {}\n");
  fx.Write("packages/app/package.json", R"({"name": "app"})");
  fx.Write("packages/app/src/main.ts",
           "import { start } from '@acme/core';\nimport { help } from '@acme/core/util';\n"
           "start(); help();\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.EdgesFrom("packages/app/src/main.ts", "imports"),
            (std::set<std::string>{"packages/core/src/index.ts", "packages/core/src/util.ts"}));
  EXPECT_EQ(fx.EdgesFrom("packages/app/src/main.ts", "calls"),
            (std::set<std::string>{"packages/core/src/index.ts:start",
                                   "packages/core/src/util.ts:help"}));
}

TEST(ModuleResolutionTest, ExternalPackagesAndNodeBuiltinsAreFlaggedNodes) {
  GraphFixture fx;
  fx.Write("main.ts",
           "import { map } from 'lodash';\n"
           "import fp from 'lodash/fp';\n"
           "import * as fs from 'fs';\n"
           "import { join } from 'node:path';\n"
           "import { x } from '@scope/pkg/deep/file';\n"
           "export function run() { map([], fp); fs.readFileSync('a'); join('a'); x(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(
      fx.EdgesFrom("main.ts", "imports"),
      (std::set<std::string>{"ext:@scope/pkg", "ext:lodash", "ext:node:fs", "ext:node:path"}));
  // Calls through bindings of external modules are calls to that module, with the member.
  EXPECT_EQ(
      fx.EdgesFrom("main.ts:run", "calls"),
      (std::set<std::string>{"ext:@scope/pkg", "ext:lodash", "ext:node:fs", "ext:node:path"}));
  EXPECT_EQ(fx.Query("SELECT label, properties->>'external', properties->>'builtin', "
                     "properties->>'ecosystem' FROM nodes WHERE node_type = 'ExternalModule' "
                     "ORDER BY label"),
            (std::vector<std::string>{"@scope/pkg|1|0|npm", "lodash|1|0|npm", "node:fs|1|1|node",
                                      "node:path|1|1|node"}));
  EXPECT_EQ(fx.Query("SELECT e.properties->>'members' FROM edges e JOIN nodes t ON t.node_id = "
                     "e.target_node_id WHERE e.relation_type = 'calls' AND t.label = 'node:fs'"),
            std::vector<std::string>{"[\"readFileSync\"]"});
  EXPECT_EQ(fx.Query("SELECT COUNT(*) FROM nodes WHERE properties->>'external' = 0"),
            std::vector<std::string>{"2"});  // main.ts and run
}

TEST(ModuleResolutionTest, SpecifiersThatLeadNowhereAreRecordedNotLinked) {
  GraphFixture fx;
  fx.Write("main.ts",
           "import data from './data.json';\nimport { gone } from './gone';\n"
           "export function f() { gone(); }\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_TRUE(fx.EdgesFrom("main.ts", "imports").empty());
  EXPECT_EQ(fx.Unresolved("main.ts:f"), std::vector<std::string>{"gone:unresolved_import"});
  EXPECT_EQ(
      fx.Query("SELECT j.value->>'text' || ':' || (j.value->>'reason') FROM "
               "detailed_metadata d JOIN nodes n ON n.node_id = d.node_id, "
               "json_each(d.metadata->'unlinked') j WHERE n.label = 'main.ts'"),
      (std::vector<std::string>{"./data.json:unresolved_import", "./gone:unresolved_import"}));
}

TEST(ModuleResolutionTest, OneImportsEdgePerStatementWithItsNames) {
  GraphFixture fx;
  fx.Write("main.ts",
           "import type { T } from './lib';\nimport { a, b as c } from './lib';\n"
           "export { d } from './lib';\n");
  fx.Write("lib.ts", "export type T = number;\nexport const a = 1, b = 2, d = 3;\n");
  ASSERT_TRUE(fx.Index());
  EXPECT_EQ(fx.Query("SELECT e.properties->>'kind', e.properties->>'line', "
                     "e.properties->'names' FROM edges e JOIN nodes s ON s.node_id = "
                     "e.source_node_id WHERE s.label = 'main.ts' AND e.relation_type = 'imports' "
                     "ORDER BY 2"),
            (std::vector<std::string>{
                R"(import_type|1|[{"imported":"T","local":"T","is_type":true}])",
                R"(import|2|[{"imported":"a","local":"a"},{"imported":"b","local":"c"}])",
                R"(export_from|3|[{"imported":"d","local":"d"}])"}));
}

}  // namespace
}  // namespace semdex
