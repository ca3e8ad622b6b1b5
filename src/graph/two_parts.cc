// RunInTwoParts: the graph stage's one way to use a second core.
#include <system_error>
#include <thread>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {

void RunInTwoParts(size_t n, size_t min_items, const std::function<size_t(size_t)>& weight,
                   const std::function<void(size_t, size_t)>& work) {
  if (n < min_items) {
    work(0, n);
    return;
  }
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += weight(i);
  // The first part ends where its weight reaches half the total.
  size_t split = 0;
  for (size_t sum = 0; split < n && 2 * sum < total; ++split) sum += weight(split);
  std::thread second;
  try {
    second = std::thread(work, split, n);
  } catch (const std::system_error&) {  // no thread to be had: the calling thread does it all
    work(0, n);
    return;
  }
  work(0, split);
  second.join();
}

}  // namespace semdex::graph_internal
