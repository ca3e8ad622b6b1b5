// JsonReader (the graph's metadata reader) and the JSON writers, including malformed input.
#include "graph/json_text.h"

#include <gtest/gtest.h>

namespace semdex::graph_internal {
namespace {

TEST(JsonTextTest, ReadsTheFieldsAskedForAndSkipsTheRest) {
  JsonReader r(R"( {"skip": {"deep": [1, {"x": "}"}], "s": "a\"b"}, "calls": [
      {"callee": "a.b", "line": 3, "is_new": true, "context": "x"},
      {"line": -2, "callee": "\u00e9\ud83d\ude00\\n"}], "n": null, "f": 1.5e3, "t": true} )");
  std::string_view key;
  std::vector<std::string> callees;
  std::vector<int64_t> lines;
  bool is_new = false, t = false;
  ASSERT_TRUE(r.BeginObject());
  while (r.NextKey(&key)) {
    if (key == "calls" && r.BeginArray()) {
      while (r.NextElement()) {
        ASSERT_TRUE(r.BeginObject());
        std::string_view k;
        while (r.NextKey(&k)) {
          if (k == "callee") {
            callees.push_back(r.ReadString());
          } else if (k == "line") {
            lines.push_back(r.ReadInt());
          } else if (k == "is_new") {
            is_new = r.ReadBool();
          } else {
            r.Skip();
          }
        }
      }
    } else if (key == "t") {
      t = r.ReadBool();
    } else {
      r.Skip();
    }
  }
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(callees, (std::vector<std::string>{"a.b", "\xc3\xa9\xf0\x9f\x98\x80\\n"}));
  EXPECT_EQ(lines, (std::vector<int64_t>{3, -2}));
  EXPECT_TRUE(is_new);
  EXPECT_TRUE(t);
}

TEST(JsonTextTest, WrongKindsGiveDefaults) {
  JsonReader r(R"({"a": [1], "b": "x", "c": 7})");
  std::string_view key;
  ASSERT_TRUE(r.BeginObject());
  ASSERT_TRUE(r.NextKey(&key));
  EXPECT_EQ(r.ReadString(), "");  // an array: skipped
  ASSERT_TRUE(r.NextKey(&key));
  EXPECT_EQ(r.ReadInt(), 0);
  ASSERT_TRUE(r.NextKey(&key));
  EXPECT_EQ(r.ReadInt(), 7);
  EXPECT_FALSE(r.NextKey(&key));
  EXPECT_FALSE(r.failed());
}

TEST(JsonTextTest, MalformedTextEndsEveryLoop) {
  for (std::string_view text : {"", "{", "{\"a\": ", "{\"a\" 1}", "{\"a\": [1, 2", "[\"abc",
                                "{\"a\": tru}", "nul", "{\"a\": @}"}) {
    JsonReader r(text);
    std::string_view key;
    int keys = 0;
    if (r.BeginObject()) {
      while (r.NextKey(&key) && keys < 100) {
        ++keys;
        r.Skip();
      }
    } else {
      r.Skip();
    }
    EXPECT_LT(keys, 100) << text;
    EXPECT_TRUE(r.failed()) << text;
  }
  JsonReader bad_escape(R"("\u12")");  // skipping does not decode; reading does
  EXPECT_EQ(bad_escape.ReadString(), "");
  EXPECT_TRUE(bad_escape.failed());
  std::string deep(100000, '[');
  JsonReader r(deep);
  r.Skip();
  EXPECT_TRUE(r.failed());
}

TEST(JsonTextTest, WritesEscapedStringsAndNumbers) {
  std::string out;
  AppendJsonString(&out, "a\"b\\c\nd\te\x01");
  EXPECT_EQ(out, R"("a\"b\\c\nd\te\u0001")");
  out.clear();
  AppendJsonDouble(&out, 0.25);
  out += ',';
  AppendJsonDouble(&out, 1.0 / 0.0);
  EXPECT_EQ(out, "0.25,0");
}

}  // namespace
}  // namespace semdex::graph_internal
