// CommitPool: writes indexed files on several connections at once, one thread per connection,
// when the store offers more than one (Store::OpenWriter: PostgreSQL, one connection per
// worker). Internal to src/pipeline/ (the parallel run's writer uses it).
//
// The writer thread submits files and takes back each with the status of its write; it keeps
// every count and event itself, so that the summary is the same as with one connection. Rows do
// not depend on the order files commit in (each file is its own transaction).
//
// Thread-safety: Submit, Take and Flush are called from one thread (the writer's).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pipeline/pipeline_internal.h"

namespace semdex {

class CommitPool {
 public:
  struct Written {
    FileResult file;
    Status status;  // of Store::WriteFile
  };

  CommitPool() = default;
  ~CommitPool();
  CommitPool(const CommitPool&) = delete;
  CommitPool& operator=(const CommitPool&) = delete;

  // Opens `connections` writers on `store`'s database and starts their threads. A store that
  // writes through one connection (SQLite) opens none: then active() stays false. Fails when a
  // connection cannot be opened (e.g. the server's max_connections is reached).
  Status Open(Store* store, int connections);
  bool active() const { return !threads_.empty(); }

  // Queues an indexed file; blocks while two files per connection are in flight.
  void Submit(FileResult file);
  // The files written since the last call; with `wait`, blocks until there is one or none is
  // in flight.
  std::vector<Written> Take(bool wait);
  // True while files are queued or being written.
  bool busy();

 private:
  void Work(Store* store);

  std::vector<std::unique_ptr<Store>> stores_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // a file is queued, or stopping
  std::condition_variable done_cv_;  // a file is written
  std::deque<FileResult> queue_;
  std::vector<Written> done_;
  size_t writing_ = 0;
  bool stop_ = false;
};

}  // namespace semdex
