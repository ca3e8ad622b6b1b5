// The integrity checks both backends run (SqliteStore and PgStore::CheckIntegrity): each is a
// query with one result row (count, example), where a count above 0 is a problem.
#ifndef SEMDEX_STORE_INTEGRITY_H_
#define SEMDEX_STORE_INTEGRITY_H_

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace semdex {

// A per-repository check takes the repository as its first parameter.
struct IntegrityQuery {
  std::string_view sql;
  std::string_view what;
};

// The checks across repositories that both backends run as they are written (no parameters):
// rows that hang off graph rows that do not exist.
inline constexpr IntegrityQuery kPortableGlobalIntegrityChecks[] = {
    {"SELECT COUNT(*), MIN(edge_id) FROM edges e WHERE NOT EXISTS (SELECT 1 FROM nodes n WHERE "
     "n.node_id = e.source_node_id) OR NOT EXISTS (SELECT 1 FROM nodes n WHERE n.node_id = "
     "e.target_node_id)",
     "edges whose source or target node is missing"},
    {"SELECT COUNT(*), MIN(edge_id) FROM edge_weights w WHERE NOT EXISTS (SELECT 1 FROM edges e "
     "WHERE e.edge_id = w.edge_id)",
     "edge weights of a missing edge"},
    // Chunks of a repository whose graph is stale may have changed since: a run writes its
    // files' chunks before it rebuilds the graph.
    {"SELECT COUNT(*), MIN(node_id) FROM detailed_metadata d WHERE NOT EXISTS (SELECT 1 FROM "
     "nodes n WHERE n.node_id = d.node_id) OR (d.chunk_id IS NOT NULL AND NOT EXISTS (SELECT 1 "
     "FROM code_chunks c WHERE c.id = d.chunk_id) AND NOT EXISTS (SELECT 1 FROM nodes n JOIN "
     "repository_state s ON s.repository = n.properties->>'repository' WHERE n.node_id = "
     "d.node_id AND s.graph_stale <> 0))",
     "detailed metadata of a missing node or chunk"},
    {"SELECT COUNT(*), MIN(node_id) FROM computed_metrics m WHERE NOT EXISTS (SELECT 1 FROM nodes "
     "n WHERE n.node_id = m.node_id)",
     "metrics of a missing node"},
};

// The problem reported when `q` counted `count` rows: "<repository>: <count> <what> (e.g.
// <example>)", with "index" for a check across repositories (`repository` empty).
inline std::string IntegrityProblem(std::string_view repository, int64_t count,
                                    const IntegrityQuery& q, std::string_view example) {
  return fmt::format("{}: {} {}", repository.empty() ? "index" : repository, count, q.what) +
         (example.empty() ? "" : fmt::format(" (e.g. {})", example));
}

}  // namespace semdex

#endif  // SEMDEX_STORE_INTEGRITY_H_
