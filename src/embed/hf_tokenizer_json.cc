// HfTokenizer: reading tokenizer.json (the encoding is in hf_tokenizer.cc).

#include <algorithm>
#include <nlohmann/json.hpp>

#include "embed/hf_tokenizer.h"
#include "embed/model_file.h"

namespace semdex {
namespace {

using nlohmann::json;

std::string TypeOf(const json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>()
                                                                      : "";
}

bool Flag(const json& j, const char* key, bool fallback) {
  return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
}

}  // namespace

Status HfTokenizer::Parse(std::string_view json_text, const std::string& origin,
                          std::unique_ptr<HfTokenizer>* out) {
  json doc;
  Status st = ParseModelJson(json_text, origin, &doc);
  if (!st.ok()) return st;
  if (!doc.is_object() || !doc.contains("model") || !doc["model"].is_object()) {
    return Status::ParseError(origin + ": no \"model\" object (not a tokenizer.json?)");
  }
  std::unique_ptr<HfTokenizer> t(new HfTokenizer());
  t->origin_ = origin;
  st = t->ParseModel(doc["model"]);
  if (st.ok()) st = t->ParseAddedTokens(doc);
  if (st.ok() && doc.contains("normalizer"))
    st = t->ParseNormalizer(doc["normalizer"], "normalizer");
  if (st.ok() && doc.contains("pre_tokenizer")) {
    st = t->ParsePreTokenizer(doc["pre_tokenizer"], "pre_tokenizer");
  }
  if (st.ok() && doc.contains("post_processor")) {
    st = t->ParsePostProcessor(doc["post_processor"], "post_processor");
  }
  if (!st.ok()) return st;
  *out = std::move(t);
  return Status::Ok();
}

Status HfTokenizer::ParseModel(const json& m) {
  const std::string type = TypeOf(m);
  const std::string where = origin_ + ": model";
  if (type != "BPE" && type != "WordPiece") {
    return Status::Unsupported(where + ".type \"" + type +
                               "\" is not supported (only BPE and WordPiece)");
  }
  wordpiece_ = type == "WordPiece";
  if (!m.contains("vocab") || !m["vocab"].is_object()) {
    return Status::ParseError(where + ".vocab is missing or not an object");
  }
  for (const auto& [token, id] : m["vocab"].items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      return Status::ParseError(where + ".vocab[\"" + token + "\"] is not a valid id");
    }
    vocab_[token] = id.get<int32_t>();
    vocab_size_ = std::max(vocab_size_, id.get<int32_t>() + 1);
  }
  Status st;
  if (m.contains("unk_token") && m["unk_token"].is_string()) {
    st = TokenId(m["unk_token"].get<std::string>(), where + ".unk_token", &unk_id_);
    if (!st.ok()) return st;
  }
  if (wordpiece_) {
    if (unk_id_ < 0) return Status::ParseError(where + ".unk_token is missing");
    if (m.contains("continuing_subword_prefix") && m["continuing_subword_prefix"].is_string()) {
      continuing_prefix_ = m["continuing_subword_prefix"].get<std::string>();
    }
    if (m.contains("max_input_chars_per_word") && m["max_input_chars_per_word"].is_number()) {
      max_input_chars_ = m["max_input_chars_per_word"].get<size_t>();
    }
    return Status::Ok();
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (m.contains(key) && m[key].is_string() && !m[key].get<std::string>().empty()) {
      return Status::Unsupported(where + "." + key + " is not supported");
    }
  }
  if (Flag(m, "byte_fallback", false)) {
    return Status::Unsupported(where + ".byte_fallback is not supported");
  }
  if (m.contains("dropout") && m["dropout"].is_number() && m["dropout"].get<double>() > 0) {
    return Status::Unsupported(where + ".dropout is not supported");
  }
  ignore_merges_ = Flag(m, "ignore_merges", false);
  fuse_unk_ = Flag(m, "fuse_unk", false);
  if (!m.contains("merges") || !m["merges"].is_array()) {
    return Status::ParseError(where + ".merges is missing or not an array");
  }
  int32_t rank = 0;
  for (const auto& merge : m["merges"]) {
    std::string a, b;
    if (merge.is_string()) {
      const std::string s = merge.get<std::string>();
      const size_t space = s.find(' ');
      if (space == std::string::npos) return Status::ParseError(where + ".merges: \"" + s + "\"");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      a = merge[0].get<std::string>();
      b = merge[1].get<std::string>();
    } else {
      return Status::ParseError(where + ".merges[" + std::to_string(rank) + "] is malformed");
    }
    int32_t ia, ib, id;
    const std::string what = where + ".merges[" + std::to_string(rank) + "]";
    if (!(st = TokenId(a, what, &ia)).ok() || !(st = TokenId(b, what, &ib)).ok() ||
        !(st = TokenId(a + b, what, &id)).ok()) {
      return st;
    }
    merges_.Add(ia, ib, rank++, id);
  }
  return Status::Ok();
}

Status HfTokenizer::TokenId(const std::string& token, const std::string& where, int32_t* id) const {
  auto it = vocab_.find(token);
  if (it != vocab_.end()) {
    *id = it->second;
    return Status::Ok();
  }
  for (const AddedToken& a : added_) {
    if (a.content == token) {
      *id = a.id;
      return Status::Ok();
    }
  }
  return Status::ParseError(where + ": token \"" + token + "\" is not in the vocabulary");
}

Status HfTokenizer::ParseAddedTokens(const json& doc) {
  if (!doc.contains("added_tokens") || doc["added_tokens"].is_null()) return Status::Ok();
  if (!doc["added_tokens"].is_array()) {
    return Status::ParseError(origin_ + ": added_tokens is not an array");
  }
  for (const auto& a : doc["added_tokens"]) {
    const std::string where = origin_ + ": added_tokens";
    if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() ||
        !a.contains("content") || !a["content"].is_string()) {
      return Status::ParseError(where + ": each needs an id and a content");
    }
    if (Flag(a, "single_word", false)) {
      return Status::Unsupported(where + ".single_word is not supported");
    }
    AddedToken t{a["id"].get<int32_t>(), a["content"].get<std::string>(), Flag(a, "lstrip", false),
                 Flag(a, "rstrip", false)};
    if (t.content.empty() || t.id < 0) return Status::ParseError(where + ": empty token or id");
    vocab_size_ = std::max(vocab_size_, t.id + 1);
    added_.push_back(std::move(t));
  }
  return Status::Ok();
}

Status HfTokenizer::ParseNormalizer(const json& j, const std::string& where) {
  if (j.is_null()) return Status::Ok();
  const std::string type = TypeOf(j);
  if (type == "Sequence" && j.contains("normalizers") && j["normalizers"].is_array()) {
    for (size_t i = 0; i < j["normalizers"].size(); ++i) {
      Status st =
          ParseNormalizer(j["normalizers"][i], where + ".normalizers[" + std::to_string(i) + "]");
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }
  Normalizer n{NormStep::kLowercase, {}};
  if (type == "BertNormalizer") {
    n.step = NormStep::kBert;
    n.bert.clean_text = Flag(j, "clean_text", true);
    n.bert.handle_chinese_chars = Flag(j, "handle_chinese_chars", true);
    n.bert.lowercase = Flag(j, "lowercase", true);
    n.bert.strip_accents = Flag(j, "strip_accents", n.bert.lowercase);  // null: as lowercase
  } else if (type == "Lowercase") {
    n.step = NormStep::kLowercase;
  } else if (type == "StripAccents") {
    n.step = NormStep::kStripAccents;
  } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    n.step = type == "NFC"    ? NormStep::kNfc
             : type == "NFD"  ? NormStep::kNfd
             : type == "NFKC" ? NormStep::kNfkc
                              : NormStep::kNfkd;
  } else {
    return Status::Unsupported(origin_ + ": " + where + " of type \"" + type +
                               "\" is not supported");
  }
  normalizers_.push_back(n);
  return Status::Ok();
}

Status HfTokenizer::ParsePreTokenizer(const json& j, const std::string& where) {
  if (j.is_null()) return Status::Ok();
  const std::string type = TypeOf(j);
  if (type == "Sequence" && j.contains("pretokenizers") && j["pretokenizers"].is_array()) {
    for (size_t i = 0; i < j["pretokenizers"].size(); ++i) {
      Status st = ParsePreTokenizer(j["pretokenizers"][i],
                                    where + ".pretokenizers[" + std::to_string(i) + "]");
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }
  if (type == "ByteLevel") {
    pre_tokenizers_.push_back(
        {PreStep::kByteLevel, Flag(j, "add_prefix_space", true), Flag(j, "use_regex", true)});
  } else if (type == "BertPreTokenizer") {
    pre_tokenizers_.push_back({PreStep::kBert});
  } else {
    return Status::Unsupported(origin_ + ": " + where + " of type \"" + type +
                               "\" is not supported");
  }
  return Status::Ok();
}

Status HfTokenizer::ParsePostProcessor(const json& j, const std::string& where) {
  if (j.is_null()) return Status::Ok();
  const std::string type = TypeOf(j);
  const std::string at = origin_ + ": " + where;
  if (type == "Sequence" && j.contains("processors") && j["processors"].is_array()) {
    for (size_t i = 0; i < j["processors"].size(); ++i) {
      Status st =
          ParsePostProcessor(j["processors"][i], where + ".processors[" + std::to_string(i) + "]");
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }
  if (type == "ByteLevel") return Status::Ok();
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    for (const char* key : {"cls", "sep"}) {
      if (!j.contains(key) || !j[key].is_array() || j[key].size() != 2 ||
          !j[key][1].is_number_integer()) {
        return Status::ParseError(at + "." + key + " must be [token, id]");
      }
    }
    prefix_ = {j["cls"][1].get<int32_t>()};
    suffix_ = {j["sep"][1].get<int32_t>()};
    return Status::Ok();
  }
  if (type != "TemplateProcessing") {
    return Status::Unsupported(at + " of type \"" + type + "\" is not supported");
  }
  if (!j.contains("single") || !j["single"].is_array()) {
    return Status::ParseError(at + ".single is missing");
  }
  prefix_.clear();
  suffix_.clear();
  bool seen_sequence = false;
  for (const auto& piece : j["single"]) {
    if (piece.contains("Sequence")) {
      seen_sequence = true;
      continue;
    }
    if (!piece.contains("SpecialToken") || !piece["SpecialToken"].contains("id")) {
      return Status::ParseError(at + ".single holds an unknown piece");
    }
    const std::string name = piece["SpecialToken"]["id"].get<std::string>();
    if (!j.contains("special_tokens") || !j["special_tokens"].contains(name) ||
        !j["special_tokens"][name].contains("ids")) {
      return Status::ParseError(at + ".special_tokens has no ids for " + name);
    }
    for (const auto& id : j["special_tokens"][name]["ids"]) {
      (seen_sequence ? suffix_ : prefix_).push_back(id.get<int32_t>());
    }
  }
  return Status::Ok();
}

}  // namespace semdex
