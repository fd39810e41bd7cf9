// Trace files: the load series that `simulate`, the benchmarks and the trace-replay
// source read (DESIGN.md, "Contract: trace files").
//
// The format, to the letter of the contract:
//   - CSV with one header line. Its first two columns are exactly `timestamp` and
//     `value` (surrounding spaces trimmed); further columns are allowed and ignored,
//     both in the header and in the rows.
//   - `timestamp` is epoch seconds (integer or fractional; seconds from the start are
//     fine too) or ISO 8601, see ParseTimestamp(). Timestamps strictly increase (or
//     never decrease, with TraceFormat::allow_repeated_time).
//   - `value` is the load in work units per second: a finite number >= 0 (or any
//     finite number, with TraceFormat::allow_negative).
//   - CRLF line ends and a leading UTF-8 byte-order mark are accepted, and blank lines
//     (empty or only spaces) are skipped anywhere. Quoted fields are not supported.
//   - Rows should lie on a regular grid. A gap is not an error (a trace with a missing
//     bin still replays), and `step_s` is the median spacing so that one gap or
//     outlier does not change it.
//
// Anything else is rejected with a Status whose message names the file and the
// 1-based line, e.g. "trace data.csv:12: value 'abc' is not a number".
//
// Thread safety: these are pure functions over their arguments (ReadTrace also reads
// the file) and may be called from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/status.h"

namespace prescale {

struct Trace {
  // The file path given to ReadTrace, or the name given to ParseTrace.
  std::string name;
  // The header's column names, trimmed. columns[0] == "timestamp", columns[1] == "value".
  std::vector<std::string> columns;
  // Epoch seconds (or seconds from the start), strictly increasing (non-decreasing
  // with TraceFormat::allow_repeated_time), one per row.
  std::vector<double> timestamps_s;
  // The `value` column: load in units/s, finite and >= 0 (any finite number with
  // TraceFormat::allow_negative), one per row.
  std::vector<double> values;
  // Median spacing of timestamps_s (the mean of the two middle spacings when their
  // count is even, as numpy.median does, which the benchmarks use). 60 for a
  // single row, which has no spacing to measure: one minute is the finest common
  // grid of the traces in shared/traces.
  double step_s = 0;

  std::size_t size() const { return values.size(); }
};

// What a series may hold beyond a load trace's contract. A load is >= 0 and its
// timestamps strictly increase; a metric in general (the NAB corpus, which
// `prescale detect` reads) may be negative and may repeat a timestamp.
struct TraceFormat {
  bool allow_negative = false;       // values may be < 0
  bool allow_repeated_time = false;  // a timestamp may equal the previous one
};

// Parses the CSV text of a trace. `name` is used for Trace::name and in error
// messages. Guarantees on success: at least one row, timestamps_s.size() ==
// values.size(), and step_s > 0 (with repeated timestamps, the median spacing of the
// distinct ones).
Result<Trace> ParseTrace(std::string_view text, std::string_view name,
                         const TraceFormat& format = {});

// Reads the file at `path` and parses it with ParseTrace(text, path, format). A file
// that cannot be opened or read is an error that names it and says why.
Result<Trace> ReadTrace(const std::string& path, const TraceFormat& format = {});

// Parses one timestamp to epoch seconds, after trimming surrounding spaces. Accepts:
//   - epoch seconds: "804571200", "1.5e9", "12.25" (any finite decimal number);
//   - ISO 8601 dates and times: "2014-04-01", "2014-04-01 00:00:00",
//     "2014-04-01T00:00:00Z", "2014-04-01T00:00:00.250Z", "2014-04-01T00:00",
//     "2014-04-01T02:00:00+02:00" (also "+0200" and "+02"). The date and time may be
//     separated by 'T' or a space. No zone means UTC. Fields are range-checked
//     (no February 30th, no hour 24, no leap second).
// Returns nullopt if `text` is not a timestamp.
std::optional<double> ParseTimestamp(std::string_view text);

}  // namespace prescale
