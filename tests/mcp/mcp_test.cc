// End-to-end tests of `semdex mcp`: a client speaks the protocol over pipes to the built binary:
// the handshake and version negotiation, tools/list, every tool on a repository the server
// indexes itself, and malformed messages, after each of which the server must keep serving.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "mcp/mcp_client.h"
#include "test_util.h"

namespace semdex {
namespace {

using nlohmann::json;
using testing::McpClient;
using testing::TempDir;
using testing::WriteFile;

class McpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(src_ / "a.ts",
              "import { helper } from './b';\n"
              "export function main() { return helper(1); }\n");
    WriteFile(src_ / "b.ts",
              "import { deep } from './c';\n"
              "export function helper(x: number) { return deep(x); }\n");
    WriteFile(src_ / "c.ts",
              "/** Walks down to zero. */\n"
              "export function deep(x: number): number { return x > 0 ? deep(x - 1) : 0; }\n");
    WriteFile(src_ / "d.ts", "export function helper() { return 3; }\n");
    WriteFile(src_ / "blob.ts", std::string("\0\0\0binary\0\0", 11));  // skipped: binary
  }

  std::unique_ptr<McpClient> Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"mcp", "--db", db_ / "index.db"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<McpClient>(SEMDEX_BINARY, args, db_ / "stderr.log");
  }

  json Initialize(McpClient* client, const std::string& version = "2025-06-18") {
    json r = client->Request("initialize", {{"protocolVersion", version},
                                            {"capabilities", json::object()},
                                            {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
    client->Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    return r;
  }

  // The JSON a successful tool result carries (its text content, which must equal its
  // structuredContent).
  static json ToolJson(const json& result) {
    EXPECT_EQ(result.value("isError", true), false) << result.dump();
    if (!result.contains("content")) return nullptr;
    EXPECT_EQ(result["content"][0]["type"], "text");
    json parsed = json::parse(result["content"][0]["text"].get<std::string>());
    EXPECT_EQ(parsed, result["structuredContent"]);
    return parsed;
  }

  static std::set<std::string> Names(const json& results, const char* key = "qualified_name") {
    std::set<std::string> out;
    for (const json& r : results) out.insert(r[key].get<std::string>());
    return out;
  }

  std::string Stderr() const {
    std::ifstream in(db_ / "stderr.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  TempDir src_, db_;
};

TEST_F(McpTest, InitializeNegotiatesTheVersion) {
  auto client = Start();
  json r = Initialize(client.get());
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_TRUE(r["result"]["capabilities"]["tools"].is_object());
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "semdex");
  // An older version the server speaks is echoed; an unknown one gets the latest.
  EXPECT_EQ(Initialize(client.get(), "2024-11-05")["result"]["protocolVersion"], "2024-11-05");
  EXPECT_EQ(Initialize(client.get(), "2025-03-26")["result"]["protocolVersion"], "2025-03-26");
  EXPECT_EQ(Initialize(client.get(), "1999-01-01")["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(client->Request("ping", json::object())["result"], json::object());
  EXPECT_EQ(client->Finish(), 0);
}

TEST_F(McpTest, ToolsListHasEveryToolWithASchema) {
  auto client = Start();
  Initialize(client.get());
  json r = client->Request("tools/list", json::object());
  std::set<std::string> names;
  for (const json& tool : r["result"]["tools"]) {
    names.insert(tool["name"].get<std::string>());
    EXPECT_FALSE(tool["description"].get<std::string>().empty());
    const json& schema = tool["inputSchema"];
    EXPECT_EQ(schema["type"], "object") << tool["name"];
    for (const json& required : schema["required"]) {
      EXPECT_TRUE(schema["properties"].contains(required.get<std::string>())) << tool["name"];
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"search_code", "index_repository", "get_callers",
                                          "get_callees", "find_path", "get_indexing_status",
                                          "get_indexing_errors", "graph_stats"}));
  EXPECT_EQ(client->Finish(), 0);
}

TEST_F(McpTest, EveryToolOnARepositoryTheServerIndexes) {
  auto client = Start();
  Initialize(client.get());
  json index = ToolJson(client->CallTool(
      "index_repository", {{"path", src_.path()}, {"repository", "fx"}, {"no_embed", true}}));
  EXPECT_EQ(index["repository"], "fx");
  EXPECT_EQ(index["success_files"], 4);
  EXPECT_EQ(index["skipped_files"], 1);

  json status = ToolJson(client->CallTool("get_indexing_status", json::object()));
  ASSERT_EQ(status["repositories"].size(), 1u);
  EXPECT_EQ(status["repositories"][0]["repository"], "fx");
  EXPECT_EQ(status["repositories"][0]["files"], 4);
  EXPECT_EQ(status["repositories"][0]["skipped_files"], 1);
  EXPECT_EQ(status["repositories"][0]["model"], nullptr);

  json errors = ToolJson(client->CallTool("get_indexing_errors", {{"repository", "fx"}}));
  ASSERT_EQ(errors["files"].size(), 1u);
  EXPECT_EQ(errors["files"][0]["file"], "blob.ts");
  EXPECT_EQ(errors["files"][0]["status"], "skipped");
  EXPECT_EQ(errors["files"][0]["reason"], "binary");

  json callers = ToolJson(client->CallTool("get_callers", {{"symbol", "deep"}, {"depth", 2}}));
  EXPECT_EQ(callers["symbol"], "deep");
  EXPECT_EQ(Names(callers["results"]), (std::set<std::string>{"helper", "main"}));
  EXPECT_EQ(callers["results"][0]["file"], "b.ts");
  EXPECT_EQ(callers["results"][0]["relation"], "called_by");

  json callees = ToolJson(client->CallTool("get_callees", {{"symbol", "a.ts:main"}}));
  ASSERT_EQ(callees["results"].size(), 1u);
  EXPECT_EQ(callees["results"][0]["file"], "b.ts");
  EXPECT_EQ(callees["results"][0]["line"], 2);

  json path = ToolJson(client->CallTool("find_path", {{"from", "main"}, {"to", "deep"}}));
  EXPECT_EQ(path["found"], true);
  ASSERT_EQ(path["results"].size(), 3u);
  EXPECT_EQ(path["results"][1]["qualified_name"], "helper");

  json stats = ToolJson(client->CallTool("graph_stats", {{"repository", "fx"}, {"top", 2}}));
  EXPECT_EQ(stats["nodes_by_type"]["Module"], 4);
  EXPECT_EQ(stats["edges_by_relation"]["calls"], 3);
  EXPECT_EQ(stats["top_pagerank"].size(), 2u);

  // Indexed with no_embed: hybrid search runs lexically and says so.
  json search = ToolJson(client->CallTool("search_code", {{"query", "walks down to zero"}}));
  ASSERT_FALSE(search["results"].empty()) << search.dump();
  EXPECT_EQ(search["results"][0]["file"], "c.ts");
  EXPECT_EQ(search["results"][0]["name"], "deep");
  EXPECT_FALSE(search["notes"].empty());

  // Re-indexing shows in the next answer (the server's cached graph is reloaded).
  WriteFile(src_ / "e.ts",
            "import { deep } from './c';\nexport function extra() { return deep(2); }\n");
  ToolJson(client->CallTool("index_repository",
                            {{"path", src_.path()}, {"repository", "fx"}, {"no_embed", true}}));
  callers = ToolJson(client->CallTool("get_callers", {{"symbol", "deep"}}));
  EXPECT_EQ(Names(callers["results"]), (std::set<std::string>{"extra", "helper"}));

  // Tool failures are results with isError, not protocol errors.
  json ambiguous = client->CallTool("get_callers", {{"symbol", "helper"}});
  EXPECT_EQ(ambiguous["isError"], true);
  const std::string text = ambiguous["content"][0]["text"];
  EXPECT_NE(text.find("ambiguous"), std::string::npos) << text;
  EXPECT_NE(text.find("d.ts:helper (function, line 1)"), std::string::npos) << text;
  EXPECT_EQ(client->CallTool("get_callees", {{"symbol", "nosuch"}})["isError"], true);
  EXPECT_EQ(client->CallTool("index_repository",
                             {{"path", src_ / "missing"}, {"no_embed", true}})["isError"],
            true);
  EXPECT_EQ(client->CallTool("get_indexing_errors", {{"repository", "other"}})["isError"], true);

  EXPECT_EQ(client->Finish(), 0);
  // stdout held nothing but JSON-RPC responses; the index run's progress went to stderr.
  for (const std::string& line : client->AllLines()) {
    json j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    EXPECT_EQ(j["jsonrpc"], "2.0");
    EXPECT_TRUE(j.contains("result") != j.contains("error")) << line;
  }
  EXPECT_NE(Stderr().find("index_repository"), std::string::npos);
}

TEST_F(McpTest, MalformedMessagesGetErrorsAndTheServerGoesOn) {
  auto client = Start({"--max-message-bytes", "300000"});
  Initialize(client.get());
  auto error_of = [&](const std::string& raw) {
    EXPECT_TRUE(client->SendRaw(raw + "\n"));
    return json::parse(client->ReadLine(), nullptr, false);
  };
  struct Case {
    std::string raw;
    int code;
    json id;
  };
  const std::string nested = std::string(100000, '[') + std::string(100000, ']');
  for (const Case& c : std::vector<Case>{
           {"{not json", -32700, nullptr},
           {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"", -32700, nullptr},  // cut short
           {"\"\xff\xfe\"", -32700, nullptr},                                       // invalid UTF-8
           {std::string(400000, 'x'), -32700, nullptr},  // longer than --max-message-bytes
           {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600, nullptr},  // batch
           {"[]", -32600, nullptr},
           {nested, -32600, nullptr},
           {"42", -32600, nullptr},
           {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", -32600, nullptr},
           {"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", -32600, nullptr},
           {"{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}", -32600, 7},
           {"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":5}", -32600, 7},
           {"{\"jsonrpc\":\"2.0\",\"id\":7}", -32600, 7},
           {"{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/nope\"}", -32601, "s"},
           {"{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\",\"params\":[1]}", -32602, 8},
           {"{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"initialize\",\"params\":{}}", -32602, 8},
           {"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{}}", -32602, 9},
       }) {
    json r = error_of(c.raw);
    ASSERT_TRUE(r.is_object()) << c.raw.substr(0, 80);
    EXPECT_EQ(r["error"]["code"], c.code) << c.raw.substr(0, 80) << " -> " << r.dump();
    EXPECT_EQ(r["id"], c.id) << c.raw.substr(0, 80);
    EXPECT_EQ(r["jsonrpc"], "2.0");
  }
  // tools/call: unknown tool, missing, mistyped, out-of-range and unknown arguments.
  for (const json& params : std::vector<json>{
           {{"name", "no_such_tool"}, {"arguments", json::object()}},
           {{"name", 5}},
           {{"name", "get_callers"}, {"arguments", json::object()}},
           {{"name", "get_callers"}, {"arguments", {{"symbol", 5}}}},
           {{"name", "get_callers"}, {"arguments", {{"symbol", ""}}}},
           {{"name", "get_callers"}, {"arguments", {{"symbol", "x"}, {"depth", 0}}}},
           {{"name", "get_callers"}, {"arguments", {{"symbol", "x"}, {"depth", 1.5}}}},
           {{"name", "get_callers"}, {"arguments", {{"symbol", "x"}, {"depth", 1e300}}}},
           {{"name", "get_callers"}, {"arguments", {{"symbol", "x"}, {"colour", "red"}}}},
           {{"name", "get_callers"}, {"arguments", "symbol=x"}},
           {{"name", "search_code"}, {"arguments", {{"query", "x"}, {"mode", "fuzzy"}}}},
           {{"name", "index_repository"}, {"arguments", {{"path", "."}, {"no_embed", "yes"}}}},
       }) {
    json r = client->Request("tools/call", params);
    EXPECT_EQ(r["error"]["code"], -32602) << params.dump() << " -> " << r.dump();
  }
  // Notifications and responses get no answer: the next line is the ping's.
  client->SendRaw("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}\n");
  client->SendRaw("{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\n");
  client->SendRaw("\n   \n");
  EXPECT_EQ(client->Request("ping", json::object())["result"], json::object());
  // A tool on an empty index fails as a tool, not as the protocol.
  EXPECT_EQ(client->CallTool("graph_stats", json::object())["isError"], true);
  EXPECT_EQ(client->Finish(), 0);
}

TEST_F(McpTest, LastMessageWithoutNewlineIsServed) {
  auto client = Start();
  client->SendRaw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
  client->CloseInput();
  json r = json::parse(client->ReadLine(), nullptr, false);
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(client->Finish(), 0);
}

}  // namespace
}  // namespace semdex
