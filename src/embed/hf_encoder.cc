// HfEncoderModel: config.json and the binding of weights (the forward pass is in
// hf_encoder_forward.cc).

#include "embed/hf_encoder.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "embed/model_file.h"

namespace semdex {
namespace {

using nlohmann::json;

bool IsFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

Status ReadJson(const std::string& path, const char* what, json* out) {
  std::string text;
  Status st = ReadModelFile(path, what, &text);
  if (!st.ok()) return st;
  return ParseModelJson(text, path, out);
}

Status GetInt(const json& j, const std::string& path, const char* key, int* out) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() < 1 ||
      j[key].get<int64_t>() > (1 << 24)) {
    return Status::ParseError(path + ": \"" + key + "\" is missing or not a positive integer");
  }
  *out = j[key].get<int>();
  return Status::Ok();
}

std::string GetString(const json& j, const char* key, const std::string& fallback) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

// Reads the sentence-transformers modules (modules.json, 1_Pooling/config.json) when present.
Status ReadPooling(const std::string& dir, HfEncoderConfig* c) {
  const std::string modules_path = dir + "/modules.json";
  std::string pooling_dir = dir + "/1_Pooling";
  if (IsFile(modules_path)) {
    json modules;
    Status st = ReadJson(modules_path, "sentence-transformers modules", &modules);
    if (!st.ok()) return st;
    if (!modules.is_array()) return Status::ParseError(modules_path + ": not an array");
    for (const auto& m : modules) {
      const std::string type = GetString(m, "type", "");
      if (type.ends_with(".Pooling")) {
        pooling_dir = dir + "/" + GetString(m, "path", "1_Pooling");
      } else if (!type.ends_with(".Transformer") && !type.ends_with(".Normalize")) {
        return Status::Unsupported(modules_path + ": module " + type +
                                   " is not supported (only Transformer, Pooling, Normalize)");
      }
    }
  }
  const std::string pooling_path = pooling_dir + "/config.json";
  if (!IsFile(pooling_path)) return Status::Ok();  // mean pooling
  json p;
  Status st = ReadJson(pooling_path, "pooling config", &p);
  if (!st.ok()) return st;
  auto on = [&](const char* key) { return p.contains(key) && p[key].is_boolean() && p[key]; };
  if (on("pooling_mode_cls_token") && !on("pooling_mode_mean_tokens")) {
    c->pooling = HfEncoderConfig::Pooling::kCls;
  } else if (!on("pooling_mode_mean_tokens")) {
    return Status::Unsupported(pooling_path +
                               ": only mean or CLS-token pooling is supported, not this mode");
  }
  for (const char* key : {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens",
                          "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
    if (on(key)) return Status::Unsupported(pooling_path + ": " + key + " is not supported");
  }
  return Status::Ok();
}

}  // namespace

std::vector<float> AlibiSlopes(int heads) {
  // The ALiBi paper's get_slopes: for n a power of two, start = 2^(-8/n) and slope_h = start^(h+1);
  // otherwise the slopes of the closest lower power of two p, then every other slope of 2p.
  auto power_of_two = [](int n) {
    std::vector<float> s(n);
    const double start = std::pow(2.0, -8.0 / n);
    for (int h = 0; h < n; ++h) s[h] = static_cast<float>(std::pow(start, h + 1));
    return s;
  };
  int p = 1;
  while (p * 2 <= heads) p *= 2;
  std::vector<float> slopes = power_of_two(p);
  if (p != heads) {
    const std::vector<float> twice = power_of_two(2 * p);
    for (int i = 0; static_cast<int>(slopes.size()) < heads; i += 2) slopes.push_back(twice[i]);
  }
  return slopes;
}

Status ReadHfEncoderConfig(const std::string& dir, HfEncoderConfig* c) {
  const std::string path = dir + "/config.json";
  json j;
  Status st = ReadJson(path, "model config", &j);
  if (!st.ok()) return st;
  if (!j.is_object()) return Status::ParseError(path + ": not a JSON object");
  if (!j.contains("architectures") || !j["architectures"].is_array() ||
      j["architectures"].empty() || !j["architectures"][0].is_string()) {
    return Status::ParseError(path + ": \"architectures\" is missing");
  }
  c->architecture = j["architectures"][0].get<std::string>();
  const std::string& arch = c->architecture;
  if (arch == "JinaBertModel" || arch == "JinaBertForMaskedLM") {
    c->family = HfEncoderConfig::Family::kJinaBert;
  } else if (arch == "BertModel" || arch == "BertForMaskedLM" || arch == "BertForPreTraining") {
    c->family = HfEncoderConfig::Family::kBert;
  } else {
    return Status::Unsupported(path + ": architecture " + arch +
                               " is not supported (JinaBertModel, JinaBertForMaskedLM, BertModel, "
                               "BertForMaskedLM, BertForPreTraining)");
  }
  const std::pair<const char*, int*> ints[] = {
      {"hidden_size", &c->hidden},         {"num_hidden_layers", &c->layers},
      {"num_attention_heads", &c->heads},  {"intermediate_size", &c->intermediate},
      {"vocab_size", &c->vocab},           {"max_position_embeddings", &c->max_positions},
      {"type_vocab_size", &c->type_vocab},
  };
  for (const auto& [key, field] : ints) {
    st = GetInt(j, path, key, field);
    if (!st.ok()) return st;
  }
  if (c->hidden % c->heads != 0) {
    return Status::ParseError(path + ": hidden_size " + std::to_string(c->hidden) +
                              " is not a multiple of num_attention_heads " +
                              std::to_string(c->heads));
  }
  if (j.contains("layer_norm_eps") && j["layer_norm_eps"].is_number()) {
    c->layer_norm_eps = j["layer_norm_eps"].get<float>();
  }
  const std::string positions = GetString(j, "position_embedding_type", "absolute");
  if (positions != "absolute" && positions != "alibi") {
    return Status::Unsupported(path + ": position_embedding_type " + positions +
                               " is not supported (absolute, alibi)");
  }
  c->alibi = positions == "alibi";
  if (c->family == HfEncoderConfig::Family::kJinaBert) {
    // JinaBERT's GLU feed-forward takes its activation from feed_forward_type (nn.GELU(): erf).
    const std::string ff = GetString(j, "feed_forward_type", "geglu");
    if (ff != "geglu" && ff != "reglu") {
      return Status::Unsupported(path + ": feed_forward_type " + ff +
                                 " is not supported (geglu, reglu)");
    }
    c->activation =
        ff == "geglu" ? HfEncoderConfig::Activation::kGeluErf : HfEncoderConfig::Activation::kRelu;
  } else {
    const std::string act = GetString(j, "hidden_act", "gelu");
    if (act == "gelu") {
      c->activation = HfEncoderConfig::Activation::kGeluErf;
    } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
      c->activation = HfEncoderConfig::Activation::kGeluTanh;
    } else if (act == "relu") {
      c->activation = HfEncoderConfig::Activation::kRelu;
    } else {
      return Status::Unsupported(path + ": hidden_act " + act +
                                 " is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)");
    }
  }
  return ReadPooling(dir, c);
}

HfEncoderModel::~HfEncoderModel() = default;

HfEncoderModel::Scratch::Scratch(const HfEncoderConfig& c, int max_tokens)
    : max_tokens_(max_tokens),
      x(static_cast<size_t>(max_tokens) * c.hidden),
      a(static_cast<size_t>(max_tokens) * c.hidden),
      qkv(static_cast<size_t>(max_tokens) * 3 * c.hidden),
      ctx(static_cast<size_t>(max_tokens) * c.hidden),
      ff(static_cast<size_t>(max_tokens) * c.intermediate *
         (c.family == HfEncoderConfig::Family::kJinaBert ? 2 : 1)),
      gated(c.family == HfEncoderConfig::Family::kJinaBert
                ? static_cast<size_t>(max_tokens) * c.intermediate
                : 0) {}

Status HfEncoderModel::Create(const HfEncoderConfig& config,
                              std::unique_ptr<SafetensorsWeights> weights, Precision precision,
                              std::unique_ptr<HfEncoderModel>* out) {
  std::unique_ptr<HfEncoderModel> m(new HfEncoderModel());
  m->config_ = config;
  m->weights_ = std::move(weights);
  const SafetensorsWeights& w = *m->weights_;
  const int h = config.hidden;
  m->prefix_ = w.Find("embeddings.word_embeddings.weight") == nullptr &&
                       w.Find("bert.embeddings.word_embeddings.weight") != nullptr
                   ? "bert."
                   : "";
  const std::string e = m->prefix_ + "embeddings.";
  Status checks[] = {
      w.GetFloat(e + "word_embeddings.weight", {config.vocab, h}, &m->word_embeddings_),
      w.GetFloat(e + "token_type_embeddings.weight", {config.type_vocab, h}, &m->type_embeddings_),
      config.alibi ? Status::Ok()
                   : w.GetFloat(e + "position_embeddings.weight", {config.max_positions, h},
                                &m->position_embeddings_),
      w.GetFloat(e + "LayerNorm.weight", {h}, &m->embed_norm_.gamma),
      w.GetFloat(e + "LayerNorm.bias", {h}, &m->embed_norm_.beta),
  };
  for (const Status& st : checks) {
    if (!st.ok()) return st;
  }
  m->layers_.resize(config.layers);
  for (int i = 0; i < config.layers; ++i) {
    Status st = m->BindLayer(i, precision, &m->layers_[i]);
    if (!st.ok()) return st;
  }
  if (config.alibi) m->slopes_ = AlibiSlopes(config.heads);
  *out = std::move(m);
  return Status::Ok();
}

Status HfEncoderModel::BindLayer(int i, Precision precision, Layer* l) {
  const SafetensorsWeights& w = *weights_;
  const HfEncoderConfig& c = config_;
  const int h = c.hidden, f = c.intermediate;
  const std::string p = prefix_ + "encoder.layer." + std::to_string(i) + ".";
  auto norm = [&](const std::string& name, Norm* n) {
    Status st = w.GetFloat(name + ".weight", {h}, &n->gamma);
    return st.ok() ? w.GetFloat(name + ".bias", {h}, &n->beta) : st;
  };
  auto linear = [&](const std::string& name, int in, int out, bool bias,
                    std::unique_ptr<Linear>* lin) {
    const float *wt = nullptr, *b = nullptr;
    Status st = w.GetFloat(name + ".weight", {out, in}, &wt);
    if (st.ok() && bias) st = w.GetFloat(name + ".bias", {out}, &b);
    return st.ok() ? Linear::Create(wt, /*transposed=*/true, in, out, b, precision, lin) : st;
  };
  // q, k and v fused into one [3h, h] matrix (PyTorch layout) for one product.
  std::unique_ptr<float[]> qkv(new float[3 * static_cast<size_t>(h) * h]);
  std::unique_ptr<float[]> qkv_bias(new float[3 * static_cast<size_t>(h)]);
  const char* const kParts[] = {"query", "key", "value"};
  for (int k = 0; k < 3; ++k) {
    const float *wt = nullptr, *b = nullptr;
    const std::string name = p + "attention.self." + kParts[k];
    Status st = w.GetFloat(name + ".weight", {h, h}, &wt);
    if (st.ok()) st = w.GetFloat(name + ".bias", {h}, &b);
    if (!st.ok()) return st;
    std::memcpy(qkv.get() + static_cast<size_t>(k) * h * h, wt, sizeof(float) * h * h);
    std::memcpy(qkv_bias.get() + static_cast<size_t>(k) * h, b, sizeof(float) * h);
  }
  Status st =
      Linear::Create(qkv.get(), /*transposed=*/true, h, 3 * h, qkv_bias.get(), precision, &l->qkv);
  if (!st.ok()) return st;
  owned_.push_back(std::move(qkv));
  owned_.push_back(std::move(qkv_bias));
  st = linear(p + "attention.output.dense", h, h, true, &l->attn_out);
  if (st.ok()) st = norm(p + "attention.output.LayerNorm", &l->attn_norm);
  if (!st.ok()) return st;
  if (c.family == HfEncoderConfig::Family::kBert) {
    st = linear(p + "intermediate.dense", h, f, true, &l->ff1);
    if (st.ok()) st = linear(p + "output.dense", f, h, true, &l->ff2);
    return st.ok() ? norm(p + "output.LayerNorm", &l->out_norm) : st;
  }
  // JinaBERT: the qk-post-norm variant (jina-embeddings-v2-base-code) names its feed-forward
  // mlp.up_gated_layer, the original one mlp.gated_layers.
  if (w.Find(p + "mlp.up_gated_layer.weight") != nullptr) {
    l->gate_first = false;
    Status parts[] = {
        norm(p + "attention.self.layer_norm_q", &l->q_norm),
        norm(p + "attention.self.layer_norm_k", &l->k_norm),
        norm(p + "layer_norm_1", &l->norm_1),
        linear(p + "mlp.up_gated_layer", h, 2 * f, false, &l->ff1),
        linear(p + "mlp.down_layer", f, h, true, &l->ff2),
        norm(p + "layer_norm_2", &l->out_norm),
    };
    for (const Status& s : parts) {
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  l->gate_first = true;
  st = linear(p + "mlp.gated_layers", h, 2 * f, false, &l->ff1);
  if (st.ok()) st = linear(p + "mlp.wo", f, h, true, &l->ff2);
  return st.ok() ? norm(p + "mlp.layernorm", &l->out_norm) : st;
}

}  // namespace semdex
