#include "sources/prometheus.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "actuators/simulated_cluster.h"
#include "controller/controller.h"
#include "core/real_server_test_util.h"

namespace prescale {
namespace {

namespace fs = std::filesystem;
using test::ChildProcess;
using test::FindProgram;
using test::FreePorts;
using test::TempDir;
using test::WaitFor;

const TimePoint kNow = FromEpochSeconds(1'700'000'000);

// ---------------------------------------------------------------- a fake Prometheus

// Answers /api/v1/query from a table of canned answers, keyed by the PromQL text,
// on a loopback port of its own. An answer can hang until Release().
class FakePrometheus {
 public:
  struct Answer {
    int status = 200;
    std::string body;
    bool hang = false;  // wait for Release() before answering
  };

  FakePrometheus() {
    server_.set_tcp_nodelay(true);
    // With and without a path prefix, as behind a reverse proxy.
    server_.Get(R"((/prom)?/api/v1/query)", [this](const httplib::Request& req,
                                                   httplib::Response& res) {
      Answer answer;
      {
        std::unique_lock lock(mu_);
        const std::string query = req.get_param_value("query");
        queries_.push_back(query);
        timeouts_.push_back(req.get_param_value("timeout"));
        auto it = answers_.find(query);
        if (it != answers_.end())
          answer = it->second;
        else
          answer = {400, R"({"status":"error","errorType":"bad_data","error":"unknown query"})"};
        if (answer.hang) released_cv_.wait(lock, [this] { return released_; });
      }
      res.status = answer.status;
      res.set_content(answer.body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // listen_after_bind has no ready signal in httplib 0.11.4 (DEPENDENCIES.md, trap 3).
    const TimePoint deadline = RealClock::Default().Now() + Duration(10);
    while (!server_.is_running() && RealClock::Default().Now() < deadline) {
      std::this_thread::yield();
    }
  }
  ~FakePrometheus() {
    Release();
    server_.stop();
    thread_.join();
  }

  bool running() const { return port_ > 0 && server_.is_running(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Set(const std::string& query, Answer answer) {
    std::lock_guard lock(mu_);
    answers_[query] = std::move(answer);
  }
  // Lets every hanging answer go.
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    released_cv_.notify_all();
  }
  std::vector<std::string> queries() {
    std::lock_guard lock(mu_);
    return queries_;
  }
  std::vector<std::string> timeouts() {
    std::lock_guard lock(mu_);
    return timeouts_;
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = false;
  std::map<std::string, Answer> answers_;
  std::vector<std::string> queries_;
  std::vector<std::string> timeouts_;
};

// An instant-vector answer with one series per value, instance "i0", "i1", ...
std::string Vector(const std::vector<std::string>& values) {
  std::string body = R"({"status":"success","data":{"resultType":"vector","result":[)";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) body += ",";
    body += R"({"metric":{"instance":"i)" + std::to_string(i) + R"("},"value":[1700000000.123,")" +
            values[i] + R"("]})";
  }
  return body + "]}}";
}

std::string Scalar(const std::string& value) {
  return R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.123,")" + value +
         R"("]}})";
}

class PrometheusTest : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fake_.running()); }

  // A source on the fake server, reading cpu from "cpu", memory from "mem" and load
  // from "load" unless `settings` says otherwise.
  std::unique_ptr<MetricSource> Make(std::map<std::string, std::string> settings,
                                     Aggregation aggregation = Aggregation::kMean) {
    Params p("source 'prometheus'");
    p.Set("url", fake_.url());
    for (auto& [k, v] : settings) p.Set(k, v);
    SourceContext context{"web"};
    context.aggregation = aggregation;
    auto s = Sources().Create("prometheus", p, context);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  FakePrometheus fake_;
};

// ---------------------------------------------------------------- answers

struct AnswerCase {
  const char* name;
  int status;        // of the answer to the cpu query
  std::string body;  // of that answer
  const char* cpu_unit;
  std::optional<double> want_cpu;
  std::optional<int> want_instances;
  std::string_view want_error[2];  // substrings of the error; both empty = no error
};

// Built at run time, and flat: GCC 12 gives a false -Wmaybe-uninitialized on nested
// braced std::string members of a static table.
std::vector<AnswerCase> AnswerCases() {
  return {
      {"VectorIsAveraged", 200, Vector({"0.2", "0.6", "0.4"}), nullptr, 0.4, 3, {"", ""}},
      {"ScalarIsTheGroupValue", 200, Scalar("0.35"), nullptr, 0.35, std::nullopt, {"", ""}},
      {"PercentUnit", 200, Vector({"45", "55"}), "percent", 0.5, 2, {"", ""}},
      {"OvershootIsClampedPerInstance", 200, Vector({"1.02", "-0.01"}), nullptr, 0.5, 2, {"", ""}},
      {"OvershootBelowHalfIsClamped", 200, Vector({"1.2"}), nullptr, 1.0, 1, {"", ""}},
      {"PercentWithoutTheUnit",
       200,
       Vector({"45"}),
       nullptr,
       std::nullopt,
       std::nullopt,
       {"prometheus query 'cpu' for group web: utilisation 45 is far above 1",
        "set cpu_unit: percent"}},
      {"SomeNaNAreLeftOut", 200, Vector({"NaN", "0.3", "+Inf"}), nullptr, 0.3, 1, {"", ""}},
      {"AllNaNIsMissing",
       200,
       Vector({"NaN", "NaN"}),
       nullptr,
       std::nullopt,
       std::nullopt,
       {"query 'cpu' for group web: query returned no numbers (2 series, all NaN)", ""}},
      {"ScalarNaNIsMissing",
       200,
       Scalar("NaN"),
       nullptr,
       std::nullopt,
       std::nullopt,
       {"query returned NaN", ""}},
      {"EmptyResultIsMissing",
       200,
       Vector({}),
       nullptr,
       std::nullopt,
       std::nullopt,
       {"prometheus query 'cpu' for group web: query returned no series", ""}},
      {"ErrorStatusWith400",
       400,
       R"({"status":"error","errorType":"bad_data","error":"1:9: parse error: unexpected"})",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"HTTP 400 from http://127.0.0.1:",
        "Prometheus answered status 'error' (bad_data): 1:9: parse error: unexpected"}},
      {"ErrorStatusWith200",
       200,
       R"({"status":"error","errorType":"execution","error":"query timed out"})",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"Prometheus answered status 'error' (execution): query timed out", ""}},
      {"GarbageBody",
       200,
       "<html>502 Bad Gateway</html>",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"answer is not JSON: '<html>502 Bad Gateway</html>'", ""}},
      {"Http500",
       500,
       "internal error",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"HTTP 500 from http://127.0.0.1:", "answer is not JSON: 'internal error'"}},
      {"MatrixIsNotSupported",
       200,
       R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"result type 'matrix' is not supported", ""}},
      {"ValueThatIsNotANumber",
       200,
       Vector({"0.5", "lots"}),
       nullptr,
       std::nullopt,
       std::nullopt,
       {"malformed answer: value '\"lots\"' of series '{\"instance\":\"i1\"}' is not a number",
        ""}},
      {"ValueOfTheWrongType",
       200,
       R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,0.5]}]}})",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"malformed answer: ", ""}},
      {"NoData",
       200,
       R"({"status":"success"})",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"malformed answer: ", "data"}},
      {"JsonThatIsNotAnObject",
       200,
       "[1, 2]",
       nullptr,
       std::nullopt,
       std::nullopt,
       {"malformed answer: ", ""}},
  };
}

class PrometheusAnswerTest : public PrometheusTest,
                             public testing::WithParamInterface<AnswerCase> {};

TEST_P(PrometheusAnswerTest, Reads) {
  const AnswerCase& c = GetParam();
  fake_.Set("cpu", {c.status, c.body});
  std::map<std::string, std::string> settings = {{"cpu_query", "cpu"}};
  if (c.cpu_unit != nullptr) settings["cpu_unit"] = c.cpu_unit;
  auto source = Make(settings);
  ASSERT_NE(source, nullptr);

  Observation o = source->Read(kNow);
  EXPECT_EQ(o.time, kNow);
  ASSERT_EQ(o.cpu_utilization.has_value(), c.want_cpu.has_value()) << o.error;
  if (c.want_cpu) {
    EXPECT_DOUBLE_EQ(*o.cpu_utilization, *c.want_cpu);
  }
  EXPECT_EQ(o.instances, c.want_instances);
  if (c.want_error[0].empty()) {
    EXPECT_EQ(o.error, "");
  }
  for (std::string_view part : c.want_error) {
    if (part.empty()) continue;
    EXPECT_NE(o.error.find(part), std::string::npos) << "missing '" << part << "' in " << o.error;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PrometheusAnswerTest, testing::ValuesIn(AnswerCases()),
                         [](const testing::TestParamInfo<AnswerCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------- the metrics

TEST_F(PrometheusTest, CpuAndMemoryFollowTheAggregationAndLoadIsSummed) {
  fake_.Set("cpu", {200, Vector({"0.2", "0.9", "0.4"})});
  fake_.Set("mem", {200, Vector({"50", "70", "60"})});
  fake_.Set("load", {200, Vector({"100", "50.5", "NaN"})});
  const std::map<std::string, std::string> settings = {{"cpu_query", "cpu"},
                                                       {"memory_query", "mem"},
                                                       {"memory_unit", "percent"},
                                                       {"load_query", "load"}};
  struct {
    Aggregation aggregation;
    double cpu, memory;
  } const cases[] = {
      {Aggregation::kMean, 0.5, 0.6}, {Aggregation::kMax, 0.9, 0.7}, {Aggregation::kMin, 0.2, 0.5}};
  for (const auto& c : cases) {
    Observation o = Make(settings, c.aggregation)->Read(kNow);
    EXPECT_EQ(o.error, "");
    EXPECT_DOUBLE_EQ(o.cpu_utilization.value_or(-1), c.cpu);
    EXPECT_DOUBLE_EQ(o.memory_utilization.value_or(-1), c.memory);
    EXPECT_DOUBLE_EQ(o.load_per_s.value_or(-1), 150.5) << "the load is a sum, not an aggregate";
    EXPECT_EQ(o.instances, 3);
  }
}

TEST_F(PrometheusTest, OneFailedQueryLeavesTheOthers) {
  fake_.Set("cpu", {200, Vector({"0.5"})});
  fake_.Set("mem", {200, Vector({})});
  fake_.Set("load", {200, Scalar("42")});
  Observation o =
      Make({{"cpu_query", "cpu"}, {"memory_query", "mem"}, {"load_query", "load"}})->Read(kNow);
  EXPECT_EQ(o.cpu_utilization, 0.5);
  EXPECT_FALSE(o.memory_utilization);
  EXPECT_EQ(o.load_per_s, 42);
  EXPECT_EQ(o.error, "prometheus query 'memory' for group web: query returned no series");
}

TEST_F(PrometheusTest, SendsThePromQLEncodedWithATimeout) {
  const std::string promql =
      R"(1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle", cpu=~"0|1"}[15s])) & x+y)";
  fake_.Set(promql, {200, Vector({"0.25"})});
  Observation o = Make({{"cpu_query", promql}, {"timeout_s", "1.5"}})->Read(kNow);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.cpu_utilization, 0.25);
  ASSERT_EQ(fake_.queries(), std::vector<std::string>{promql});
  const double timeout_s = std::stod(fake_.timeouts().at(0));
  EXPECT_GT(timeout_s, 0);
  EXPECT_LE(timeout_s, 1.5);
}

TEST_F(PrometheusTest, UrlMayCarryAPathPrefix) {
  fake_.Set("cpu", {200, Vector({"0.25"})});
  Params p;
  p.Set("url", fake_.url() + "/prom/");
  p.Set("cpu_query", "cpu");
  auto source = Sources().Create("prometheus", p, SourceContext{"web"});
  ASSERT_TRUE(source.ok()) << source.status().message();
  Observation o = (*source)->Read(kNow);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.cpu_utilization, 0.25);
}

// ---------------------------------------------------------------- transport faults

TEST_F(PrometheusTest, ASlowAnswerTimesOutAndSkipsTheRest) {
  fake_.Set("cpu", {200, Vector({"0.5"}), /*hang=*/true});
  fake_.Set("load", {200, Vector({"1"})});
  auto source = Make({{"cpu_query", "cpu"}, {"load_query", "load"}, {"timeout_s", "0.3"}});
  ASSERT_NE(source, nullptr);

  const TimePoint before = RealClock::Default().Now();
  Observation o = source->Read(kNow);
  const Duration took = RealClock::Default().Now() - before;
  fake_.Release();

  EXPECT_FALSE(o.cpu_utilization);
  EXPECT_FALSE(o.load_per_s);
  EXPECT_NE(o.error.find("prometheus queries 'cpu' and 'load' for group web: no answer from "
                         "http://127.0.0.1:"),
            std::string::npos)
      << o.error;
  EXPECT_NE(o.error.find("within 0.3 s"), std::string::npos) << o.error;
  EXPECT_GE(took.count(), 0.25);
  EXPECT_LT(took.count(), 1.0) << "Read must not block much longer than timeout_s";
  EXPECT_EQ(fake_.queries(), std::vector<std::string>{"cpu"}) << "load was not asked";
}

TEST(PrometheusConnectionTest, ARefusedConnectionIsAnErrorObservation) {
  std::string url;
  {
    FakePrometheus gone;  // a port that was just free and is closed again
    ASSERT_TRUE(gone.running());
    url = gone.url();
  }
  Params p;
  p.Set("url", url);
  p.Set("cpu_query", "cpu");
  p.Set("memory_query", "mem");
  auto source = Sources().Create("prometheus", p, SourceContext{"web"});
  ASSERT_TRUE(source.ok()) << source.status().message();
  Observation o = (*source)->Read(kNow);
  EXPECT_EQ(o.time, kNow);
  EXPECT_FALSE(o.cpu_utilization);
  EXPECT_FALSE(o.memory_utilization);
  EXPECT_EQ(o.error, "prometheus queries 'cpu' and 'memory' for group web: cannot connect to " +
                         url + ": connection refused or host unreachable");
}

// ---------------------------------------------------------------- parsing and settings

TEST(PrometheusParseTest, InfinitiesAreMissingLikeNaN) {
  Result<QueryAnswer> a = ParseQueryAnswer(Vector({"+Inf", "-Inf", "1e-05", "+2"}));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->series, 4u);
  EXPECT_EQ(a->values, (std::vector<double>{1e-05, 2}));
}

TEST(PrometheusParseTest, Urls) {
  Result<PrometheusUrl> u = ParsePrometheusUrl("https://prom.example:9443/a/b/");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->scheme_host_port, "https://prom.example:9443");
  EXPECT_EQ(u->path_prefix, "/a/b");
  EXPECT_EQ(ParsePrometheusUrl("http://[::1]:9090")->scheme_host_port, "http://[::1]:9090");
  EXPECT_FALSE(ParsePrometheusUrl("127.0.0.1:9090").ok());
  EXPECT_FALSE(ParsePrometheusUrl("ftp://host").ok());
  EXPECT_FALSE(ParsePrometheusUrl("http://").ok());
  EXPECT_FALSE(ParsePrometheusUrl("http://host/?q=1").ok());
  EXPECT_TRUE(ParsePrometheusUrl("http://[::1]/prom").ok());
}

// Found by prometheus_json_fuzz: a port too long for an int made httplib throw.
TEST(PrometheusParseTest, BadPortsAreErrorsNotExceptions) {
  for (const char* url : {"http://host:88888888888888888888888", "http://[2.5h:88888888888888/8",
                          "http://host:0", "http://host:65536", "http://host:", "http://host:9x"}) {
    Result<PrometheusUrl> u = ParsePrometheusUrl(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_NE(u.status().message().find("port"), std::string::npos) << u.status().message();
  }
  EXPECT_TRUE(ParsePrometheusUrl("http://host:65535").ok());
}

// Found by prometheus_json_fuzz: a long host of brackets overflowed the stack in
// httplib's std::regex; only names, IPv4 and bracketed IPv6 addresses reach it.
TEST(PrometheusParseTest, BadHostsAreErrors) {
  std::string brackets = "http://127.0.";
  for (int i = 0; i < 2000; ++i) brackets += "[-9,";
  for (const std::string& url :
       {brackets, std::string("http://ho st:9090"), std::string("http://[::1:9090"),
        std::string("http://[zz]:1"), std::string("http://") + std::string(300, 'a')}) {
    Result<PrometheusUrl> u = ParsePrometheusUrl(url);
    ASSERT_FALSE(u.ok()) << url.substr(0, 40);
    EXPECT_NE(u.status().message().find("bad host"), std::string::npos) << u.status().message();
  }
  EXPECT_TRUE(ParsePrometheusUrl("http://prom-1.example_x.com:9090").ok());
  EXPECT_TRUE(ParsePrometheusUrl("http://[fe80::1]:9090").ok());
}

struct FactoryErrorCase {
  const char* name;
  std::vector<std::pair<std::string, std::string>> params;
  std::string_view complaint;
};

const FactoryErrorCase kFactoryErrorCases[] = {
    {"NoQuery", {}, "'cpu_query' or 'memory_query' or 'load_query' is required"},
    {"UnknownKey", {{"cpu_query", "x"}, {"querry", "x"}}, "'querry' is not a known key"},
    {"BadUnit",
     {{"cpu_query", "x"}, {"cpu_unit", "ratio"}},
     "'cpu_unit' must be 'fraction' or 'percent', got 'ratio'"},
    {"BadMemoryUnit", {{"memory_query", "x"}, {"memory_unit", "%"}}, "'memory_unit' must be"},
    {"UrlWithoutScheme",
     {{"cpu_query", "x"}, {"url", "localhost:9090"}},
     "'url' must be an http:// or https:// URL, got 'localhost:9090'"},
    {"ZeroTimeout", {{"cpu_query", "x"}, {"timeout_s", "0"}}, "'timeout_s' must be between"},
    {"TimeoutNotANumber",
     {{"cpu_query", "x"}, {"timeout_s", "2s"}},
     "'timeout_s' expects a number"},
};

class PrometheusFactoryErrorTest : public testing::TestWithParam<FactoryErrorCase> {};

TEST_P(PrometheusFactoryErrorTest, NamesTheKey) {
  Params p("source 'prometheus'");
  for (const auto& [k, v] : GetParam().params) p.Set(k, v);
  auto s = Sources().Create("prometheus", p, SourceContext{});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(GetParam().complaint), std::string::npos)
      << s.status().message();
}

INSTANTIATE_TEST_SUITE_P(Cases, PrometheusFactoryErrorTest, testing::ValuesIn(kFactoryErrorCases),
                         [](const testing::TestParamInfo<FactoryErrorCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------- the real servers

// The end of each server log, for failure messages.
std::string Logs(const fs::path& dir) {
  std::string out;
  for (const char* name : {"prometheus.log", "node_exporter.log"}) {
    std::ifstream in(dir / name);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 2000) text = "..." + text.substr(text.size() - 2000);
    out += std::string("\n--- ") + name + "\n" + text;
  }
  return out;
}

// Debian's Prometheus scraping Debian's node exporter every second: the source reads
// this host's CPU through PromQL, reports the server's absence as missing data, and
// recovers when it is back. Takes about 15 s, most of it Prometheus's first scrape.
TEST(PrometheusIntegrationTest, ReadsNodeCpuThroughARealServerAndSurvivesItsRestart) {
  const std::optional<std::string> prometheus = FindProgram("prometheus");
  const std::optional<std::string> exporter = FindProgram("prometheus-node-exporter");
  if (!prometheus || !exporter) {
    GTEST_SKIP() << "needs the Debian packages prometheus and prometheus-node-exporter";
  }
  TempDir dir("prescale-prometheus");
  ASSERT_FALSE(dir.path().empty());
  const std::vector<int> ports = FreePorts(2);
  ASSERT_GT(ports[0], 0);
  ASSERT_GT(ports[1], 0);
  const std::string exporter_address = "127.0.0.1:" + std::to_string(ports[0]);
  const std::string prometheus_url = "http://127.0.0.1:" + std::to_string(ports[1]);
  {
    std::ofstream config(dir.path() / "prometheus.yml");
    config << "global:\n"
              "  scrape_interval: 1s\n"
              "  evaluation_interval: 1s\n"
              "scrape_configs:\n"
              "  - job_name: node\n"
              "    static_configs:\n"
              "      - targets: ['"
           << exporter_address << "']\n";
  }

  // 1. The servers. Only the collectors the queries need, to keep the scrapes light.
  ChildProcess node_exporter, server;
  ASSERT_TRUE(node_exporter.Start(
      {*exporter, "--web.listen-address=" + exporter_address, "--collector.disable-defaults",
       "--collector.cpu", "--collector.meminfo"},
      (dir.path() / "node_exporter.log").string()));
  auto start_prometheus = [&] {
    return server.Start({*prometheus, "--config.file=" + (dir.path() / "prometheus.yml").string(),
                         "--storage.tsdb.path=" + (dir.path() / "data").string(),
                         "--web.listen-address=127.0.0.1:" + std::to_string(ports[1])},
                        (dir.path() / "prometheus.log").string());
  };
  auto ready = [&] {
    httplib::Client client(prometheus_url);
    client.set_connection_timeout(std::chrono::milliseconds(500));
    client.set_read_timeout(std::chrono::milliseconds(500));
    httplib::Result res = client.Get("/-/ready");
    return res && res->status == 200;
  };
  ASSERT_TRUE(start_prometheus());
  ASSERT_TRUE(WaitFor(ready, Duration(30))) << "Prometheus not ready" << Logs(dir.path());

  // 2. The target is up: read through the source itself, `up` as a load.
  Params up_params;
  up_params.Set("url", prometheus_url);
  up_params.Set("load_query", R"(up{job="node"} == 1)");
  auto up = Sources().Create("prometheus", up_params, SourceContext{"integration"});
  ASSERT_TRUE(up.ok()) << up.status().message();
  ASSERT_TRUE(WaitFor([&] { return (*up)->Read(RealClock::Default().Now()).load_per_s == 1; },
                      Duration(30)))
      << "the node exporter never came up" << Logs(dir.path());

  // 3. Node CPU and memory arrive, in [0, 1], from one instance.
  Params p;
  p.Set("url", prometheus_url);
  p.Set("cpu_query", R"(1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[15s])))");
  p.Set("memory_query", "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes");
  p.Set("timeout_s", "2");
  auto source = Sources().Create("prometheus", p, SourceContext{"integration"});
  ASSERT_TRUE(source.ok()) << source.status().message();
  Observation o;
  auto has_cpu = [&] {
    o = (*source)->Read(RealClock::Default().Now());
    return o.cpu_utilization.has_value();
  };
  ASSERT_TRUE(WaitFor(has_cpu, Duration(30))) << o.error << Logs(dir.path());
  EXPECT_EQ(o.error, "");
  EXPECT_GE(*o.cpu_utilization, 0);
  EXPECT_LE(*o.cpu_utilization, 1);
  ASSERT_TRUE(o.memory_utilization);
  EXPECT_GT(*o.memory_utilization, 0);
  EXPECT_LE(*o.memory_utilization, 1);
  EXPECT_EQ(o.instances, 1);

  // 3b. And the controller decides on it: seed 2's rules on the node's CPU, through
  //     the same source, on a simulated cluster of 3.
  GroupSpec group;
  group.name = "integration";
  group.limits = Limits{1, 10};
  group.interval = Duration(10);
  auto parts = Controller::BuildParts(group, PluginSpec{"seed2", Params(), {}}, PluginSpec{},
                                      PluginSpec{"none", Params(), {}});
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  TimePoint t0 = RealClock::Default().Now();
  SimulatedCluster cluster(group.interval, Duration(0), 3, t0);
  Controller controller(group, **source, cluster, std::move(parts.value()), nullptr);
  const StepRecord& decided = controller.Step(t0);
  ASSERT_TRUE(decided.observation->cpu_utilization) << decided.observation->error;
  EXPECT_NE(decided.decision.reason, Reason::kMissingData);
  EXPECT_DOUBLE_EQ(decided.decision.recommendation, *decided.observation->cpu_utilization * 100);
  const int size_before_outage = decided.decision.desired;

  // 4. Prometheus goes away: missing data and a reason, promptly, no crash.
  server.Stop();
  // The controller holds: no scale-in on missing data.
  const StepRecord& held = controller.Step(t0 + Duration(10));
  EXPECT_EQ(held.decision.reason, Reason::kMissingData);
  EXPECT_EQ(held.decision.desired, size_before_outage);
  EXPECT_EQ(held.decision.action, Action::kHold);
  const TimePoint before = RealClock::Default().Now();
  o = (*source)->Read(before);
  EXPECT_LT((RealClock::Default().Now() - before).count(), 3);
  EXPECT_FALSE(o.cpu_utilization);
  EXPECT_FALSE(o.memory_utilization);
  EXPECT_NE(o.error.find("prometheus queries 'cpu' and 'memory' for group integration: "
                         "cannot connect to " +
                         prometheus_url),
            std::string::npos)
      << o.error;

  // 5. It comes back (same storage): so do the reads.
  ASSERT_TRUE(start_prometheus());
  ASSERT_TRUE(WaitFor(ready, Duration(30))) << "Prometheus not ready again" << Logs(dir.path());
  ASSERT_TRUE(WaitFor(has_cpu, Duration(30))) << o.error << Logs(dir.path());
  EXPECT_GE(*o.cpu_utilization, 0);
  EXPECT_LE(*o.cpu_utilization, 1);
}

}  // namespace
}  // namespace prescale
