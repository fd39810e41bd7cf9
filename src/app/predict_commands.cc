#include "app/predict_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <array>
#include <atomic>
#include <csignal>
#include <ostream>

#include "daemon/telemetry.h"
#include "predict/training.h"
#include "server/http_server.h"
#include "server/predict_routes.h"
#include "server/prometheus_telemetry.h"
#include "sim/labels.h"
#include "sim/simulator.h"
#include "sources/synthetic.h"

namespace prescale::app {
namespace {

// The synthetic workload the default model learns from: the daemon demo's web
// service (a daily cycle, noise and an incident every 8 hours), one-minute rows
// from 2025-01-01T00:00:00Z (1735689600).
Trace SyntheticTrace(int days) {
  SyntheticConfig c;
  c.base_per_s = 200;
  c.spike_every = Duration(8 * 3600);
  c.spike_duration = Duration(2400);
  c.spike_height = 2.0;
  return SampleTrace(SyntheticWorkload(c), 1735689600, 60, days * 1440, "synthetic");
}

std::string ClassCounts(const std::vector<predict::LabelledRow>& rows) {
  std::array<std::int64_t, kDemandClasses> n{};
  for (const auto& r : rows) ++n[static_cast<int>(r.label)];
  return fmt::format("Low {}, Medium {}, High {}", n[0], n[1], n[2]);
}

}  // namespace

int RunTrain(const TrainFlags& f, std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& message, int code = 2) {
    fmt::print(err, "train: {}\n", message);
    return code;
  };
  const int sources = !f.csv.empty() + !f.trace.empty() + f.synthetic;
  if (sources != 1) return fail("give exactly one of --csv FILE, --trace FILE or --synthetic");
  if (f.out.empty())
    return fail("--out PATH is required (the model's .json; metadata goes beside it)");
  if (f.days < 1 || f.days > 365) return fail("--days must be in 1..365");

  predict::TrainOptions o;
  o.params.seed = f.seed;
  o.params.rounds = f.rounds;
  o.params.max_depth = f.max_depth;
  o.params.eta = f.eta;
  o.test_fraction = f.test_fraction;
  o.provenance.created_by = "prescale train";
  std::vector<predict::LabelledRow> rows;
  if (!f.csv.empty()) {
    auto read = predict::ReadLabelledCsv(f.csv);
    if (!read.ok()) return fail(read.status().message());
    rows = std::move(read.value());
    o.split = predict::Split::kRandom;
    o.provenance.source = "csv " + f.csv;
    o.provenance.labels = "the file's label column";
  } else {
    Trace trace;
    if (f.synthetic) {
      trace = SyntheticTrace(f.days);
    } else {
      auto read = ReadTrace(f.trace);
      if (!read.ok()) return fail(read.status().message());
      trace = std::move(read.value());
    }
    OracleLabelOptions lo;
    lo.capacity_per_instance =
        f.capacity ? *f.capacity : (f.synthetic ? 20.0 : DefaultCapacity(trace));
    if (!(lo.capacity_per_instance > 0)) return fail("--capacity must be more than zero");
    if (!(f.boot_delay_s >= 0)) return fail("--boot-delay must be >= 0 seconds");
    if (f.min < 0 || f.max < 1 || f.min > f.max)
      return fail("need 0 <= --min <= --max, --max >= 1");
    lo.boot_delay = Duration(f.boot_delay_s);
    lo.limits = Limits{f.min, f.max};
    lo.seed = f.seed;
    auto labelled = LabelTraceByOracle(trace, lo);
    if (!labelled.ok()) return fail(labelled.status().message());
    rows = std::move(labelled.value());
    o.split = predict::Split::kChronological;
    o.provenance.source =
        f.synthetic ? fmt::format("synthetic, {} days of 60 s rows", f.days) : "trace " + f.trace;
    o.provenance.labels = fmt::format(
        "oracle over the provisioning horizon (capacity {:g}/s per instance, boot delay {:g} s, "
        "limits [{}, {}]), at 5 to 9 group sizes per row",
        lo.capacity_per_instance, f.boot_delay_s, f.min, f.max);
  }
  if (!f.quiet) fmt::print(out, "{} labelled rows ({})\n", rows.size(), ClassCounts(rows));
  auto trained = predict::TrainDemandModel(rows, o);
  if (!trained.ok()) return fail(trained.status().message(), 1);
  if (Status s = trained->model->Save(f.out); !s.ok()) return fail(s.message(), 1);
  if (!f.quiet) {
    const predict::TrainingInfo& t = trained->model->info().training;
    fmt::print(out, "trained on {} rows ({} split), held out {}:\n{}", t.train_rows, t.split,
               t.test_rows, predict::FormatEvaluation(trained->held_out));
    fmt::print(out, "wrote {} and {}\n", f.out, predict::MetadataPath(f.out));
  }
  return 0;
}

namespace {

std::atomic<bool> g_serve_stop{false};
extern "C" void OnServeStop(int) { g_serve_stop.store(true); }

}  // namespace

int RunServe(const ServeFlags& f, std::ostream& out, std::ostream& err) {
  if (f.threads < 1 || f.threads > 1024) {
    fmt::print(err, "serve: --threads must be in 1..1024\n");
    return 2;
  }
  if (f.for_s && !(*f.for_s > 0)) {
    fmt::print(err, "serve: --for must be more than zero seconds\n");
    return 2;
  }
  const std::string path = f.model.empty() ? predict::DefaultModelPath() : f.model;
  auto model = predict::DemandModel::Load(path);
  if (!model.ok()) {
    fmt::print(err, "serve: {}\n", model.status().message());
    return 2;
  }
  RealClock& clock = RealClock::Default();
  PrometheusTelemetry telemetry;
  NoGroupsStatus groups;
  PredictLimits limits;
  HttpServerOptions o;
  o.listen = f.listen;
  o.threads = f.threads;
  // Load generators and autoscalers keep their connections: do not close them
  // every 100 requests (DEPENDENCIES.md, trap 3).
  o.keep_alive_max_requests = 1'000'000;
  o.payload_max_bytes = limits.batch_body_bytes;
  HttpServer server(o, groups, telemetry, clock);
  PredictRoutes routes(std::shared_ptr<const predict::DemandModel>(std::move(model.value())),
                       telemetry.registry(), clock, limits);
  routes.Register(server);
  if (Status s = server.Start(); !s.ok()) {
    fmt::print(err, "serve: {}\n", s.message());
    return 1;
  }
  std::signal(SIGINT, OnServeStop);
  std::signal(SIGTERM, OnServeStop);
  std::signal(SIGPIPE, SIG_IGN);
  fmt::print(out,
             "prescale serve: model {} on http://{}:{} (POST /predict, POST /predict/batch, "
             "GET /model, /health, /metrics)\n",
             path, ParseListenAddress(f.listen)->host, server.port());
  out.flush();
  std::optional<TimePoint> until;
  if (f.for_s) until = clock.Now() + Duration(*f.for_s);
  while (!g_serve_stop.load() && (!until || clock.Now() < *until)) {
    TimePoint wake = clock.Now() + Duration(0.1);
    if (until && *until < wake) wake = *until;
    clock.SleepUntil(wake);
  }
  server.Stop();
  return 0;
}

}  // namespace prescale::app
