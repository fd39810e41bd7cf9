#include "sources/cloudwatch.h"

#include <gtest/gtest.h>

#include "aws/fake/test_session.h"

namespace prescale {
namespace {

using aws::FakeAws;
const TimePoint kNow = FromEpochSeconds(1'705'312'800);

class CloudWatchSourceTest : public testing::Test {
 protected:
  void Start(FakeAws::Options o = {}) {
    o.clock = &clock_;
    fake_ = std::make_unique<FakeAws>(o);
    ASSERT_TRUE(fake_->running());
    fake_->AddKey(aws::kTestKey);
  }
  std::unique_ptr<CloudWatchSource> Make(Aggregation aggregation = Aggregation::kMean,
                                         CloudWatchConfig c = {}) {
    auto session = aws::MakeTestSession(*fake_, clock_);
    EXPECT_TRUE(session.ok()) << session.status().message();
    c.asg_name = "asg-prod";
    SourceContext ctx{"web", Duration(10), aggregation, &clock_};
    return std::make_unique<CloudWatchSource>(c, std::move(*session), ctx);
  }
  SimulatedClock clock_{kNow};
  std::unique_ptr<FakeAws> fake_;
};

TEST_F(CloudWatchSourceTest, ReadsSeed2MetricsOfEveryInServiceInstance) {
  Start();
  fake_->AddGroup("asg-prod", 1, 10, 3);
  fake_->SetMetric("CPUUtilization", 45.5, 80);
  fake_->SetMetric("NetworkIn", 6000);  // bytes per 60 s period
  fake_->SetMetric("NetworkOut", 12000);
  fake_->SetMetric("DiskReadBytes", 600);
  fake_->SetMetric("DiskWriteBytes", 1200);
  fake_->SetMetric("NetworkPacketsIn", 60);
  fake_->SetMetric("NetworkPacketsOut", 120);
  auto source = Make();
  Observation o = source->Read(kNow);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.time, kNow);
  EXPECT_DOUBLE_EQ(o.cpu_utilization.value_or(-1), 0.455);
  EXPECT_EQ(o.instances, 3);
  EXPECT_DOUBLE_EQ(o.network_in_bytes_per_s.value_or(-1), 100);
  EXPECT_DOUBLE_EQ(o.network_out_bytes_per_s.value_or(-1), 200);
  EXPECT_DOUBLE_EQ(o.disk_read_bytes_per_s.value_or(-1), 10);
  EXPECT_DOUBLE_EQ(o.disk_write_bytes_per_s.value_or(-1), 20);
  EXPECT_DOUBLE_EQ(o.network_packets_in_per_s.value_or(-1), 1);
  EXPECT_DOUBLE_EQ(o.network_packets_out_per_s.value_or(-1), 2);
  EXPECT_FALSE(o.memory_utilization) << "no agent: memory unknown, never zero";
  EXPECT_FALSE(o.load_per_s);
  // 3 instances x 7 metrics x Average and Maximum, in one call.
  EXPECT_EQ(fake_->MetricQueriesPerCall(), std::vector<int>{42});
  EXPECT_EQ(fake_->Requests("DescribeAutoScalingGroups"), 1);
  EXPECT_EQ(source->last_aggregates().at("CPUUtilization").max, 80);
}

TEST_F(CloudWatchSourceTest, AggregatesAcrossInstancesAsSeed2) {
  Start();
  fake_->AddGroup("asg-prod", 1, 10, 3);
  fake_->SetMetric("CPUUtilization", 50);
  const std::vector<aws::FakeInstance> in = fake_->Group("asg-prod").instances;
  fake_->SetInstanceMetric(in[0].id, "CPUUtilization", 20);
  fake_->SetInstanceMetric(in[1].id, "CPUUtilization", 60);
  fake_->SetInstanceMetric(in[2].id, "CPUUtilization", 70);
  struct {
    Aggregation aggregation;
    double want;
  } const cases[] = {{Aggregation::kMean, 0.5}, {Aggregation::kMax, 0.7}, {Aggregation::kMin, 0.2}};
  for (const auto& c : cases) {
    auto source = Make(c.aggregation);
    Observation o = source->Read(kNow);
    EXPECT_NEAR(o.cpu_utilization.value_or(-1), c.want, 1e-12);
    const MetricAggregate& a = source->last_aggregates().at("CPUUtilization");
    EXPECT_NEAR(a.mean, 50, 1e-12);
    EXPECT_EQ(a.min, 20);
    EXPECT_EQ(a.max, 70);
    EXPECT_EQ(a.instances, 3);
  }
}

TEST_F(CloudWatchSourceTest, BatchesOf500AndFollowsNextToken) {
  FakeAws::Options o;
  o.results_per_page = 100;
  Start(o);
  fake_->AddGroup("asg-prod", 1, 100, 40);
  fake_->SetMetric("CPUUtilization", 30);
  auto source = Make();
  Observation obs = source->Read(kNow);
  EXPECT_EQ(obs.error, "");
  EXPECT_DOUBLE_EQ(obs.cpu_utilization.value_or(-1), 0.3);
  EXPECT_EQ(obs.instances, 40);
  // 40 x 14 = 560 queries: a call of 500 (5 pages of 100) and one of 60.
  const std::vector<int> calls = fake_->MetricQueriesPerCall();
  ASSERT_EQ(calls.size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(calls[i], 500);
  EXPECT_EQ(calls[5], 60);
  EXPECT_EQ(source->session().cloudwatch().calls(), 6);
}

TEST_F(CloudWatchSourceTest, MemoryFromTheAgentUnderItsOwnDimensions) {
  Start();
  fake_->AddGroup("asg-prod", 1, 10, 2);
  fake_->SetMetric("CPUUtilization", 40);
  fake_->SetMemory(true, 61.5);
  auto source = Make();
  Observation o = source->Read(kNow);
  EXPECT_EQ(o.error, "");
  EXPECT_DOUBLE_EQ(o.memory_utilization.value_or(-1), 0.615);
  EXPECT_EQ(fake_->Requests("ListMetrics"), 1);
  source->Read(kNow + Duration(10));
  EXPECT_EQ(fake_->Requests("ListMetrics"), 1) << "found again only every 5 minutes";
  source->Read(kNow + Duration(400));
  EXPECT_EQ(fake_->Requests("ListMetrics"), 2);
}

TEST_F(CloudWatchSourceTest, LoadFromCpuWhenCapacityIsGiven) {
  Start();
  fake_->AddGroup("asg-prod", 1, 10, 4);
  fake_->SetMetric("CPUUtilization", 50);
  CloudWatchConfig c;
  c.capacity_per_instance = 100;
  Observation o = Make(Aggregation::kMean, c)->Read(kNow);
  EXPECT_DOUBLE_EQ(o.load_per_s.value_or(-1), 200);  // 0.5 x 4 x 100
}

TEST_F(CloudWatchSourceTest, MissingDataIsMissingWithAReason) {
  Start();
  fake_->AddGroup("asg-prod", 0, 10, 0);
  auto source = Make();
  Observation empty = source->Read(kNow);
  EXPECT_FALSE(empty.cpu_utilization);
  EXPECT_EQ(empty.error,
            "cloudwatch for group web: Auto Scaling group asg-prod has no InService instance");
  fake_->AddGroup("asg-prod", 0, 10, 2);  // no metrics published
  Observation none = source->Read(kNow);
  EXPECT_FALSE(none.cpu_utilization);
  EXPECT_NE(none.error.find("no CPUUtilization datapoint in the last 180 s for 2 InService"),
            std::string::npos)
      << none.error;
  fake_->SetMetric("CPUUtilization", 50);
  fake_->Inject("GetMetricData", aws::Fault{aws::FaultKind::kThrottling}, 3);
  Observation throttled = source->Read(kNow);
  EXPECT_FALSE(throttled.cpu_utilization);
  EXPECT_NE(throttled.error.find("cloudwatch for group web: CloudWatch GetMetricData: Throttling: "
                                 "Rate exceeded (HTTP 400, request id "),
            std::string::npos)
      << throttled.error;
  EXPECT_NE(throttled.error.find("after 3 attempts"), std::string::npos);
  Observation recovered = source->Read(kNow);
  EXPECT_EQ(recovered.error, "");
  EXPECT_DOUBLE_EQ(recovered.cpu_utilization.value_or(-1), 0.5);
}

TEST(CloudWatchFactoryTest, SettingsAreChecked) {
  Params p("source 'cloudwatch'");
  p.Set("asg_nmae", "x");
  auto bad = Sources().Create("cloudwatch", p, SourceContext{"web"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("asg_name"), std::string::npos) << bad.status().message();
  Params q;
  q.Set("region", "eu-west-1");
  q.Set("memory", "false");
  EXPECT_TRUE(Sources().Create("cloudwatch", q, SourceContext{"web"}).ok());
}

}  // namespace
}  // namespace prescale
