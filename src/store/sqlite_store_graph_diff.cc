// The SQLite Store's graph writer: ReplaceGraph writes only the rows that differ from the stored
// ones. Node and edge ids are stable (graph/graph.h), so after a small change to a repository
// nearly every row of its new graph equals a stored one, and rewriting them all (deleting and
// inserting every row of the five tables, with their indexes) costs far more than the change.
//
// Reading the stored rows back to compare them costs too much as well (three.js: 20 MB of
// detailed metadata JSON), so the store keeps a digest of each graph row (graph_row_digests,
// schema version 5: xxh3-64 of the row's values, written in the same transactions as the rows)
// and compares the new rows' digests with those. Each table's rows are matched by a key (nodes
// and edges: their id; metrics and metadata: the node; weights: the edge): a stored row with no
// new row of its key is deleted, a new row with no stored one inserted, and a row whose digest
// differs updated. The rows are then those a delete-and-insert would leave, timestamps aside: a
// row that did not change keeps the time it was written.
//
// The rows are rewritten whole (and their digests with them) when the digests cannot be
// trusted or used: none stored (a graph written before version 5), not one per stored node or
// metrics row (rows changed behind the store's back), or two new rows of one key (ReplaceGraph
// allows that; such rows get no digests).
#include <fmt/format.h>
#include <xxhash.h>

#include <charconv>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "store/sqlite_store.h"

namespace semdex {
namespace {

// One column's value as the store binds it: text ("" is bound as NULL, BindTextOrNull), an
// integer or real, or NULL (monostate) for nullable numbers. Text points into the GraphRows
// being written: no row is copied.
using Value = std::variant<std::monostate, int64_t, double, std::string_view>;
enum class Kind { kText, kInt, kReal };

struct Column {
  std::string_view name;
  Kind kind;
  // Equal in a stored row and the new row it is matched with (the key, the repository), so an
  // update leaves it, and the indexes on it, alone.
  bool fixed = false;
};

// One graph table as the diff sees it.
struct TableSpec {
  std::string_view table;
  int kind;                     // graph_row_digests.kind
  std::vector<Column> columns;  // compared and written, in order; columns[0] is the key
  std::string_view stamp;       // the timestamp column, set on insert and update
};

const TableSpec kNodes = {"nodes",
                          0,
                          {{"node_id", Kind::kText, true},
                           {"node_type", Kind::kText},
                           {"label", Kind::kText},
                           {"properties", Kind::kText}},
                          "created_at"};

const TableSpec kEdges = {"edges",
                          1,
                          {{"edge_id", Kind::kText, true},
                           {"source_node_id", Kind::kText},
                           {"target_node_id", Kind::kText},
                           {"relation_type", Kind::kText},
                           {"properties", Kind::kText}},
                          "created_at"};

const TableSpec kWeights = {"edge_weights",
                            2,
                            {{"edge_id", Kind::kText, true},
                             {"call_count", Kind::kInt},
                             {"importance_score", Kind::kReal},
                             {"is_critical_path", Kind::kInt}},
                            "updated_at"};

const TableSpec kMetrics = {"computed_metrics",
                            3,
                            {{"node_id", Kind::kText, true},
                             {"chunk_id", Kind::kText},
                             {"repository", Kind::kText, true},
                             {"cyclomatic_complexity", Kind::kInt},
                             {"cognitive_complexity", Kind::kInt},
                             {"lines_of_code", Kind::kInt},
                             {"afferent_coupling", Kind::kInt},
                             {"efferent_coupling", Kind::kInt},
                             {"instability", Kind::kReal},
                             {"pagerank", Kind::kReal},
                             {"betweenness", Kind::kReal}},
                            "computed_at"};

const TableSpec kMetadata = {"detailed_metadata",
                             4,
                             {{"node_id", Kind::kText, true},
                              {"chunk_id", Kind::kText},
                              {"metadata", Kind::kText},
                              {"version", Kind::kInt}},
                             "created_at"};

using Row = std::vector<Value>;

Value Optional(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(); }

std::vector<Row> NodeRows(const GraphRows& rows) {
  std::vector<Row> out;
  out.reserve(rows.nodes.size());
  for (const GraphNodeRow& n : rows.nodes) {
    out.push_back({n.node_id, n.node_type, n.label, n.properties_json});
  }
  return out;
}

std::vector<Row> EdgeRows(const GraphRows& rows) {
  std::vector<Row> out;
  out.reserve(rows.edges.size());
  for (const GraphEdgeRow& e : rows.edges) {
    out.push_back(
        {e.edge_id, e.source_node_id, e.target_node_id, e.relation_type, e.properties_json});
  }
  return out;
}

std::vector<Row> WeightRows(const GraphRows& rows) {
  std::vector<Row> out;
  out.reserve(rows.edge_weights.size());
  for (const EdgeWeightRow& w : rows.edge_weights) {
    out.push_back({w.edge_id, w.call_count, w.importance_score,
                   static_cast<int64_t>(w.is_critical_path ? 1 : 0)});
  }
  return out;
}

std::vector<Row> MetricRows(std::string_view repository, const GraphRows& rows) {
  std::vector<Row> out;
  out.reserve(rows.metrics.size());
  for (const NodeMetricsRow& m : rows.metrics) {
    out.push_back({m.node_id, m.chunk_id, repository, Optional(m.cyclomatic_complexity),
                   Optional(m.cognitive_complexity), Optional(m.lines_of_code), m.afferent_coupling,
                   m.efferent_coupling, m.instability, m.pagerank, m.betweenness});
  }
  return out;
}

std::vector<Row> MetadataRows(const GraphRows& rows) {
  std::vector<Row> out;
  out.reserve(rows.detailed_metadata.size());
  for (const DetailedMetadataRow& d : rows.detailed_metadata) {
    out.push_back({d.node_id, d.chunk_id, d.metadata_json, d.version});
  }
  return out;
}

bool KeysUnique(const std::vector<Row>& rows) {
  auto key = [](const Row& row) { return std::get<std::string_view>(row[0]); };
  // The graph stage writes rows in key order (graph/graph_rows.cc MakeRows): strictly
  // increasing keys are unique, and checking that costs no hashing.
  bool increasing = true;
  for (size_t i = 1; i < rows.size() && increasing; ++i) {
    increasing = key(rows[i - 1]) < key(rows[i]);
  }
  if (increasing) return true;
  std::unordered_set<std::string_view> keys;
  keys.reserve(rows.size());
  for (const Row& row : rows) {
    if (!keys.insert(key(row)).second) return false;
  }
  return true;
}

// xxh3-64 of a row's values, each tagged with its type (so 1 and 1.0, NULL and "" differ as
// they would in the table): per value the byte '0' + type index, then for text its length (8
// bytes, host order) and bytes, for a number its 8 bytes. Streamed through `state`: the rows'
// text (20 MB of metadata for three.js) is not copied to be hashed.
uint64_t Digest(const Row& row, XXH3_state_t* state) {
  XXH3_64bits_reset(state);
  for (const Value& value : row) {
    const char tag = static_cast<char>('0' + value.index());
    XXH3_64bits_update(state, &tag, 1);
    if (const auto* text = std::get_if<std::string_view>(&value)) {
      const uint64_t n = text->size();
      XXH3_64bits_update(state, &n, sizeof(n));
      XXH3_64bits_update(state, text->data(), text->size());
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      XXH3_64bits_update(state, i, sizeof(*i));
    } else if (const auto* d = std::get_if<double>(&value)) {
      XXH3_64bits_update(state, d, sizeof(*d));
    }
  }
  return XXH3_64bits_digest(state);
}

// graph_row_digests.digest: 16 lowercase hex digits (as Xxh3Hex writes them).
std::string DigestText(uint64_t digest) { return fmt::format("{:016x}", digest); }

void BindValue(SqliteStatement* stmt, int index, const Value& value) {
  if (const auto* text = std::get_if<std::string_view>(&value)) {
    stmt->BindTextOrNull(index, *text);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    stmt->BindInt64(index, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    stmt->BindDouble(index, *d);
  } else {
    stmt->BindNull(index);
  }
}

// A stored row's digest, and whether a new row of its key was met.
struct StoredDigest {
  uint64_t digest = 0;
  bool readable = false;  // the stored text was a digest (else the row counts as changed)
  bool matched = false;
};

struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
};

// The stored digests of one table of one repository, key -> digest. The keys and the map's
// nodes come from one arena (WriteGraphDiff): three.js has 89,000 digests, and allocating and
// freeing each key and node on its own was a tenth of a one-file re-index.
using StoredDigests =
    std::pmr::unordered_map<std::pmr::string, StoredDigest, KeyHash, std::equal_to<>>;

StoredDigest ParseDigest(std::string_view text) {
  StoredDigest d;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, d.digest, 16);
  d.readable = text.size() == 16 && ec == std::errc() && ptr == end;
  return d;
}

// What one table's write must do.
struct TableDiff {
  std::vector<std::string> deletes;  // keys
  std::vector<size_t> updates;       // indices into the new rows
  std::vector<size_t> inserts;       // indices into the new rows
  std::vector<uint64_t> digests;     // of every new row
};

// Compares `rows` with the stored digests (and marks those matched). REQUIRES: KeysUnique(rows).
void DiffTable(const std::vector<Row>& rows, StoredDigests* stored, XXH3_state_t* state,
               TableDiff* diff) {
  diff->digests.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const uint64_t digest = Digest(rows[i], state);
    diff->digests.push_back(digest);
    auto it = stored->find(std::get<std::string_view>(rows[i][0]));
    if (it == stored->end()) {
      diff->inserts.push_back(i);
      continue;
    }
    if (!it->second.readable || it->second.digest != digest) diff->updates.push_back(i);
    it->second.matched = true;
  }
  for (const auto& [key, stored_digest] : *stored) {
    if (!stored_digest.matched) diff->deletes.emplace_back(key);
  }
}

Status RunForEach(SqliteDb* db, const std::string& sql, size_t n,
                  const std::function<void(SqliteStatement*, size_t)>& bind) {
  if (n == 0) return Status::Ok();
  SqliteStatement stmt;
  if (Status s = db->Prepare(sql, &stmt); !s.ok()) return s;
  for (size_t i = 0; i < n; ++i) {
    StatementResetter reset(&stmt);
    bind(&stmt, i);
    if (Status s = stmt.Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

// Writes one table's rows as `diff` says.
Status WriteTableRows(SqliteDb* db, const TableSpec& spec, const std::vector<Row>& rows,
                      const TableDiff& diff, const std::string& now) {
  const int n = static_cast<int>(spec.columns.size());
  const std::string_view key = spec.columns[0].name;
  std::string names, params, sets;
  for (int c = 0; c < n; ++c) {
    const Column& column = spec.columns[static_cast<size_t>(c)];
    names += fmt::format("{}, ", column.name);
    params += fmt::format("?{}, ", c + 1);
    if (!column.fixed) sets += fmt::format("{} = ?{}, ", column.name, c + 1);
  }
  auto bind_row = [&](SqliteStatement* stmt, size_t index, bool all) {
    for (int c = 0; c < n; ++c) {
      if (all || !spec.columns[static_cast<size_t>(c)].fixed) {
        BindValue(stmt, c + 1, rows[index][static_cast<size_t>(c)]);
      }
    }
    stmt->BindText(n + 1, now);
  };
  Status s = RunForEach(db, fmt::format("DELETE FROM {} WHERE {} = ?1", spec.table, key),
                        diff.deletes.size(),
                        [&](SqliteStatement* st, size_t i) { st->BindText(1, diff.deletes[i]); });
  if (s.ok()) {
    s = RunForEach(db,
                   fmt::format("UPDATE {} SET {}{} = ?{} WHERE {} = ?1", spec.table, sets,
                               spec.stamp, n + 1, key),
                   diff.updates.size(), [&](SqliteStatement* st, size_t i) {
                     bind_row(st, diff.updates[i], false);
                     BindValue(st, 1, rows[diff.updates[i]][0]);
                   });
  }
  if (s.ok()) {
    s = RunForEach(db,
                   fmt::format("INSERT INTO {} ({}{}) VALUES ({}?{})", spec.table, names,
                               spec.stamp, params, n + 1),
                   diff.inserts.size(),
                   [&](SqliteStatement* st, size_t i) { bind_row(st, diff.inserts[i], true); });
  }
  return s;
}

// Writes the digests of the rows `diff` deletes, updates and inserts.
Status WriteTableDigests(SqliteDb* db, std::string_view repository, const TableSpec& spec,
                         const std::vector<Row>& rows, const TableDiff& diff) {
  Status s = RunForEach(
      db, "DELETE FROM graph_row_digests WHERE repository = ?1 AND kind = ?2 AND key = ?3",
      diff.deletes.size(), [&](SqliteStatement* st, size_t i) {
        st->BindText(1, repository);
        st->BindInt64(2, spec.kind);
        st->BindText(3, diff.deletes[i]);
      });
  std::vector<size_t> changed = diff.updates;
  changed.insert(changed.end(), diff.inserts.begin(), diff.inserts.end());
  if (s.ok()) {
    s = RunForEach(db,
                   "REPLACE INTO graph_row_digests (repository, kind, key, digest) VALUES (?1, ?2, "
                   "?3, ?4)",
                   changed.size(), [&](SqliteStatement* st, size_t i) {
                     st->BindText(1, repository);
                     st->BindInt64(2, spec.kind);
                     st->BindText(3, std::get<std::string_view>(rows[changed[i]][0]));
                     st->BindText(4, DigestText(diff.digests[changed[i]]));
                   });
  }
  return s;
}

}  // namespace

Status SqliteStore::CountGraphRows(std::string_view repository, int64_t* nodes, int64_t* metrics) {
  for (const auto& [sql, out] :
       {std::pair{kCountNodesSql, nodes},
        std::pair{"SELECT COUNT(*) FROM computed_metrics WHERE repository = ?1", metrics}}) {
    SqliteStatement stmt;
    if (Status s = db_->Prepare(sql, &stmt); !s.ok()) return s;
    stmt.BindText(1, repository);
    bool has_row = false;
    if (Status s = stmt.Step(&has_row); !s.ok()) return s;
    *out = has_row ? stmt.ColumnInt64(0) : 0;
  }
  return Status::Ok();
}

Status SqliteStore::WriteGraphDiff(std::string_view repository, const GraphRows& rows,
                                   const std::string& now) {
  // The reference design's order: dependents are deleted before the rows they hang off.
  const std::pair<const TableSpec*, std::vector<Row>> tables[] = {
      {&kMetadata, MetadataRows(rows)}, {&kMetrics, MetricRows(repository, rows)},
      {&kWeights, WeightRows(rows)},    {&kEdges, EdgeRows(rows)},
      {&kNodes, NodeRows(rows)},
  };
  bool unique = true;
  for (const auto& table : tables) unique = unique && KeysUnique(table.second);

  std::pmr::monotonic_buffer_resource arena;
  std::pmr::vector<StoredDigests> stored(std::size(tables), &arena);  // by TableSpec::kind
  int64_t digests = 0;
  if (unique) {
    SqliteStatement stmt;
    Status s = db_->Prepare("SELECT kind, key, digest FROM graph_row_digests WHERE repository = ?1",
                            &stmt);
    if (s.ok()) stmt.BindText(1, repository);
    for (bool has_row = true; s.ok();) {
      if (s = stmt.Step(&has_row); !s.ok() || !has_row) break;
      const int64_t kind = stmt.ColumnInt64(0);
      if (kind < 0 || kind >= static_cast<int64_t>(stored.size())) continue;
      stored[static_cast<size_t>(kind)].emplace(stmt.ColumnTextView(1),
                                                ParseDigest(stmt.ColumnTextView(2)));
      ++digests;
    }
    if (!s.ok()) return Annotate(s, "reading graph_row_digests");
  }
  bool trusted = unique && digests > 0;
  if (trusted) {  // one digest per stored node and metrics row: else rows changed behind our back
    int64_t nodes = 0, metrics = 0;
    if (Status s = CountGraphRows(repository, &nodes, &metrics); !s.ok()) return s;
    trusted = nodes == static_cast<int64_t>(stored[kNodes.kind].size()) &&
              metrics == static_cast<int64_t>(stored[kMetrics.kind].size());
  }
  if (!trusted) {  // the whole graph (DeleteGraphRows deletes the digests too)
    if (Status s = DeleteGraphRows(repository); !s.ok()) return s;
    if (Status s = InsertGraphRows(repository, rows, now); !s.ok()) return s;
    if (!unique) return Status::Ok();  // rows that cannot be matched get no digests
  }
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  if (state == nullptr) return Status::Internal("no memory for a digest state");
  StoredDigests none(&arena);  // an untrusted graph was rewritten whole: every row is new
  for (const auto& [spec, table_rows] : tables) {
    TableDiff diff;
    DiffTable(table_rows, trusted ? &stored[static_cast<size_t>(spec->kind)] : &none, state.get(),
              &diff);
    if (trusted) {
      if (Status s = WriteTableRows(db_.get(), *spec, table_rows, diff, now); !s.ok()) {
        return Annotate(s, spec->table);
      }
    }
    if (Status s = WriteTableDigests(db_.get(), repository, *spec, table_rows, diff); !s.ok()) {
      return Annotate(s, "graph_row_digests");
    }
  }
  return CheckNodesFound(repository, static_cast<int64_t>(rows.nodes.size()));
}

}  // namespace semdex
