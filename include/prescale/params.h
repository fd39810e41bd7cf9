// Params: the settings of one plugin (a policy, forecaster, detector, source or
// actuator), as read from a config file or from flags.
//
// The config adapter fills a Params with text values and their position in the file;
// factories read typed values. Every error names the key and, when known, the file,
// line and column, and an unknown key suggests the nearest known one.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/status.h"

namespace prescale {

// Where a value came from: "config.yaml:12:5", or "--target-utilization".
struct SourceMark {
  std::string file;  // empty for values that did not come from a file
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based
  std::string ToString() const;
};

class Params {
 public:
  // `where` names the block for messages, e.g. "policy 'hpa'".
  Params() = default;
  explicit Params(std::string where) : where_(std::move(where)) {}

  void Set(std::string key, std::string value, SourceMark mark = {});
  bool Has(std::string_view key) const { return values_.count(std::string(key)) > 0; }
  std::vector<std::string> Keys() const;
  // The same keys with the same values (where they came from does not count).
  bool SameSettings(const Params& other) const;
  // A copy without `keys` (positions kept), for a plugin that hands the rest of its
  // settings to another one (the classifier policy to its fallback).
  Params Without(std::initializer_list<std::string_view> keys) const;
  // A copy with only those of `keys` that are set (positions kept).
  Params Only(std::initializer_list<std::string_view> keys) const;

  Result<double> Number(std::string_view key, double fallback) const;
  Result<int> Integer(std::string_view key, int fallback) const;
  Result<bool> Bool(std::string_view key, bool fallback) const;
  Result<std::string> Text(std::string_view key, std::string fallback) const;

  // Fails on the first key not in `known`, suggesting the nearest known key.
  Status CheckKnown(std::initializer_list<std::string_view> known) const;

  // "file:line:col: " for a key when its position is known, else "".
  std::string Where(std::string_view key) const;
  // An error about `key`: "file:line:col: policy 'hpa': 'tolerance' <what>".
  Status Error(std::string_view key, const std::string& what) const;

 private:
  struct Value {
    std::string text;
    SourceMark mark;
  };
  std::string where_;
  std::map<std::string, Value, std::less<>> values_;
};

// A plugin chosen by name with its settings: `policy: {type: hpa, tolerance: 0.1}`.
struct PluginSpec {
  std::string type;  // empty = the default for its slot
  Params params;
  SourceMark mark;   // where `type` was given
};

// Reads several settings in a row and keeps the first error, so that a factory
// reads straight through and checks status() once:
//   ParamReader r(params);
//   double u = r.NumberIn("target_utilization", 0.6, 0.01, 1.0);
//   if (!r.status().ok()) return r.status();
class ParamReader {
 public:
  explicit ParamReader(const Params& params) : params_(params) {}

  double Number(std::string_view key, double fallback);
  // Also fails unless lo <= value <= hi.
  double NumberIn(std::string_view key, double fallback, double lo, double hi);
  int IntegerIn(std::string_view key, int fallback, int lo, int hi);
  bool Bool(std::string_view key, bool fallback);
  std::string Text(std::string_view key, std::string fallback);
  // Records `what` as an error about `key` unless `ok`.
  void Require(bool ok, std::string_view key, const std::string& what);

  const Status& status() const { return status_; }

 private:
  template <class T>
  T Take(Result<T> r, T fallback);
  const Params& params_;
  Status status_;
};

// The known name nearest to `name` by edit distance, or "" if none is close.
std::string NearestName(std::string_view name, const std::vector<std::string>& known);

}  // namespace prescale
