#include "plot/render.h"

#include <cairo.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>

#include "plot/axis.h"

namespace prescale::plot {
namespace {

constexpr char kFontFace[] = "DejaVu Sans";

// Font size at the reference size 1600x900, and the smallest it may get.
constexpr double kReferenceEm = 15, kMinEm = 10;

struct Pt {
  double x, y;
};

enum class Align { kLeft, kCenter, kRight };

// The cairo context with the font and the record of every text drawn.
class Painter {
 public:
  Painter(cairo_t* cr, Layout& layout) : cr_(cr), layout_(layout) {
    cairo_font_options_t* options = cairo_font_options_create();
    // Grey antialiasing: the same pixels on every screen and in every test run.
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT);
    cairo_set_font_options(cr_, options);
    cairo_font_options_destroy(options);
  }

  cairo_t* cr() { return cr_; }
  double em() const { return layout_.em; }

  void Color(const plot::Color& c, double alpha = 1) {
    cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha);
  }

  void Font(double size_em, bool bold = false) {
    cairo_select_font_face(cr_, kFontFace, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size_em * em());
  }

  double Width(const std::string& s) {
    if (s.empty()) return 0;
    cairo_text_extents_t e;
    cairo_text_extents(cr_, s.c_str(), &e);
    return e.x_advance;
  }

  double LineHeight() {
    cairo_font_extents_t e;
    cairo_font_extents(cr_, &e);
    return e.ascent + e.descent;
  }

  // Draws one line of text whose box's top is `top`, aligned on `x`.
  Rect Text(const std::string& s, double x, double top, Align align, TextRole role,
            const plot::Color& color) {
    cairo_font_extents_t fe;
    cairo_font_extents(cr_, &fe);
    const double w = Width(s);
    const double left = align == Align::kLeft ? x : align == Align::kCenter ? x - w / 2 : x - w;
    Color(color);
    cairo_move_to(cr_, left, top + fe.ascent);
    cairo_show_text(cr_, s.c_str());
    Rect box{left, top, left + w, top + fe.ascent + fe.descent};
    layout_.texts.push_back(TextBox{s, role, box});
    return box;
  }

  void Dash(plot::Dash dash, double width) {
    const double on = dash == Dash::kDashed ? 4 * width : width;
    const double off = dash == Dash::kDashed ? 2.5 * width : 1.8 * width;
    const double pattern[] = {on, off};
    if (dash == Dash::kSolid) {
      cairo_set_dash(cr_, nullptr, 0, 0);
    } else {
      cairo_set_dash(cr_, pattern, 2, 0);
    }
  }

 private:
  cairo_t* cr_;
  Layout& layout_;
};

// Maps times and values to pixels for one panel.
struct Mapper {
  double t0, t1;
  Rect area;
  double v0 = 0, v1 = 1;
  double X(double t) const { return area.x0 + (t - t0) / (t1 - t0) * (area.x1 - area.x0); }
  double Y(double v) const { return area.y1 - (v - v0) / (v1 - v0) * (area.y1 - area.y0); }
};

// Keeps at most four vertices (first, lowest, highest, last) per pixel column of a
// run of vertices: the same picture as every vertex ("M4", Jugel et al., VLDB
// 2014), at a cost bounded by the width rather than the length of the series.
std::vector<Pt> Decimate(const std::vector<Pt>& in) {
  if (in.size() < 8) return in;
  std::vector<Pt> out;
  std::size_t i = 0;
  while (i < in.size()) {
    const double column = std::floor(in[i].x);
    std::size_t j = i, lo = i, hi = i;
    while (j < in.size() && std::floor(in[j].x) == column) {
      if (in[j].y < in[lo].y) lo = j;
      if (in[j].y > in[hi].y) hi = j;
      ++j;
    }
    out.push_back(in[i]);
    for (std::size_t k : {std::min(lo, hi), std::max(lo, hi)}) {
      if (k != i && k != j - 1) out.push_back(in[k]);
    }
    if (j - 1 != i) out.push_back(in[j - 1]);
    i = j;
  }
  return out;
}

// Rows further apart than this many median spacings are a gap in the data (an
// outage, the daemon stopped): the line breaks there rather than bridge it.
constexpr double kGapSpacings = 5;

// A series as pixel polylines, one per run without gaps (NaN, or missing rows). A
// step series holds each value for a median spacing, or until the next time.
std::vector<std::vector<Pt>> Polylines(const std::vector<double>& t, const std::vector<double>& y,
                                       bool step, const Mapper& m) {
  std::vector<std::vector<Pt>> runs;
  std::vector<Pt> run;
  const std::size_t n = std::min(t.size(), y.size());
  const double spacing = MedianSpacing(t);
  auto end_run = [&] {
    if (!run.empty()) runs.push_back(Decimate(run)), run.clear();
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(y[i])) {
      end_run();
      continue;
    }
    if (i > 0 && spacing > 0 && t[i] - t[i - 1] > kGapSpacings * spacing) end_run();
    run.push_back({m.X(t[i]), m.Y(y[i])});
    if (step) {
      const bool next_near = i + 1 < n && t[i + 1] - t[i] <= kGapSpacings * spacing;
      run.push_back({m.X(next_near ? t[i + 1] : t[i] + spacing), m.Y(y[i])});
    }
  }
  if (!run.empty()) runs.push_back(Decimate(run));
  return runs;
}

void StrokeLine(Painter& p, const Line& line, const Mapper& m) {
  cairo_t* cr = p.cr();
  const double width = std::max(1.0, line.width_em * p.em());
  std::vector<Pt> dots;  // runs of one point, between two gaps
  for (const std::vector<Pt>& run : Polylines(line.t, line.y, line.step, m)) {
    if (run.size() == 1) {
      dots.push_back(run[0]);
      continue;
    }
    cairo_move_to(cr, run[0].x, run[0].y);
    for (std::size_t i = 1; i < run.size(); ++i) cairo_line_to(cr, run[i].x, run[i].y);
  }
  p.Color(line.color);
  cairo_set_line_width(cr, width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  p.Dash(line.dash, width);
  cairo_stroke(cr);
  p.Dash(Dash::kSolid, width);
  for (const Pt& d : dots) {
    cairo_new_sub_path(cr);
    cairo_arc(cr, d.x, d.y, width, 0, 2 * M_PI);
  }
  cairo_fill(cr);
}

void FillBand(Painter& p, const Band& band, const Mapper& m) {
  cairo_t* cr = p.cr();
  const std::size_t n = std::min({band.t.size(), band.lower.size(), band.upper.size()});
  // Per pixel column, the band's envelope: the lowest lower and the highest upper.
  struct Column {
    double x, lo, hi;
  };
  std::vector<std::vector<Column>> runs(1);
  const double spacing = MedianSpacing(band.t);
  for (std::size_t i = 0; i < n; ++i) {
    const bool gap = i > 0 && spacing > 0 && band.t[i] - band.t[i - 1] > kGapSpacings * spacing;
    if (gap && !runs.back().empty()) runs.emplace_back();
    if (!std::isfinite(band.lower[i]) || !std::isfinite(band.upper[i])) {
      if (!runs.back().empty()) runs.emplace_back();
      continue;
    }
    const double x = m.X(band.t[i]);
    const double lo = std::max(m.Y(band.lower[i]), m.Y(band.upper[i]));
    const double hi = std::min(m.Y(band.lower[i]), m.Y(band.upper[i]));
    std::vector<Column>& run = runs.back();
    if (!run.empty() && std::floor(run.back().x) == std::floor(x) &&
        n > 2 * (m.area.x1 - m.area.x0)) {
      run.back().lo = std::max(run.back().lo, lo);
      run.back().hi = std::min(run.back().hi, hi);
    } else {
      run.push_back({x, lo, hi});
    }
  }
  for (const std::vector<Column>& run : runs) {
    if (run.size() < 2) continue;
    cairo_move_to(cr, run[0].x, run[0].hi);
    for (const Column& c : run) cairo_line_to(cr, c.x, c.hi);
    for (auto it = run.rbegin(); it != run.rend(); ++it) cairo_line_to(cr, it->x, it->lo);
    cairo_close_path(cr);
  }
  p.Color(band.color, band.alpha);
  cairo_fill(cr);
}

void DrawPoints(Painter& p, const Points& points, const Mapper& m, double radius) {
  cairo_t* cr = p.cr();
  const std::size_t n = std::min(points.t.size(), points.y.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(points.y[i])) continue;
    cairo_new_sub_path(cr);
    cairo_arc(cr, m.X(points.t[i]), m.Y(points.y[i]), radius, 0, 2 * M_PI);
  }
  p.Color(points.color);
  cairo_fill_preserve(cr);
  // A white rim keeps a marker apart from the line under it.
  p.Color(kBackground);
  cairo_set_line_width(cr, std::max(1.0, radius * 0.35));
  cairo_stroke(cr);
}

void Triangle(cairo_t* cr, double x, double y, double half, bool up) {
  const double h = half * 1.7;
  const double tip = up ? y - h / 2 : y + h / 2;
  const double base = up ? y + h / 2 : y - h / 2;
  cairo_move_to(cr, x, tip);
  cairo_line_to(cr, x + half, base);
  cairo_line_to(cr, x - half, base);
  cairo_close_path(cr);
}

// The legend: one entry per labelled series, wrapped into rows.
struct LegendEntry {
  enum Kind { kLine, kBand, kPoints, kUp, kDown } kind;
  std::string label;
  Color color;
  Dash dash = Dash::kSolid;
  double width_em = 0.14;
  double alpha = 1;
};

void DrawSwatch(Painter& p, const LegendEntry& e, double x, double y_mid, double w) {
  cairo_t* cr = p.cr();
  const double em = p.em();
  switch (e.kind) {
    case LegendEntry::kLine: {
      const double width = std::max(1.5, e.width_em * em);
      p.Color(e.color);
      cairo_set_line_width(cr, width);
      p.Dash(e.dash, width);
      cairo_move_to(cr, x, y_mid);
      cairo_line_to(cr, x + w, y_mid);
      cairo_stroke(cr);
      p.Dash(Dash::kSolid, width);
      break;
    }
    case LegendEntry::kBand:
      p.Color(e.color, e.alpha);
      cairo_rectangle(cr, x, y_mid - 0.4 * em, w, 0.8 * em);
      cairo_fill(cr);
      break;
    case LegendEntry::kPoints:
      p.Color(e.color);
      cairo_arc(cr, x + w / 2, y_mid, 0.32 * em, 0, 2 * M_PI);
      cairo_fill(cr);
      break;
    case LegendEntry::kUp:
    case LegendEntry::kDown:
      p.Color(e.color);
      Triangle(cr, x + w / 2, y_mid, 0.4 * em, e.kind == LegendEntry::kUp);
      cairo_fill(cr);
      break;
  }
}

// A panel's legend: its labelled series, in drawing order of importance (lines,
// then bands, then points).
std::vector<LegendEntry> PanelLegend(const Panel& panel) {
  std::vector<LegendEntry> out;
  for (const Line& l : panel.lines) {
    if (!l.label.empty()) out.push_back({LegendEntry::kLine, l.label, l.color, l.dash, l.width_em});
  }
  for (const Band& b : panel.bands) {
    if (!b.label.empty())
      out.push_back({LegendEntry::kBand, b.label, b.color, Dash::kSolid, 0, b.alpha});
  }
  for (const Points& pts : panel.points) {
    if (!pts.label.empty()) out.push_back({LegendEntry::kPoints, pts.label, pts.color});
  }
  return out;
}

std::vector<LegendEntry> LanesLegend(const Figure& f) {
  bool up = false, down = false;
  for (const EventLane& lane : f.lanes) {
    for (const Event& e : lane.events) (e.up ? up : down) = true;
  }
  std::vector<LegendEntry> out;
  if (up) out.push_back({LegendEntry::kUp, f.up_label, f.up_color});
  if (down) out.push_back({LegendEntry::kDown, f.down_label, f.down_color});
  return out;
}

// A heading: a bold title, then legend entries on the same row, wrapping onto
// further rows (from x0) when the width runs out.
struct Heading {
  std::string title;
  std::vector<LegendEntry> entries;
  std::vector<Pt> at;  // each entry's top-left
  int rows = 1;
};

constexpr double kSwatchEm = 2.2, kSwatchGapEm = 0.45, kEntryGapEm = 1.4, kRowEm = 1.5;

void LayOutHeading(Painter& p, Heading& h, double x0, double x1) {
  const double em = p.em();
  p.Font(1.0, true);
  double x = x0 + p.Width(h.title) + 1.6 * em;
  p.Font(0.95);
  h.at.clear();
  h.rows = 1;
  for (const LegendEntry& e : h.entries) {
    const double w = (kSwatchEm + kSwatchGapEm) * em + p.Width(e.label);
    if (x > x0 && x + w > x1) x = x0, ++h.rows;
    h.at.push_back({x, (h.rows - 1) * kRowEm * em});
    x += w + kEntryGapEm * em;
  }
}

// Draws a laid-out heading whose first row's top is `top`; returns its height.
double DrawHeading(Painter& p, const Heading& h, double x0, double top, TextRole role,
                   Layout& layout) {
  const double em = p.em(), row_h = kRowEm * em;
  p.Font(1.0, true);
  const double title_h = p.LineHeight();
  p.Text(h.title, x0, top + (row_h - title_h) / 2, Align::kLeft, role, kText);
  p.Font(0.95);
  const double line_h = p.LineHeight();
  for (std::size_t i = 0; i < h.entries.size(); ++i) {
    const double x = h.at[i].x, row_top = top + h.at[i].y;
    DrawSwatch(p, h.entries[i], x, row_top + row_h / 2, kSwatchEm * em);
    p.Font(0.95);
    const Rect label =
        p.Text(h.entries[i].label, x + (kSwatchEm + kSwatchGapEm) * em,
               row_top + (row_h - line_h) / 2, Align::kLeft, TextRole::kLegend, kText);
    layout.legend_entries.push_back(Rect{x, row_top, label.x1, row_top + row_h});
  }
  return h.rows * row_h;
}

// The value range of a panel's data between t0 and t1.
void DataRange(const Panel& panel, double t0, double t1, double& lo, double& hi) {
  lo = std::numeric_limits<double>::infinity();
  hi = -lo;
  auto take = [&](const std::vector<double>& t, const std::vector<double>& v) {
    const std::size_t n = std::min(t.size(), v.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (t[i] < t0 || t[i] > t1 || !std::isfinite(v[i])) continue;
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
  };
  for (const Line& l : panel.lines) take(l.t, l.y);
  for (const Band& b : panel.bands) take(b.t, b.lower), take(b.t, b.upper);
  for (const Points& pts : panel.points) take(pts.t, pts.y);
  if (lo > hi) lo = 0, hi = 1;
}

// The time range of everything in the figure.
bool TimeRange(const Figure& f, double& t0, double& t1) {
  t0 = std::numeric_limits<double>::infinity();
  t1 = -t0;
  auto take = [&](const std::vector<double>& t) {
    for (double v : t) {
      if (std::isfinite(v)) t0 = std::min(t0, v), t1 = std::max(t1, v);
    }
  };
  for (const Panel& panel : f.panels) {
    for (const Line& l : panel.lines) take(l.t);
    for (const Band& b : panel.bands) take(b.t);
    for (const Points& pts : panel.points) take(pts.t);
  }
  for (const EventLane& lane : f.lanes) {
    for (const Event& e : lane.events) take({e.t});
  }
  if (!(t0 <= t1)) return false;
  if (t0 == t1) t0 -= 30, t1 += 30;  // one instant: a minute around it
  return true;
}

Status Draw(const Figure& f, Painter& p, Layout& layout) {
  cairo_t* cr = p.cr();
  const double em = p.em();
  const double W = layout.width, H = layout.height;
  const double pad = 0.9 * em;

  double t0 = 0, t1 = 0;
  if (!TimeRange(f, t0, t1)) return Status::Error("nothing to plot: the data has no rows");
  const bool elapsed = t1 < Figure::kEpochThreshold;

  p.Color(kBackground);
  cairo_paint(cr);

  // 1. Title and subtitle.
  double y = pad * 0.8;
  p.Font(1.35, true);
  y = p.Text(f.title, pad, y, Align::kLeft, TextRole::kTitle, kText).y1 + 0.15 * em;
  if (!f.subtitle.empty()) {
    p.Font(0.95);
    y = p.Text(f.subtitle, pad, y, Align::kLeft, TextRole::kSubtitle, kMutedText).y1;
  }
  y += 0.6 * em;

  // 2. Each panel's heading carries its legend; the lanes' heading the triangles'.
  std::vector<Heading> headings;
  for (const Panel& panel : f.panels)
    headings.push_back(Heading{panel.title, PanelLegend(panel), {}, 1});
  Heading lanes_heading{f.lanes_title, LanesLegend(f), {}, 1};

  // 3. The layout depends on itself: the left margin holds the widest value label,
  // the value labels depend on the panels' heights, and those on how many rows the
  // headings wrap into, which depends on the left margin. A few rounds settle it.
  p.Font(0.9);
  const double tick_h = p.LineHeight();
  const double axis_h = 0.8 * em + 2 * tick_h + 0.3 * em + tick_h + pad * 0.6;
  const double lane_h = 1.35 * em, panel_gap = 0.6 * em, heading_gap = 0.25 * em;
  double weights = 0;
  for (const Panel& panel : f.panels) weights += panel.weight;
  std::vector<ValueAxis> axes;
  std::vector<double> tops, heights;
  double plot_x0 = pad + 3 * em;
  const double plot_x1 = W - pad - 0.4 * em;
  double lanes_top = 0;
  for (int round = 0; round < 4; ++round) {
    double fixed = axis_h;
    for (Heading& h : headings) {
      LayOutHeading(p, h, plot_x0, plot_x1);
      fixed += h.rows * kRowEm * em + heading_gap;
    }
    fixed += panel_gap * std::max<int>(0, static_cast<int>(f.panels.size()) - 1);
    if (!f.lanes.empty()) {
      LayOutHeading(p, lanes_heading, plot_x0, plot_x1);
      fixed += panel_gap + lanes_heading.rows * kRowEm * em + heading_gap + lane_h * f.lanes.size();
    }
    const double panels_h = H - y - fixed;
    if (panels_h < 2 * em * f.panels.size()) {
      return Status::Error(fmt::format("{}x{} is too small for this chart ({} panels, {} lanes)",
                                       layout.width, layout.height, f.panels.size(),
                                       f.lanes.size()));
    }
    axes.clear();
    tops.clear();
    heights.clear();
    double left_w = 0;
    double py = y;
    p.Font(0.9);
    for (std::size_t i = 0; i < f.panels.size(); ++i) {
      const Panel& panel = f.panels[i];
      const double h = panels_h * panel.weight / weights;
      py += headings[i].rows * kRowEm * em + heading_gap;
      tops.push_back(py);
      heights.push_back(h);
      py += h + panel_gap;
      double lo = 0, hi = 1;
      DataRange(panel, t0, t1, lo, hi);
      // A little headroom so that a peak does not run along the frame.
      hi += (hi - lo) * 0.04;
      const int max_ticks = std::max(2, static_cast<int>(h / (2.2 * em)) + 1);
      axes.push_back(MakeValueAxis(lo, hi, max_ticks, panel.integer_axis, panel.from_zero));
      for (const Tick& t : axes.back().ticks) left_w = std::max(left_w, p.Width(t.label));
    }
    lanes_top = py;
    for (const EventLane& lane : f.lanes) left_w = std::max(left_w, p.Width(lane.label));
    const double x0 = pad + left_w + 0.6 * em;
    if (x0 == plot_x0) break;
    plot_x0 = x0;
  }
  if (plot_x1 - plot_x0 < 4 * em) {
    return Status::Error(
        fmt::format("{}x{} is too narrow for this chart", layout.width, layout.height));
  }

  // 4. The time ticks: the finest round step whose labels fit.
  TimeAxisRequest tr;
  tr.t0 = t0;
  tr.t1 = t1;
  tr.x0 = plot_x0;
  tr.x1 = plot_x1;
  tr.min_x = pad * 0.5;
  tr.max_x = W - pad * 0.5;
  tr.min_gap_px = 1.2 * em;
  tr.elapsed = elapsed;
  tr.measure = [&p](const std::string& s) {
    p.Font(0.9);
    return p.Width(s);
  };
  const std::vector<Tick> time_ticks = MakeTimeTicks(tr);

  auto vertical_grid = [&](const Rect& area) {
    p.Color(kGrid);
    cairo_set_line_width(cr, 1);
    Mapper m{t0, t1, area};
    for (const Tick& t : time_ticks) {
      const double gx = std::round(m.X(t.value)) + 0.5;
      cairo_move_to(cr, gx, area.y0);
      cairo_line_to(cr, gx, area.y1);
    }
    cairo_stroke(cr);
  };
  auto shade_spans = [&](const Rect& area, const std::vector<Span>& spans) {
    Mapper m{t0, t1, area};
    for (const Span& s : spans) {
      const double a = std::max(area.x0, m.X(s.t0)), b = std::min(area.x1, m.X(s.t1));
      if (b < area.x0 || a > area.x1) continue;
      const double w = std::max(2.0, b - a);
      cairo_rectangle(cr, std::min(a, area.x1 - w), area.y0, w, area.y1 - area.y0);
    }
    p.Color(f.span_color, f.span_alpha);
    cairo_fill(cr);
  };

  // 5. The panels.
  double bottom = y;
  for (std::size_t i = 0; i < f.panels.size(); ++i) {
    const Panel& panel = f.panels[i];
    const ValueAxis& axis = axes[i];
    Rect area{plot_x0, tops[i], plot_x1, tops[i] + heights[i]};
    layout.panels.push_back(area);
    bottom = area.y1;
    Mapper m{t0, t1, area, axis.lo, axis.hi};

    const double heading_h = headings[i].rows * kRowEm * em;
    DrawHeading(p, headings[i], plot_x0, area.y0 - heading_gap - heading_h, TextRole::kPanelTitle,
                layout);

    vertical_grid(area);
    p.Color(kGrid);
    cairo_set_line_width(cr, 1);
    for (const Tick& t : axis.ticks) {
      const double gy = std::round(m.Y(t.value)) + 0.5;
      cairo_move_to(cr, area.x0, gy);
      cairo_line_to(cr, area.x1, gy);
    }
    cairo_stroke(cr);

    cairo_save(cr);
    cairo_rectangle(cr, area.x0, area.y0 - 1, area.x1 - area.x0, area.y1 - area.y0 + 2);
    cairo_clip(cr);
    shade_spans(area, panel.spans);
    for (const Band& b : panel.bands) FillBand(p, b, m);
    std::vector<const Line*> lines;
    for (const Line& l : panel.lines) lines.push_back(&l);
    std::stable_sort(lines.begin(), lines.end(),
                     [](const Line* a, const Line* b) { return a->layer < b->layer; });
    for (const Line* l : lines) StrokeLine(p, *l, m);
    for (const Points& pts : panel.points) DrawPoints(p, pts, m, 0.3 * em);
    cairo_restore(cr);

    p.Color(kAxis);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, area.x0 + 0.5, area.y0);
    cairo_line_to(cr, area.x0 + 0.5, area.y1 + 0.5);
    cairo_line_to(cr, area.x1, area.y1 + 0.5);
    cairo_stroke(cr);

    p.Font(0.9);
    for (const Tick& t : axis.ticks) {
      p.Text(t.label, area.x0 - 0.45 * em, m.Y(t.value) - tick_h / 2, Align::kRight,
             TextRole::kValueTick, kMutedText);
    }
  }

  // 6. The event lanes: one row per reason, a triangle per action.
  if (!f.lanes.empty()) {
    double ly = lanes_top;
    ly += DrawHeading(p, lanes_heading, plot_x0, ly, TextRole::kLaneTitle, layout) + heading_gap;
    const Rect all{plot_x0, ly, plot_x1, ly + lane_h * f.lanes.size()};
    vertical_grid(all);
    for (const EventLane& lane : f.lanes) {
      Rect row{plot_x0, ly, plot_x1, ly + lane_h};
      layout.lanes.push_back(row);
      shade_spans(row, lane.spans);
      const double mid = (row.y0 + row.y1) / 2;
      p.Color(kGrid);
      cairo_set_line_width(cr, 1);
      cairo_move_to(cr, row.x0, std::round(mid) + 0.5);
      cairo_line_to(cr, row.x1, std::round(mid) + 0.5);
      cairo_stroke(cr);
      Mapper m{t0, t1, row};
      for (bool up : {true, false}) {
        for (const Event& e : lane.events) {
          if (e.up == up) Triangle(cr, m.X(e.t), mid, 0.36 * em, up);
        }
        p.Color(up ? f.up_color : f.down_color);
        cairo_fill(cr);
      }
      p.Font(0.9);
      p.Text(lane.label, plot_x0 - 0.45 * em, mid - tick_h / 2, Align::kRight, TextRole::kLaneLabel,
             kText);
      ly += lane_h;
    }
    bottom = ly;
    p.Color(kAxis);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, plot_x0, std::round(bottom) + 0.5);
    cairo_line_to(cr, plot_x1, std::round(bottom) + 0.5);
    cairo_stroke(cr);
  }

  // 7. The time axis under everything: tick marks, labels (with their context
  // line), and the axis title.
  Mapper m{t0, t1, Rect{plot_x0, 0, plot_x1, 0}};
  p.Color(kAxis);
  cairo_set_line_width(cr, 1);
  for (const Tick& t : time_ticks) {
    const double gx = std::round(m.X(t.value)) + 0.5;
    cairo_move_to(cr, gx, bottom);
    cairo_line_to(cr, gx, bottom + 0.4 * em);
  }
  cairo_stroke(cr);
  const double label_top = bottom + 0.8 * em;
  p.Font(0.9);
  bool any_context = false;
  for (const Tick& t : time_ticks) {
    p.Text(t.label, m.X(t.value), label_top, Align::kCenter, TextRole::kTimeTick, kMutedText);
    if (!t.context.empty()) {
      any_context = true;
      p.Text(t.context, m.X(t.value), label_top + tick_h, Align::kCenter, TextRole::kTimeTick,
             kMutedText);
    }
  }
  const double title_top = label_top + (any_context ? 2 : 1) * tick_h + 0.3 * em;
  p.Text(elapsed ? "time since the start" : "time (UTC)", (plot_x0 + plot_x1) / 2, title_top,
         Align::kCenter, TextRole::kAxisTitle, kMutedText);
  return Status::Ok();
}

struct SurfaceCloser {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextCloser {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

}  // namespace

std::uint32_t Rgb(const Color& c) {
  auto byte = [](double v) {
    return static_cast<std::uint32_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
  };
  return byte(c.r) << 16 | byte(c.g) << 8 | byte(c.b);
}

Result<Layout> RenderPng(const Figure& figure, const RenderOptions& o, const std::string& path) {
  if (o.width < kMinWidth || o.height < kMinHeight || o.width > kMaxSide || o.height > kMaxSide) {
    return Status::Error(fmt::format("size {}x{} is out of range: {}x{} to {}x{}", o.width,
                                     o.height, kMinWidth, kMinHeight, kMaxSide, kMaxSide));
  }
  std::unique_ptr<cairo_surface_t, SurfaceCloser> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, o.width, o.height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Status::Error(std::string("cannot make an image: ") +
                         cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  std::unique_ptr<cairo_t, ContextCloser> cr(cairo_create(surface.get()));
  Layout layout;
  layout.width = o.width;
  layout.height = o.height;
  layout.em = std::max(kMinEm, kReferenceEm * std::min(o.width / 1600.0, o.height / 900.0));
  Painter painter(cr.get(), layout);
  if (Status s = Draw(figure, painter, layout); !s.ok()) return s;
  cairo_surface_flush(surface.get());

  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  const cairo_status_t written = cairo_surface_write_to_png(surface.get(), path.c_str());
  if (written != CAIRO_STATUS_SUCCESS) {
    return Status::Error("cannot write " + path + ": " + cairo_status_to_string(written) +
                         (ec ? " (" + ec.message() + ")" : ""));
  }
  return layout;
}

Result<Image> ReadPng(const std::string& path) {
  std::unique_ptr<cairo_surface_t, SurfaceCloser> surface(
      cairo_image_surface_create_from_png(path.c_str()));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Status::Error("cannot read PNG " + path + ": " +
                         cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  cairo_surface_flush(surface.get());
  Image image;
  image.width = cairo_image_surface_get_width(surface.get());
  image.height = cairo_image_surface_get_height(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  const cairo_format_t format = cairo_image_surface_get_format(surface.get());
  const unsigned char* data = cairo_image_surface_get_data(surface.get());
  image.pixels.resize(static_cast<std::size_t>(image.width) * image.height);
  for (int y = 0; y < image.height; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<long>(y) * stride);
    for (int x = 0; x < image.width; ++x) {
      std::uint32_t px = row[x];
      if (format == CAIRO_FORMAT_ARGB32) {
        // Premultiplied: over white, each channel is c + (255 - alpha).
        const std::uint32_t a = px >> 24;
        auto over = [a](std::uint32_t c) { return std::min<std::uint32_t>(255, c + 255 - a); };
        px = over(px >> 16 & 0xff) << 16 | over(px >> 8 & 0xff) << 8 | over(px & 0xff);
      }
      image.pixels[static_cast<std::size_t>(y) * image.width + x] = px & 0xffffff;
    }
  }
  return image;
}

}  // namespace prescale::plot
