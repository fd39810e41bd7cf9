#include "server/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/prometheus_telemetry.h"

namespace prescale {
namespace {

using nlohmann::json;

constexpr double kStart = 1700000000;

// A StatusProvider whose answers the test sets; records the `now` it was asked about.
class FakeStatus final : public StatusProvider {
 public:
  void SetGroup(const GroupSnapshot& s) {
    std::lock_guard lock(mu_);
    groups_[s.name] = s;
  }
  void AddHistory(const std::string& name, HistoryPoint p) {
    std::lock_guard lock(mu_);
    history_[name].push_back(p);
  }
  void AddDecision(DecisionRecord d) {
    std::lock_guard lock(mu_);
    decisions_.push_back(std::move(d));
  }
  void SetHealthy(bool healthy, std::string why = "") {
    std::lock_guard lock(mu_);
    healthy_ = healthy;
    why_ = std::move(why);
  }
  std::optional<TimePoint> last_now() const {
    std::lock_guard lock(mu_);
    return last_now_;
  }

  std::vector<GroupSnapshot> Groups() const override {
    std::lock_guard lock(mu_);
    std::vector<GroupSnapshot> out;
    for (const auto& [name, s] : groups_) out.push_back(s);
    return out;
  }
  std::optional<GroupSnapshot> Group(const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = groups_.find(name);
    if (it == groups_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::vector<HistoryPoint>> History(const std::string& name,
                                                   TimePoint since) const override {
    std::lock_guard lock(mu_);
    if (!groups_.count(name)) return std::nullopt;
    std::vector<HistoryPoint> out;
    auto it = history_.find(name);
    if (it == history_.end()) return out;
    for (const HistoryPoint& p : it->second) {
      if (p.time > since) out.push_back(p);
    }
    return out;
  }
  bool Healthy(TimePoint now, std::string* why) const override {
    std::lock_guard lock(mu_);
    last_now_ = now;
    if (!healthy_) *why = why_;
    return healthy_;
  }
  std::vector<DecisionRecord> Decisions(TimePoint since, std::size_t limit) const override {
    std::lock_guard lock(mu_);
    std::vector<DecisionRecord> out;
    for (auto it = decisions_.rbegin(); it != decisions_.rend() && out.size() < limit; ++it) {
      if (it->time > since) out.push_back(*it);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, GroupSnapshot> groups_;
  std::map<std::string, std::vector<HistoryPoint>> history_;
  std::vector<DecisionRecord> decisions_;  // oldest first
  bool healthy_ = true;
  std::string why_;
  mutable std::optional<TimePoint> last_now_;
};

GroupSnapshot Snapshot(const std::string& name, int desired) {
  GroupSnapshot s;
  s.name = name;
  s.policy = "predictive";
  s.source = "synthetic";
  s.actuator = "simulated";
  s.min = 1;
  s.max = 10;
  s.last_tick = FromEpochSeconds(kStart);
  s.current = desired - 1;
  s.ready = desired - 1;
  s.desired = desired;
  s.load_per_s = 100.0 * desired;
  s.forecast_upper = 120.0 * desired;
  s.action = Action::kScaleUp;
  s.reason = Reason::kForecast;
  return s;
}

// Whether `series` has the value NaN in the exposition `text`. prometheus-cpp 1.0.1
// writes "Nan"; Prometheus reads the value case-insensitively, and so does this.
bool HasNaN(const std::string& text, const std::string& series) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string line = "\n";  // built with += (GCC 12 warns falsely on "\n" + string)
  line += lower(series);
  line += " nan\n";
  return lower(text).find(line) != std::string::npos;
}

HttpServerOptions LoopbackAnyPort() {
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  o.threads = 4;
  o.payload_max_bytes = 1024;
  return o;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    status_.SetGroup(Snapshot("web", 4));
    status_.SetGroup(Snapshot("worker", 2));
    for (int i = 0; i < 5; ++i) {
      HistoryPoint p;
      p.time = FromEpochSeconds(kStart + 60 * i);
      p.desired = i + 1;
      p.load_per_s = 10.0 * i;
      status_.AddHistory("web", p);
    }
    server_ = std::make_unique<HttpServer>(Options(), status_, telemetry_, clock_);
    server_->AddGet("/extra/([a-z]+)", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("extra " + std::string(req.matches[1]), "text/plain");
    });
    server_->AddPost("/predict", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/json");
    });
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.message();
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_connection_timeout(std::chrono::seconds(5));
    client_->set_read_timeout(std::chrono::seconds(5));
  }

  virtual HttpServerOptions Options() const { return LoopbackAnyPort(); }

  // GET that must get an answer; the body parsed as JSON when it says it is JSON.
  httplib::Result Get(const std::string& path) {
    httplib::Result r = client_->Get(path);
    EXPECT_TRUE(r) << "GET " << path << ": " << httplib::to_string(r.error());
    return r;
  }

  static json Body(const httplib::Result& r) {
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    return json::parse(r->body);
  }

  SimulatedClock clock_{FromEpochSeconds(kStart + 30)};
  FakeStatus status_;
  PrometheusTelemetry telemetry_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, HealthIsOkAndAsksAtTheClocksTime) {
  auto r = Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(r), (json{{"status", "ok"}}));
  ASSERT_TRUE(status_.last_now().has_value());
  EXPECT_EQ(ToEpochSeconds(*status_.last_now()), kStart + 30);
}

TEST_F(HttpServerTest, HealthFlipsTo503WithTheReason) {
  status_.SetHealthy(false, "group web has not ticked for 180 s");
  auto r = Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(Body(r),
            (json{{"status", "unhealthy"}, {"reason", "group web has not ticked for 180 s"}}));
  status_.SetHealthy(true);
  r = Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, HeadHealthAnswersWithoutBody) {
  auto r = client_->Head("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
}

TEST_F(HttpServerTest, MetricsShowTelemetry) {
  GroupSnapshot s = Snapshot("web", 4);
  s.cpu_utilization.reset();
  telemetry_.OnTick(s, Duration(0.002));
  telemetry_.OnSourceError("web");
  telemetry_.OnSourceError("web");
  telemetry_.OnActuatorError("worker");
  auto r = Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  const std::string& text = r->body;
  for (const char* want : {
           "prescale_group_desired{group=\"web\"} 4",
           "prescale_group_current{group=\"web\"} 3",
           "prescale_group_ready{group=\"web\"} 3",
           "prescale_group_forecast{group=\"web\"} 480",
           "prescale_group_load_per_second{group=\"web\"} 400",
           "prescale_group_anomaly_score{group=\"web\"} 0",
           "prescale_decisions_total{action=\"scale_up\",group=\"web\",reason=\"Forecast\"} 1",
           "prescale_tick_duration_seconds_count{group=\"web\"} 1",
           "prescale_tick_duration_seconds_bucket{group=\"web\",le=\"+Inf\"} 1",
           "prescale_source_errors_total{group=\"web\"} 2",
           "prescale_actuator_errors_total{group=\"web\"} 0",
           "prescale_actuator_errors_total{group=\"worker\"} 1",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\nin:\n" << text;
  }
  EXPECT_TRUE(HasNaN(text, "prescale_group_cpu_utilization{group=\"web\"}")) << text;
}

TEST_F(HttpServerTest, GroupsListsEverySnapshot) {
  auto r = Get("/api/v1/groups");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  json j = Body(r);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j.at(0).at("name"), "web");
  EXPECT_EQ(j.at(0).at("desired"), 4);
  EXPECT_EQ(j.at(0).at("reason"), "Forecast");
  EXPECT_EQ(j.at(0).at("action"), "scale_up");
  EXPECT_EQ(j.at(0).at("last_tick"), kStart);
  EXPECT_TRUE(j.at(0).at("cpu_utilization").is_null());
  EXPECT_EQ(j.at(1).at("name"), "worker");
}

TEST_F(HttpServerTest, OneGroupOr404) {
  auto r = Get("/api/v1/groups/worker");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  json j = Body(r);
  EXPECT_EQ(j.at("name"), "worker");
  EXPECT_EQ(j.at("desired"), 2);
  EXPECT_EQ(j.at("load_per_s"), 200.0);

  r = Get("/api/v1/groups/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(Body(r), (json{{"error", "no group named 'x'"}}));
}

TEST_F(HttpServerTest, GroupNamesAreUrlDecoded) {
  status_.SetGroup(Snapshot("web api", 3));
  auto r = Get("/api/v1/groups/web%20api");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(r).at("name"), "web api");
  // Not UTF-8 once decoded: still a JSON 404, never a 500.
  r = Get("/api/v1/groups/%FF%22");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(Body(r).at("error"), "no group named '\xEF\xBF\xBD\"'");
}

TEST_F(HttpServerTest, HistorySinceFilters) {
  struct Case {
    const char* query;
    std::vector<int> desired;  // of the points returned, oldest first
  };
  const Case cases[] = {
      {"", {1, 2, 3, 4, 5}},
      {"?since=0", {1, 2, 3, 4, 5}},
      {"?since=1700000060", {3, 4, 5}},  // strictly after
      {"?since=1700000059.5", {2, 3, 4, 5}},
      {"?since=1700000240", {}},
      {"?since=-5", {1, 2, 3, 4, 5}},
  };
  for (const Case& c : cases) {
    auto r = Get(std::string("/api/v1/groups/web/history") + c.query);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << c.query;
    json j = Body(r);
    ASSERT_TRUE(j.is_array()) << c.query;
    std::vector<int> desired;
    for (const json& p : j) desired.push_back(p.at("desired").get<int>());
    EXPECT_EQ(desired, c.desired) << c.query;
  }
  auto r = Get("/api/v1/groups/web/history?since=1700000180");
  ASSERT_TRUE(r);
  json p = Body(r).at(0);
  EXPECT_EQ(p.at("time"), kStart + 240);
  EXPECT_EQ(p.at("time_iso"), "2023-11-14T22:17:20.000Z");
  EXPECT_EQ(p.at("load_per_s"), 40.0);
  EXPECT_TRUE(p.at("forecast").is_null());
  EXPECT_EQ(p.at("reason"), "WithinTolerance");
  EXPECT_EQ(p.at("action"), "hold");

  // A group without history has an empty one.
  r = Get("/api/v1/groups/worker/history");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(r), json::array());
}

TEST_F(HttpServerTest, HistoryBadSinceIs400AndUnknownGroup404) {
  for (const char* since : {"abc", "", "12abc", "nan", "1e999"}) {
    auto r = Get(std::string("/api/v1/groups/web/history?since=") + since);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << since;
    EXPECT_TRUE(Body(r).at("error").is_string()) << since;
  }
  auto r = Get("/api/v1/groups/nope/history?since=5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(Body(r), (json{{"error", "no group named 'nope'"}}));
}

TEST_F(HttpServerTest, DecisionsNewestFirstSinceAndLimit) {
  for (int i = 0; i < 4; ++i) {
    DecisionRecord d;
    d.time = FromEpochSeconds(kStart + 10 * i);
    d.group = i % 2 ? "worker" : "web";
    d.current = i;
    d.desired = i + 1;
    d.action = Action::kScaleUp;
    d.reason = Reason::kForecast;
    d.message = "Sized for the forecast peak over the boot horizon";
    d.applied = true;
    d.forecast = 12.5;
    status_.AddDecision(d);
  }
  struct Case {
    const char* query;
    std::vector<int> desired;  // of the decisions returned, newest first
  };
  const Case cases[] = {
      {"", {4, 3, 2, 1}},        {"?since=1700000010", {4, 3}},
      {"?limit=1", {4}},         {"?since=1700000000&limit=2", {4, 3}},
      {"?since=1700000030", {}},
  };
  for (const Case& c : cases) {
    auto r = Get(std::string("/api/v1/decisions") + c.query);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << c.query;
    std::vector<int> desired;
    for (const json& d : Body(r)) desired.push_back(d.at("desired").get<int>());
    EXPECT_EQ(desired, c.desired) << c.query;
  }
  auto r = Get("/api/v1/decisions?limit=1");
  ASSERT_TRUE(r);
  const json d = Body(r).at(0);
  EXPECT_EQ(d.at("group"), "worker");
  EXPECT_EQ(d.at("time"), kStart + 30);
  EXPECT_EQ(d.at("current"), 3);
  EXPECT_EQ(d.at("action"), "scale_up");
  EXPECT_EQ(d.at("reason"), "Forecast");
  EXPECT_EQ(d.at("message"), "Sized for the forecast peak over the boot horizon");
  EXPECT_EQ(d.at("applied"), true);
  EXPECT_EQ(d.at("forecast"), 12.5);
  EXPECT_TRUE(d.at("load_per_s").is_null());
  EXPECT_TRUE(d.at("error").is_null());
  for (const char* bad :
       {"?since=abc", "?limit=0", "?limit=1001", "?limit=-1", "?limit=2x", "?limit="}) {
    r = Get(std::string("/api/v1/decisions") + bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_TRUE(Body(r).at("error").is_string()) << bad;
  }
}

TEST_F(HttpServerTest, UnknownRouteIs404Json) {
  for (const char* path : {"/", "/nope", "/api/v1/groups/", "/api/v1/groups/web/other",
                           "/api/v2/groups", "/healthz"}) {
    auto r = Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_TRUE(Body(r).at("error").is_string()) << path;
  }
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  auto r = client_->Post("/health", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
  EXPECT_TRUE(Body(r).at("error").is_string());

  r = client_->Delete("/api/v1/groups/web");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);

  r = client_->Put("/api/v1/groups/web/history", "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);

  // A POST-only extra route turns GET away the same way.
  r = Get("/predict");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "POST");

  // And a POST to a path nobody serves stays 404.
  r = client_->Post("/nope", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(HttpServerTest, ExtraRoutesPlugIn) {
  auto r = Get("/extra/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "extra hello");
  r = client_->Post("/predict", R"({"x":1})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"x":1})");
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  auto r = client_->Post("/predict", std::string(4096, 'x'), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(Body(r).at("error").is_string());
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  client_->set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    auto r = Get("/health");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  client_->stop();  // let Stop() go without waiting for the idle connection
}

TEST_F(HttpServerTest, ConcurrentRequestsWhileTicking) {
  constexpr int kClients = 4;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(std::chrono::seconds(5));
      for (int i = 0; i < kRequests; ++i) {
        auto r = client.Get(c % 2 ? "/metrics" : "/api/v1/groups");
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (int i = 0; i < 100; ++i) telemetry_.OnTick(Snapshot("web", 1 + i % 5), Duration(0.001));
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_F(HttpServerTest, StopsCleanly) {
  EXPECT_TRUE(server_->running());
  server_->Stop();
  EXPECT_FALSE(server_->running());
  EXPECT_EQ(server_->port(), 0);
  auto r = client_->Get("/health");
  EXPECT_FALSE(r);
  server_->Stop();                      // idempotent
  EXPECT_FALSE(server_->Start().ok());  // once only
}

TEST_F(HttpServerTest, PortInUseIsAnError) {
  const int port = server_->port();
  HttpServerOptions o = LoopbackAnyPort();
  o.listen = "127.0.0.1:" + std::to_string(port);
  HttpServer second(o, status_, telemetry_, clock_);
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot listen on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(second.running());
  // The first one still serves.
  auto r = Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServerStartTest, BadAddressesAreErrors) {
  SimulatedClock clock;
  FakeStatus status;
  PrometheusTelemetry telemetry;
  struct Case {
    const char* listen;
    const char* expected;
  };
  const Case cases[] = {
      {"nonsense", "listen address 'nonsense': expected host:port"},
      {"127.0.0.1:99999", "out of range"},
      {"127.0.0.1:", "missing port"},
      {"127.0.0.1:http", "not a number"},
      {"127.0.0.1:-1", "not a number"},
      {"::1:80", "brackets"},
      {"[::1", "missing ']'"},
      {"203.0.113.7:0", "cannot listen on 203.0.113.7:0"},  // TEST-NET-3, not ours
  };
  for (const Case& c : cases) {
    HttpServerOptions o;
    o.listen = c.listen;
    o.allow_unauthenticated = true;  // the bind errors, not the token check
    HttpServer server(o, status, telemetry, clock);
    Status s = server.Start();
    ASSERT_FALSE(s.ok()) << c.listen;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << s.message();
    EXPECT_EQ(s.message().rfind("http server: ", 0), 0u) << s.message();
    EXPECT_EQ(server.port(), 0);
  }
}

TEST(HttpServerStartTest, StopWithoutStartAndRightAfterStart) {
  SimulatedClock clock;
  FakeStatus status;
  PrometheusTelemetry telemetry;
  { HttpServer never_started(LoopbackAnyPort(), status, telemetry, clock); }
  for (int i = 0; i < 20; ++i) {  // Start and Stop back to back must not hang
    HttpServer server(LoopbackAnyPort(), status, telemetry, clock);
    ASSERT_TRUE(server.Start().ok());
    server.Stop();
  }
}

// ---------------------------------------------------------------- security

TEST(IsLoopbackHostTest, OnlyThisMachine) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "", "::", "10.0.0.1", "127.0.0", "127.0.0.1.5",
                           "127.0.0.x", "localhost.example.com", "example.com", "::ffff:1"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(HttpServerStartTest, BeyondLoopbackNeedsATokenOrAnExplicitChoice) {
  SimulatedClock clock;
  FakeStatus status;
  PrometheusTelemetry telemetry;
  HttpServerOptions o = LoopbackAnyPort();
  o.listen = "0.0.0.0:0";
  {
    HttpServer server(o, status, telemetry, clock);
    Status s = server.Start();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("without a bearer token"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("PRESCALE_API_TOKEN"), std::string::npos) << s.message();
  }
  o.bearer_token = "t0ken";
  {
    HttpServer server(o, status, telemetry, clock);
    EXPECT_TRUE(server.Start().ok());
  }
  o.bearer_token.clear();
  o.allow_unauthenticated = true;
  {
    HttpServer server(o, status, telemetry, clock);
    EXPECT_TRUE(server.Start().ok());
  }
}

// The fixture's server, with a bearer token.
class HttpServerTokenTest : public HttpServerTest {
 protected:
  HttpServerOptions Options() const override {
    HttpServerOptions o = LoopbackAnyPort();
    o.bearer_token = kToken;
    return o;
  }
  static constexpr const char* kToken = "s3cret-Token_value";
};

TEST_F(HttpServerTokenTest, EveryRouteButHealthNeedsTheToken) {
  auto health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  struct Case {
    const char* name;
    httplib::Headers headers;
    int status;
  };
  const Case cases[] = {
      {"none", {}, 401},
      {"wrong", {{"Authorization", "Bearer s3cret-Token_valuE"}}, 401},
      {"prefix", {{"Authorization", "Bearer s3cret"}}, 401},
      {"longer", {{"Authorization", std::string("Bearer ") + kToken + "x"}}, 401},
      {"basic_scheme", {{"Authorization", std::string("Basic ") + kToken}}, 401},
      {"right", {{"Authorization", std::string("Bearer ") + kToken}}, 200},
  };
  for (const Case& c : cases) {
    for (const char* path : {"/metrics", "/api/v1/groups", "/api/v1/groups/web", "/nowhere"}) {
      auto r = client_->Get(path, c.headers);
      ASSERT_TRUE(r) << c.name << " " << path;
      const int want = c.status == 200 && std::string(path) == "/nowhere" ? 404 : c.status;
      EXPECT_EQ(r->status, want) << c.name << " " << path;
      if (want == 401) {
        EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"prescale\"");
        EXPECT_EQ(r->body.find(kToken), std::string::npos) << "the answer echoes the token";
        EXPECT_TRUE(json::parse(r->body).at("error").is_string());
      }
    }
    auto post = client_->Post("/predict", c.headers, R"({"x":1})", "application/json");
    ASSERT_TRUE(post);
    EXPECT_EQ(post->status, c.status) << c.name << " POST /predict";
  }
}

// A client that sends half a request and then nothing (slowloris) is cut off after
// the read timeout, and does not hold a pool thread for longer.
TEST(HttpServerLimitsTest, AStalledRequestIsDroppedAfterTheReadTimeout) {
  SimulatedClock clock;
  FakeStatus status;
  PrometheusTelemetry telemetry;
  HttpServerOptions o = LoopbackAnyPort();
  o.read_timeout = std::chrono::seconds(1);
  o.keep_alive_timeout = std::chrono::seconds(1);
  HttpServer server(o, status, telemetry, clock);
  ASSERT_TRUE(server.Start().ok());
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string half = "GET /health HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(send(fd, half.data(), half.size(), 0), static_cast<ssize_t>(half.size()));
  // Bounded wait: the server must close within the timeout; 10 s means it did not.
  timeval limit{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  // httplib may answer 400 first; then it must close.
  std::string answer;
  char buf[256];
  ssize_t n = 0;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  close(fd);
  EXPECT_EQ(n, 0) << "the connection was not closed within 10 s";
  if (!answer.empty()) {
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  }
  // Meanwhile the server still answers others.
  httplib::Client client("127.0.0.1", server.port());
  auto r = client.Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ListenAddressTest, Parses) {
  struct Case {
    const char* text;
    const char* host;
    int port;
  };
  const Case cases[] = {
      {"127.0.0.1:8080", "127.0.0.1", 8080}, {"localhost:0", "localhost", 0},
      {"0.0.0.0:65535", "0.0.0.0", 65535},   {":9090", "0.0.0.0", 9090},
      {"[::1]:8080", "::1", 8080},
  };
  for (const Case& c : cases) {
    Result<ListenAddress> a = ParseListenAddress(c.text);
    ASSERT_TRUE(a.ok()) << c.text << ": " << a.status().message();
    EXPECT_EQ(a->host, c.host);
    EXPECT_EQ(a->port, c.port);
  }
  for (const char* bad :
       {"", "nonsense", "host:", "host:65536", "host:8o", "[]:80", "[::1]80", "1.2.3.4:+80"}) {
    EXPECT_FALSE(ParseListenAddress(bad).ok()) << bad;
  }
}

TEST(PrometheusTelemetryTest, SerializesEveryFamilyWithHelp) {
  PrometheusTelemetry t;
  GroupSnapshot s = Snapshot("we\"b", 3);
  s.reason = Reason::kCooldown;
  s.action = Action::kHold;
  t.OnTick(s, Duration(0.0003));
  t.OnTick(s, Duration(20));  // beyond the last bucket
  const std::string text = t.Serialize();
  for (const char* want : {
           "# TYPE prescale_group_desired gauge",
           "# TYPE prescale_decisions_total counter",
           "# TYPE prescale_tick_duration_seconds histogram",
           "# TYPE prescale_source_errors_total counter",
           "# HELP prescale_group_forecast ",
           "prescale_group_desired{group=\"we\\\"b\"} 3",  // label values are escaped
           "prescale_decisions_total{action=\"hold\",group=\"we\\\"b\",reason=\"Cooldown\"} 2",
           "prescale_tick_duration_seconds_count{group=\"we\\\"b\"} 2",
           "prescale_tick_duration_seconds_bucket{group=\"we\\\"b\",le=\"0.0005\"} 1",
           "prescale_tick_duration_seconds_bucket{group=\"we\\\"b\",le=\"10\"} 1",
           "prescale_tick_duration_seconds_bucket{group=\"we\\\"b\",le=\"+Inf\"} 2",
           "prescale_source_errors_total{group=\"we\\\"b\"} 0",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\nin:\n" << text;
  }
}

TEST(PrometheusTelemetryTest, MissingValuesBecomeNaNAndComeBack) {
  PrometheusTelemetry t;
  GroupSnapshot s = Snapshot("web", 3);
  t.OnTick(s, Duration(0.001));
  EXPECT_NE(t.Serialize().find("prescale_group_load_per_second{group=\"web\"} 300"),
            std::string::npos);
  s.load_per_s.reset();
  s.forecast_upper.reset();
  t.OnTick(s, Duration(0.001));
  std::string text = t.Serialize();
  EXPECT_TRUE(HasNaN(text, "prescale_group_load_per_second{group=\"web\"}")) << text;
  EXPECT_TRUE(HasNaN(text, "prescale_group_forecast{group=\"web\"}")) << text;
  s.load_per_s = 50;
  t.OnTick(s, Duration(0.001));
  EXPECT_NE(t.Serialize().find("prescale_group_load_per_second{group=\"web\"} 50"),
            std::string::npos);
}

}  // namespace
}  // namespace prescale
