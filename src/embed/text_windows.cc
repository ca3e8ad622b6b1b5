#include "embed/text_windows.h"

#include <cmath>
#include <string>

namespace semdex {

Status CheckEmbedText(std::string_view text, size_t index, size_t max_bytes) {
  const std::string which = "text " + std::to_string(index);
  if (text.empty()) return Status::InvalidArgument(which + " is empty: nothing to embed");
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(which + " has " + std::to_string(text.size()) +
                                   " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  if (!IsValidUtf8(text)) return Status::InvalidArgument(which + " is not valid UTF-8");
  return Status::Ok();
}

void AppendWindows(size_t text, size_t n, size_t room, std::vector<TextWindow>* windows) {
  const size_t k = (n + room - 1) / room;
  size_t start = 0;
  for (size_t w = 0; w < k; ++w) {
    const size_t len = n / k + (w < n % k ? 1 : 0);
    windows->push_back(TextWindow{text, start, static_cast<int>(len)});
    start += len;
  }
}

Status ForEachPackedPass(
    const std::vector<std::vector<int32_t>>& ids, const std::vector<TextWindow>& windows,
    size_t budget, const std::vector<int32_t>& prefix, const std::vector<int32_t>& suffix,
    const std::function<Status(const int32_t* ids, const std::vector<int>& lengths, size_t first)>&
        run) {
  const size_t specials = prefix.size() + suffix.size();
  std::vector<int32_t> pass_ids;
  std::vector<int> lengths;
  for (size_t w = 0; w < windows.size();) {
    const size_t first = w;
    pass_ids.clear();
    lengths.clear();
    for (; w < windows.size() && pass_ids.size() + windows[w].length + specials <= budget; ++w) {
      const auto begin = ids[windows[w].text].begin() + static_cast<ptrdiff_t>(windows[w].start);
      pass_ids.insert(pass_ids.end(), prefix.begin(), prefix.end());
      pass_ids.insert(pass_ids.end(), begin, begin + windows[w].length);
      pass_ids.insert(pass_ids.end(), suffix.begin(), suffix.end());
      lengths.push_back(windows[w].length + static_cast<int>(specials));
    }
    if (Status st = run(pass_ids.data(), lengths, first); !st.ok()) return st;
  }
  return Status::Ok();
}

std::vector<std::vector<float>> PoolWindows(const std::vector<TextWindow>& windows,
                                            const float* vectors, size_t dim, size_t texts) {
  std::vector<size_t> windows_of(texts, 0);
  for (const TextWindow& w : windows) windows_of[w.text]++;
  std::vector<std::vector<float>> result(texts, std::vector<float>(dim, 0.0f));
  for (size_t w = 0; w < windows.size(); ++w) {
    std::vector<float>& r = result[windows[w].text];
    const float weight =
        windows_of[windows[w].text] == 1 ? 1.0f : static_cast<float>(windows[w].length);
    for (size_t j = 0; j < dim; ++j) r[j] += weight * vectors[w * dim + j];
  }
  for (size_t i = 0; i < texts; ++i) {
    if (windows_of[i] > 1) L2Normalize(&result[i]);
  }
  return result;
}

void L2Normalize(std::vector<float>* v) {
  double sum = 0;
  for (float x : *v) sum += static_cast<double>(x) * x;
  const float inv = sum > 0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
  for (float& x : *v) x *= inv;
}

}  // namespace semdex
