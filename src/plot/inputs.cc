#include "plot/inputs.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>
#include <tuple>

#include "core/text.h"

namespace prescale::plot {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> Split(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(Trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

// A CSV file read whole, its header parsed, its rows handed out one at a time with
// their line numbers; every error names the file and the line.
class Csv {
 public:
  static Result<Csv> Open(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::Error(path + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return Status::Error(path + ": cannot read: " + std::strerror(errno));
    Csv csv(path, text.str());
    std::string_view header;
    if (!csv.NextLine(header)) return Status::Error(path + ": empty file (expected a CSV header)");
    if (header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);  // UTF-8 BOM
    for (std::string_view f : Split(header)) csv.columns_.emplace_back(f);
    return csv;
  }

  // The index of `name` in the header, or -1.
  int Column(std::string_view name) const {
    auto it = std::find(columns_.begin(), columns_.end(), name);
    return it == columns_.end() ? -1 : static_cast<int>(it - columns_.begin());
  }

  // The indices of `names`, or an error listing the missing ones.
  Result<std::vector<int>> Require(const std::vector<std::string_view>& names,
                                   const char* kind) const {
    std::vector<int> out;
    std::string missing;
    for (std::string_view n : names) {
      out.push_back(Column(n));
      if (out.back() < 0) missing += (missing.empty() ? "'" : ", '") + std::string(n) + "'";
    }
    if (!missing.empty()) {
      return Error(1, "header lacks column(s) " + missing + " (is this " + kind + "? header was " +
                          Quote(Header(), 120) + ")");
    }
    return out;
  }

  // The next non-blank row's fields; false at the end.
  bool NextRow(std::vector<std::string_view>& fields) {
    std::string_view line;
    while (NextLine(line)) {
      if (Trim(line).empty()) continue;
      fields = Split(line);
      return true;
    }
    return false;
  }

  std::size_t line() const { return line_; }
  std::size_t columns() const { return columns_.size(); }
  const std::string& path() const { return path_; }

  Status Error(std::size_t line, const std::string& what) const {
    return Status::Error(path_ + ":" + std::to_string(line) + ": " + what);
  }

  // The number in field `i` of `fields` (NaN when the column is absent, i < 0). An
  // empty field is NaN too, or an error when the column is `required`.
  Status Number(const std::vector<std::string_view>& fields, int i, double& out,
                bool required) const {
    if (i < 0) {
      out = kMissing;
      return Status::Ok();
    }
    const std::string_view text = fields[static_cast<std::size_t>(i)];
    const std::string& name = columns_[static_cast<std::size_t>(i)];
    if (text.empty()) {
      if (required) return Error(line_, "column '" + name + "' is empty");
      out = kMissing;
      return Status::Ok();
    }
    std::string_view number = text;
    if (number.front() == '+') number.remove_prefix(1);
    const char* end = number.data() + number.size();
    auto [ptr, ec] = std::from_chars(number.data(), end, out);
    if (ec != std::errc() || ptr != end || !std::isfinite(out)) {
      return Error(line_, "column '" + name + "': " + Quote(text) + " is not a number");
    }
    return Status::Ok();
  }

 private:
  Csv(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {}

  bool NextLine(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string::npos) end = text_.size();
    line = std::string_view(text_).substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_;
    return true;
  }

  std::string Header() const {
    std::string h;
    for (const std::string& c : columns_) h += (h.empty() ? "" : ",") + c;
    return h;
  }

  std::string path_;
  std::string text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 0;
  std::vector<std::string> columns_;
};

Status FieldCount(const Csv& csv, const std::vector<std::string_view>& fields) {
  if (fields.size() == csv.columns()) return Status::Ok();
  return csv.Error(csv.line(), "row has " + std::to_string(fields.size()) +
                                   " fields but the header has " + std::to_string(csv.columns()));
}

std::string Field(const std::vector<std::string_view>& fields, int i) {
  return i < 0 ? "" : std::string(fields[static_cast<std::size_t>(i)]);
}

}  // namespace

Result<StepsTable> ReadStepsCsv(const std::string& path) {
  auto csv = Csv::Open(path);
  if (!csv.ok()) return csv.status();
  enum { kTime, kLoad, kDemand, kReady, kBooting, kDesired, kCpu, kForecast, kAnomaly, kReason };
  auto cols = csv->Require({"timestamp", "load", "demand", "ready", "booting", "desired",
                            "cpu_utilization", "forecast", "anomaly", "reason"},
                           "a steps file of `prescale simulate --out`");
  if (!cols.ok()) return cols.status();
  const std::vector<int>& c = *cols;
  const int upper = csv->Column("forecast_upper");
  const int action = csv->Column("action");
  const int series = csv->Column("series");

  StepsTable table;
  table.path = path;
  std::vector<std::string_view> f;
  std::size_t previous_line = 0;
  while (csv->NextRow(f)) {
    if (Status s = FieldCount(*csv, f); !s.ok()) return s;
    StepRow r;
    double anomaly = 0;
    for (auto [i, out, required] : {std::tuple{c[kTime], &r.t, true},
                                    {c[kLoad], &r.load, true},
                                    {c[kDemand], &r.demand, true},
                                    {c[kReady], &r.ready, true},
                                    {c[kBooting], &r.booting, true},
                                    {c[kDesired], &r.desired, true},
                                    {c[kCpu], &r.cpu_utilization, false},
                                    {c[kForecast], &r.forecast, false},
                                    {c[kAnomaly], &anomaly, true},
                                    {upper, &r.forecast_upper, false}}) {
      if (Status s = csv->Number(f, i, *out, required); !s.ok()) return s;
    }
    r.anomaly = anomaly != 0;
    r.reason = Field(f, c[kReason]);
    r.action = Field(f, action);
    if (action < 0 && !table.rows.empty()) {
      // Files from before the action column: the action is the change of size.
      const StepRow& prev = table.rows.back();
      r.action = r.desired > prev.desired   ? "scale_up"
                 : r.desired < prev.desired ? "scale_down"
                                            : "hold";
    }
    if (series >= 0 && table.rows.empty()) table.series = Field(f, series);
    if (!table.rows.empty() && r.t <= table.rows.back().t) {
      return csv->Error(csv->line(), "time goes backwards or repeats: timestamp " +
                                         FormatNumber(r.t) + " is not after line " +
                                         std::to_string(previous_line) + "'s " +
                                         FormatNumber(table.rows.back().t));
    }
    previous_line = csv->line();
    table.rows.push_back(std::move(r));
  }
  if (table.rows.empty()) return csv->Error(1, "header but no data rows");
  if (table.series != "load" && table.series != "cpu") {
    return Status::Error(path + ":2: column 'series': " + Quote(table.series) +
                         " is neither 'load' nor 'cpu'");
  }
  return table;
}

Result<MetricsTable> ReadMetricsCsv(const std::string& path, double since_s) {
  auto csv = Csv::Open(path);
  if (!csv.ok()) return csv.status();
  enum { kTime, kGroup, kReady, kDesired, kReason };
  auto cols = csv->Require({"timestamp", "group", "ready", "desired", "reason"},
                           "the metrics file of `prescale run` (data/metrics.csv)");
  if (!cols.ok()) return cols.status();
  const std::vector<int>& c = *cols;
  const int cpu = csv->Column("cpu_pct");
  const int load = csv->Column("load_per_s");
  if (cpu < 0 && load < 0) {
    return csv->Error(1, "header has neither 'cpu_pct' nor 'load_per_s': nothing to plot");
  }
  const int forecast = csv->Column("forecast");
  const int upper = csv->Column("forecast_upper");
  const int anomaly = csv->Column("anomaly");
  const int action = csv->Column("action");
  const int series = csv->Column("series");

  MetricsTable table;
  table.path = path;
  std::vector<std::string_view> f;
  bool any_row = false;
  while (csv->NextRow(f)) {
    if (f.size() < csv->columns()) {
      table.skipped_lines.push_back(csv->line());
      continue;
    }
    if (Status s = FieldCount(*csv, f); !s.ok()) return s;
    any_row = true;
    MetricsRow r;
    double is_anomaly = 0;
    for (auto [i, out, required] : {std::tuple{c[kTime], &r.t, true},
                                    {c[kReady], &r.ready, true},
                                    {c[kDesired], &r.desired, true},
                                    {cpu, &r.cpu_pct, false},
                                    {load, &r.load_per_s, false},
                                    {forecast, &r.forecast, false},
                                    {upper, &r.forecast_upper, false},
                                    {anomaly, &is_anomaly, false}}) {
      if (Status s = csv->Number(f, i, *out, required); !s.ok()) return s;
    }
    r.anomaly = is_anomaly == 1;
    r.group = Field(f, c[kGroup]);
    if (r.group.empty()) return csv->Error(csv->line(), "column 'group' is empty");
    r.reason = Field(f, c[kReason]);
    r.action = Field(f, action);
    r.series = Field(f, series);
    if (r.t < since_s) continue;
    if (std::find(table.groups.begin(), table.groups.end(), r.group) == table.groups.end()) {
      table.groups.push_back(r.group);
    }
    table.rows.push_back(std::move(r));
  }
  if (!any_row) return csv->Error(1, "header but no data rows");
  if (table.rows.empty()) {
    return Status::Error(path + ": no rows at or after " + FormatNumber(since_s));
  }
  // A clock stepped back across a restart can leave rows out of order; a chart
  // wants them in time order.
  std::stable_sort(table.rows.begin(), table.rows.end(),
                   [](const MetricsRow& a, const MetricsRow& b) { return a.t < b.t; });
  return table;
}

}  // namespace prescale::plot
