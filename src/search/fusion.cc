// Reciprocal rank fusion and the mode names.
#include <algorithm>
#include <unordered_map>

#include "search/search.h"

namespace semdex {

const char* SearchModeName(SearchMode mode) {
  switch (mode) {
    case SearchMode::kHybrid:
      return "hybrid";
    case SearchMode::kLexical:
      return "lexical";
    case SearchMode::kVector:
      return "vector";
  }
  return "?";
}

Status ParseSearchMode(std::string_view name, SearchMode* out) {
  for (SearchMode mode : {SearchMode::kHybrid, SearchMode::kLexical, SearchMode::kVector}) {
    if (name == SearchModeName(mode)) {
      *out = mode;
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("unknown search mode \"" + std::string(name) +
                                 "\" (use hybrid, lexical or vector)");
}

std::vector<FusedId> FuseReciprocalRank(const std::vector<std::vector<std::string>>& lists,
                                        const std::vector<double>& weights, int k) {
  std::vector<FusedId> fused;
  std::unordered_map<std::string, size_t> index;
  for (size_t l = 0; l < lists.size(); ++l) {
    const double weight = l < weights.size() ? weights[l] : 1.0;
    for (size_t r = 0; r < lists[l].size(); ++r) {
      auto [it, inserted] = index.emplace(lists[l][r], fused.size());
      if (inserted) fused.push_back({lists[l][r], 0.0, std::vector<int>(lists.size(), 0)});
      FusedId& f = fused[it->second];
      if (f.ranks[l] != 0) continue;  // a list repeating an id counts its best rank only
      f.ranks[l] = static_cast<int>(r + 1);
      f.score += weight / (k + static_cast<double>(r + 1));
    }
  }
  std::sort(fused.begin(), fused.end(), [](const FusedId& a, const FusedId& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  return fused;
}

}  // namespace semdex
