#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aws/fake/fake_imds.h"

namespace prescale::aws {
namespace {

namespace fs = std::filesystem;
const TimePoint kNow = FromEpochSeconds(1'705'312'800);  // 2024-01-15T10:00:00Z
constexpr const char* kSecret = "imds/SECRET+value";

class CredentialsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) /
           ("creds_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::map<std::string, std::string> Files() {
    return {{"HOME", "/nonexistent"},
            {"AWS_SHARED_CREDENTIALS_FILE", (dir_ / "credentials").string()},
            {"AWS_CONFIG_FILE", (dir_ / "config").string()},
            {"AWS_EC2_METADATA_DISABLED", "true"}};
  }
  Result<Credentials> Chain(std::map<std::string, std::string> env,
                            const std::string& profile = "") {
    auto chain = CredentialChain::Default(Environment::FromMap(std::move(env)), profile,
                                          DefaultTransport(), clock_);
    if (!chain.ok()) return chain.status();
    return (*chain)->Get(clock_.Now());
  }

  fs::path dir_;
  SimulatedClock clock_{kNow};
};

TEST_F(CredentialsTest, EnvironmentComesFirst) {
  Write("credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n");
  auto env = Files();
  env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env["AWS_SECRET_ACCESS_KEY"] = "e";
  env["AWS_SESSION_TOKEN"] = "tok";
  auto c = Chain(env);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->session_token.Reveal(), "tok");
  EXPECT_EQ(c->source, "environment");
}

TEST_F(CredentialsTest, HalfAnEnvironmentIsAnError) {
  auto env = Files();
  env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  auto c = Chain(env);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_ACCESS_KEY_ID but not AWS_SECRET_ACCESS_KEY"),
            std::string::npos);
}

TEST_F(CredentialsTest, ProfilesFromBothFilesTheCredentialsFileWins) {
  Write("credentials",
        "# comment\n[default]\naws_access_key_id=AKIDDEFAULT\naws_secret_access_key=d\n\n"
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = from-credentials\n");
  Write("config",
        "[default]\nregion = eu-west-1\n[profile dev]\naws_secret_access_key = from-config\n"
        "s3 =\n  max_concurrent_requests = 10\n[profile cfg]\naws_access_key_id = AKIDCFG\n"
        "aws_secret_access_key = c\naws_session_token = t\n[sso-session x]\nsso_region = a\n");
  auto def = Chain(Files());
  ASSERT_TRUE(def.ok()) << def.status().message();
  EXPECT_EQ(def->access_key_id, "AKIDDEFAULT");
  auto dev = Chain(Files(), "dev");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->secret_access_key.Reveal(), "from-credentials");
  EXPECT_EQ(dev->source, "profile 'dev'");
  auto env = Files();
  env["AWS_PROFILE"] = "cfg";
  auto cfg = Chain(env);
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->access_key_id, "AKIDCFG");
  EXPECT_EQ(cfg->session_token.Reveal(), "t");
}

TEST_F(CredentialsTest, BadProfilesSayWhy) {
  Write("credentials", "[default]\nthis line is garbage\n");
  auto c = Chain(Files());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("credentials:2: expected 'key = value'"), std::string::npos)
      << c.status().message();
  Write("credentials", "[default]\naws_access_key_id = A\naws_secret_access_key = s\n");
  auto missing = Chain(Files(), "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("profile 'nope' is in neither"), std::string::npos);
  Write("config", "[profile sso]\nsso_start_url = https://x\n");
  auto sso = Chain(Files(), "sso");
  ASSERT_FALSE(sso.ok());
  EXPECT_NE(sso.status().message().find("does not support"), std::string::npos);
  auto none = Chain({{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no AWS credentials found (looked at environment, "
                                         "profile 'default')"),
            std::string::npos)
      << none.status().message();
}

// ---------------------------------------------------------------- IMDSv2

class ImdsTest : public testing::Test {
 protected:
  std::unique_ptr<CredentialChain> Chain(const FakeImds& imds,
                                         std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {{"HOME", "/nonexistent"},
                                              {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}};
    env.insert(extra.begin(), extra.end());
    auto chain =
        CredentialChain::Default(Environment::FromMap(env), "", DefaultTransport(), clock_);
    EXPECT_TRUE(chain.ok()) << chain.status().message();
    return std::move(*chain);
  }
  SimulatedClock clock_{kNow};
};

TEST_F(ImdsTest, TokenThenRoleThenCredentials) {
  FakeImds imds;
  ASSERT_TRUE(imds.running());
  imds.Rotate("ASIAROLE1", kSecret, "session-1", kNow + Duration(3600));
  auto chain = Chain(imds);
  auto c = chain->Get(clock_.Now());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "ASIAROLE1");
  EXPECT_EQ(c->session_token.Reveal(), "session-1");
  EXPECT_EQ(c->source, "IMDS role 'prescale-monitor'");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, kNow + Duration(3600));
  EXPECT_EQ(imds.token_puts(), 1);
  EXPECT_EQ(imds.credential_gets(), 1);
  // Cached: no new request until the refresh is due.
  clock_.Advance(Duration(600));
  ASSERT_TRUE(chain->Get(clock_.Now()).ok());
  EXPECT_EQ(imds.credential_gets(), 1);
}

TEST_F(ImdsTest, AGetWithoutATokenIs401) {
  FakeImds imds;
  HttpRequest r;
  r.method = "GET";
  r.scheme = "http";
  r.host = imds.url().substr(7);
  r.path = "/latest/meta-data/iam/security-credentials/";
  EXPECT_EQ(DefaultTransport().Send(r, Duration(1)).response.status, 401);
  r.method = "PUT";
  r.path = "/latest/api/token";
  EXPECT_EQ(DefaultTransport().Send(r, Duration(1)).response.status, 400) << "no TTL header";
}

TEST_F(ImdsTest, RefreshesBeforeExpirationAndFollowsRotation) {
  FakeImds imds;
  imds.Rotate("ASIAROLE1", kSecret, "session-1", kNow + Duration(3600));
  auto chain = Chain(imds);
  ASSERT_EQ(chain->Get(clock_.Now())->access_key_id, "ASIAROLE1");
  // Inside the last 5 minutes, EC2 has rotated: the new ones are fetched.
  imds.Rotate("ASIAROLE2", kSecret, "session-2", kNow + Duration(7200));
  clock_.Set(kNow + Duration(3600) - kRefreshAhead - Duration(1));
  EXPECT_EQ(chain->Get(clock_.Now())->access_key_id, "ASIAROLE1") << "not due yet";
  clock_.Advance(Duration(2));
  EXPECT_EQ(chain->Get(clock_.Now())->access_key_id, "ASIAROLE2");
  EXPECT_EQ(imds.credential_gets(), 2);
  // Not rotated yet: the same ones, looked at again 30 s later, not on every call.
  clock_.Set(kNow + Duration(7200) - Duration(200));
  EXPECT_EQ(chain->Get(clock_.Now())->access_key_id, "ASIAROLE2");
  EXPECT_EQ(chain->Get(clock_.Now() + Duration(10))->access_key_id, "ASIAROLE2");
  EXPECT_EQ(imds.credential_gets(), 3);
  // AWS said ExpiredToken: Invalidate() fetches at once.
  imds.Rotate("ASIAROLE3", kSecret, "session-3", kNow + Duration(10800));
  chain->Invalidate();
  EXPECT_EQ(chain->Get(clock_.Now())->access_key_id, "ASIAROLE3");
}

TEST_F(ImdsTest, AnExpiredTokenGetsANewOne) {
  FakeImds imds;
  imds.Rotate("ASIAROLE1", kSecret, "session-1", kNow + Duration(3600));
  auto chain = Chain(imds);
  ASSERT_TRUE(chain->Get(clock_.Now()).ok());
  imds.ExpireTokens();
  chain->Invalidate();
  auto c = chain->Get(clock_.Now());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(imds.token_puts(), 2);
  EXPECT_GE(imds.unauthorized(), 1);
}

struct FallbackCase {
  const char* name;
  int put_status;
  bool allow_v1;
  bool v1_disabled;
  bool want_ok;
  const char* want_error;
};

class ImdsFallbackTest : public ImdsTest, public testing::WithParamInterface<FallbackCase> {};

TEST_P(ImdsFallbackTest, FollowsTheV1FallbackRules) {
  const FallbackCase& c = GetParam();
  FakeImds::Options o;
  o.token_put_status = c.put_status;
  o.allow_v1 = c.allow_v1;
  FakeImds imds(o);
  imds.Rotate("ASIAV1", kSecret, "session-v1", kNow + Duration(3600));
  std::map<std::string, std::string> extra;
  if (c.v1_disabled) extra["AWS_EC2_METADATA_V1_DISABLED"] = "true";
  auto got = Chain(imds, extra)->Get(clock_.Now());
  EXPECT_EQ(got.ok(), c.want_ok) << (got.ok() ? "" : got.status().message());
  if (!c.want_ok) {
    EXPECT_NE(got.status().message().find(c.want_error), std::string::npos)
        << got.status().message();
    EXPECT_EQ(got.status().message().find(kSecret), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ImdsFallbackTest,
    testing::Values(FallbackCase{"Forbidden403FallsBackToV1", 403, true, false, true, ""},
                    FallbackCase{"NotFound404FallsBackToV1", 404, true, false, true, ""},
                    FallbackCase{"NotAllowed405FallsBackToV1", 405, true, false, true, ""},
                    FallbackCase{"NoFallbackWhenV1Disabled", 403, true, true, false,
                                 "IMDS token PUT answered HTTP 403 (IMDSv1 fallback is disabled)"},
                    FallbackCase{"BadRequest400Stops", 400, true, false, false,
                                 "IMDS token PUT answered HTTP 400"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ImdsTest, ErrorsNameTheProblemNeverTheSecret) {
  FakeImds imds;
  imds.Rotate("ASIAROLE1", kSecret, "session-1", kNow + Duration(3600));
  imds.SetCode("AssumeRoleUnauthorizedAccess");
  auto c = Chain(imds)->Get(clock_.Now());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AssumeRoleUnauthorizedAccess"), std::string::npos);
  // Already expired when fetched.
  FakeImds old;
  old.Rotate("ASIAOLD", kSecret, "session-old", kNow - Duration(1));
  auto e = Chain(old)->Get(clock_.Now());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("expired at 2024-01-15T09:59:59"), std::string::npos)
      << e.status().message();
  EXPECT_EQ(e.status().message().find(kSecret), std::string::npos);
  // Not on EC2: nothing listens there.
  std::string url;
  {
    FakeImds gone;
    url = gone.url();
  }
  auto chain = CredentialChain::Default(
      Environment::FromMap({{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", url}}),
      "", DefaultTransport(), clock_);
  auto n = (*chain)->Get(clock_.Now());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("is not reachable (not on EC2?)"), std::string::npos);
}

}  // namespace
}  // namespace prescale::aws
