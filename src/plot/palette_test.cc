// The charts' colours can be told apart, by people with normal colour vision and
// by people with each of the three dichromacies.
//
// Dichromacy is simulated with Machado, Oliveira & Fernandes, "A Physiologically-
// based Model for Simulation of Color Vision Deficiency" (IEEE TVCG 2009), severity
// 1.0, applied in linear RGB; the difference is CIE76 ΔE in CIELAB (D65). A ΔE of
// about 2.3 is just noticeable; 15 is clearly different at a glance on a line.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "plot/charts.h"

namespace prescale::plot {
namespace {

using Matrix = std::array<std::array<double, 3>, 3>;

constexpr Matrix kIdentity = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
constexpr Matrix kProtanopia = {{{0.152286, 1.052583, -0.204868},
                                 {0.114503, 0.786281, 0.099216},
                                 {-0.003882, -0.048116, 1.051998}}};
constexpr Matrix kDeuteranopia = {{{0.367322, 0.860646, -0.227968},
                                   {0.280085, 0.672501, 0.047413},
                                   {-0.011820, 0.042940, 0.968881}}};
constexpr Matrix kTritanopia = {{{1.255528, -0.076749, -0.178779},
                                 {-0.078411, 0.930809, 0.147602},
                                 {0.004733, 0.691367, 0.303900}}};

double Linear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }

std::array<double, 3> Lab(const Color& c, const Matrix& vision) {
  const double in[3] = {Linear(c.r), Linear(c.g), Linear(c.b)};
  double rgb[3];
  for (int i = 0; i < 3; ++i) {
    rgb[i] =
        std::clamp(vision[i][0] * in[0] + vision[i][1] * in[1] + vision[i][2] * in[2], 0.0, 1.0);
  }
  const double x = 0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2];
  const double y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  const double z = 0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2];
  auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116; };
  const double fx = f(x / 0.95047), fy = f(y), fz = f(z / 1.08883);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

double DeltaE(const Color& a, const Color& b, const Matrix& vision) {
  const auto la = Lab(a, vision), lb = Lab(b, vision);
  return std::hypot(la[0] - lb[0], la[1] - lb[1], la[2] - lb[2]);
}

struct Vision {
  const char* name;
  const Matrix& matrix;
};
const Vision kVisions[] = {{"normal", kIdentity},
                           {"protanopia", kProtanopia},
                           {"deuteranopia", kDeuteranopia},
                           {"tritanopia", kTritanopia}};

constexpr double kMinDeltaE = 15;

TEST(PaletteTest, SimulationMatchesPublishedValues) {
  // Black and white are grey to everyone; pure red loses its hue without red cones.
  for (const Vision& v : kVisions) {
    EXPECT_NEAR(DeltaE(Color{0, 0, 0}, Color{1, 1, 1}, v.matrix), 100, 1.5) << v.name;
  }
  EXPECT_GT(DeltaE(Color{1, 0, 0}, Color{0, 1, 0}, kIdentity), 100);
  EXPECT_LT(DeltaE(Color{1, 0, 0}, Color{0, 1, 0}, kDeuteranopia),
            0.5 * DeltaE(Color{1, 0, 0}, Color{0, 1, 0}, kIdentity));
}

TEST(PaletteTest, EveryOkabeItoPairStaysApartUnderEveryVision) {
  using namespace okabe_ito;
  const Color all[] = {kBlack,  kOrange, kSkyBlue,    kBluishGreen,
                       kYellow, kBlue,   kVermillion, kReddishPurple};
  for (const Vision& v : kVisions) {
    for (std::size_t i = 0; i < std::size(all); ++i) {
      for (std::size_t j = i + 1; j < std::size(all); ++j) {
        EXPECT_GE(DeltaE(all[i], all[j], v.matrix), kMinDeltaE) << v.name << " " << i << "-" << j;
      }
    }
  }
}

// Within a panel, every two series with different labels, and the triangles of
// the lanes, differ by at least kMinDeltaE for every vision, and every series stands
// out from the white background.
void ExpectDistinct(const Figure& f) {
  for (const Panel& panel : f.panels) {
    std::vector<std::pair<std::string, Color>> series;
    for (const Line& l : panel.lines) series.emplace_back(l.label, l.color);
    for (const Points& p : panel.points) series.emplace_back(p.label, p.color);
    for (const Vision& v : kVisions) {
      for (std::size_t i = 0; i < series.size(); ++i) {
        EXPECT_GE(DeltaE(series[i].second, kBackground, v.matrix), 30)
            << panel.title << ": " << series[i].first << " on white, " << v.name;
        for (std::size_t j = i + 1; j < series.size(); ++j) {
          EXPECT_GE(DeltaE(series[i].second, series[j].second, v.matrix), kMinDeltaE)
              << panel.title << ": " << series[i].first << " vs " << series[j].first << ", "
              << v.name;
        }
      }
    }
  }
  for (const Vision& v : kVisions) {
    EXPECT_GE(DeltaE(f.up_color, f.down_color, v.matrix), kMinDeltaE) << v.name;
  }
}

TEST(PaletteTest, ChartSeriesCanBeToldApart) {
  StepsTable steps;
  steps.path = "s.csv";
  for (int i = 0; i < 10; ++i) {
    StepRow r;
    r.t = 1735689600 + 60.0 * i;
    r.load = 10 + i;
    r.demand = r.ready = r.desired = 1 + i / 3;
    r.forecast = r.load;
    r.forecast_upper = r.load * 1.2;
    r.anomaly = i == 5;
    r.action = i % 3 == 0 ? "scale_up" : "hold";
    r.reason = "Forecast";
    steps.rows.push_back(r);
  }
  ExpectDistinct(StepsFigure(steps, ""));
  steps.series = "cpu";
  for (StepRow& r : steps.rows) r.cpu_utilization = 0.5;
  ExpectDistinct(StepsFigure(steps, ""));
}

}  // namespace
}  // namespace prescale::plot
