// RingBuffer: a fixed-capacity window over the most recent values of a series.
// Pushing onto a full buffer drops the oldest value. O(1) push and index, no
// allocation after construction. Not thread-safe.
#pragma once

#include <cassert>
#include <cstddef>
#include <vector>

namespace prescale {

template <class T>
class RingBuffer {
 public:
  // REQUIRES: capacity > 0.
  explicit RingBuffer(std::size_t capacity) : data_(capacity) { assert(capacity > 0); }

  void Push(const T& v) {
    data_[head_] = v;
    head_ = head_ + 1 == data_.size() ? 0 : head_ + 1;
    if (size_ < data_.size()) ++size_;
  }
  void Clear() { head_ = size_ = 0; }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return data_.size(); }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == data_.size(); }

  // i = 0 is the oldest value held, size() - 1 the newest. REQUIRES: i < size().
  const T& operator[](std::size_t i) const {
    assert(i < size_);
    std::size_t j = head_ + data_.size() - size_ + i;
    return data_[j >= data_.size() ? j - data_.size() : j];
  }
  // The newest value, or the i-th before it. REQUIRES: i < size().
  const T& Back(std::size_t i = 0) const { return (*this)[size_ - 1 - i]; }
  // The value that the next Push will drop. REQUIRES: full().
  const T& Oldest() const { return (*this)[0]; }

 private:
  std::vector<T> data_;
  std::size_t head_ = 0;  // where the next value goes
  std::size_t size_ = 0;
};

}  // namespace prescale
