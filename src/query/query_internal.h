// query_internal: the in-memory layout of a CodeGraph, shared by the files of src/query/. Not
// part of the contract: other stages include query/query.h only.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "query/query.h"

namespace semdex {

// Edge relations as small integers; kRelationCount entries in each table below.
enum Relation : uint8_t {
  kContains,
  kImports,
  kReExports,
  kCalls,
  kExtends,
  kImplements,
  kOtherRelation,  // a relation_type this version does not know
  kRelationCount
};

// relation_type text of each Relation, and the inverse names (see query.h).
extern const char* const kRelationNames[kRelationCount];
extern const char* const kInverseRelationNames[kRelationCount];

// One end of an edge as seen from the other.
struct HalfEdge {
  NodeId node;
  Relation relation;
};

struct CodeGraph::Impl {
  std::vector<GraphSymbol> symbols;  // by NodeId
  // Adjacency: out[n] the edges leaving n (node = target), in[n] those entering it (node =
  // source); each list sorted by (node, relation), repeats (one imports edge per statement) kept.
  std::vector<std::vector<HalfEdge>> out;
  std::vector<std::vector<HalfEdge>> in;
  size_t edges = 0;
  std::map<std::string, int64_t> edges_by_relation;
  bool several_repositories = false;
  // Lookup for Resolve: exact qualified name (and a Module's path), exact name, file path.
  std::unordered_map<std::string, std::vector<NodeId>> by_qualified_name;
  std::unordered_map<std::string, std::vector<NodeId>> by_name;
  std::unordered_map<std::string, std::vector<NodeId>> by_file;  // symbols and Modules of a file
};

}  // namespace semdex
