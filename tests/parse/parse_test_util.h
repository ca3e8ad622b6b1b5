// Helpers shared by the parse stage's tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "parse/parse.h"

namespace semdex::testing {

// Parses `source` as the language of `path` with default (or given) options; fails the test if
// Parse fails.
ParsedFile ParseSource(std::string_view path, std::string_view source,
                       const ParseOptions& options = {});

// The chunk with this qualified name (first part), or nullptr.
const Chunk* FindChunk(const ParsedFile& file, std::string_view qualified_name, int part = 1);

// All chunks with this qualified name (every part, and every module run).
std::vector<const Chunk*> FindChunks(const ParsedFile& file, std::string_view qualified_name);

// Non-blank lines of `source` that no chunk covers (1-based); empty when the invariant holds.
std::vector<int> UncoveredLines(std::string_view source, const ParsedFile& file);

// Structural checks every parse result must pass: chunk order (by start, parents first),
// parent links that point backwards at an enclosing chunk, part numbering, lines and bytes
// consistent with the source, source_code equal to the byte range. Returns "" or a message.
std::string CheckStructure(std::string_view source, const ParsedFile& file);

// Reads a whole file; fails the test if it cannot.
std::string ReadFileOrDie(const std::string& path);

}  // namespace semdex::testing
