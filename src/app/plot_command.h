// `prescale plot`: a PNG chart of a `simulate` steps file or of `run`'s metrics,
// and the chart `run --plot` writes when the daemon stops.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "plot/figure.h"
#include "plot/render.h"
#include "prescale/status.h"

namespace prescale::app {

struct PlotFlags {
  std::string steps;    // a steps CSV of `simulate --out`
  std::string metrics;  // the metrics CSV of `run` (data/metrics.csv)
  std::string out;      // the PNG; empty: the input's path with .png
  std::string size = "1600x900";
  std::string title;                // empty: one made from the input
  std::vector<std::string> groups;  // metrics: the groups to draw (empty: all)
};

// Exit codes: 0, 2 for bad flags or a bad input file (the message names the file
// and line), 1 when the PNG cannot be written.
int RunPlot(const PlotFlags& flags, std::ostream& out, std::ostream& err);

// "1600x900" (also "1600X900"), within plot::kMinWidth..kMaxSide.
Result<plot::RenderOptions> ParsePlotSize(std::string_view text);

// The default of `run --plot`.
inline constexpr char kDefaultSessionPlot[] = "output/prescale.png";

// The chart of one `run` session: the rows of `metrics_csv` from `since_s` on, every
// group stacked. PlotSession writes it to `png` at 1600x900 and tells `out` where.
Result<plot::Figure> SessionFigure(const std::string& metrics_csv, double since_s,
                                   std::ostream& out);
Status PlotSession(const std::string& metrics_csv, double since_s, const std::string& png,
                   std::ostream& out);

}  // namespace prescale::app
