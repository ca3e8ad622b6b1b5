#include "embed/hf_bpe.h"

#include <functional>
#include <queue>

namespace semdex {

void BpeMerges::Add(int32_t a, int32_t b, int32_t rank, int32_t id) {
  merges_.insert_or_assign(Key(a, b), Merge{rank, id});
}

void BpeMerges::MergeAll(std::vector<int32_t>* symbols) const {
  struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t id;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  std::vector<int32_t>& c = *symbols;
  auto push = [&](int32_t pos, int32_t right) {
    auto it = merges_.find(Key(c[pos], c[right]));
    if (it != merges_.end()) queue.push({it->second.rank, pos, it->second.id});
  };
  const int32_t n = static_cast<int32_t>(c.size());
  std::vector<int32_t> prev(n), next(n);
  std::vector<bool> gone(n, false);
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
    if (i + 1 < n) push(i, i + 1);
  }
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    if (gone[top.pos] || next[top.pos] < 0) continue;
    const int32_t right = next[top.pos];
    auto it = merges_.find(Key(c[top.pos], c[right]));
    if (it == merges_.end() || it->second.id != top.id) continue;  // a stale entry
    c[top.pos] = top.id;
    gone[right] = true;
    next[top.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = top.pos;
    if (prev[top.pos] >= 0) push(prev[top.pos], top.pos);
    if (next[top.pos] >= 0) push(top.pos, next[top.pos]);
  }
  size_t out = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (!gone[i]) c[out++] = c[i];
  }
  c.resize(out);
}

}  // namespace semdex
