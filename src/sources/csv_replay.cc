#include "sources/csv_replay.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "core/text.h"

namespace prescale {
namespace {

// Shortest text that reads back as the same number: 0.5, 120, 1e-05.

}  // namespace

CsvReplaySource::CsvReplaySource(Trace trace, CsvReplayConfig config, std::string group)
    : trace_(std::move(trace)), config_(config), group_(std::move(group)) {}

Observation CsvReplaySource::Read(TimePoint now) {
  Observation o;
  o.time = now;
  if (!start_) start_ = now;

  // 1. How far into the trace `now` is, in trace seconds from its first row.
  const double first_s = trace_.timestamps_s.front();
  // The last row holds for one step, so one pass of the trace lasts this long.
  const double length_s = trace_.timestamps_s.back() - first_s + trace_.step_s;
  double offset_s = std::max(0.0, (now - *start_).count() * config_.speed);

  // 2. Past the end: start over, or say so.
  if (offset_s >= length_s) {
    if (!config_.loop) {
      o.error = "csv-replay " + trace_.name;
      if (!group_.empty()) o.error += " for group " + group_;
      o.error += ": trace ended: its " + std::to_string(trace_.size()) + " rows took " +
                 FormatNumber(length_s / config_.speed) + " s at speed " +
                 FormatNumber(config_.speed) + " (set loop: true to replay it again)";
      return o;
    }
    offset_s = std::fmod(offset_s, length_s);
  }

  // 3. The row in force: the last one at or before the trace time.
  const double trace_time_s = first_s + offset_s;
  auto after =
      std::upper_bound(trace_.timestamps_s.begin(), trace_.timestamps_s.end(), trace_time_s);
  const auto row = static_cast<std::size_t>(after - trace_.timestamps_s.begin()) - 1;
  o.load_per_s = trace_.values[row];
  return o;
}

}  // namespace prescale
