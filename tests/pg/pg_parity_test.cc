// The same tree indexed (--no-embed) into SQLite and into PostgreSQL through the semdex binary
// holds the same rows (chunks, metadata, files, graph nodes and edges, metrics) and gives the
// same lexical matches; stats, check, search and graph work on the PostgreSQL index.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "pg/index_export.h"
#include "pg/pg_test_util.h"
#include "store/store.h"
#include "test_util.h"

namespace semdex::testing {
namespace {

const std::string kSemdex = SEMDEX_BINARY;
const std::string kRxjsSrc = std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src";

// rxjs's sources (TypeScript) and a few Python and JavaScript files, odd ones included.
void MakeCorpus(const std::filesystem::path& root) {
  ASSERT_TRUE(std::filesystem::is_directory(kRxjsSrc))
      << kRxjsSrc << " is missing: run scripts/setup.sh";
  std::filesystem::create_directories(root);
  std::filesystem::copy(kRxjsSrc, root / "rxjs", std::filesystem::copy_options::recursive);
  WriteFile(root / "py/util.py",
            "import os\n\nclass RetryPolicy:\n    \"\"\"Retries with back-off.\"\"\"\n"
            "    MAX_RETRY = 3\n\n    def next_delay(self, attempt):\n"
            "        return min(2 ** attempt, 60)\n\ndef fetch_user_name(user_id):\n"
            "    return os.environ.get('USER', 'nobody')\n");
  WriteFile(root / "py/broken.py", "def oops(:\n    pass\n");
  WriteFile(root / "js/app.js",
            "import { fetchUserName } from './user';\n// Ünïcode comment ✓ and a\ttab\n"
            "export function main() { return fetchUserName('\\\\x'); }\n");
  WriteFile(root / "js/empty.js", "");
}

CommandResult Index(const std::string& dir, const std::string& db, const std::string& extra) {
  return RunCommand(kSemdex + " index " + dir + " --repository corpus --no-embed --db '" + db +
                    "' " + extra);
}

std::set<std::string> LexicalIds(Store* store, const std::string& query, const ChunkFilter& f) {
  std::vector<LexicalHit> hits;
  EXPECT_EQ(store->SearchLexical(query, f, -1, &hits).ToString(), "OK") << query;
  std::set<std::string> ids;
  for (const LexicalHit& h : hits) ids.insert(h.chunk_id);
  return ids;
}

TEST(PgParityTest, SqliteAndPostgresIndexesHoldTheSameRows) {
  ASSERT_NO_FATAL_FAILURE(RequirePgServer());
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(MakeCorpus(tmp / "src"));
  const std::string sqlite_db = tmp / "index.db";
  const std::string url = NewPgDatabase("parity");

  CommandResult lite = Index(tmp / "src", sqlite_db, "--workers 2");
  ASSERT_EQ(lite.exit_code, 0) << lite.err;
  CommandResult pg = Index(tmp / "src", url, "--workers 2");
  ASSERT_EQ(pg.exit_code, 0) << pg.err;
  EXPECT_EQ(pg.err.find(kPgPassword), std::string::npos);
  EXPECT_EQ(pg.out.find(kPgPassword), std::string::npos);

  const IndexExport lite_rows = ExportSqliteIndex(sqlite_db);
  const IndexExport pg_rows = ExportPgIndex(url);
  EXPECT_GT(lite_rows.at("code_chunks").size(), 500u);
  EXPECT_GT(lite_rows.at("edges").size(), 500u);
  EXPECT_GT(lite_rows.at("computed_metrics").size(), 500u);
  ExpectSameIndex(lite_rows, pg_rows);

  // Lexical search: the same matches. The order can differ: SQLite ranks with BM25 (term
  // rarity, document length), PostgreSQL with ts_rank (term frequency and weights only).
  std::unique_ptr<Store> lite_store, pg_store;
  ASSERT_EQ(OpenStore(sqlite_db, StoreOptions(), &lite_store).ToString(), "OK");
  ASSERT_EQ(OpenStore(url, StoreOptions(), &pg_store).ToString(), "OK");
  ChunkFilter python;
  python.language = "python";
  ChunkFilter functions;
  functions.repository = "corpus";
  functions.chunk_type = "function";
  for (const std::string query :
       {"mergeMap", "switch_map operator", "subscribe error handling", "fetchUserName", "user name",
        "MAX_RETRY", "the", "Ünïcode", "retry policy back-off delay"}) {
    for (const ChunkFilter& f : {ChunkFilter(), python, functions}) {
      const std::set<std::string> expected = LexicalIds(lite_store.get(), query, f);
      EXPECT_EQ(LexicalIds(pg_store.get(), query, f), expected) << query;
    }
  }
  EXPECT_FALSE(LexicalIds(pg_store.get(), "mergeMap", ChunkFilter()).empty());

  // The other commands on the PostgreSQL index.
  CommandResult check = RunCommand(kSemdex + " check --db '" + url + "'");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  CommandResult stats = RunCommand(kSemdex + " stats --json --db '" + url + "'");
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("\"corpus\""), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("pgvector"), std::string::npos) << stats.out;
  CommandResult search = RunCommand(kSemdex + " search mergeMap --json --db '" + url + "'");
  EXPECT_EQ(search.exit_code, 0) << search.err;
  EXPECT_NE(search.out.find("mergeMap"), std::string::npos);
  for (const CommandResult* r : {&check, &stats, &search}) {
    EXPECT_EQ(r->out.find(kPgPassword), std::string::npos);
    EXPECT_EQ(r->err.find(kPgPassword), std::string::npos);
  }

  // --sequential (one connection) writes the same rows as --workers 2 (one connection per
  // worker, files committed in any order).
  const std::string sequential_url = NewPgDatabase("parity_seq");
  CommandResult seq = Index(tmp / "src", sequential_url, "--sequential");
  ASSERT_EQ(seq.exit_code, 0) << seq.err;
  ExpectSameIndex(lite_rows, ExportPgIndex(sequential_url));

  // A second run changes nothing (incremental: every file unchanged).
  CommandResult again = Index(tmp / "src", url, "--workers 2 --json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ExpectSameIndex(lite_rows, ExportPgIndex(url));
}

}  // namespace
}  // namespace semdex::testing
