// WorkerPool: a fixed set of threads running submitted jobs, so that one slow group
// (a Prometheus timeout, a slow scaling command) does not hold up the others.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace prescale {

class WorkerPool {
 public:
  // REQUIRES: threads >= 1.
  explicit WorkerPool(int threads);
  ~WorkerPool();  // finishes the queued jobs, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> job);
  // Blocks until no job is queued or running.
  void WaitIdle();

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> queue_;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace prescale
