// The charts of prescale's own files, as Figures (figure.h) for RenderPng.
//
// Steps of `simulate`:
//   panel 1  load (units/s), the one-step forecast and its band up to the peak upper
//            bound over the boot horizon, anomalies as dots (and shaded spans);
//            with a CPU-driven policy (series "cpu") the load has its own panel and
//            CPU utilisation (%) carries the forecast and the anomalies;
//   panel 2  instances: demand (what the load needed), ready, desired;
//   lanes    every scaling action, one lane per reason, triangles up and down.
// Metrics of `run`, per group: the group's series (seed 1's CPU trend, or the load)
// with its forecast, band and anomalies; its ready and desired instances; and the
// actions by reason.
//
// The forecast on row t is made at the end of interval t for the next interval, so
// it is drawn one step later, against the value it predicted.
#pragma once

#include <string>
#include <vector>

#include "plot/figure.h"
#include "plot/inputs.h"

namespace prescale::plot {

// The colours of each meaning, the same in every chart (Okabe-Ito, figure.h).
inline constexpr Color kLoadColor = okabe_ito::kBlack;
inline constexpr Color kCpuColor = okabe_ito::kSkyBlue;
inline constexpr Color kForecastColor = okabe_ito::kOrange;
inline constexpr Color kAnomalyColor = okabe_ito::kVermillion;
inline constexpr Color kDemandColor = okabe_ito::kBlack;
inline constexpr Color kReadyColor = okabe_ito::kBlue;
inline constexpr Color kDesiredColor = okabe_ito::kBluishGreen;

// `title` empty: one made from the file's name.
Figure StepsFigure(const StepsTable& steps, const std::string& title);

// The groups named (all when empty), stacked; an unknown group is an error that
// lists the known ones.
Result<Figure> MetricsFigure(const MetricsTable& metrics, const std::vector<std::string>& groups,
                             const std::string& title);

// "2025-01-01 00:00" (UTC).
std::string FormatDateTime(double epoch_s);

}  // namespace prescale::plot
