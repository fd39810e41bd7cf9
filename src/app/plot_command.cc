#include "app/plot_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <charconv>
#include <filesystem>
#include <ostream>

#include "core/text.h"
#include "plot/charts.h"
#include "plot/inputs.h"

namespace prescale::app {
namespace {

// The rows a crash tore are skipped by the reader; say which.
void NoteSkipped(const plot::MetricsTable& table, std::ostream& out) {
  if (table.skipped_lines.empty()) return;
  std::string lines;
  for (std::size_t i = 0; i < table.skipped_lines.size() && i < 5; ++i) {
    lines += (i ? ", " : "") + std::to_string(table.skipped_lines[i]);
  }
  if (table.skipped_lines.size() > 5) lines += ", ...";
  fmt::print(out, "plot: note: {}: skipped {} incomplete row(s) (line {}), as a crash leaves\n",
             table.path, table.skipped_lines.size(), lines);
}

}  // namespace

Result<plot::RenderOptions> ParsePlotSize(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::Error("--size " + Quote(text) + ": " + why);
  };
  const std::size_t x = text.find_first_of("xX");
  if (x == std::string_view::npos) return bad("expected WIDTHxHEIGHT, such as 1600x900");
  plot::RenderOptions o;
  auto parse = [](std::string_view s, int& v) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
  };
  if (!parse(text.substr(0, x), o.width) || !parse(text.substr(x + 1), o.height)) {
    return bad("expected WIDTHxHEIGHT in whole pixels, such as 1600x900");
  }
  if (o.width < plot::kMinWidth || o.height < plot::kMinHeight || o.width > plot::kMaxSide ||
      o.height > plot::kMaxSide) {
    return bad(fmt::format("out of range {}x{} to {}x{}", plot::kMinWidth, plot::kMinHeight,
                           plot::kMaxSide, plot::kMaxSide));
  }
  return o;
}

int RunPlot(const PlotFlags& f, std::ostream& out, std::ostream& err) {
  auto fail = [&](const Status& s, int code) {
    fmt::print(err, "plot: {}\n", s.message());
    return code;
  };
  if (f.steps.empty() == f.metrics.empty()) {
    return fail(Status::Error("give one input: --steps FILE (from simulate --out) or "
                              "--metrics FILE (from run, data/metrics.csv)"),
                2);
  }
  if (!f.steps.empty() && !f.groups.empty()) {
    return fail(Status::Error("--group applies to --metrics only"), 2);
  }
  auto size = ParsePlotSize(f.size);
  if (!size.ok()) return fail(size.status(), 2);
  const std::string& input = f.steps.empty() ? f.metrics : f.steps;
  const std::string png =
      !f.out.empty() ? f.out : std::filesystem::path(input).replace_extension(".png").string();

  plot::Figure figure;
  std::size_t rows = 0;
  if (!f.steps.empty()) {
    auto steps = plot::ReadStepsCsv(f.steps);
    if (!steps.ok()) return fail(steps.status(), 2);
    rows = steps->rows.size();
    figure = plot::StepsFigure(*steps, f.title);
  } else {
    auto metrics = plot::ReadMetricsCsv(f.metrics);
    if (!metrics.ok()) return fail(metrics.status(), 2);
    NoteSkipped(*metrics, out);
    rows = metrics->rows.size();
    auto made = plot::MetricsFigure(*metrics, f.groups, f.title);
    if (!made.ok()) return fail(made.status(), 2);
    figure = std::move(made.value());
  }
  auto drawn = plot::RenderPng(figure, *size, png);
  if (!drawn.ok()) return fail(drawn.status(), 1);
  fmt::print(out, "plot: wrote {} ({}x{}) from {} rows of {}\n", png, size->width, size->height,
             rows, input);
  return 0;
}

Result<plot::Figure> SessionFigure(const std::string& metrics_csv, double since_s,
                                   std::ostream& out) {
  auto metrics = plot::ReadMetricsCsv(metrics_csv, since_s);
  if (!metrics.ok()) return metrics.status();
  NoteSkipped(*metrics, out);
  return plot::MetricsFigure(*metrics, {}, "");
}

Status PlotSession(const std::string& metrics_csv, double since_s, const std::string& png,
                   std::ostream& out) {
  auto figure = SessionFigure(metrics_csv, since_s, out);
  if (!figure.ok()) return figure.status();
  auto drawn = plot::RenderPng(*figure, plot::RenderOptions{}, png);
  if (!drawn.ok()) return drawn.status();
  fmt::print(out, "plot: wrote the session's chart to {}\n", png);
  return Status::Ok();
}

}  // namespace prescale::app
