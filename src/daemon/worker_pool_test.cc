#include "daemon/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>

namespace prescale {
namespace {

TEST(WorkerPoolTest, RunsEveryJobAndWaitsForThem) {
  std::atomic<int> done{0};
  WorkerPool pool(3);
  for (int i = 0; i < 100; ++i) pool.Submit([&] { done.fetch_add(1); });
  pool.WaitIdle();
  EXPECT_EQ(done.load(), 100);
}

// A job that blocks does not hold up the others (the point of the pool).
TEST(WorkerPoolTest, ABlockedJobDoesNotHoldUpOthers) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> done{0};
  WorkerPool pool(2);
  pool.Submit([&] {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  for (int i = 0; i < 10; ++i) pool.Submit([&] { done.fetch_add(1); });
  // The other worker gets through all ten while the first is blocked.
  while (done.load() < 10) std::this_thread::yield();
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.WaitIdle();
  EXPECT_EQ(done.load(), 10);
}

TEST(WorkerPoolTest, DestructorFinishesQueuedJobs) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(1);
    for (int i = 0; i < 20; ++i) pool.Submit([&] { done.fetch_add(1); });
  }
  EXPECT_EQ(done.load(), 20);
}

}  // namespace
}  // namespace prescale
