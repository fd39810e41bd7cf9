#include "plot/charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>

#include "core/text.h"
#include "plot/axis.h"

namespace prescale::plot {
namespace {

constexpr double kSeriesWeight = 1.6;  // the series panel is taller than the instances one

// A series' step: its median spacing, or a minute for a single row.
double StepOf(const std::vector<double>& t) {
  const double spacing = MedianSpacing(t);
  return spacing > 0 ? spacing : 60;
}

// One span per run of anomalous steps, each step covering half a step either side.
std::vector<Span> AnomalySpans(const std::vector<double>& t, const std::vector<bool>& anomaly,
                               double step) {
  std::vector<Span> spans;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!anomaly[i]) continue;
    const double a = t[i] - step / 2, b = t[i] + step / 2;
    if (!spans.empty() && i > 0 && anomaly[i - 1]) {
      spans.back().t1 = b;
    } else {
      spans.push_back({a, b});
    }
  }
  return spans;
}

struct Action {
  double t;
  bool up;
  std::string reason;
};

// One lane per reason, the most frequent first, labelled with its count.
std::vector<EventLane> ReasonLanes(const std::vector<Action>& actions, const std::string& prefix) {
  std::map<std::string, EventLane> by_reason;
  for (const Action& a : actions) by_reason[a.reason].events.push_back({a.t, a.up});
  std::vector<EventLane> lanes;
  for (auto& [reason, lane] : by_reason) {
    lane.label =
        fmt::format("{}{} ({})", prefix, reason.empty() ? "no reason" : reason, lane.events.size());
    lanes.push_back(std::move(lane));
  }
  std::stable_sort(lanes.begin(), lanes.end(), [](const EventLane& a, const EventLane& b) {
    return a.events.size() > b.events.size();
  });
  return lanes;
}

// What the forecast, the band and the anomalies are drawn over.
struct SeriesData {
  std::string title;
  std::string label;
  Color color;
  std::vector<double> t, value, forecast, upper;
  std::vector<bool> anomaly;
  double step = 60;
};

Panel SeriesPanel(const SeriesData& d) {
  Panel panel;
  panel.title = d.title;
  panel.weight = kSeriesWeight;
  Line value{d.label, d.color, d.t, d.value, 0.15};
  // The forecast made at t is for t + step: drawn there, against what it predicted.
  std::vector<double> ft(d.t.size()), lower(d.t.size()), upper(d.t.size());
  bool any_forecast = false, any_band = false;
  for (std::size_t i = 0; i < d.t.size(); ++i) {
    ft[i] = d.t[i] + d.step;
    lower[i] = std::fmin(d.forecast[i], d.upper[i]);
    upper[i] = std::fmax(d.forecast[i], d.upper[i]);
    if (!std::isfinite(d.forecast[i]) || !std::isfinite(d.upper[i])) lower[i] = upper[i] = NAN;
    any_forecast |= std::isfinite(d.forecast[i]);
    any_band |= std::isfinite(lower[i]) && upper[i] > lower[i];
  }
  if (any_band) {
    panel.bands.push_back(
        Band{"forecast band, up to the peak upper bound", kForecastColor, 0.22, ft, lower, upper});
  }
  panel.lines.push_back(std::move(value));
  if (any_forecast) {
    panel.lines.push_back(
        Line{"forecast (next step)", kForecastColor, ft, d.forecast, 0.14, Dash::kDashed});
  }
  Points dots{"anomaly", kAnomalyColor, {}, {}};
  for (std::size_t i = 0; i < d.t.size(); ++i) {
    if (d.anomaly[i] && std::isfinite(d.value[i]))
      dots.t.push_back(d.t[i]), dots.y.push_back(d.value[i]);
  }
  if (!dots.t.empty()) panel.points.push_back(std::move(dots));
  return panel;
}

// Ready wide at the bottom, desired thin and dashed over it (where the two agree,
// the dashes run along the ready line; where desired leads, by the boot delay, it
// stands apart), and the demand on top, so that being short is visible.
std::vector<Line> InstanceLines(const std::vector<double>& t, const std::vector<double>* demand,
                                const std::vector<double>& ready,
                                const std::vector<double>& desired) {
  std::vector<Line> lines;
  if (demand) {
    lines.push_back(Line{"demand (instances the load needs)", kDemandColor, t, *demand, 0.1,
                         Dash::kSolid, true});
    lines.back().layer = 2;
  }
  lines.push_back(Line{"ready", kReadyColor, t, ready, 0.24, Dash::kSolid, true});
  lines.push_back(Line{"desired", kDesiredColor, t, desired, 0.1, Dash::kDashed, true});
  lines.back().layer = 1;
  return lines;
}

// "2025-01-01 00:00 to 2025-01-03 23:59 UTC"; with seconds and one date for a
// session shorter than an hour: "2026-12-01 08:45:13 to 08:45:53 UTC".
std::string Period(double t0, double t1) {
  if (t1 < Figure::kEpochThreshold) return FormatElapsed(t1 - t0) + " of data";
  if (t1 - t0 >= 3600) return FormatDateTime(t0) + " to " + FormatDateTime(t1) + " UTC";
  const std::tm ta = UtcTime(t0), tb = UtcTime(t1);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} to {}{:02}:{:02}:{:02} UTC",
                     ta.tm_year + 1900, ta.tm_mon + 1, ta.tm_mday, ta.tm_hour, ta.tm_min, ta.tm_sec,
                     ta.tm_mday == tb.tm_mday ? ""
                                              : fmt::format("{:04}-{:02}-{:02} ", tb.tm_year + 1900,
                                                            tb.tm_mon + 1, tb.tm_mday),
                     tb.tm_hour, tb.tm_min, tb.tm_sec);
}

std::string Plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The step's duration as a person says it: "1m", "1h", "0.5s".
std::string StepText(double step_s) {
  return step_s >= 1 ? FormatElapsed(step_s) : FormatNumber(step_s) + "s";
}

}  // namespace

std::string FormatDateTime(double epoch_s) {
  const std::tm tm = UtcTime(epoch_s);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min);
}

Figure StepsFigure(const StepsTable& steps, const std::string& title) {
  const std::vector<StepRow>& rows = steps.rows;
  const std::size_t n = rows.size();
  SeriesData s;
  std::vector<double> load(n), cpu(n), demand(n), ready(n), desired(n);
  std::vector<Action> actions;
  std::size_t short_steps = 0, anomalies = 0;
  const bool cpu_series = steps.series == "cpu";
  const double scale = cpu_series ? 100 : 1;  // CPU as a percentage
  for (std::size_t i = 0; i < n; ++i) {
    const StepRow& r = rows[i];
    s.t.push_back(r.t);
    load[i] = r.load;
    cpu[i] = r.cpu_utilization * 100;
    demand[i] = r.demand;
    ready[i] = r.ready;
    desired[i] = r.desired;
    s.forecast.push_back(r.forecast * scale);
    s.upper.push_back(r.forecast_upper * scale);
    s.anomaly.push_back(r.anomaly);
    if (r.action == "scale_up" || r.action == "scale_down") {
      actions.push_back({r.t, r.action == "scale_up", r.reason});
    }
    short_steps += r.demand > r.ready;
    anomalies += r.anomaly;
  }
  s.step = StepOf(s.t);

  Figure f;
  f.title = !title.empty()
                ? title
                : "prescale simulate: " + std::filesystem::path(steps.path).filename().string();
  f.subtitle =
      fmt::format("{} · {} of {} · {} · {} · short of capacity in {:.2f} % of steps",
                  Period(s.t.front(), s.t.back()), Plural(n, "step", "steps"), StepText(s.step),
                  Plural(actions.size(), "scaling action", "scaling actions"),
                  Plural(anomalies, "anomalous step", "anomalous steps"), 100.0 * short_steps / n);
  if (cpu_series) {
    Panel load_panel;
    load_panel.title = "Load (units/s)";
    load_panel.lines.push_back(Line{"load", kLoadColor, s.t, load, 0.15});
    f.panels.push_back(std::move(load_panel));
    s.title = "CPU utilisation (%)";
    s.label = "CPU";
    s.color = kCpuColor;
    s.value = cpu;
  } else {
    s.title = "Load (units/s)";
    s.label = "load";
    s.color = kLoadColor;
    s.value = load;
  }
  const std::vector<Span> spans = AnomalySpans(s.t, s.anomaly, s.step);
  f.panels.push_back(SeriesPanel(s));

  Panel instances;
  instances.title = "Instances";
  instances.integer_axis = true;
  instances.lines = InstanceLines(s.t, &demand, ready, desired);
  f.panels.push_back(std::move(instances));
  f.lanes_title = "Scaling actions by reason";
  f.lanes = ReasonLanes(actions, "");
  for (Panel& panel : f.panels) panel.spans = spans;
  for (EventLane& lane : f.lanes) lane.spans = spans;
  return f;
}

Result<Figure> MetricsFigure(const MetricsTable& metrics, const std::vector<std::string>& groups,
                             const std::string& title) {
  std::vector<std::string> chosen = groups.empty() ? metrics.groups : groups;
  for (const std::string& g : chosen) {
    if (std::find(metrics.groups.begin(), metrics.groups.end(), g) == metrics.groups.end()) {
      std::string known;
      for (const std::string& k : metrics.groups) known += (known.empty() ? "" : ", ") + k;
      return Status::Error(metrics.path + ": no rows for group " + Quote(g) + "; groups: " + known);
    }
  }
  Figure f;
  std::string names;
  for (const std::string& g : chosen) names += (names.empty() ? "" : ", ") + g;
  f.title = !title.empty() ? title : "prescale run: " + names;
  f.lanes_title = "Scaling actions by reason";
  std::size_t ticks = 0, action_count = 0, anomalies = 0;
  double t0 = INFINITY, t1 = -INFINITY;
  for (const std::string& group : chosen) {
    SeriesData s;
    std::vector<double> cpu, load, ready, desired;
    std::vector<Action> actions;
    std::map<std::string, int> series_votes;
    for (const MetricsRow& r : metrics.rows) {
      if (r.group != group) continue;
      s.t.push_back(r.t);
      cpu.push_back(r.cpu_pct);
      load.push_back(r.load_per_s);
      ready.push_back(r.ready);
      desired.push_back(r.desired);
      s.forecast.push_back(r.forecast);
      s.upper.push_back(r.forecast_upper);
      s.anomaly.push_back(r.anomaly);
      if (r.action == "scale_up" || r.action == "scale_down") {
        actions.push_back({r.t, r.action == "scale_up", r.reason});
      }
      ++series_votes[r.series];
      anomalies += r.anomaly;
    }
    ticks += s.t.size();
    action_count += actions.size();
    t0 = std::min(t0, s.t.front());
    t1 = std::max(t1, s.t.back());
    s.step = StepOf(s.t);
    // Files written before the series column: a group with a load is load-driven.
    std::string series = series_votes.count("cpu")    ? "cpu"
                         : series_votes.count("load") ? "load"
                                                      : "";
    if (series.empty()) {
      series = std::any_of(load.begin(), load.end(), [](double v) { return std::isfinite(v); })
                   ? "load"
                   : "cpu";
    }
    if (series == "cpu") {
      for (double& v : s.forecast) v *= 100;
      for (double& v : s.upper) v *= 100;
      s.title = group + " · CPU usage (%)";
      s.label = "CPU";
      s.color = kCpuColor;
      s.value = cpu;
    } else {
      s.title = group + " · load (units/s)";
      s.label = "load";
      s.color = kLoadColor;
      s.value = load;
    }
    const std::vector<Span> spans = AnomalySpans(s.t, s.anomaly, s.step);
    f.panels.push_back(SeriesPanel(s));
    f.panels.back().spans = spans;
    Panel instances;
    instances.title = group + " · instances";
    instances.integer_axis = true;
    instances.lines = InstanceLines(s.t, nullptr, ready, desired);
    instances.spans = spans;
    f.panels.push_back(std::move(instances));
    for (EventLane& lane : ReasonLanes(actions, chosen.size() > 1 ? group + " · " : "")) {
      lane.spans = spans;
      f.lanes.push_back(std::move(lane));
    }
  }
  f.subtitle = fmt::format("{} · {} · {} · {}", Period(t0, t1), Plural(ticks, "tick", "ticks"),
                           Plural(action_count, "scaling action", "scaling actions"),
                           Plural(anomalies, "anomaly", "anomalies"));
  return f;
}

}  // namespace prescale::plot
