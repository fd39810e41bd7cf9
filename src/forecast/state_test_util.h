// Helpers for the tests of saved state (forecast/*_test.cc): a component's record as
// text, loading one back, and the record cut into its numbers and joined again, so
// that a test can cut, garble or change any one of them.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "prescale/state_codec.h"
#include "prescale/status.h"

namespace prescale {

// What `x.Save()` writes (a Forecaster, a SeasonDetector, ...).
template <class T>
std::string SaveText(const T& x) {
  StateWriter w;
  x.Save(w);
  return w.text();
}

// `f.Load()` of `text`, for a Forecaster.
template <class T>
Status LoadText(T& f, const std::string& text) {
  StateReader r(text);
  return f.Load(r);
}

// The numbers of a record, in order.
inline std::vector<std::string> Tokens(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  return tokens;
}

// The first `count` numbers, as a record.
inline std::string Join(const std::vector<std::string>& tokens, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += (i == 0 ? "" : " ") + tokens[i];
  return text;
}

inline std::string Join(const std::vector<std::string>& tokens) {
  return Join(tokens, tokens.size());
}

}  // namespace prescale
