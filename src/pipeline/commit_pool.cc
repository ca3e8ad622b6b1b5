#include "pipeline/commit_pool.h"

namespace semdex {

CommitPool::~CommitPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

Status CommitPool::Open(Store* store, int connections) {
  for (int i = 0; i < connections; ++i) {
    std::unique_ptr<Store> writer;
    if (Status s = store->OpenWriter(&writer); !s.ok()) return s;
    if (writer == nullptr) break;  // one connection only (SQLite)
    stores_.push_back(std::move(writer));
  }
  for (const std::unique_ptr<Store>& s : stores_) {
    threads_.emplace_back([this, store = s.get()] { Work(store); });
  }
  return Status::Ok();
}

void CommitPool::Submit(FileResult file) {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return queue_.size() + writing_ < 2 * threads_.size(); });
  queue_.push_back(std::move(file));
  work_cv_.notify_one();
}

std::vector<CommitPool::Written> CommitPool::Take(bool wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (wait) {
    done_cv_.wait(lock, [&] { return !done_.empty() || (queue_.empty() && writing_ == 0); });
  }
  std::vector<Written> out;
  out.swap(done_);
  return out;
}

bool CommitPool::busy() {
  std::lock_guard<std::mutex> lock(mu_);
  return !queue_.empty() || writing_ > 0 || !done_.empty();
}

void CommitPool::Work(Store* store) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    FileResult file = std::move(queue_.front());
    queue_.pop_front();
    ++writing_;
    lock.unlock();
    Status s = store->WriteFile(file.row);
    lock.lock();
    --writing_;
    done_.push_back({std::move(file), std::move(s)});
    done_cv_.notify_all();
  }
}

}  // namespace semdex
