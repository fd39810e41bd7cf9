#include "app/run_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "app/plot_command.h"
#include "config/daemon_config.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "dashboard/dashboard.h"
#include "ha/coordinator.h"
#include "ha/status_route.h"
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

// The API's bearer token: PRESCALE_API_TOKEN when set, else the first line of
// global.api.token_file; "" when neither is given.
Result<std::string> ApiToken(const ApiConfig& api) {
  if (const char* env = std::getenv("PRESCALE_API_TOKEN"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  if (api.token_file.empty()) return std::string();
  std::ifstream in(api.token_file);
  std::string token;
  if (!in || !std::getline(in, token)) {
    return Status::Error("global.api.token_file '" + api.token_file +
                         "': cannot read it: " + std::strerror(errno));
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  if (token.empty()) {
    return Status::Error("global.api.token_file '" + api.token_file + "' has an empty first line");
  }
  return token;
}

ha::HaConfig HaConfigOf(const HaSettings& s) {
  ha::HaConfig h;
  h.etcd = s.etcd;
  h.prefix = "/prescale/" + s.cluster;
  h.member = s.member;
  if (h.member.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    h.member = std::string(host) + "-" + std::to_string(getpid());
  }
  h.lease_ttl = s.lease_ttl;
  h.shard = s.shard;
  return h;
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

  if (flags.clock == "simulated" && !config->global.ha.etcd.empty()) {
    fmt::print(err, "run: --clock simulated cannot take part in an HA cluster (global.ha)\n");
    return 2;
  }
  Result<std::string> token = ApiToken(config->global.api);
  if (!token.ok()) {
    fmt::print(err, "run: {}\n", token.status().message());
    return 2;
  }
  SimulatedClock simulated_clock(RealClock::Default().Now());
  Clock& clock = flags.clock == "simulated" ? static_cast<Clock&>(simulated_clock)
                                            : static_cast<Clock&>(RealClock::Default());
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
  // High availability: join the cluster before the first tick, so that no
  // replica acts before it knows whether it leads.
  std::unique_ptr<ha::Coordinator> coordinator;
  if (!config->global.ha.etcd.empty()) {
    coordinator = std::make_unique<ha::Coordinator>(
        HaConfigOf(config->global.ha), clock, [&log](bool warning, const std::string& line) {
          log.Log(warning ? LogLevel::kWarn : LogLevel::kInfo, "", line);
        });
    if (Status s = coordinator->Start(); !s.ok()) {
      fmt::print(err, "run: {}\n", s.message());
      return 1;
    }
  }
  auto daemon = Daemon::Create(*config, clock, log, &telemetry, workers, coordinator.get());
  if (!daemon.ok()) {
    fmt::print(err, "run: {}\n", daemon.status().message());
    return 1;
  }
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<PredictRoutes> predict_routes;
  if (!config->global.listen.empty()) {
    HttpServerOptions o;
    o.listen = config->global.listen;
    o.bearer_token = *token;
    o.allow_unauthenticated = config->global.api.allow_unauthenticated;
    o.payload_max_bytes = config->global.api.max_body_bytes;
    o.read_timeout = o.write_timeout =
        std::chrono::seconds(std::max<long>(1, std::lround(config->global.api.timeout.count())));
    server = std::make_unique<HttpServer>(o, **daemon, telemetry, clock);
    AddDashboard(*server);
    // POST /predict beside the API (docs/prediction.md): a named model must load
    // now; the default one is served when the build made it, and loaded on the first
    // request (until then the daemon has not loaded XGBoost at all).
    if (const std::string& m = config->global.predict_model; m.empty()) {
      const std::string path = predict::DefaultModelPath();
      if (std::error_code ec; std::filesystem::is_regular_file(path, ec)) {
        predict_routes = std::make_unique<PredictRoutes>(
            [path] { return predict::DemandModel::Load(path); }, telemetry.registry(), clock);
        predict_routes->Register(*server);
      } else {
        log.Log(LogLevel::kInfo, "", "No POST /predict: no default model at " + path);
      }
    } else if (m != "off") {
      auto model = predict::DemandModel::Load(m);
      if (!model.ok()) {
        fmt::print(err, "run: global.predict_model: {}\n", model.status().message());
        return 1;
      }
      predict_routes = std::make_unique<PredictRoutes>(
          std::shared_ptr<const predict::DemandModel>(std::move(model.value())),
          telemetry.registry(), clock);
      predict_routes->Register(*server);
    }
    if (coordinator) ha::AddStatusRoute(*server, *coordinator);
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
    if (!token->empty()) {
      log.Log(LogLevel::kInfo, "", "API needs a bearer token (all routes but /health)");
    } else if (!IsLoopbackHost(ParseListenAddress(config->global.listen)->host)) {
      log.Log(LogLevel::kWarn, "",
              "API listens beyond loopback WITHOUT a bearer token "
              "(global.api.allow_unauthenticated: true)");
    }
  }
  InstallSignals();
  std::optional<TimePoint> until;
  if (flags.for_s) until = clock.Now() + Duration(*flags.for_s);
  const std::string path = flags.config;
  (*daemon)->Run(g_stop, g_reload, [&path] { return Load(path); }, until);
  if (server) server->Stop();
  if (coordinator) coordinator->Stop();
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
