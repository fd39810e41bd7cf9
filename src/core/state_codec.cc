#include "prescale/state_codec.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/text.h"

namespace prescale {

void StateWriter::Token(std::string_view t) {
  if (!text_.empty()) text_ += ' ';
  text_.append(t);
  ++tokens_;
}

void StateWriter::Double(double v) {
  char buf[32];
  // Shortest representation that reads back to the same double.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  Token(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void StateWriter::Int(std::int64_t v) { Token(std::to_string(v)); }

void StateWriter::Nested(const StateWriter& inner) {
  Int(inner.tokens_);
  if (inner.tokens_ == 0) return;
  text_ += ' ';
  text_ += inner.text_;
  tokens_ += inner.tokens_;
}

void StateWriter::Doubles(const std::vector<double>& v) {
  Int(static_cast<std::int64_t>(v.size()));
  for (double x : v) Double(x);
}

std::string_view StateReader::Next() {
  while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  std::size_t start = pos_;
  while (pos_ < text_.size() && text_[pos_] != ' ') ++pos_;
  return text_.substr(start, pos_ - start);
}

void StateReader::Fail(const std::string& why) {
  if (status_.ok()) status_ = Status::Error("saved state: " + why);
}

double StateReader::Double() {
  if (!ok()) return 0;
  std::string_view t = Next();
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    // from_chars does not read "inf"/"nan" spelled by to_chars on every library.
    if (t == "inf") return INFINITY;
    if (t == "-inf") return -INFINITY;
    if (t == "nan" || t == "-nan") return NAN;
    Fail(t.empty() ? "record ends early" : Quote(t) + " is not a number");
    return 0;
  }
  return v;
}

std::int64_t StateReader::Int() {
  if (!ok()) return 0;
  std::string_view t = Next();
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    Fail(t.empty() ? "record ends early" : Quote(t) + " is not a whole number");
    return 0;
  }
  return v;
}

std::vector<double> StateReader::Doubles() {
  std::int64_t n = Int();
  std::vector<double> v;
  if (n < 0 || n > 100'000'000) {
    Fail("bad length " + std::to_string(n));
    return v;
  }
  // Each value takes at least two characters: never reserve more than the record holds.
  v.reserve(std::min(static_cast<std::size_t>(n), (text_.size() - pos_) / 2 + 1));
  for (std::int64_t i = 0; i < n && ok(); ++i) v.push_back(Double());
  return v;
}

std::string_view StateReader::Nested() {
  const std::int64_t n = Int();
  if (!ok()) return {};
  if (n < 0) {
    Fail("bad record length " + std::to_string(n));
    return {};
  }
  while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  const std::size_t start = pos_;
  for (std::int64_t i = 0; i < n; ++i) {
    if (Next().empty()) {
      Fail("record ends early");
      return {};
    }
  }
  return text_.substr(start, pos_ - start);
}

Status StateReader::ReadVersion(std::int64_t version) {
  std::int64_t got = 0;
  return ReadVersion(version, version, got);
}

Status StateReader::ReadVersion(std::int64_t oldest, std::int64_t current, std::int64_t& got) {
  got = Int();
  if (!ok()) return Finish();
  if (got < oldest || got > current) {
    return Status::Error("saved state has format version " + std::to_string(got) +
                         ", this build reads version " + std::to_string(current));
  }
  return Status::Ok();
}

Status StateReader::ReadSize(std::int64_t expected, std::string_view unit,
                             std::string_view holder) {
  const std::int64_t got = Int();
  if (!ok()) return Finish();
  if (got != expected) {
    return Status::Error("saved state is for a window of " + std::to_string(got) + " " +
                         std::string(unit) + ", this " + std::string(holder) + " has " +
                         std::to_string(expected));
  }
  return Status::Ok();
}

Status StateReader::Finish() {
  if (ok() && !Next().empty()) Fail("unexpected data at the end");
  return status_;
}

}  // namespace prescale
