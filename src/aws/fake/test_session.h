// Sessions on the fakes, for tests: the fake's endpoint and region, a known key in
// a fixed environment (no profile files, no IMDS unless asked), seeded jitter.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "aws/fake/fake_aws.h"
#include "aws/session.h"

namespace prescale::aws {

inline const FakeKey kTestKey{"AKIDPRESCALETEST", "prescale/test+SECRET/do-not-log", ""};

struct TestSessionOptions {
  Duration timeout{1};
  int max_attempts = 3;
  std::uint64_t seed = 7;
  // Extra environment (e.g. AWS_EC2_METADATA_SERVICE_ENDPOINT); the key is set
  // unless `use_key` is false.
  std::map<std::string, std::string> env;
  bool use_key = true;
  FakeKey key = kTestKey;
};

inline Result<std::unique_ptr<Session>> MakeTestSession(const FakeAws& fake, Clock& clock,
                                                        TestSessionOptions o = {}) {
  AwsSettings s;
  s.region = "us-east-1";
  s.endpoint_url = fake.url();
  s.timeout = o.timeout;
  s.max_attempts = o.max_attempts;
  s.seed = o.seed;
  std::map<std::string, std::string> env = o.env;
  env.emplace("HOME", "/nonexistent-prescale-test-home");
  if (o.use_key) {
    env["AWS_ACCESS_KEY_ID"] = o.key.access_key_id;
    env["AWS_SECRET_ACCESS_KEY"] = o.key.secret_access_key;
    if (!o.key.session_token.empty()) env["AWS_SESSION_TOKEN"] = o.key.session_token;
  }
  if (!env.count("AWS_EC2_METADATA_SERVICE_ENDPOINT")) env["AWS_EC2_METADATA_DISABLED"] = "true";
  return Session::Create(s, Environment::FromMap(env), DefaultTransport(), clock);
}

}  // namespace prescale::aws
