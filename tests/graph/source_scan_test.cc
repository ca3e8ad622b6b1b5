// The graph's source scan: local declarations (which shadow outer names) and the cognitive
// complexity approximation, on TypeScript/JavaScript and Python bodies.
#include <gtest/gtest.h>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

using List = std::vector<std::string>;

TEST(SourceScanTest, LocalsOfAScriptBody) {
  SourceFacts f = ScanScript(R"(function outer(p) {
  const { a, b: c, ...rest } = p, [d, , e = f()] = list;
  let g = 1, h = { k: 2 };
  var i;
  function j(m, { n }) {}
  class K {}
  try { x(); } catch (err) {}
  items.map((it, idx) => it + idx);
  items.forEach(q => q);
  for (const r of rs) {}
  const s = function (t = u()) {};
  // const commented = 1;
  const str = "const quoted = 1";
  obj.method(v);
})");
  EXPECT_EQ(f.locals, (List{"K", "a", "c", "d",     "e", "err", "g", "h",    "i", "idx", "it",
                            "j", "m", "n", "outer", "p", "q",   "r", "rest", "s", "str", "t"}));
}

TEST(SourceScanTest, PatternBindingsOfParameters) {
  EXPECT_EQ(PatternBindings("x"), List{"x"});
  EXPECT_EQ(PatternBindings("{ a, b: c = 1, ...d }"), (List{"a", "c", "d"}));
  EXPECT_EQ(PatternBindings("[first, [second]]"), (List{"first", "second"}));
}

// Reference values follow SonarSource's cognitive complexity white paper.
TEST(SourceScanTest, CognitiveComplexity) {
  EXPECT_EQ(ScanScript("function f() { return 1; }").cognitive, 0);
  EXPECT_EQ(ScanScript(R"(function f(a, b) {
  if (a) {                    // +1
    for (const x of b) {      // +2 (nesting 1)
      if (x && y || z) {}     // +3 (nesting 2), +2 (&& then ||)
    }
  } else if (b) {             // +1
  } else {                    // +1
  }
  return a ? 1 : 2;           // +1
})")
                .cognitive,
            11);
  // Nested functions nest; `do ... while` counts once; labelled jumps count.
  EXPECT_EQ(ScanScript(R"(function f(xs) {
  xs.forEach((x) => {
    if (x) {}                 // +2 (nesting 1: inside the arrow)
  });
  do {} while (more());       // +1
  outer: for (;;) {           // +1
    continue outer;           // +1
  }
  switch (k) { case 1: break; }  // +1
  try {} catch (e) {}         // +1
})")
                .cognitive,
            7);
  // a && b && c is one run; a ?? b one; TypeScript's a?.b and x?: T are not conditionals.
  EXPECT_EQ(ScanScript("function f(o?: T) { return o?.a && o.b && o.c || o ?? d; }").cognitive, 3);
}

TEST(SourceScanTest, PythonLocalsAndCognitive) {
  SourceFacts f = ScanPython(R"(def handle(self, items):
    total = 0
    for item in items:          # +1
        if item and ok:         # +2 (nesting 1), +1 (and)
            total += 1
        elif item:              # +1
            pass
    with open(p) as fh:
        data = fh.read()
    def inner():
        return 1
    return total if total else None   # +1
)");
  EXPECT_EQ(f.locals, (List{"data", "fh", "inner", "item", "total"}));
  EXPECT_EQ(f.cognitive, 6);
}

}  // namespace
}  // namespace semdex::graph_internal
