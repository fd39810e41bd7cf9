#include "prescale/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/text.h"

namespace prescale {

std::string SourceMark::ToString() const {
  if (file.empty() && line == 0) return "";
  std::string s = file;
  if (line > 0) {
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on
    // operator+ chains that start with a short literal.
    s += ':';
    s += std::to_string(line);
    s += ':';
    s += std::to_string(column);
  }
  return s;
}

void Params::Set(std::string key, std::string value, SourceMark mark) {
  values_[std::move(key)] = Value{std::move(value), std::move(mark)};
}

std::vector<std::string> Params::Keys() const {
  std::vector<std::string> keys;
  for (const auto& [k, v] : values_) keys.push_back(k);
  return keys;
}

bool Params::SameSettings(const Params& other) const {
  if (values_.size() != other.values_.size()) return false;
  for (const auto& [key, value] : values_) {
    auto it = other.values_.find(key);
    if (it == other.values_.end() || it->second.text != value.text) return false;
  }
  return true;
}

Params Params::Without(std::initializer_list<std::string_view> keys) const {
  Params out(where_);
  for (const auto& [key, value] : values_) {
    bool drop = false;
    for (std::string_view k : keys) drop = drop || k == key;
    if (!drop) out.values_.emplace(key, value);
  }
  return out;
}

Params Params::Only(std::initializer_list<std::string_view> keys) const {
  Params out(where_);
  for (std::string_view k : keys) {
    if (auto it = values_.find(k); it != values_.end()) out.values_.emplace(it->first, it->second);
  }
  return out;
}

std::string Params::Where(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return "";
  std::string m = it->second.mark.ToString();
  return m.empty() ? "" : m + ": ";
}

Status Params::Error(std::string_view key, const std::string& what) const {
  std::string msg = Where(key);
  if (!where_.empty()) msg += where_ + ": ";
  msg += '\'';
  msg += key;
  msg += "' ";
  msg += what;
  return Status::Error(msg);
}

Result<double> Params::Number(std::string_view key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second.text;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    return Error(key, "expects a number, got '" + s + "'");
  }
  return v;
}

Result<int> Params::Integer(std::string_view key, int fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second.text;
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return Error(key, "expects a whole number, got '" + s + "'");
  }
  return v;
}

Result<bool> Params::Bool(std::string_view key, bool fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second.text;
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return Error(key, "expects true or false, got '" + s + "'");
}

Result<std::string> Params::Text(std::string_view key, std::string fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  return it->second.text;
}

Status Params::CheckKnown(std::initializer_list<std::string_view> known) const {
  std::vector<std::string> names(known.begin(), known.end());
  for (const auto& [key, value] : values_) {
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string what = "is not a known key";
    std::string near = NearestName(key, names);
    if (!near.empty()) what += " (did you mean '" + near + "'?)";
    if (!names.empty()) {
      what += "; known:";
      for (const auto& n : names) what += " " + n;
    }
    return Error(key, what);
  }
  return Status::Ok();
}

template <class T>
T ParamReader::Take(Result<T> r, T fallback) {
  if (r.ok()) return *r;
  if (status_.ok()) status_ = r.status();
  return fallback;
}

double ParamReader::Number(std::string_view key, double fallback) {
  return Take(params_.Number(key, fallback), fallback);
}

double ParamReader::NumberIn(std::string_view key, double fallback, double lo, double hi) {
  double v = Number(key, fallback);
  Require(v >= lo && v <= hi, key,
          "must be between " + FormatNumber(lo) + " and " + FormatNumber(hi) + ", got " +
              FormatNumber(v));
  return v;
}

int ParamReader::IntegerIn(std::string_view key, int fallback, int lo, int hi) {
  int v = Take(params_.Integer(key, fallback), fallback);
  Require(v >= lo && v <= hi, key,
          "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
              std::to_string(v));
  return v;
}

bool ParamReader::Bool(std::string_view key, bool fallback) {
  return Take(params_.Bool(key, fallback), fallback);
}

std::string ParamReader::Text(std::string_view key, std::string fallback) {
  return Take(params_.Text(key, fallback), fallback);
}

void ParamReader::Require(bool ok, std::string_view key, const std::string& what) {
  if (!ok && status_.ok()) status_ = params_.Error(key, what);
}

namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string NearestName(std::string_view name, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& k : known) {
    std::size_t d = EditDistance(name, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

}  // namespace prescale
