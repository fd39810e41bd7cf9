// The "csv-replay" source: replays a trace file (sources/trace.h) as live load, so
// that `prescale run` can be driven by a recorded workload.
//
// The replay starts at the first Read: a Read at `now` reports the row in force at
// trace time first_timestamp + (now - start) * speed, that is the last row whose
// timestamp is not after it (a row holds until the next one, across gaps). The last
// row holds for one trace step (Trace::step_s). After that the trace either starts
// over (`loop`) or every Read reports the error "trace ended". A `now` before the
// start (the wall clock stepped back) reads the first row.
//
// Only load_per_s is filled (the trace's value); a trace knows no CPU or memory.
//
// Thread safety: not thread-safe (the first Read sets the start).
#pragma once

#include <optional>
#include <string>

#include "prescale/metric_source.h"
#include "sources/trace.h"

namespace prescale {

struct CsvReplayConfig {
  double speed = 1;   // trace seconds per real second; > 0
  bool loop = false;  // start over at the end rather than report "trace ended"
};

class CsvReplaySource final : public MetricSource {
 public:
  // `group` names the scaling group in error messages. REQUIRES: config.speed > 0,
  // and `trace` as ReadTrace returns it (at least one row, step_s > 0).
  CsvReplaySource(Trace trace, CsvReplayConfig config, std::string group);

  std::string_view name() const override { return "csv-replay"; }
  Observation Read(TimePoint now) override;

 private:
  Trace trace_;
  CsvReplayConfig config_;
  std::string group_;
  std::optional<TimePoint> start_;
};

}  // namespace prescale
