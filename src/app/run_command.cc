#include "app/run_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <ostream>

#include "app/plot_command.h"
#include "config/daemon_config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "dashboard/dashboard.h"
#include "predict/model.h"
#include "server/http_server.h"
#include "server/predict_routes.h"
#include "server/prometheus_telemetry.h"

namespace prescale::app {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }
extern "C" void OnHangup(int) { g_reload.store(true); }

void InstallSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = OnHangup;
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

Result<DaemonConfig> Load(const std::string& path) {
  if (path.empty()) return ParseDaemonConfig(DefaultDaemonConfigYaml(), "<built-in>");
  return LoadDaemonConfig(path);
}

}  // namespace

int RunValidate(const std::string& path, std::ostream& out, std::ostream& err) {
  auto config = LoadDaemonConfig(path);
  Status s = config.ok() ? ValidateDaemonConfig(*config) : config.status();
  if (!s.ok()) {
    fmt::print(err, "{}\n", s.message());
    return 2;
  }
  fmt::print(out, "{}: OK, {} group(s)\n", path, config->groups.size());
  return 0;
}

int RunRun(const RunFlags& flags, std::ostream& out, std::ostream& err) {
  if (flags.print_default) {
    out << DefaultDaemonConfigYaml();
    return 0;
  }
  auto config = Load(flags.config);
  Status valid = config.ok() ? ValidateDaemonConfig(*config) : config.status();
  if (!valid.ok()) {
    fmt::print(err, "run: {}\n", valid.message());
    return 2;
  }
  if (!flags.listen.empty()) config->global.listen = flags.listen;
  if (flags.for_s && !(*flags.for_s > 0)) {
    fmt::print(err, "run: --for must be more than zero seconds\n");
    return 2;
  }

  RealClock& clock = RealClock::Default();
  // The session's rows of metrics.csv are those from here on (the file is appended
  // to across runs); the CSV rounds times to the millisecond.
  const double session_start_s = ToEpochSeconds(clock.Now()) - 1e-3;
  const bool tty = isatty(STDOUT_FILENO) == 1;
  Logger log(clock, ParseLogLevel(config->global.log_level), stdout);
  // On a terminal a live status line shows every group; the per-tick lines stay in
  // the log file and only actions and problems scroll past.
  if (tty) {
    log.SetConsoleLevel(LogLevel::kWarn);
    log.EnableStatusLine(true);
  }
  if (Status s = log.OpenFile(config->global.outputs.log_file); !s.ok()) {
    fmt::print(err, "run: {}\n", s.message());
    return 1;
  }
  PrometheusTelemetry telemetry;
  // Enough workers that a few slow groups (a scaling command, a source timing out)
  // do not hold up the rest.
  const int workers = static_cast<int>(std::min<std::size_t>(8, config->groups.size()));
  auto daemon = Daemon::Create(*config, clock, log, &telemetry, workers);
  if (!daemon.ok()) {
    fmt::print(err, "run: {}\n", daemon.status().message());
    return 1;
  }
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<PredictRoutes> predict_routes;
  if (!config->global.listen.empty()) {
    HttpServerOptions o;
    o.listen = config->global.listen;
    server = std::make_unique<HttpServer>(o, **daemon, telemetry, clock);
    AddDashboard(*server);
    // POST /predict beside the API (docs/prediction.md): a named model must load,
    // the default one is served when the build made it.
    if (const std::string& m = config->global.predict_model; m != "off") {
      auto model = predict::DemandModel::Load(m.empty() ? predict::DefaultModelPath() : m);
      if (model.ok()) {
        predict_routes = std::make_unique<PredictRoutes>(
            std::shared_ptr<const predict::DemandModel>(std::move(model.value())),
            telemetry.registry(), clock);
        predict_routes->Register(*server);
      } else if (!m.empty()) {
        fmt::print(err, "run: global.predict_model: {}\n", model.status().message());
        return 1;
      } else {
        log.Log(LogLevel::kInfo, "", "No POST /predict: " + model.status().message());
      }
    }
    if (Status s = server->Start(); !s.ok()) {
      fmt::print(err, "run: {}\n", s.message());
      return 1;
    }
    log.Log(LogLevel::kWarn, "",
            fmt::format("API on http://{}:{}/api/v1/groups (health /health, metrics /metrics)",
                        ParseListenAddress(config->global.listen)->host, server->port()));
    log.Log(LogLevel::kWarn, "",
            fmt::format("Dashboard on http://{}:{}/",
                        ParseListenAddress(config->global.listen)->host, server->port()));
  }
  InstallSignals();
  std::optional<TimePoint> until;
  if (flags.for_s) until = clock.Now() + Duration(*flags.for_s);
  const std::string path = flags.config;
  (*daemon)->Run(g_stop, g_reload, [&path] { return Load(path); }, until);
  if (server) server->Stop();
  if (tty) std::fputs("\n", stdout);
  if (!flags.plot.empty()) {
    if (Status s =
            PlotSession(config->global.outputs.metrics_csv, session_start_s, flags.plot, out);
        !s.ok()) {
      fmt::print(err, "run: --plot: {}\n", s.message());
      return 1;
    }
  }
  return 0;
}

}  // namespace prescale::app
