#include "server/predict_routes.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "predict/classifiers.h"
#include "predict/predict_test_util.h"
#include "server/http_server.h"
#include "server/prometheus_telemetry.h"

namespace prescale {
namespace {

using nlohmann::json;

constexpr char kSeedPayload[] =
    R"({"features": [45.5, 60.2, 122.1, 35.6, 1200000000, 0.8, 0.92, "compute", "high"]})";

// Trained once and never freed: XGBoost's own static state is gone by the time a
// static model would be destroyed at exit.
std::shared_ptr<const predict::DemandModel> Model() {
  static auto* model =
      new std::shared_ptr<const predict::DemandModel>(predict::test::TrainCpuRuleModel());
  return *model;
}

// The nine features with element `i` replaced by the JSON text `value`.
std::string With(int i, const std::string& value) {
  std::vector<std::string> f = {"45.5", "60.2", "122.1",       "35.6",    "1200000000",
                                "0.8",  "0.92", "\"compute\"", "\"high\""};
  f[i] = value;
  std::string body = R"({"features": [)";
  for (std::size_t k = 0; k < f.size(); ++k) body += (k ? ", " : "") + f[k];
  return body + "]}";
}

TEST(PredictRoutesTest, SeedPayloadGetsTheContractsAnswer) {
  prometheus::Registry registry;
  PredictRoutes routes(Model(), registry, RealClock::Default());
  PredictRoutes::Reply r = routes.Predict(kSeedPayload);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j.at("prediction").get<int>(), 1);  // cpu 45.5 %: Medium under the test rule
  EXPECT_EQ(j.at("predicted_class"), "Medium");
  const double confidence = j.at("confidence").get<double>();
  EXPECT_LE(confidence, 1.0);
  ASSERT_EQ(j.at("probabilities").size(), 3u);
  // The confidence is the predicted class's probability, the largest of the three.
  EXPECT_EQ(confidence, j.at("probabilities")[1].get<double>());
  for (const auto& p : j.at("probabilities")) EXPECT_LE(p.get<double>(), confidence);
}

TEST(PredictRoutesTest, EveryBadInputIsA4xxThatSaysWhy) {
  prometheus::Registry registry;
  PredictLimits limits;
  limits.predict_body_bytes = 512;
  PredictRoutes routes(Model(), registry, RealClock::Default(), limits);
  struct Case {
    const char* name;
    std::string body;
    int status;
    const char* message;
  };
  const Case cases[] = {
      {"not JSON", "features=1,2,3", 400, "body is not JSON"},
      {"empty body", "", 400, "body is not JSON"},
      {"truncated JSON", R"({"features": [45.5, 60.2)", 400, "body is not JSON"},
      {"NaN literal", With(0, "NaN"), 400, "body is not JSON"},
      {"Infinity literal", With(3, "Infinity"), 400, "body is not JSON"},
      {"overflowing number", With(1, "1e999"), 422, "not finite"},
      {"NaN as a string", With(0, "\"NaN\""), 422,
       "feature 1 (cpu_usage) must be a number, got string"},
      {"number as a string", With(2, "\"122.1\""), 422,
       "feature 3 (network_traffic) must be a number, got string"},
      {"boolean", With(4, "true"), 422,
       "feature 5 (num_executed_instructions) must be a number, got boolean"},
      {"null", With(5, "null"), 422, "feature 6 (execution_time) must be a number, got null"},
      {"number as a category", With(7, "1"), 422,
       "feature 8 (task_type) must be a string, got number"},
      {"unknown task_type", With(7, "\"gpu\""), 422,
       "feature task_type: unknown category 'gpu' (known: compute, network, io)"},
      {"unknown task_priority", With(8, "\"urgent\""), 422,
       "feature task_priority: unknown category 'urgent' (known: high, medium, low)"},
      {"negative", With(0, "-5"), 422, "feature cpu_usage is negative"},
      {"too few features", R"({"features": [45.5, 60.2]})", 400, "expected 9 features, got 2"},
      {"too many features",
       R"({"features": [45.5, 60.2, 122.1, 35.6, 1200000000, 0.8, 0.92, "compute", "high", 1]})",
       400, "expected 9 features, got 10"},
      {"no features key", R"({"rows": []})", 422, "body has no \"features\" list"},
      {"features not a list", R"({"features": "45.5"})", 422,
       "must be a list of 9 values, got string"},
      {"body not an object", "[1, 2]", 422, "body must be a JSON object"},
      {"over the limit", With(0, "45.5" + std::string(600, ' ')), 400,
       "is over this route's limit of 512 bytes"},
  };
  for (const Case& c : cases) {
    PredictRoutes::Reply r = routes.Predict(c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << c.name << ": " << r.body;
    EXPECT_NE(j["error"].get<std::string>().find(c.message), std::string::npos)
        << c.name << ": " << r.body;
  }
}

TEST(PredictRoutesTest, BatchAnswersEveryRowInOrderAndNamesABadRow) {
  prometheus::Registry registry;
  PredictLimits limits;
  limits.batch_rows = 3;
  PredictRoutes routes(Model(), registry, RealClock::Default(), limits);
  const std::string low = R"([5, 6, 1, 20, 1000000, 0.3, 0.2, "io", "low"])";
  const std::string high = R"([95, 90, 1, 30, 5000000000, 1.2, 0.5, "compute", "high"])";
  PredictRoutes::Reply r = routes.PredictBatch(R"({"features": [)" + low + "," + high + "]}");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j.at("count"), 2);
  EXPECT_EQ(j.at("predictions")[0].at("predicted_class"), "Low");
  EXPECT_EQ(j.at("predictions")[1].at("predicted_class"), "High");

  r = routes.PredictBatch(R"({"features": [)" + low + R"(, [1, 2]]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("row 2: expected 9 features, got 2"), std::string::npos) << r.body;
  r = routes.PredictBatch(R"({"features": [)" + low + "," +
                          R"([5, 6, 1, 20, 1000000, 0.3, 0.2, "io", "lowest"]]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("row 2: feature task_priority: unknown category"), std::string::npos);
  r = routes.PredictBatch(R"({"features": [)" + low + "," + low + "," + low + "," + low + "]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("4 rows is over the limit of 3 per batch"), std::string::npos);
  r = routes.PredictBatch(R"({"features": 3})");
  EXPECT_EQ(r.status, 422);
  r = routes.PredictBatch(R"({"features": []})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("count"), 0);
}

TEST(PredictRoutesTest, ModelRouteShowsTheMetadata) {
  prometheus::Registry registry;
  PredictRoutes routes(Model(), registry, RealClock::Default());
  PredictRoutes::Reply r = routes.Model();
  ASSERT_EQ(r.status, 200);
  json j = json::parse(r.body);
  EXPECT_EQ(j.at("encoding"), "seed2-onehot-v1");
  EXPECT_EQ(j.at("feature_names").size(), 17u);
  EXPECT_EQ(j.at("classes")[2], "High");
  EXPECT_EQ(j.at("training").at("source"), "test");
}

// `run` serves its default model this way: loaded by the first request, once, and a
// model that does not load is a 503 that says why, on every route.
TEST(PredictRoutesTest, ALazyModelLoadsOnTheFirstRequestOnly) {
  prometheus::Registry registry;
  int loads = 0;
  PredictRoutes routes(
      [&loads]() -> Result<std::unique_ptr<predict::DemandModel>> {
        ++loads;
        return predict::test::TrainCpuRuleModel(2);
      },
      registry, RealClock::Default());
  EXPECT_EQ(loads, 0);
  EXPECT_EQ(routes.Predict(kSeedPayload).status, 200);
  EXPECT_EQ(routes.Model().status, 200);
  EXPECT_EQ(routes.Predict(kSeedPayload).status, 200);
  EXPECT_EQ(loads, 1);
}

TEST(PredictRoutesTest, ALazyModelThatFailsIsA503OnEveryRoute) {
  prometheus::Registry registry;
  PredictRoutes routes(
      []() -> Result<std::unique_ptr<predict::DemandModel>> {
        return Status::Error("model.json: not an XGBoost JSON model");
      },
      registry, RealClock::Default());
  for (const PredictRoutes::Reply& r :
       {routes.Predict(kSeedPayload), routes.PredictBatch(R"({"features": [[45.5, 60.2, 122.1,
         35.6, 1200000000, 0.8, 0.92, "compute", "high"]]})"),
        routes.Model()}) {
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(json::parse(r.body).at("error"),
              "the model could not be loaded: model.json: not an XGBoost JSON model");
  }
  // Bad input is still the client's fault first.
  EXPECT_EQ(routes.Predict("not json").status, 400);
}

// Over HTTP: the routes on a real server on a free loopback port, its limits, its
// metrics, and the remote classifier talking to it.
class PredictServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 4;
    o.payload_max_bytes = 4096;
    server_ = std::make_unique<HttpServer>(o, groups_, telemetry_, RealClock::Default());
    PredictLimits limits;
    limits.predict_body_bytes = 1024;
    routes_ = std::make_unique<PredictRoutes>(Model(), telemetry_.registry(), RealClock::Default(),
                                              limits);
    routes_->Register(*server_);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  void TearDown() override { server_->Stop(); }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  NoGroupsStatus groups_;
  PrometheusTelemetry telemetry_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<PredictRoutes> routes_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PredictServerTest, AnswersTheSeedsCurlAndCountsIt) {
  auto res = client_->Post("/predict", kSeedPayload, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(res->body).at("predicted_class"), "Medium");
  auto health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(R"(prescale_predict_requests_total{code="200",route="/predict"} 1)"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find(R"(prescale_predictions_total{class="Medium"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics->body.find(R"(prescale_predict_duration_seconds_count{route="/predict"} 1)"),
            std::string::npos);
}

TEST_F(PredictServerTest, BodiesOverTheLimitsAreRefusedWithJson) {
  // Over the route's limit: the handler's 400.
  auto res = client_->Post("/predict", std::string(2000, ' ') + kSeedPayload, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("over this route's limit of 1024 bytes"), std::string::npos);
  // Over the server's: httplib refuses it before reading it, with a JSON 413.
  res = client_->Post("/predict", std::string(8000, ' ') + kSeedPayload, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_TRUE(json::parse(res->body, nullptr, false).contains("error")) << res->body;
  // A GET of a POST route.
  res = client_->Get("/predict");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

TEST_F(PredictServerTest, RemoteClassifierGetsTheServersAnswer) {
  Params p;
  p.Set("predictor_url", Url() + "/predict");
  p.Set("timeout_s", "2");
  auto remote = Classifiers().Create("remote", p, ClassifierContext{"web"});
  ASSERT_TRUE(remote.ok()) << remote.status().message();
  for (double cpu : {5.0, 50.0, 95.0}) {
    auto got = (*remote)->Classify(predict::test::WithCpu(cpu));
    auto want = Model()->Classify(predict::test::WithCpu(cpu));
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(got->demand_class, want->demand_class);
    EXPECT_DOUBLE_EQ(got->confidence, want->confidence);
  }
  // A feature the service refuses comes back as an error with the service's reason.
  Seed2Features bad = predict::test::SeedExample();
  bad.task_type = "gpu";
  auto refused = (*remote)->Classify(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("HTTP 422"), std::string::npos)
      << refused.status().message();
}

TEST(RemoteClassifierTest, FailuresAreErrorsThatNameTheUrl) {
  // A fake /predict service whose answers the cases choose.
  httplib::Server fake;
  fake.set_keep_alive_max_count(1);  // so that stop() need not wait for an idle connection
  std::string body;
  int status = 200;
  fake.Post("/predict", [&](const httplib::Request&, httplib::Response& res) {
    res.status = status;
    res.set_content(body, "application/json");
  });
  const int port = fake.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&] { fake.listen_after_bind(); });
  while (!fake.is_running()) std::this_thread::yield();

  predict::PredictorUrl url{"http://127.0.0.1:" + std::to_string(port), "/predict"};
  predict::RemoteClassifier remote(url, std::chrono::milliseconds(2000));
  struct Case {
    const char* name;
    int status;
    std::string body;
    const char* message;
  };
  const Case cases[] = {
      {"server error", 500, R"({"detail": "boom"})", "HTTP 500"},
      {"not JSON", 200, "<html>", "not a JSON object"},
      {"no prediction", 200, R"({"predicted_class": "Low"})", "no integer \"prediction\""},
      {"prediction out of range", 200, R"({"prediction": 3})", "is not 0, 1 or 2"},
      {"confidence out of range", 200, R"({"prediction": 1, "confidence": 7})", "not in [0, 1]"},
  };
  for (const Case& c : cases) {
    status = c.status;
    body = c.body;
    auto r = remote.Classify(predict::test::SeedExample());
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.status().message().find("POST " + url.scheme_host_port + "/predict"),
              std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.name << ": " << r.status().message();
  }
  // The seed's service once sent a sentence as the confidence: the class still counts.
  status = 200;
  body =
      R"({"prediction": 2, "predicted_class": "High", "confidence": "Model prediction successful"})";
  auto r = remote.Classify(predict::test::SeedExample());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->demand_class, DemandClass::kHigh);
  // A service slower than the timeout: the handler waits (bounded) until released.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  fake.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    res.set_content(R"({"prediction": 1})", "application/json");
  });
  predict::RemoteClassifier slow(predict::PredictorUrl{url.scheme_host_port, "/slow"},
                                 std::chrono::milliseconds(200));
  auto late = slow.Classify(predict::test::SeedExample());
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("0.2 s timeout"), std::string::npos)
      << late.status().message();
  fake.stop();
  thread.join();

  // Nobody listening any more.
  auto refused = remote.Classify(predict::test::SeedExample());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("POST http://127.0.0.1:"), std::string::npos);
  EXPECT_NE(refused.status().message().find("cannot connect"), std::string::npos)
      << refused.status().message();
}

TEST(RemoteClassifierTest, SettingsAreChecked) {
  struct Case {
    const char* name;
    std::vector<std::pair<std::string, std::string>> settings;
    const char* message;
  };
  const Case cases[] = {
      {"no url", {}, "must start with http://"},
      {"ftp", {{"predictor_url", "ftp://host/predict"}}, "must start with http://"},
      {"no host", {{"predictor_url", "http:///predict"}}, "has no host"},
      {"bad timeout",
       {{"predictor_url", "http://127.0.0.1:8000"}, {"timeout_s", "0"}},
       "timeout_s"},
      {"unknown key", {{"predictor_url", "http://127.0.0.1:8000"}, {"timout_s", "1"}}, "timout_s"},
  };
  for (const Case& c : cases) {
    Params p;
    for (const auto& [k, v] : c.settings) p.Set(k, v);
    auto r = Classifiers().Create("remote", p, ClassifierContext{"web"});
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.name << ": " << r.status().message();
  }
  auto url = predict::ParsePredictorUrl("http://localhost:8000");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->path, "/predict");
  EXPECT_EQ(url->scheme_host_port, "http://localhost:8000");
}

}  // namespace
}  // namespace prescale
