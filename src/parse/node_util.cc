// Helpers shared by the chunkers: the line index, tree-sitter node access, text clean-up and
// module-run bookkeeping.
#include <algorithm>

#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsBlank(std::string_view line) { return std::all_of(line.begin(), line.end(), IsSpace); }

}  // namespace

SourceText::SourceText(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t nl = text.find('\n'); nl != std::string_view::npos && nl + 1 < text.size();
       nl = text.find('\n', nl + 1)) {
    line_starts_.push_back(static_cast<uint32_t>(nl + 1));
  }
  line_count_ = text.empty() ? 0 : static_cast<int>(line_starts_.size());
  nonblank_before_.assign(line_starts_.size() + 1, 0);
  for (size_t i = 0; i < line_starts_.size(); ++i) {
    bool blank = IsBlank(LineText(static_cast<int>(i) + 1));
    nonblank_before_[i + 1] = nonblank_before_[i] + (blank ? 0 : 1);
  }
}

int SourceText::LineOf(uint32_t byte) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), byte);
  return static_cast<int>(it - line_starts_.begin());
}

std::string_view SourceText::LineText(int line) const {
  uint32_t start = line_starts_[line - 1];
  uint32_t end = line < static_cast<int>(line_starts_.size()) ? line_starts_[line] - 1
                                                              : static_cast<uint32_t>(text_.size());
  std::string_view s = text_.substr(start, end - start);
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

int SourceText::NonBlankLines(int first, int last) const {
  if (first < 1 || last < first) return 0;
  last = std::min(last, static_cast<int>(line_starts_.size()));
  return nonblank_before_[last] - nonblank_before_[first - 1];
}

std::vector<TSNode> Children(TSNode n) {
  std::vector<TSNode> out;
  TSTreeCursor cursor = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      out.push_back(ts_tree_cursor_current_node(&cursor));
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return out;
}

std::vector<TSNode> FieldChildren(TSNode n, std::string_view name) {
  std::vector<TSNode> out;
  TSTreeCursor cursor = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      const char* field = ts_tree_cursor_current_field_name(&cursor);
      if (field != nullptr && name == field) out.push_back(ts_tree_cursor_current_node(&cursor));
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return out;
}

bool HasToken(TSNode n, std::string_view token) {
  TSTreeCursor cursor = ts_tree_cursor_new(n);
  bool found = false;
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      TSNode c = ts_tree_cursor_current_node(&cursor);
      found = !ts_node_is_named(c) && NodeType(c) == token;
    } while (!found && ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return found;
}

TSNode ChildOfType(TSNode n, std::string_view type) { return ChildOfType(Children(n), type); }

bool HasToken(const std::vector<TSNode>& children, std::string_view token) {
  return std::any_of(children.begin(), children.end(),
                     [&](TSNode c) { return !ts_node_is_named(c) && NodeType(c) == token; });
}

TSNode ChildOfType(const std::vector<TSNode>& children, std::string_view type) {
  for (TSNode c : children) {
    if (ts_node_is_named(c) && NodeType(c) == type) return c;
  }
  return TSNode{};
}

bool IsComment(TSNode n) { return NodeType(n) == "comment"; }

std::string CollapseWhitespace(std::string_view text, size_t max_bytes) {
  std::string out;
  auto word_start = std::find_if_not(text.begin(), text.end(), IsSpace);
  while (word_start != text.end() && out.size() <= max_bytes) {
    auto word_end = std::find_if(word_start, text.end(), IsSpace);
    if (!out.empty()) out.push_back(' ');
    out.append(word_start, word_end);
    word_start = std::find_if_not(word_end, text.end(), IsSpace);
  }
  if (out.size() <= max_bytes) return out;
  return TruncateUtf8(out, max_bytes);
}

std::string_view StripQuotes(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"' || text.front() == '`') &&
      text.back() == text.front()) {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::string ModulePath(std::string_view path) {
  size_t slash = path.find_last_of('/');
  size_t base = slash == std::string_view::npos ? 0 : slash + 1;
  size_t dot = path.find_last_of('.');
  if (dot == std::string_view::npos || dot <= base) return std::string(path);
  std::string_view stem = path.substr(0, dot);
  // Declaration files: "a.d.ts" names module "a".
  if (stem.size() > base + 2 && stem.ends_with(".d")) stem.remove_suffix(2);
  return std::string(stem);
}

std::string ModuleBaseName(std::string_view path) {
  std::string stem = ModulePath(path);
  size_t slash = stem.find_last_of('/');
  return slash == std::string::npos ? stem : stem.substr(slash + 1);
}

ModuleRunBuilder::ModuleRunBuilder(std::string_view path, std::vector<ChunkDraft>* drafts)
    : name_(ModuleBaseName(path)), qualified_name_(ModulePath(path)), drafts_(drafts) {}

int ModuleRunBuilder::Add(TSNode node) {
  ByteRange r = RangeOf(node);
  if (current_ < 0) {
    ChunkDraft d;
    d.chunk.type = ChunkType::kModule;
    d.chunk.name = name_;
    d.chunk.qualified_name = qualified_name_;
    d.range = r;
    drafts_->push_back(std::move(d));
    current_ = static_cast<int>(drafts_->size()) - 1;
  }
  ChunkDraft& d = (*drafts_)[current_];
  d.range.end = std::max(d.range.end, r.end);
  d.roots.push_back(node);
  return current_;
}

bool ModuleRunBuilder::Extend(TSNode node) {
  if (current_ < 0) return false;
  Add(node);
  return true;
}

std::vector<std::vector<ByteRange>> ChildRanges(const std::vector<ChunkDraft>& drafts) {
  std::vector<std::vector<ByteRange>> out(drafts.size());
  for (const ChunkDraft& d : drafts) {
    if (d.parent >= 0) out[d.parent].push_back(d.range);
  }
  for (auto& ranges : out) {
    std::sort(ranges.begin(), ranges.end(),
              [](const ByteRange& a, const ByteRange& b) { return a.start < b.start; });
  }
  return out;
}

LocalExports LocalExportsOf(const std::vector<ExportRecord>& exports) {
  LocalExports out;
  for (const ExportRecord& e : exports) {
    if (!e.source.empty() || e.local.empty()) continue;
    out[e.local] = out[e.local] || e.name == "default";
  }
  return out;
}

}  // namespace semdex::parse_internal
