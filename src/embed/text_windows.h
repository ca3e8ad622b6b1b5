// text_windows: what every Embedder does around its model, written once: checking a text,
// cutting its tokens into windows, and pooling the window vectors into one vector per text (the
// contract in embed.h). Internal to src/embed/ (and its tests).
#pragma once

#include <omp.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "util/util.h"

namespace semdex {

// InvalidArgument naming "text <index>" when `text` is empty, longer than `max_bytes` or not
// valid UTF-8; OK otherwise.
Status CheckEmbedText(std::string_view text, size_t index, size_t max_bytes);

// A run of one text's tokens that the model sees at once.
struct TextWindow {
  size_t text;   // index into the texts of the call
  size_t start;  // first token, within the text's ids
  int length;    // tokens
};

// Appends to *windows the fewest windows of at most `room` tokens that cover tokens [0, n) of
// text `text`, their lengths differing by at most one (so there is no tiny tail window).
// REQUIRES: n >= 1, room >= 1.
void AppendWindows(size_t text, size_t n, size_t room, std::vector<TextWindow>* windows);

// Packs the windows, in order, into passes of at most `budget` tokens, each window wrapped in
// `prefix` and `suffix` (a model's special tokens; may be empty), and calls
// run(ids, lengths, first) for each pass: the pass's token ids back to back, each wrapped
// window's length, and the index of its first window. Stops at the first error run returns.
// REQUIRES: every wrapped window fits in `budget`.
Status ForEachPackedPass(
    const std::vector<std::vector<int32_t>>& ids, const std::vector<TextWindow>& windows,
    size_t budget, const std::vector<int32_t>& prefix, const std::vector<int32_t>& suffix,
    const std::function<Status(const int32_t* ids, const std::vector<int>& lengths, size_t first)>&
        run);

// One vector per text (`texts` of them) from the windows' vectors (window w's at
// vectors[w * dim]): a text with one window gets that window's vector unchanged; a text with
// several gets their mean weighted by token count, L2-normalised.
std::vector<std::vector<float>> PoolWindows(const std::vector<TextWindow>& windows,
                                            const float* vectors, size_t dim, size_t texts);

// Scales *v to unit length (a zero vector stays zero).
void L2Normalize(std::vector<float>* v);

// Sets the calling thread's OpenMP thread count, and restores it when it goes out of scope.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads) : saved_(omp_get_max_threads()) {
    omp_set_num_threads(threads);
  }
  ~ScopedOmpThreads() { omp_set_num_threads(saved_); }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int saved_;
};

}  // namespace semdex
