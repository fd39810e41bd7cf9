// The answer parsers on the shared AWS samples (real captures and AWS doc examples,
// ../shared/aws/responses) and on malformed input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/autoscaling.h"
#include "aws/cloudwatch.h"
#include "aws/time_format.h"
#include "aws/xml.h"

namespace prescale::aws {
namespace {

namespace fs = std::filesystem;

class SampleTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(PRESCALE_SHARED_DIR) / "aws" / "responses";
    if (!fs::is_directory(dir_)) GTEST_SKIP() << "no " << dir_ << " (needs ../shared)";
  }
  XmlNode Read(const char* name) {
    std::ifstream in(dir_ / name);
    std::ostringstream ss;
    ss << in.rdbuf();
    auto xml = ParseXml(ss.str());
    EXPECT_TRUE(xml.ok()) << name << ": " << xml.status().message();
    return xml.ok() ? *xml : XmlNode{};
  }
  fs::path dir_;
};

TEST_F(SampleTest, DescribeAutoScalingGroups) {
  struct {
    const char* file;
    const char* name;
    int min, max, desired;
    std::vector<std::string> instances;
  } const cases[] = {
      {"autoscaling-DescribeAutoScalingGroups.awsdocs-current-example1.xml",
       "my-asg",
       2,
       10,
       2,
       {"i-1234567890abcdef0"}},
      {"autoscaling-DescribeAutoScalingGroups.captured-goamz-2014.xml", "ASGTest1", 1, 5, 1, {}},
      {"autoscaling-DescribeAutoScalingGroups.goamz-fixture-awsdocs-style.xml",
       "my-test-asg-lbs",
       2,
       10,
       2,
       {"i-zb1f313", "i-90123adv"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto groups = ParseDescribeAutoScalingGroups(Read(c.file), nullptr);
    ASSERT_TRUE(groups.ok()) << groups.status().message();
    ASSERT_EQ(groups->size(), 1u);
    const AutoScalingGroup& g = (*groups)[0];
    EXPECT_EQ(g.name, c.name);
    EXPECT_EQ(g.min, c.min);
    EXPECT_EQ(g.max, c.max);
    EXPECT_EQ(g.desired, c.desired);
    EXPECT_EQ(g.InServiceIds(), c.instances);
    EXPECT_EQ(g.ready(), static_cast<int>(c.instances.size()));
  }
  auto empty = ParseDescribeAutoScalingGroups(
      Read("autoscaling-DescribeAutoScalingGroups-empty.captured-goamz-2014.xml"), nullptr);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(SampleTest, GetMetricData) {
  auto page = ParseGetMetricData(Read("cloudwatch-GetMetricData.synthesized-from-model.xml"));
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->next_token, "EXAMPLE-NEXT-TOKEN");
  const MetricSeries& cpu = page->series.at("cpu");
  EXPECT_EQ(cpu.status_code, "Complete");
  ASSERT_EQ(cpu.points.size(), 3u);
  EXPECT_EQ(cpu.points[0].first, *ParseIsoTime("2024-01-15T11:10:00Z"));
  EXPECT_EQ(cpu.points[0].second, 52.3);
  const MetricSeries& reqs = page->series.at("reqs");
  EXPECT_EQ(reqs.status_code, "PartialData");
  ASSERT_EQ(reqs.messages.size(), 1u);
  EXPECT_EQ(reqs.messages[0], "ExampleCode: Example message text (illustrative only)");
}

TEST(ParseTest, MalformedAnswersAreErrorsNotCrashes) {
  EXPECT_NE(ParseXml("<a><b></a>").status().message().find("malformed XML at line 1"),
            std::string::npos);
  EXPECT_FALSE(ParseXml("").ok());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<x>";
  EXPECT_NE(ParseXml(deep).status().message().find("deeper than 64"), std::string::npos);

  auto wrong_root = ParseDescribeAutoScalingGroups(*ParseXml("<Other/>"), nullptr);
  EXPECT_NE(wrong_root.status().message().find("not a DescribeAutoScalingGroupsResponse"),
            std::string::npos);
  auto no_size = ParseDescribeAutoScalingGroups(
      *ParseXml("<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
                "<AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName>"
                "<MinSize>x</MinSize></member></AutoScalingGroups>"
                "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"),
      nullptr);
  EXPECT_NE(no_size.status().message().find("group 'g' in the answer lacks a numeric MinSize"),
            std::string::npos);
  auto uneven = ParseGetMetricData(
      *ParseXml("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>a</Id>"
                "<Timestamps><member>2024-01-15T11:10:00Z</member></Timestamps><Values/></member>"
                "</MetricDataResults></GetMetricDataResult></GetMetricDataResponse>"));
  EXPECT_NE(uneven.status().message().find("has 1 timestamps but 0 values"), std::string::npos);
  auto bad_value = ParseGetMetricData(
      *ParseXml("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>a</Id>"
                "<Timestamps><member>2024-01-15T11:10:00Z</member></Timestamps><Values><member>lots"
                "</member></Values></member></MetricDataResults></GetMetricDataResult>"
                "</GetMetricDataResponse>"));
  EXPECT_FALSE(bad_value.ok());
}

TEST(ParseTest, NamespacesAndOrderDoNotMatter) {
  auto xml = ParseXml(
      "<r:ListMetricsResponse xmlns:r=\"https://monitoring.amazonaws.com/doc/2010-08-01/\">"
      "<r:ListMetricsResult><r:NextToken>t2</r:NextToken><r:Metrics><r:member>"
      "<r:Dimensions><r:member><r:Value>i-1</r:Value><r:Name>InstanceId</r:Name></r:member>"
      "</r:Dimensions><r:MetricName>mem_used_percent</r:MetricName><r:Namespace>CWAgent"
      "</r:Namespace></r:member></r:Metrics></r:ListMetricsResult></r:ListMetricsResponse>");
  ASSERT_TRUE(xml.ok()) << xml.status().message();
  std::string token;
  auto metrics = ParseListMetrics(*xml, &token);
  ASSERT_TRUE(metrics.ok()) << metrics.status().message();
  EXPECT_EQ(token, "t2");
  ASSERT_EQ(metrics->size(), 1u);
  EXPECT_EQ((*metrics)[0].dimensions, (Dimensions{{"InstanceId", "i-1"}}));
}

TEST(TimeFormatTest, ReadsAndWritesAwsTimes) {
  EXPECT_EQ(ToEpochSeconds(*ParseIsoTime("2024-01-15T10:00:00Z")), 1'705'312'800);
  EXPECT_DOUBLE_EQ(ToEpochSeconds(*ParseIsoTime("2023-05-06T17:47:15.107Z")), 1683395235.107);
  EXPECT_FALSE(ParseIsoTime("2024-01-15 10:00"));
  EXPECT_FALSE(ParseIsoTime("2024-13-15T10:00:00Z"));
  EXPECT_EQ(FormatAwsTime(FromEpochSeconds(1'705'312'800.9)), "2024-01-15T10:00:00Z");
}

}  // namespace
}  // namespace prescale::aws
