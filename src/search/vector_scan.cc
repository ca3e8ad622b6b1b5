// The exact vector scan: a dot-product kernel chosen for the CPU at start-up, and top-k.
#include <immintrin.h>

#include <algorithm>

#include "search/search_internal.h"

namespace semdex::search_internal {
namespace {

// Eight independent partial sums: the compiler vectorises this without reassociating floats.
float DotPortable(const float* a, const float* b, size_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

__attribute__((target("avx2,fma"))) float DotAvx2(const float* a, const float* b, size_t n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps();
  __m256 acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  __m256 acc = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  half = _mm_add_ps(half, _mm_movehl_ps(half, half));
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
  float sum = _mm_cvtss_f32(half);
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

using DotFn = float (*)(const float*, const float*, size_t);

DotFn ChooseDot() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DotAvx2;
  return DotPortable;
}

const DotFn kDot = ChooseDot();

}  // namespace

float Dot(const float* a, const float* b, size_t n) { return kDot(a, b, n); }

std::vector<ScoredRow> ExactTopK(const float* matrix, size_t dim, const float* query, size_t k,
                                 const std::vector<uint32_t>& rows, uint32_t first,
                                 uint32_t all_count) {
  std::vector<ScoredRow> scored;
  const size_t n = rows.empty() ? all_count : rows.size();
  scored.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t row = rows.empty() ? first + static_cast<uint32_t>(i) : rows[i];
    scored.push_back({kDot(matrix + static_cast<size_t>(row) * dim, query, dim), row});
  }
  k = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end(),
                    BetterRow);
  scored.resize(k);
  return scored;
}

}  // namespace semdex::search_internal
