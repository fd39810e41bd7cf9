// Figure: a chart described as plain data, which render.h draws with cairo.
//
// A figure is a title, a legend, and panels stacked over one shared time axis:
// each panel has its own value axis and holds bands, lines and point markers. Under
// the panels, optional event lanes show discrete events (scaling actions), one lane
// per kind (the decision's reason), with up and down triangles. Panels and lanes
// may shade time spans (anomalies) across their height. Times are epoch seconds; values are in the
// units the panel's title names. NaN in a series is a gap.
//
// Nothing here knows cairo: charts.h builds figures from prescale's files, and tests
// can inspect a figure without drawing it.
#pragma once

#include <string>
#include <vector>

namespace prescale::plot {

struct Color {
  double r = 0, g = 0, b = 0;  // each in [0, 1]
  static constexpr Color Rgb(int r, int g, int b) { return Color{r / 255.0, g / 255.0, b / 255.0}; }
};

// Okabe & Ito (2008), "Color Universal Design": eight colours that people with any
// of the common colour-vision deficiencies can tell apart. palette_test.cc checks
// the pairs the charts use under simulated protanopia, deuteranopia and tritanopia.
namespace okabe_ito {
inline constexpr Color kBlack = Color::Rgb(0, 0, 0);
inline constexpr Color kOrange = Color::Rgb(230, 159, 0);
inline constexpr Color kSkyBlue = Color::Rgb(86, 180, 233);
inline constexpr Color kBluishGreen = Color::Rgb(0, 158, 115);
inline constexpr Color kYellow = Color::Rgb(240, 228, 66);
inline constexpr Color kBlue = Color::Rgb(0, 114, 178);
inline constexpr Color kVermillion = Color::Rgb(213, 94, 0);
inline constexpr Color kReddishPurple = Color::Rgb(204, 121, 167);
}  // namespace okabe_ito

// The chart furniture (not data), kept neutral so the data colours stand out.
inline constexpr Color kBackground = Color::Rgb(255, 255, 255);
inline constexpr Color kText = Color::Rgb(34, 34, 34);
inline constexpr Color kMutedText = Color::Rgb(96, 96, 96);
inline constexpr Color kGrid = Color::Rgb(226, 226, 226);
inline constexpr Color kAxis = Color::Rgb(140, 140, 140);

enum class Dash { kSolid, kDashed, kDotted };

struct Line {
  std::string label;  // legend text; "" keeps it out of the legend
  Color color;
  std::vector<double> t;   // epoch seconds, increasing
  std::vector<double> y;   // same size as t; NaN = gap
  double width_em = 0.14;  // line width, in units of the font size
  Dash dash = Dash::kSolid;
  bool step = false;  // a step function: y holds from t[i] until t[i + 1]
  // Lines draw in increasing layer (in listed order within one), so a panel can
  // list its series in the legend's order and still draw the main one on top.
  int layer = 0;
};

// A filled region between two series (a forecast's band).
struct Band {
  std::string label;
  Color color;
  double alpha = 0.25;
  std::vector<double> t, lower, upper;  // NaN in either = gap
};

// Marks single points (anomalies) with filled circles.
struct Points {
  std::string label;
  Color color;
  std::vector<double> t, y;
};

struct Span {
  double t0 = 0, t1 = 0;
};

struct Panel {
  std::string title;  // shown above the panel: what is plotted, with its unit
  std::vector<Band> bands;
  std::vector<Line> lines;
  std::vector<Points> points;
  std::vector<Span> spans;    // shaded across the panel (Figure::span_color)
  bool integer_axis = false;  // ticks at whole numbers only (instance counts)
  bool from_zero = true;      // the value axis starts at 0 when all values are >= 0
  double weight = 1;          // share of the panels' height
};

struct Event {
  double t = 0;
  bool up = true;  // a scale up (triangle up) or down (triangle down)
};

struct EventLane {
  std::string label;  // the reason, shown left of the lane
  std::vector<Event> events;
  std::vector<Span> spans;  // shaded across the lane
};

struct Figure {
  std::string title;
  std::string subtitle;
  std::vector<Panel> panels;

  std::string lanes_title;  // heading over the event lanes
  std::vector<EventLane> lanes;
  Color up_color = okabe_ito::kBluishGreen;
  Color down_color = okabe_ito::kReddishPurple;
  std::string up_label = "scale up";
  std::string down_label = "scale down";

  Color span_color = okabe_ito::kVermillion;
  double span_alpha = 0.16;

  // When every time is below kEpochThreshold the axis shows time since 0 ("6h",
  // "1d 6h"): a trace may count seconds from its start rather than from 1970.
  static constexpr double kEpochThreshold = 315360000;  // 1980-01-01
};

}  // namespace prescale::plot
