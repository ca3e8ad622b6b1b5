// Parser: runs tree-sitter on one file and the language's chunker, metadata extractor and
// the shared assembly step (see parse_internal.h).
#include <limits>
#include <memory>
#include <new>

#include "parse/parse_internal.h"

namespace semdex {

using parse_internal::AssembleChunks;
using parse_internal::ChunkDraft;
using parse_internal::SourceText;

std::string_view ChunkTypeName(ChunkType type) {
  switch (type) {
    case ChunkType::kFunction:
      return "function";
    case ChunkType::kMethod:
      return "method";
    case ChunkType::kClass:
      return "class";
    case ChunkType::kInterface:
      return "interface";
    case ChunkType::kTypeAlias:
      return "type";
    case ChunkType::kEnum:
      return "enum";
    case ChunkType::kNamespace:
      return "namespace";
    case ChunkType::kModule:
      return "module";
  }
  return "unknown";
}

namespace {

constexpr size_t kLanguageCount = static_cast<size_t>(Language::kPython) + 1;

const TSLanguage* GrammarFor(Language language) {
  switch (language) {
    case Language::kTypeScript:
      return tree_sitter_typescript();
    case Language::kTsx:
      return tree_sitter_tsx();
    case Language::kJavaScript:
      return tree_sitter_javascript();
    case Language::kPython:
      return tree_sitter_python();
  }
  return nullptr;
}

// ERROR nodes plus MISSING nodes; only subtrees that contain errors are visited.
int CountSyntaxErrors(TSNode root) {
  int count = 0;
  parse_internal::WalkSubtrees({root}, {}, [&count](TSNode n) {
    if (ts_node_is_missing(n) || parse_internal::IsType(n, "ERROR")) ++count;
    return ts_node_has_error(n);
  });
  return count;
}

// The whole file as line-split module chunks, for sources tree-sitter cannot take safely.
void ChunkWithoutTree(const SourceText& src, std::string_view path, const ParseOptions& options,
                      ParsedFile* out) {
  std::string_view text = src.text();
  size_t first = text.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) return;
  size_t last = text.find_last_not_of(" \t\r\n\f\v");
  ChunkDraft d;
  d.chunk.type = ChunkType::kModule;
  d.chunk.name = parse_internal::ModuleBaseName(path);
  d.chunk.qualified_name = parse_internal::ModulePath(path);
  d.range = {static_cast<uint32_t>(first), static_cast<uint32_t>(last + 1)};
  AssembleChunks(src, options, {d}, out);
}

struct TreeDeleter {
  void operator()(TSTree* tree) const { ts_tree_delete(tree); }
};

}  // namespace

struct Parser::Impl {
  TSParser* parser = ts_parser_new();
  // TsGrammar of each TypeScript-family language, made when first needed.
  std::unique_ptr<parse_internal::TsGrammar> ts_grammars[kLanguageCount];
  ~Impl() { ts_parser_delete(parser); }

  const parse_internal::TsGrammar& TsGrammarFor(Language language) {
    auto& grammar = ts_grammars[static_cast<size_t>(language)];
    if (!grammar) grammar = std::make_unique<parse_internal::TsGrammar>(GrammarFor(language));
    return *grammar;
  }
  Status Run(std::string_view path, Language language, std::string_view source,
             const ParseOptions& options, ParsedFile* out);
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

Status Parser::Parse(std::string_view path, Language language, std::string_view source,
                     const ParseOptions& options, ParsedFile* out) {
  if (out == nullptr) return Status::InvalidArgument("Parse: no output for " + std::string(path));
  *out = ParsedFile{};
  if (source.size() >= std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("file too large to parse (4 GiB or more): " + std::string(path));
  }
  try {
    Status s = impl_->Run(path, language, source, options, out);
    if (!s.ok()) *out = ParsedFile{};
    return s;
  } catch (const std::bad_alloc&) {
    *out = ParsedFile{};
    return Status::Internal("out of memory parsing " + std::string(path));
  } catch (const std::exception& e) {
    *out = ParsedFile{};
    return Status::Internal("parsing " + std::string(path) + ": " + e.what());
  }
}

Status Parser::Impl::Run(std::string_view path, Language language, std::string_view source,
                         const ParseOptions& options, ParsedFile* out) {
  SourceText src(source);
  out->line_count = src.line_count();
  if (parse_internal::EstimateParseStackPeak(source, language) >
      parse_internal::kMaxParseStackEstimate) {
    out->syntax_error_count = 1;
    ChunkWithoutTree(src, path, options, out);
    return Status::Ok();
  }
  ts_parser_reset(parser);
  if (!ts_parser_set_language(parser, GrammarFor(language))) {
    return Status::Internal("tree-sitter grammar version mismatch for " +
                            std::string(LanguageName(language)));
  }
  std::unique_ptr<TSTree, TreeDeleter> tree(
      ts_parser_parse_string(parser, nullptr, source.data(), static_cast<uint32_t>(source.size())));
  if (!tree) return Status::Internal("tree-sitter gave up on " + std::string(path));
  TSNode root = ts_tree_root_node(tree.get());
  out->syntax_error_count = CountSyntaxErrors(root);
  std::vector<ChunkDraft> drafts;
  if (language == Language::kPython) {
    parse_internal::ExtractPythonImportsExports(src, root, out);
    parse_internal::ChunkPython(src, path, root, parse_internal::LocalExportsOf(out->exports),
                                &drafts);
    parse_internal::FillPythonMetadata(src, &drafts);
  } else {
    const parse_internal::TsGrammar& grammar = TsGrammarFor(language);
    parse_internal::ExtractTsExports(src, root, out);
    parse_internal::ChunkTs(src, grammar, path, root, parse_internal::LocalExportsOf(out->exports),
                            &drafts);
    std::vector<TSNode> import_nodes;
    parse_internal::FillTsMetadata(src, grammar, &drafts, &import_nodes);
    parse_internal::ExtractTsImports(src, std::move(import_nodes), out);
  }
  AssembleChunks(src, options, std::move(drafts), out);
  return Status::Ok();
}

}  // namespace semdex
