#include "plot/axis.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

namespace prescale::plot {
namespace {

constexpr double kDay = 86400;
// 1970-01-05, a Monday: weeks start on Mondays (ISO 8601).
constexpr double kFirstMonday = 4 * kDay;

// The fewest decimals that show `x` (a step's mantissa, such as 2.5) exactly.
int DecimalsFor(double x) {
  x = std::fabs(x);
  for (int d = 0; d < 6; ++d) {
    const double scaled = x * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) return d;
  }
  return 6;
}

// A round step: a number of fixed seconds, or of calendar months.
struct TimeStep {
  double seconds = 0;
  int months = 0;
};

std::vector<TimeStep> TimeSteps(bool elapsed) {
  std::vector<TimeStep> steps;
  for (double s :
       {1.,    2.,    5.,    10.,    15.,    30.,    60.,  120.,     300.,     600.,     900.,
        1800., 3600., 7200., 10800., 21600., 43200., kDay, 2 * kDay, 7 * kDay, 14 * kDay}) {
    steps.push_back({s, 0});
  }
  if (elapsed) {
    for (double d : {30., 60., 90., 180., 365., 730., 1825., 3650.}) steps.push_back({d * kDay, 0});
  } else {
    for (int m : {1, 2, 3, 6, 12, 24, 60, 120, 240, 600}) steps.push_back({0, m});
  }
  return steps;
}

double EpochOfMonth(int months_since_year_0) {
  const int year = months_since_year_0 / 12;
  const unsigned month = static_cast<unsigned>(months_since_year_0 % 12) + 1;
  const std::chrono::sys_days day{std::chrono::year(year) / std::chrono::month(month) /
                                  std::chrono::day(1)};
  return static_cast<double>(day.time_since_epoch().count()) * kDay;
}

std::vector<double> TickTimes(double t0, double t1, const TimeStep& step, bool elapsed) {
  std::vector<double> out;
  if (step.months == 0) {
    const double offset = (!elapsed && step.seconds == 7 * kDay) ? kFirstMonday : 0;
    for (double t = std::ceil((t0 - offset) / step.seconds) * step.seconds + offset; t <= t1;
         t += step.seconds) {
      out.push_back(t);
    }
    return out;
  }
  const std::tm start = UtcTime(t0);
  int m = (start.tm_year + 1900) * 12 + start.tm_mon;
  m = (m + step.months - 1) / step.months * step.months;
  for (double t = EpochOfMonth(m); t <= t1; m += step.months, t = EpochOfMonth(m)) {
    if (t >= t0) out.push_back(t);
  }
  return out;
}

// The main line of a tick's label, and the context (second line) it would show
// if the context changed there.
void LabelTick(Tick& tick, const TimeStep& step, bool elapsed) {
  if (elapsed) {
    tick.label = FormatElapsed(tick.value);
    return;
  }
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::tm tm = UtcTime(tick.value);
  const std::string date =
      fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  const std::string year = fmt::format("{}", tm.tm_year + 1900);
  if (step.months >= 12) {
    tick.label = year;
  } else if (step.months > 0) {
    tick.label = kMonths[tm.tm_mon];
    tick.context = year;
  } else if (step.seconds >= kDay) {
    tick.label = fmt::format("{} {:02}", kMonths[tm.tm_mon], tm.tm_mday);
    tick.context = year;
  } else if (step.seconds >= 60) {
    tick.label = fmt::format("{:02}:{:02}", tm.tm_hour, tm.tm_min);
    tick.context = date;
  } else {
    tick.label = fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
    tick.context = date;
  }
}

// Keeps each tick's context only where it differs from the previous tick's.
void KeepChangedContexts(std::vector<Tick>& ticks, const std::vector<std::string>& contexts) {
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    ticks[i].context = (i == 0 || contexts[i] != contexts[i - 1]) ? contexts[i] : "";
  }
}

}  // namespace

ValueAxis MakeValueAxis(double lo, double hi, int max_ticks, bool integer, bool from_zero) {
  max_ticks = std::max(max_ticks, 2);
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) lo = 0, hi = 1;
  if (from_zero && lo >= 0) lo = 0;
  if (hi - lo <= 0) {
    const double pad = integer ? 1 : (lo == 0 ? 1 : std::fabs(lo) * 0.1);
    hi += pad;
    if (!(from_zero && lo >= 0)) lo -= pad;
  }
  const double raw = (hi - lo) / (max_ticks - 1);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  static constexpr double kMantissas[] = {1, 2, 2.5, 5};
  ValueAxis axis;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const double m = kMantissas[attempt % 4];
    if (attempt > 0 && attempt % 4 == 0) magnitude *= 10;
    const double step = m * magnitude;
    if (step < raw * (1 - 1e-9)) continue;
    if (integer && (step < 1 || std::fabs(step - std::round(step)) > 1e-9)) continue;
    const double first = std::floor(lo / step + 1e-9) * step;
    const double last = std::ceil(hi / step - 1e-9) * step;
    const int count = static_cast<int>(std::llround((last - first) / step)) + 1;
    if (count > max_ticks) continue;
    axis.lo = first;
    axis.hi = last;
    axis.step = step;
    for (int i = 0; i < count; ++i) {
      const double v = first + i * step;
      // -0 and rounding noise ("1e-17") print as 0.
      const double clean = std::fabs(v) < step * 1e-9 ? 0 : v;
      axis.ticks.push_back(
          Tick{clean, FormatValue(clean, step, std::max(std::fabs(first), std::fabs(last))), ""});
    }
    return axis;
  }
  const double max = std::max(std::fabs(lo), std::fabs(hi));
  axis.ticks = {Tick{lo, FormatValue(lo, hi - lo, max), ""},
                Tick{hi, FormatValue(hi, hi - lo, max), ""}};
  axis.lo = lo;
  axis.hi = hi;
  axis.step = hi - lo;
  return axis;
}

std::string FormatValue(double v, double step, double axis_max) {
  if (v == 0) return "0";
  static constexpr struct {
    double scale;
    const char* suffix;
  } kScales[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  double scale = 1;
  const char* suffix = "";
  for (const auto& s : kScales) {
    if (std::fabs(axis_max) >= s.scale && std::fabs(axis_max) >= 1e4) {
      scale = s.scale;
      suffix = s.suffix;
      break;
    }
  }
  const int decimals = DecimalsFor(std::fabs(step) / scale);
  return fmt::format("{:.{}f}{}", v / scale, decimals, suffix);
}

std::tm UtcTime(double epoch_s) {
  const std::time_t s = static_cast<std::time_t>(std::floor(epoch_s));
  std::tm tm{};
  gmtime_r(&s, &tm);
  return tm;
}

double MedianSpacing(const std::vector<double>& t) {
  if (t.size() < 2) return 0;
  std::vector<double> d(t.size() - 1);
  for (std::size_t i = 1; i < t.size(); ++i) d[i - 1] = t[i] - t[i - 1];
  std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

std::string FormatElapsed(double seconds) {
  if (seconds < 0) return fmt::format("-{}", FormatElapsed(-seconds));
  long long s = std::llround(seconds);
  if (s == 0) return "0";
  static constexpr struct {
    long long size;
    const char* name;
  } kUnits[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::string out;
  int shown = 0;
  for (const auto& u : kUnits) {
    const long long n = s / u.size;
    if (n == 0) {
      if (shown > 0) break;  // "1d 30m" would hide the zero hours; stop at "1d"
      continue;
    }
    fmt::format_to(std::back_inserter(out), "{}{}{}", out.empty() ? "" : " ", n, u.name);
    s -= n * u.size;
    if (++shown == 2) break;
  }
  return out;
}

std::vector<Tick> MakeTimeTicks(const TimeAxisRequest& r) {
  const double span = r.t1 - r.t0;
  const double px = r.x1 - r.x0;
  if (!(span > 0) || !(px > 0)) return {};
  auto x_of = [&](double t) { return r.x0 + (t - r.t0) / span * px; };
  std::vector<Tick> fallback;
  for (const TimeStep& step : TimeSteps(r.elapsed)) {
    const double approx_s = step.months > 0 ? step.months * 30.4 * kDay : step.seconds;
    // Each label needs at least the gap: more ticks than that cannot fit.
    if (span / approx_s > px / r.min_gap_px + 2) continue;
    std::vector<Tick> ticks;
    std::vector<std::string> contexts;
    for (double t : TickTimes(r.t0, r.t1, step, r.elapsed)) {
      Tick tick{t, "", ""};
      LabelTick(tick, step, r.elapsed);
      contexts.push_back(tick.context);
      ticks.push_back(std::move(tick));
    }
    // Drop ticks whose label would stick out of the allowed area; the first kept
    // tick then carries the context, which can widen it, so repeat until stable.
    auto width = [&](const Tick& t) { return std::max(r.measure(t.label), r.measure(t.context)); };
    for (bool changed = true; changed;) {
      changed = false;
      KeepChangedContexts(ticks, contexts);
      for (std::size_t i = 0; i < ticks.size(); ++i) {
        const double x = x_of(ticks[i].value);
        const double half = width(ticks[i]) / 2;
        if (x - half < r.min_x || x + half > r.max_x) {
          ticks.erase(ticks.begin() + static_cast<long>(i));
          contexts.erase(contexts.begin() + static_cast<long>(i));
          changed = true;
          break;
        }
      }
    }
    bool fits = true;
    for (std::size_t i = 1; i < ticks.size() && fits; ++i) {
      const double right = x_of(ticks[i - 1].value) + width(ticks[i - 1]) / 2;
      const double left = x_of(ticks[i].value) - width(ticks[i]) / 2;
      fits = left - right >= r.min_gap_px;
    }
    if (!fits) continue;
    if (ticks.size() >= 2) return ticks;
    if (fallback.empty()) fallback = std::move(ticks);
  }
  return fallback;
}

}  // namespace prescale::plot
