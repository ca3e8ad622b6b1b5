// The graph of rxjs@7.8.2 src/: edges checked by hand against the sources, and identical rows
// for sequential and parallel runs.
#include <gtest/gtest.h>

#include <filesystem>

#include "graph_test_util.h"

namespace semdex {
namespace {

using Set = std::set<std::string>;
using List = std::vector<std::string>;

class RxjsGraphTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string src = std::string(SEMDEX_NPM_CACHE_DIR) + "/rxjs-7.8.2/package/src";
    ASSERT_TRUE(std::filesystem::is_directory(src)) << src << " missing: run scripts/setup.sh";
    db_ = new testing::TempDir();
    for (const auto& [name, sequential] : {std::pair{"seq.db", true}, {"par.db", false}}) {
      std::unique_ptr<Store> store;
      ASSERT_TRUE(OpenStore(*db_ / name, StoreOptions(), &store).ok());
      IndexOptions options;
      options.root = src;
      options.repository = "rxjs";
      options.sequential = sequential;
      options.workers = 3;
      IndexSummary summary;
      Status s = RunIndex(options, store.get(), &summary);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  static List Query(const std::string& sql) { return testing::QueryRows(*db_ / "seq.db", sql); }

  // Targets of `relation` edges leaving the node `label` of `file` ("" for a Module node), as
  // "<file>:<label>" ("<file>" for Module targets).
  static Set From(const std::string& file, const std::string& label, const std::string& relation) {
    List rows = Query(
        "SELECT CASE t.node_type WHEN 'Module' THEN t.label ELSE (t.properties->>'file_path') || "
        "':' || t.label END FROM edges e JOIN nodes s ON s.node_id = e.source_node_id JOIN nodes "
        "t ON t.node_id = e.target_node_id WHERE e.relation_type = '" +
        relation + "' AND " +
        (label.empty()
             ? "s.node_type = 'Module' AND s.label = '" + file + "'"
             : "s.properties->>'file_path' = '" + file + "' AND s.label = '" + label + "'"));
    return Set(rows.begin(), rows.end());
  }

  static testing::TempDir* db_;
};

testing::TempDir* RxjsGraphTest::db_ = nullptr;

TEST_F(RxjsGraphTest, MapCallsAndImports) {
  // src/internal/operators/map.ts: `return operate((source, subscriber) => { ...
  // source.subscribe(createOperatorSubscriber(subscriber, (value) => {
  // subscriber.next(project.call(thisArg, value, index++)); })); });`
  EXPECT_EQ(From("internal/operators/map.ts", "map", "calls"),
            (Set{"internal/operators/OperatorSubscriber.ts:createOperatorSubscriber",
                 "internal/util/lift.ts:operate"}));
  EXPECT_EQ(
      Query("SELECT j.value->>'callee' || ':' || (j.value->>'unresolved') FROM "
            "detailed_metadata d JOIN nodes n ON n.node_id = d.node_id, "
            "json_each(d.metadata->'calls') j WHERE n.label = 'map' AND "
            "n.properties->>'file_path' = 'internal/operators/map.ts' AND "
            "j.value->>'unresolved' IS NOT NULL"),
      (List{"source.subscribe:receiver", "subscriber.next:receiver", "project.call:receiver"}));
  EXPECT_EQ(From("internal/operators/map.ts", "", "imports"),
            (Set{"internal/operators/OperatorSubscriber.ts", "internal/types.ts",
                 "internal/util/lift.ts"}));
  // Who imports map.ts: the two barrels (export ... from) and the operators built on map.
  Set importers;
  for (const std::string& row :
       Query("SELECT s.label FROM edges e JOIN nodes s ON s.node_id = e.source_node_id JOIN "
             "nodes t ON t.node_id = e.target_node_id WHERE e.relation_type = 'imports' AND "
             "t.label = 'internal/operators/map.ts'")) {
    importers.insert(row);
  }
  EXPECT_TRUE(importers.count("index.ts") && importers.count("operators/index.ts") &&
              importers.count("internal/operators/mapTo.ts") &&
              importers.count("internal/operators/mergeMap.ts"));
  EXPECT_TRUE(From("index.ts", "", "re_exports").count("internal/operators/map.ts:map"));
  EXPECT_TRUE(From("operators/index.ts", "", "re_exports").count("internal/operators/map.ts:map"));
  // mergeMap.ts: `import { map } from './map'` ... `map((b, ii) => resultSelector(a, b, i, ii))`.
  EXPECT_TRUE(From("internal/operators/mergeMap.ts", "mergeMap", "calls")
                  .count("internal/operators/map.ts:map"));
}

TEST_F(RxjsGraphTest, ClassesHeritageThisAndSuper) {
  // class Subscriber<T> extends Subscription implements Observer<T>
  EXPECT_EQ(From("internal/Subscriber.ts", "Subscriber", "extends"),
            Set{"internal/Subscription.ts:Subscription"});
  EXPECT_EQ(From("internal/Subscriber.ts", "Subscriber", "implements"),
            Set{"internal/types.ts:Observer"});
  EXPECT_EQ(From("internal/Subject.ts", "Subject", "extends"),
            Set{"internal/Observable.ts:Observable"});
  // Subscriber.unsubscribe: `super.unsubscribe()`; constructor: `super()`.
  EXPECT_TRUE(From("internal/Subscriber.ts", "Subscriber.unsubscribe", "calls")
                  .count("internal/Subscription.ts:Subscription.unsubscribe"));
  EXPECT_TRUE(From("internal/Subscriber.ts", "Subscriber.constructor", "calls")
                  .count("internal/Subscription.ts:Subscription.constructor"));
  // Subscriber.next: `this._next(value)`.
  EXPECT_TRUE(From("internal/Subscriber.ts", "Subscriber.next", "calls")
                  .count("internal/Subscriber.ts:Subscriber._next"));
  // Observable.subscribe: `this._trySubscribe(subscriber)` inside errorContext's callback.
  EXPECT_TRUE(From("internal/Observable.ts", "Observable.subscribe", "calls")
                  .count("internal/Observable.ts:Observable._trySubscribe"));
  // Subscriber.create: `return new SafeSubscriber(next, error, complete)`.
  EXPECT_EQ(From("internal/Subscriber.ts", "Subscriber.create", "calls"),
            Set{"internal/Subscriber.ts:SafeSubscriber"});
}

TEST_F(RxjsGraphTest, SequentialAndParallelGraphsAreIdentical) {
  // Every graph row without timestamps and autoincrement ids (the tables hold rxjs only).
  auto rows = [&](const std::string& name) {
    const std::vector<std::string> queries = {
        "SELECT node_id, node_type, label, properties FROM nodes",
        "SELECT edge_id, source_node_id, target_node_id, relation_type, properties FROM edges",
        "SELECT edge_id, call_count, importance_score, is_critical_path FROM edge_weights",
        "SELECT node_id, chunk_id, cyclomatic_complexity, cognitive_complexity, lines_of_code, "
        "afferent_coupling, efferent_coupling, instability, pagerank, betweenness FROM "
        "computed_metrics",
        "SELECT node_id, chunk_id, metadata FROM detailed_metadata"};
    List all;
    for (const std::string& sql : queries) {
      List part = testing::QueryRows(*db_ / name, sql + " ORDER BY 1");
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  };
  List sequential = rows("seq.db");
  EXPECT_GT(sequential.size(), 5000u);
  EXPECT_TRUE(sequential == rows("par.db"));
}

}  // namespace
}  // namespace semdex
