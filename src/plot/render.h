// Drawing a Figure (figure.h) into a PNG file with cairo, the one file of prescale
// that includes cairo.h.
//
// The layout scales with the image: the font size is 15 px at 1600x900 and never
// under 10 px, so a chart stays readable down to 800x450. Top to bottom: the
// title and subtitle; each panel under a heading that holds its title and its
// legend (wrapped into rows); the event lanes under theirs; and the time axis. RenderPng returns
// where every piece of text went, so tests can check that no two labels overlap.
//
// Fonts come from fontconfig ("DejaVu Sans", Debian's fonts-dejavu-core).
//
// Thread safety: each call is independent (cairo contexts are not shared).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plot/figure.h"
#include "prescale/status.h"

namespace prescale::plot {

struct Rect {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool Overlaps(const Rect& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
  bool Contains(double x, double y) const { return x >= x0 && x < x1 && y >= y0 && y < y1; }
};

enum class TextRole {
  kTitle,
  kSubtitle,
  kLegend,
  kPanelTitle,
  kValueTick,
  kTimeTick,
  kLaneTitle,
  kLaneLabel,
  kAxisTitle,
};

struct TextBox {
  std::string text;
  TextRole role;
  Rect box;  // the line's full height (ascent + descent) and advance width, in px
};

struct Layout {
  int width = 0, height = 0;
  double em = 0;                     // the font size, px
  std::vector<TextBox> texts;        // every label drawn
  std::vector<Rect> panels;          // each panel's plotting area
  std::vector<Rect> lanes;           // each event lane's row
  std::vector<Rect> legend_entries;  // each legend entry: its swatch and label
};

struct RenderOptions {
  int width = 1600;
  int height = 900;
};

// The sizes `--size` accepts.
inline constexpr int kMinWidth = 320, kMinHeight = 180, kMaxSide = 8000;

// Draws `figure` and writes it to `path` as a PNG, creating the file's folder. An
// error names the file (unwritable folder, disk full) or the bad size.
Result<Layout> RenderPng(const Figure& figure, const RenderOptions& options,
                         const std::string& path);

// A decoded PNG, for tests and tools: pixels row by row, as 0xRRGGBB (alpha is
// composited over white).
struct Image {
  int width = 0, height = 0;
  std::vector<std::uint32_t> pixels;
  std::uint32_t At(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};
Result<Image> ReadPng(const std::string& path);

// 0xRRGGBB of a colour, rounded as cairo rounds it.
std::uint32_t Rgb(const Color& c);

}  // namespace prescale::plot
