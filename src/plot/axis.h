// Axis ticks: where they go and what their labels say.
//
// Value axes step by 1, 2, 2.5 or 5 times a power of ten (Heckbert, "Nice numbers
// for graph labels", Graphics Gems, 1990). Time axes step by round clock and
// calendar units (seconds, minutes, hours, days, weeks, months, years) in UTC, and
// the step is the smallest whose labels, measured in the font that draws them, fit
// side by side with a gap: labels never overlap, whatever the width.
//
// A time label has a main line ("14:00", "Jan 02") and, where the context changes
// (the first tick, a new day or a new year), a second line with that context
// ("2025-01-02", "2025"), as matplotlib's ConciseDateFormatter does.
//
// Pure functions; text is measured through the caller's function, so they work
// without cairo (tests measure with a fixed width per character).
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace prescale::plot {

struct Tick {
  double value = 0;  // an axis value: epoch seconds on a time axis
  std::string label;
  std::string context;  // the second line of a time label; often ""
};

struct ValueAxis {
  double lo = 0, hi = 1;  // the axis range, widened to whole ticks
  double step = 1;
  std::vector<Tick> ticks;
};

// An axis over [data_lo, data_hi] with at most `max_ticks` ticks (at least 2).
// `integer`: whole-number steps only. `from_zero`: starts at 0 when data_lo >= 0.
// An empty or one-value range gets a range around its value.
ValueAxis MakeValueAxis(double data_lo, double data_hi, int max_ticks, bool integer,
                        bool from_zero);

// A value as a tick label of an axis whose ticks step by `step` and reach
// `axis_max` (in absolute value): as many decimals as the step needs, and, on an
// axis that reaches ten thousand, the SI suffix of its size, the same on every
// tick: "0", "2.5", "250", "12.5k", "4.25M".
std::string FormatValue(double v, double step, double axis_max);

// Seconds as the two largest units: "0", "45s", "30m", "1h 30m", "1d 6h".
std::string FormatElapsed(double seconds);

// The calendar fields of an epoch time in UTC (whole seconds, rounded down).
std::tm UtcTime(double epoch_s);

// The median spacing of increasing times: the step of a series, which neither a
// gap nor a late tick moves. 0 for fewer than two times.
double MedianSpacing(const std::vector<double>& t);

using MeasureText = std::function<double(const std::string&)>;  // width in pixels

struct TimeAxisRequest {
  double t0 = 0, t1 = 1;          // the data range, epoch seconds (t0 < t1)
  double x0 = 0, x1 = 100;        // where t0 and t1 fall, in pixels
  double min_x = 0, max_x = 100;  // no label may reach outside these pixels
  double min_gap_px = 10;         // between two labels' boxes
  bool elapsed = false;           // label time since 0 instead of dates (Figure::kEpochThreshold)
  MeasureText measure;
};

// Ticks inside [t0, t1] whose labels fit: the smallest round step whose labels,
// centred on their ticks, keep `min_gap_px` apart and inside [min_x, max_x].
std::vector<Tick> MakeTimeTicks(const TimeAxisRequest& request);

}  // namespace prescale::plot
