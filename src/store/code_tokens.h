// code_tokens: the code-aware tokens of the SQLite store's full-text index. Internal to
// src/store/ (its tests and the search tests include it to check the rules).
//
// One tokeniser for documents and queries, so a query term is spelled as the indexed term:
// - A word is a maximal run of ASCII letters, digits, '_' or non-ASCII bytes; everything else
//   separates words (and is never part of a token, so no token holds FTS syntax).
// - Each word is kept whole, lower-cased (ASCII), and, when it has several parts, each part too.
//   Parts break at '_', at a lower-case letter or digit followed by a capital, before the last
//   capital of a run followed by a lower-case letter, and between letters and digits (the rules
//   of embed's SplitIdentifiers): getUserName -> getusername get user name;
//   MAX_RETRY -> max_retry max retry; HTTPServer2 -> httpserver2 http server 2.
// The FTS5 table tokenises this text with unicode61 and '_' as a token character, which keeps
// every token as written here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite_db.h"
#include "util/util.h"

namespace semdex {

// The tokens of `text`, in order (duplicates kept: they are term frequencies).
std::vector<std::string> CodeSearchTokens(std::string_view text);

// CodeSearchTokens joined by single spaces: what the full-text index stores.
std::string CodeSearchTokenText(std::string_view text);

// The FTS5 MATCH expression for a plain-text query: its distinct tokens in order of first
// appearance, English stop words dropped unless nothing else remains, at most kMaxQueryTerms,
// each double-quoted, joined by OR. "" when the query has no tokens (search nothing).
inline constexpr size_t kMaxQueryTerms = 64;
std::string FtsMatchExpression(std::string_view query);
// The terms of FtsMatchExpression, unquoted (the PostgreSQL store ORs the same terms).
std::vector<std::string> SearchQueryTerms(std::string_view query);

// Registers the SQL function semdex_code_tokens(text) -> CodeSearchTokenText(text) ('' for
// NULL) on `db`: the migration that builds the full-text index and the per-chunk insert use it.
Status RegisterCodeTokensFunction(SqliteDb* db);

}  // namespace semdex
