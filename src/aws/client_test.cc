#include "aws/client.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/fake/test_session.h"
#include "aws/sigv4.h"
#include "aws/time_format.h"

namespace prescale::aws {
namespace {

namespace fs = std::filesystem;
const TimePoint kStart = FromEpochSeconds(1'705'312'800);  // 2024-01-15T10:00:00Z

// ---------------------------------------------------------------- configuration

struct ResolveCase {
  const char* name;
  AwsSettings settings;
  std::map<std::string, std::string> env;
  const char* want_region;
  const char* want_endpoint;  // of Auto Scaling
  const char* want_error;     // substring; "" = no error
};

std::vector<ResolveCase> ResolveCases() {
  auto with = [](std::string region, std::string url) {
    AwsSettings s;
    s.region = std::move(region);
    s.endpoint_url = std::move(url);
    return s;
  };
  return {
      {"ConfigRegionAndDefaultEndpoint",
       with("eu-west-1", ""),
       {},
       "eu-west-1",
       "https://autoscaling.eu-west-1.amazonaws.com",
       ""},
      {"AwsRegionBeatsDefaultRegion",
       with("", ""),
       {{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "eu-central-1"}},
       "us-west-2",
       "https://autoscaling.us-west-2.amazonaws.com",
       ""},
      {"DefaultRegion",
       with("", ""),
       {{"AWS_DEFAULT_REGION", "eu-central-1"}},
       "eu-central-1",
       "https://autoscaling.eu-central-1.amazonaws.com",
       ""},
      {"ChinaRegion",
       with("cn-north-1", ""),
       {},
       "cn-north-1",
       "https://autoscaling.cn-north-1.amazonaws.com.cn",
       ""},
      {"ServiceVariableBeatsGlobal",
       with("us-east-1", ""),
       {{"AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:4566"},
        {"AWS_ENDPOINT_URL", "http://127.0.0.1:9"}},
       "us-east-1",
       "http://127.0.0.1:4566",
       ""},
      {"GlobalVariable",
       with("us-east-1", ""),
       {{"AWS_ENDPOINT_URL", "http://localhost:4566/"}},
       "us-east-1",
       "http://localhost:4566",
       ""},
      {"ConfigBeatsVariables",
       with("us-east-1", "https://vpce.example.com"),
       {{"AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:4566"}},
       "us-east-1",
       "https://vpce.example.com",
       ""},
      {"IgnoreConfiguredEndpoints",
       with("us-east-1", ""),
       {{"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"},
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}},
       "us-east-1",
       "https://autoscaling.us-east-1.amazonaws.com",
       ""},
      {"DefaultPortDropped",
       with("us-east-1", "https://example.com:443"),
       {},
       "us-east-1",
       "https://example.com",
       ""},
      {"NoRegion", with("", ""), {}, "", "", "no AWS region"},
      {"BadRegion", with("us-east-1.evil.com/", ""), {}, "", "", "is not valid"},
      {"EndpointWithPath", with("us-east-1", "http://127.0.0.1:1/x"), {}, "", "", "has a path"},
      {"EndpointNotHttp",
       with("us-east-1", "ftp://127.0.0.1"),
       {},
       "",
       "",
       "is not an http:// or https:// URL"},
      {"BadMaxAttempts",
       with("us-east-1", ""),
       {{"AWS_MAX_ATTEMPTS", "lots"}},
       "",
       "",
       "AWS_MAX_ATTEMPTS must be an integer in [1, 10]"},
  };
}

class ResolveTest : public testing::TestWithParam<ResolveCase> {};

TEST_P(ResolveTest, Resolves) {
  const ResolveCase& c = GetParam();
  std::map<std::string, std::string> env = c.env;
  env["HOME"] = "/nonexistent-prescale-test-home";
  auto r = ResolveConfig(c.settings, kAutoScaling, Environment::FromMap(env));
  if (std::string(c.want_error).empty()) {
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->region, c.want_region);
    EXPECT_EQ(r->endpoint.Url(), c.want_endpoint);
    EXPECT_EQ(r->max_attempts, 3);
  } else {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(c.want_error), std::string::npos) << r.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ResolveTest, testing::ValuesIn(ResolveCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ResolveConfigTest, CloudWatchHasItsOwnVariableAndHost) {
  auto env = Environment::FromMap(
      {{"HOME", "/nonexistent"}, {"AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:1"}});
  AwsSettings s;
  s.region = "eu-west-1";
  auto cw = ResolveConfig(s, kCloudWatch, env);
  ASSERT_TRUE(cw.ok());
  EXPECT_EQ(cw->endpoint.Url(), "https://monitoring.eu-west-1.amazonaws.com");
  auto env2 = Environment::FromMap({{"HOME", "/nonexistent"},
                                    {"AWS_ENDPOINT_URL_CLOUDWATCH", "http://127.0.0.1:2"},
                                    {"AWS_MAX_ATTEMPTS", "5"}});
  auto cw2 = ResolveConfig(s, kCloudWatch, env2);
  ASSERT_TRUE(cw2.ok());
  EXPECT_EQ(cw2->endpoint.Url(), "http://127.0.0.1:2");
  EXPECT_EQ(cw2->max_attempts, 5);
}

TEST(ResolveConfigTest, RegionEndpointAndAttemptsFromTheProfile) {
  const fs::path dir = fs::path(testing::TempDir()) / "resolve_profile";
  fs::create_directories(dir);
  std::ofstream(dir / "config") << "[profile dev]\nregion = ap-south-1\nendpoint_url = "
                                   "http://127.0.0.1:4566\nmax_attempts = 4\n";
  auto env = Environment::FromMap({{"HOME", "/nonexistent"},
                                   {"AWS_CONFIG_FILE", (dir / "config").string()},
                                   {"AWS_PROFILE", "dev"}});
  auto r = ResolveConfig(AwsSettings{}, kAutoScaling, env);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->region, "ap-south-1");
  EXPECT_EQ(r->endpoint.Url(), "http://127.0.0.1:4566");
  EXPECT_EQ(r->max_attempts, 4);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- error answers

TEST(ErrorAnswerTest, ReadsCodeMessageAndRequestId) {
  AwsError e = ParseErrorAnswer(
      400,
      "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error>"
      "<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
      "<RequestId>abc-123</RequestId></ErrorResponse>");
  EXPECT_EQ(e.code, "Throttling");
  EXPECT_EQ(e.message, "Rate exceeded");
  EXPECT_EQ(e.request_id, "abc-123");
  e.operation = "Auto Scaling SetDesiredCapacity";
  e.attempts = 3;
  EXPECT_EQ(e.ToString(),
            "Auto Scaling SetDesiredCapacity: Throttling: Rate exceeded (HTTP 400, request id "
            "abc-123) after 3 attempts");
  // EC2's shape, and a body that is not XML.
  AwsError ec2 = ParseErrorAnswer(
      503,
      "<Response><Errors><Error><Code>Unavailable</Code><Message>busy</Message></Error>"
      "</Errors><RequestID>r-1</RequestID></Response>");
  EXPECT_EQ(ec2.code, "Unavailable");
  EXPECT_EQ(ec2.request_id, "r-1");
  AwsError html = ParseErrorAnswer(502, "<html>Bad Gateway");
  EXPECT_EQ(html.code, "HTTP502");
  EXPECT_NE(html.message.find("Bad Gateway"), std::string::npos);
}

TEST(ErrorAnswerTest, SharedSamples) {
  const fs::path dir = fs::path(PRESCALE_SHARED_DIR) / "aws" / "responses";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no " << dir << " (needs ../shared)";
  auto read = [&dir](const char* name) {
    std::ifstream in(dir / name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  struct {
    const char* file;
    const char* code;
    bool retried;
  } const cases[] = {
      {"autoscaling-error-Throttling.constructed.xml", "Throttling", true},
      {"autoscaling-error-Throttling.observed-boto2-traceback.xml", "Throttling", true},
      {"cloudwatch-error-Throttling.constructed.xml", "Throttling", true},
      {"autoscaling-error-ResourceInUse.goamz-fixture-awsdocs-style.xml", "ResourceInUse", false},
      {"cloudwatch-error-AccessDenied.observed-rusoto-test.xml", "AccessDenied", false},
      {"query-error.smithy-protocol-test.xml", "InvalidGreeting", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    AwsError e = ParseErrorAnswer(400, read(c.file));
    EXPECT_EQ(e.code, c.code);
    EXPECT_FALSE(e.request_id.empty());
    EXPECT_EQ(IsThrottlingCode(e.code), c.retried);
  }
}

TEST(ErrorAnswerTest, WhatIsRetried) {
  EXPECT_TRUE(IsThrottlingCode("Throttling"));
  EXPECT_TRUE(IsThrottlingCode("RequestLimitExceeded"));
  EXPECT_TRUE(IsThrottlingCode("LimitExceededException"));
  EXPECT_FALSE(IsThrottlingCode("LimitExceeded")) << "Auto Scaling's quota fault (PROTOCOL.md 5)";
  EXPECT_FALSE(IsThrottlingCode("ValidationError"));
  EXPECT_TRUE(IsTransientCode("RequestTimeout"));
  EXPECT_TRUE(IsExpiredCredentialsCode("ExpiredToken"));
}

TEST(FormBodyTest, EncodesLikeTheQueryProtocol) {
  EXPECT_EQ(FormBody("SetDesiredCapacity", "2011-01-01",
                     {{"AutoScalingGroupName", "my group/a+b"}, {"DesiredCapacity", "3"}}),
            "Action=SetDesiredCapacity&Version=2011-01-01&AutoScalingGroupName=my%20group%2Fa%2Bb"
            "&DesiredCapacity=3");
}

// ---------------------------------------------------------------- retries, on the fake

class ClientTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fake_.running());
    fake_.AddKey(kTestKey);
    fake_.AddGroup("asg-prod", 1, 5, 2);
  }
  std::unique_ptr<Session> Make(TestSessionOptions o = {}) {
    auto s = MakeTestSession(fake_, clock_, std::move(o));
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  template <class F>
  static TestSessionOptions With(F set) {
    TestSessionOptions o;
    set(o);
    return o;
  }
  CallOutcome Describe(Session& s) {
    return s.autoscaling_client().Call("DescribeAutoScalingGroups",
                                       {{"AutoScalingGroupNames.member.1", "asg-prod"}});
  }

  SimulatedClock clock_{kStart};
  FakeAws fake_;
};

struct RetryCase {
  const char* name;
  FaultKind fault;
  int faults;
  bool want_ok;
  int want_requests;
  const char* want_error;
};

class RetryTest : public ClientTest, public testing::WithParamInterface<RetryCase> {};

TEST_P(RetryTest, RetriesWhatPROTOCOLmdSays) {
  const RetryCase& c = GetParam();
  auto s = Make(With([&](TestSessionOptions& o) { o.timeout = Duration(0.3); }));
  fake_.Inject("DescribeAutoScalingGroups", Fault{c.fault, Duration(1.5)}, c.faults);
  CallOutcome out = Describe(*s);
  EXPECT_EQ(out.ok(), c.want_ok) << out.error.ToString();
  EXPECT_EQ(fake_.Requests("DescribeAutoScalingGroups"), c.want_requests);
  EXPECT_EQ(out.attempts, c.want_requests);
  if (!c.want_ok) {
    EXPECT_NE(out.error.ToString().find(c.want_error), std::string::npos) << out.error.ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RetryTest,
    testing::Values(
        RetryCase{"ThrottlingTwiceThenOk", FaultKind::kThrottling, 2, true, 3, ""},
        RetryCase{"ThrottlingThreeTimesFails", FaultKind::kThrottling, 3, false, 3,
                  "Auto Scaling DescribeAutoScalingGroups: Throttling: Rate exceeded (HTTP 400, "
                  "request id fa4e"},
        RetryCase{"ServerErrorOnceThenOk", FaultKind::kServerError, 1, true, 2, ""},
        RetryCase{"ServerErrorEveryTime", FaultKind::kServerError, 5, false, 3,
                  "ResourceContention"},
        RetryCase{"LimitExceededIsNotRetried", FaultKind::kLimitExceeded, 1, false, 1,
                  "LimitExceeded: You have reached a limit"},
        RetryCase{"SlowAnswerTimesOutAndIsRetried", FaultKind::kSlow, 1, true, 2, ""},
        RetryCase{"SlowEveryTime", FaultKind::kSlow, 3, false, 3,
                  "no answer within 0.3 s (http://127.0.0.1:"},
        RetryCase{"ExpiredTokenRefreshesOnce", FaultKind::kExpiredToken, 1, true, 2, ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ClientTest, ClientErrorsAreNotRetried) {
  auto s = Make();
  CallOutcome out = s->autoscaling_client().Call(
      "SetDesiredCapacity", {{"AutoScalingGroupName", "asg-prod"}, {"DesiredCapacity", "9"}});
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.error.code, "ValidationError");
  EXPECT_EQ(out.error.http_status, 400);
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(fake_.Requests("SetDesiredCapacity"), 1);
}

TEST_F(ClientTest, BackoffIsJitteredSeededAndWithinTheCap) {
  // Two throttles: waits rand * 1 s, then rand * 2 s, on the simulated clock.
  Duration slept[2];
  for (int run = 0; run < 2; ++run) {
    auto s = Make(With([&](TestSessionOptions& o) { o.seed = 42; }));
    fake_.Inject("DescribeAutoScalingGroups", Fault{FaultKind::kThrottling}, 2);
    const TimePoint before = clock_.Now();
    ASSERT_TRUE(Describe(*s).ok());
    slept[run] = s->autoscaling_client().slept();
    EXPECT_NEAR((clock_.Now() - before).count(), slept[run].count(), 1e-6)
        << "sleeps go through the clock";
    EXPECT_GT(slept[run].count(), 0);
    EXPECT_LE(slept[run].count(), 3.0);
  }
  EXPECT_EQ(slept[0], slept[1]) << "same seed, same jitter";
  auto other = Make(With([&](TestSessionOptions& o) { o.seed = 43; }));
  fake_.Inject("DescribeAutoScalingGroups", Fault{FaultKind::kThrottling}, 2);
  ASSERT_TRUE(Describe(*other).ok());
  EXPECT_NE(other->autoscaling_client().slept(), slept[0]);
  // Transient errors back off from 50 ms, not 1 s.
  auto fast = Make(With([&](TestSessionOptions& o) { o.seed = 42; }));
  fake_.Inject("DescribeAutoScalingGroups", Fault{FaultKind::kServerError}, 2);
  ASSERT_TRUE(Describe(*fast).ok());
  EXPECT_LE(fast->autoscaling_client().slept().count(), 0.15);
}

TEST_F(ClientTest, RetryQuotaStopsARetryStorm) {
  auto s = Make(With([&](TestSessionOptions& o) { o.max_attempts = 10; }));
  // 500 tokens, 5 a throttling retry: 100 retries, then no more.
  fake_.Inject("DescribeAutoScalingGroups", Fault{FaultKind::kThrottling}, 1000);
  int calls = 0;
  std::string last;
  while (calls < 20) {
    ++calls;
    CallOutcome out = Describe(*s);
    ASSERT_FALSE(out.ok());
    last = out.error.ToString();
    if (last.find("retry quota exhausted") != std::string::npos) break;
  }
  EXPECT_NE(last.find("retry quota exhausted"), std::string::npos) << last;
  EXPECT_EQ(fake_.Requests("DescribeAutoScalingGroups"), 100 + calls);
}

TEST_F(ClientTest, BadSignatureIsRefusedAsAwsDoesAndNotRetried) {
  TestSessionOptions o;
  o.key.secret_access_key = "the wrong secret";
  auto s = Make(o);
  CallOutcome out = Describe(*s);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(out.error.http_status, 403);
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(fake_.Refused("SignatureDoesNotMatch"), 1);
  EXPECT_EQ(out.error.ToString().find("wrong secret"), std::string::npos);

  TestSessionOptions unknown;
  unknown.key.access_key_id = "AKIDUNKNOWN";
  auto u = Make(unknown);
  EXPECT_EQ(Describe(*u).error.code, "InvalidClientTokenId");
}

TEST_F(ClientTest, SessionTokenIsSentAndChecked) {
  FakeKey temp{"ASIATEMPORARY", "temporary/secret", "FwoGZXIvYXdzEXAMPLETOKEN"};
  fake_.AddKey(temp);
  auto good = Make(With([&](TestSessionOptions& o) { o.key = temp; }));
  EXPECT_TRUE(Describe(*good).ok());
  FakeKey no_token = temp;
  no_token.session_token.clear();
  auto bad = Make(With([&](TestSessionOptions& o) { o.key = no_token; }));
  EXPECT_EQ(Describe(*bad).error.code, "InvalidClientTokenId");
}

TEST_F(ClientTest, ACallThatCannotConnectIsRetriedAndSaysSo) {
  std::string url;
  {
    FakeAws gone;
    url = gone.url();
  }
  AwsSettings s;
  s.region = "us-east-1";
  s.endpoint_url = url;
  s.timeout = Duration(0.5);
  s.seed = 1;
  auto session = Session::Create(s,
                                 Environment::FromMap({{"HOME", "/nonexistent"},
                                                       {"AWS_ACCESS_KEY_ID", "AKID"},
                                                       {"AWS_SECRET_ACCESS_KEY", "s"}}),
                                 DefaultTransport(), clock_);
  ASSERT_TRUE(session.ok());
  CallOutcome out = (*session)->cloudwatch_client().Call("ListMetrics", {});
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.attempts, 3);
  EXPECT_EQ(out.error.transport, TransportFailure::kConnect);
  EXPECT_NE(out.error.ToString().find("CloudWatch ListMetrics: "), std::string::npos);
}

// ---------------------------------------------------------------- botocore cross-check

// The requests prescale makes, signed by prescale and by botocore's SigV4Auth
// (Debian's python3-botocore), must carry the same Authorization header.
TEST(BotocoreCrossCheckTest, SameSignaturesAsBotocore) {
  const std::string script = std::string(PRESCALE_SOURCE_DIR) + "/tests/botocore_sign.py";
  if (std::system("/usr/bin/python3 -c 'import botocore.auth' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Debian's python3-botocore is not installed";
  }
  struct Req {
    ServiceInfo service;
    std::string action;
    QueryParams params;
    bool token;
  };
  std::vector<MetricQuery> queries;
  for (const char* m : {"CPUUtilization", "NetworkIn", "DiskWriteBytes"}) {
    for (const char* stat : {"Average", "Maximum"}) {
      queries.push_back({std::string("i0_") + m + "_" + stat,
                         "AWS/EC2",
                         m,
                         {{"InstanceId", "i-0123456789abcdef0"}},
                         60,
                         stat});
    }
  }
  queries.push_back({"i0_7_a",
                     "CWAgent",
                     "mem_used_percent",
                     {{"InstanceId", "i-0123456789abcdef0"},
                      {"ImageId", "ami-1"},
                      {"AutoScalingGroupName", "asg prod/é"},
                      {"InstanceType", "t3.small"}},
                     60,
                     "Average"});
  std::vector<const MetricQuery*> qp;
  for (const auto& q : queries) qp.push_back(&q);
  const std::vector<Req> reqs = {
      {kAutoScaling,
       "DescribeAutoScalingGroups",
       {{"AutoScalingGroupNames.member.1", "asg-prod"}},
       false},
      {kAutoScaling,
       "SetDesiredCapacity",
       {{"AutoScalingGroupName", "asg-prod"}, {"DesiredCapacity", "3"}, {"HonorCooldown", "false"}},
       true},
      {kCloudWatch, "GetMetricData",
       GetMetricDataParams(qp, kStart - Duration(180), kStart, "token+/="), true},
      {kCloudWatch,
       "ListMetrics",
       {{"Namespace", "CWAgent"},
        {"MetricName", "mem_used_percent"},
        {"Dimensions.member.1.Name", "InstanceId"},
        {"RecentlyActive", "PT3H"}},
       false},
  };
  Credentials creds;
  creds.access_key_id = "AKIDEXAMPLE";
  creds.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  nlohmann::json cases = nlohmann::json::array();
  std::vector<std::string> ours;
  for (const Req& r : reqs) {
    HttpRequest h;
    h.host = std::string(r.service.signing_name) + ".eu-west-1.amazonaws.com";
    h.body = FormBody(r.action, r.service.version, r.params);
    h.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    Credentials c = creds;
    if (r.token) c.session_token = Secret("FwoGZXIvYXdzEXAMPLE//token+=");
    SignRequest(h, c, SigningScope{"eu-west-1", std::string(r.service.signing_name)}, kStart);
    ours.emplace_back(HeaderValue(h.headers, "authorization"));
    cases.push_back({{"url", "https://" + h.host + "/"},
                     {"body", h.body},
                     {"service", std::string(r.service.signing_name)},
                     {"region", "eu-west-1"},
                     {"content_type", "application/x-www-form-urlencoded; charset=utf-8"},
                     {"token", r.token ? "FwoGZXIvYXdzEXAMPLE//token+=" : ""},
                     {"time", FormatAwsTime(kStart)}});
  }
  const std::string in = testing::TempDir() + "/botocore_cases.json";
  const std::string out = testing::TempDir() + "/botocore_out.json";
  std::ofstream(in) << cases.dump();
  const std::string cmd = "/usr/bin/python3 " + script + " " + in + " > " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream result(out);
  const nlohmann::json theirs = nlohmann::json::parse(result);
  ASSERT_EQ(theirs.size(), ours.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i], theirs[i].get<std::string>()) << reqs[i].action;
  }
}

}  // namespace
}  // namespace prescale::aws
