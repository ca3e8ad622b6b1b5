// pg_text_search: the PostgreSQL index's lexical search text. Internal to src/store/.
//
// The tokens are the SQLite full-text index's (store/code_tokens.h), so both backends match the
// same chunks for a query; they are written as tsvector and tsquery literals (PostgreSQL's own
// parsers split identifiers at '_' and would not find "max_retry").
#pragma once

#include <string>
#include <string_view>

namespace semdex {

// The chunk's search_tokens value: a tsvector literal of the code-aware tokens of each field,
// weighted A (name), B (qualified name), C (signature + docstring), D (source), with positions
// so that ts_rank sees term frequencies. Limits of the tsvector type: tokens over 2,046 bytes
// are left out, at most 255 positions per token are kept, and tokens past 1,000,000 bytes of
// literal are left out (no real chunk comes near).
std::string PgTsvectorLiteral(std::string_view name, std::string_view qualified_name,
                              std::string_view doc, std::string_view source);

// The tsquery literal for a plain-text query: the terms of FtsMatchExpression OR-ed. "" when
// the query has no terms.
std::string PgTsqueryLiteral(std::string_view query);

}  // namespace semdex
