// `semdex search` end to end with the default model: the --json contract, the text layout,
// errors and exit codes, and a small relevance check (the described function ranks first).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace semdex::testing {
namespace {

const char* kGeometry = R"(/**
 * Returns the Euclidean distance between two points.
 */
export function distanceBetween(a: Point, b: Point): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy);
}

/** Restricts a number to lie within [min, max]. */
export function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** Linearly interpolates between a and b by t. */
export function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}
)";

const char* kStrings = R"(/**
 * Turns a title into a URL-friendly slug: lower case, words joined by hyphens.
 */
export function slugify(title: string): string {
  return title.toLowerCase().trim().split(/\s+/).join('-');
}

/** Replaces &, <, >, " and ' with their HTML entities. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Keeps the most recently used entries; evicts the least recently used one when full.
 */
export class LruCache<K, V> {
  private entries = new Map<K, V>();
  constructor(private capacity: number) {}
  get(key: K): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) { this.entries.delete(key); this.entries.set(key, v); }
    return v;
  }
}
)";

const char* kNet = R"(import time
from datetime import datetime


def retry_with_backoff(fn, attempts=5):
    """Calls fn until it succeeds, waiting twice as long after each failure."""
    delay = 0.1
    for _ in range(attempts):
        try:
            return fn()
        except Exception:
            time.sleep(delay)
            delay *= 2
    raise RuntimeError("gave up")


def parse_iso_date(text):
    """Parses an ISO 8601 date string into a datetime."""
    return datetime.fromisoformat(text)
)";

class SearchCliTest : public ::testing::Test {
 protected:
  // One embedded index and one --no-embed index for the whole suite (the model loads once each).
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    WriteFile(*dir_ / "repo/src/geometry.ts", kGeometry);
    WriteFile(*dir_ / "repo/src/strings.ts", kStrings);
    WriteFile(*dir_ / "repo/lib/net.py", kNet);
    CommandResult r = RunCommand(std::string(SEMDEX_BINARY) + " index " + *dir_ / "repo" +
                                 " --db " + Db() + " --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = RunCommand(std::string(SEMDEX_BINARY) + " index " + *dir_ / "repo" +
                   " --repository plain --no-embed --db " + *dir_ / "plain.db");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string Db() { return *dir_ / "index.db"; }
  static std::string Quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  static CommandResult Search(const std::string& query, const std::string& flags,
                              const std::string& db = Db()) {
    return RunCommand(std::string(SEMDEX_BINARY) + " search --db " + db + " " + flags + " -- " +
                      Quote(query));
  }
  static nlohmann::json Json(const std::string& query, const std::string& flags = "") {
    CommandResult r = Search(query, "--json " + flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_array()) << r.out;
    return j.is_array() ? j : nlohmann::json::array();
  }

  static TempDir* dir_;
};

TempDir* SearchCliTest::dir_ = nullptr;

TEST_F(SearchCliTest, JsonContract) {
  nlohmann::json results = Json("distance between two points", "--limit 3");
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    for (const char* key : {"file", "start_line", "end_line", "name", "qualified_name", "kind",
                            "score", "lexical", "vector", "snippet", "repository"}) {
      EXPECT_TRUE(r.contains(key)) << key << " in " << r.dump();
    }
    EXPECT_TRUE(r["start_line"].is_number_integer());
    EXPECT_TRUE(r["score"].is_number());
    EXPECT_LE(r["start_line"].get<int>(), r["end_line"].get<int>());
  }
  EXPECT_EQ(results[0]["name"], "distanceBetween");
  EXPECT_EQ(results[0]["file"], "src/geometry.ts");
  EXPECT_EQ(results[0]["kind"], "function");
  EXPECT_EQ(results[0]["start_line"], 1);  // the doc comment starts the chunk
  EXPECT_EQ(results[0]["end_line"], 8);
  ASSERT_TRUE(results[0]["lexical"].is_object());
  EXPECT_EQ(results[0]["lexical"]["rank"], 1);
  ASSERT_TRUE(results[0]["vector"].is_object());
  EXPECT_GE(results[0]["vector"]["rank"].get<int>(), 1);
  // Lexical mode: no vector leg.
  nlohmann::json lexical = Json("clamp", "--mode lexical");
  ASSERT_FALSE(lexical.empty());
  EXPECT_TRUE(lexical[0]["vector"].is_null());
  // No results: an empty array, exit 0.
  EXPECT_EQ(Json("zzzqqq", "--mode lexical"), nlohmann::json::array());
}

TEST_F(SearchCliTest, TextIsGroupedByFile) {
  CommandResult r = Search("html entities slug", "--limit 4 --explain");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("src/strings.ts\n"), 0u) << r.out;  // the best file's header first
  EXPECT_NE(r.out.find("   1. src/strings.ts:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lexical #"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vector #"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("      | export function"), std::string::npos) << r.out;
  // One header per file, however many of its chunks are listed.
  EXPECT_EQ(r.out.find("src/strings.ts\n", 1), std::string::npos) << r.out;
  r = Search("zzzqqq", "--mode lexical");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "No results.\n");
}

TEST_F(SearchCliTest, BadQueriesAreSearchedAsText) {
  for (const std::string q : {"", "\"", "*", "NEAR(", "AND OR NOT", "((", ")", "!!!", "a\"b*c"}) {
    for (const char* mode : {"hybrid", "lexical", "vector"}) {
      CommandResult r = Search(q, std::string("--json --mode ") + mode);
      EXPECT_EQ(r.exit_code, 0) << q << " " << mode << ": " << r.err;
      EXPECT_TRUE(nlohmann::json::parse(r.out, nullptr, false).is_array()) << r.out;
    }
  }
}

TEST_F(SearchCliTest, ErrorsExitWith2) {
  CommandResult r = Search("x", "--repository nope");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
  r = Search("x", "--mode fuzzy");
  EXPECT_EQ(r.exit_code, 2);
  // Another model than the index's (int8 weights give other vectors): a clear error.
  r = Search("x", "--model default --precision int8");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("use-lite-en@0.2.0+int8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("was embedded with model use-lite-en@0.2.0 "), std::string::npos) << r.err;
  // A --no-embed index: vector mode fails, hybrid says it ran lexically.
  r = Search("clamp", "--mode vector", *dir_ / "plain.db");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-embed"), std::string::npos) << r.err;
  r = Search("clamp", "--json", *dir_ / "plain.db");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--no-embed"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["name"], "clamp");
}

TEST_F(SearchCliTest, FiltersNarrowTheResults) {
  for (const auto& r : Json("value", "--lang python --limit 20")) {
    EXPECT_EQ(r["language"], "python") << r.dump();
  }
  for (const auto& r : Json("value", "--kind class --limit 20")) {
    EXPECT_EQ(r["kind"], "class") << r.dump();
  }
  nlohmann::json in_src = Json("value", "--path 'src/*.ts' --limit 20");
  ASSERT_FALSE(in_src.empty());
  for (const auto& r : in_src) {
    EXPECT_EQ(r["file"].get<std::string>().rfind("src/", 0), 0u) << r.dump();
  }
}

// Paraphrased descriptions (not the doc comments' words) must find the described code first.
TEST_F(SearchCliTest, TheDescribedFunctionRanksFirst) {
  const std::pair<const char*, const char*> cases[] = {
      {"how far apart are two points", "distanceBetween"},
      {"make a url slug out of a title", "slugify"},
      {"retry a failing call with exponential backoff", "retry_with_backoff"},
      {"escape special characters for html", "escapeHtml"},
      {"cache that evicts the least recently used entry", "LruCache"},
      {"read an ISO date", "parse_iso_date"},
      {"interpolate linearly", "lerp"},
  };
  for (const auto& [query, expected] : cases) {
    nlohmann::json results = Json(query, "--limit 3");
    ASSERT_FALSE(results.empty()) << query;
    EXPECT_EQ(results[0]["name"], expected) << query << "\n" << results.dump(1);
  }
}

}  // namespace
}  // namespace semdex::testing
