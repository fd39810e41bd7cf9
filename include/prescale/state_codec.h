// StateWriter / StateReader: how policies, forecasters and detectors save the memory
// that must survive a restart (cooldown timers, stabilisation windows, counters,
// model state) and read it back.
//
// The encoding is plain text: a sequence of numbers separated by spaces, doubles
// written so that they read back bit for bit. A component writes its fields in a
// fixed order and reads them back in the same order; the reader fails (it does not
// crash) on a short or garbled record, and the caller then starts that component
// fresh. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/clock.h"
#include "prescale/status.h"
#include "prescale/time_series.h"

namespace prescale {

class StateWriter {
 public:
  void Double(double v);
  void Int(std::int64_t v);
  void Bool(bool v) { Int(v ? 1 : 0); }
  void Time(TimePoint t) { Double(ToEpochSeconds(t)); }
  void Doubles(const std::vector<double>& v);
  // Another component's whole record, inside this one (an ensemble saves each of its
  // models this way): StateReader::Nested() hands it back as a record of its own.
  void Nested(const StateWriter& inner);
  // A ring buffer's values, oldest first. `T` must be written by WriteItem below.
  template <class T, class WriteItem>
  void Ring(const RingBuffer<T>& r, WriteItem write_item) {
    Int(static_cast<std::int64_t>(r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) write_item(*this, r[i]);
  }

  const std::string& text() const { return text_; }

 private:
  void Token(std::string_view t);
  std::string text_;
  std::int64_t tokens_ = 0;  // values written, for Nested()
};

class StateReader {
 public:
  explicit StateReader(std::string_view text) : text_(text) {}

  double Double();
  std::int64_t Int();
  bool Bool() { return Int() != 0; }
  TimePoint Time() { return FromEpochSeconds(Double()); }
  std::vector<double> Doubles();
  // The record that StateWriter::Nested() wrote, to read with a StateReader of its
  // own (so that its Finish() checks it alone). Empty, and fails, when it is cut short.
  std::string_view Nested();
  // Refills `r` (cleared first) with items read by `read_item`; fails if the record
  // holds more than fit.
  template <class T, class ReadItem>
  void Ring(RingBuffer<T>& r, ReadItem read_item) {
    std::int64_t n = Int();
    if (n < 0 || static_cast<std::size_t>(n) > r.capacity()) {
      Fail("window of " + std::to_string(n) + " does not fit " + std::to_string(r.capacity()));
      return;
    }
    r.Clear();
    for (std::int64_t i = 0; i < n && ok(); ++i) r.Push(read_item(*this));
  }

  // Reads a record's format version; an error unless it is `version`.
  Status ReadVersion(std::int64_t version);
  // Reads a record's format version into `got`; an error (naming `current`) unless
  // it is from `oldest` to `current`, for a record that still loads older formats.
  Status ReadVersion(std::int64_t oldest, std::int64_t current, std::int64_t& got);
  // Reads a size that the settings fix (a window, a season); an error unless it is
  // `expected`. `what` names it for the message: "a window of N values".
  Status ReadSize(std::int64_t expected, std::string_view unit, std::string_view holder);

  bool ok() const { return status_.ok(); }
  // OK when everything read so far was well formed and nothing is left over.
  Status Finish();
  void Fail(const std::string& why);

 private:
  std::string_view Next();
  std::string_view text_;
  std::size_t pos_ = 0;
  Status status_;
};

// Load() for a model: `read` fills `fresh` (a new instance with the same settings)
// from the record, and `target` is replaced only by a whole, valid record, so that
// a bad one leaves it as it was. `name` prefixes errors.
template <class T, class Read>
Status LoadWhole(T& target, T fresh, Read read, std::string_view name) {
  if (Status s = read(fresh); !s.ok()) return s.WithContext(std::string(name));
  target = std::move(fresh);
  return Status::Ok();
}

}  // namespace prescale
