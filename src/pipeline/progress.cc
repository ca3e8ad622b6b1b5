#include <fmt/format.h>

#include "pipeline/pipeline.h"

namespace semdex {

void ProgressBar::Start(int64_t total) {
  total_ = total;
  start_ = std::chrono::steady_clock::now();
  last_draw_ = start_ - std::chrono::seconds(1);
}

void ProgressBar::Update(int64_t done, int64_t chunks) {
  done_ = done;
  chunks_ = chunks;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Draw() {
  constexpr int kWidth = 30;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  int filled = total_ > 0 ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  std::string eta = rate > 0 ? fmt::format("{:.0f}s", static_cast<double>(total_ - done_) / rate)
                             : std::string("?");
  fmt::print(out_, "\r[{}{}] {}/{} files  {} chunks  {:.0f} files/s  ETA {}\x1b[K",
             std::string(static_cast<size_t>(filled), '#'),
             std::string(static_cast<size_t>(kWidth - filled), '.'), done_, total_, chunks_, rate,
             eta);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::Log(const std::string& line) {
  if (drawn_) fmt::print(out_, "\r\x1b[K");
  fmt::print(out_, "{}\n", line);
  if (drawn_) Draw();
  std::fflush(out_);
}

void ProgressBar::Finish() {
  if (drawn_) fmt::print(out_, "\r\x1b[K");
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace semdex
