// Session: what the cloudwatch source and the aws-asg actuator share to talk to AWS:
// the settings of their config block, the credential chain and one Query client per
// service. Building one reads the environment and the shared config files but makes
// no network call, so `prescale validate` stays offline; credentials are fetched on
// the first call.
#pragma once

#include <memory>
#include <string>

#include "aws/autoscaling.h"
#include "aws/client.h"
#include "aws/cloudwatch.h"
#include "aws/credentials.h"
#include "prescale/params.h"

namespace prescale::aws {

// Reads the config keys every AWS plugin takes (docs/configuration.md): region,
// endpoint_url, profile, timeout_s, max_attempts, retry_seed. Errors go to `r`.
AwsSettings ReadAwsSettings(ParamReader& r);

class Session {
 public:
  // `transport` and `clock` must outlive the session.
  static Result<std::unique_ptr<Session>> Create(const AwsSettings& settings,
                                                 const Environment& env, HttpTransport& transport,
                                                 Clock& clock);

  AutoScalingApi& autoscaling() { return autoscaling_api_; }
  CloudWatchApi& cloudwatch() { return cloudwatch_api_; }
  CredentialChain& credentials() { return *credentials_; }
  QueryClient& autoscaling_client() { return autoscaling_client_; }
  QueryClient& cloudwatch_client() { return cloudwatch_client_; }

 private:
  Session(std::unique_ptr<CredentialChain> chain, ResolvedConfig as, ResolvedConfig cw,
          const AwsSettings& s, HttpTransport& transport, Clock& clock);
  std::unique_ptr<CredentialChain> credentials_;
  QueryClient autoscaling_client_;
  QueryClient cloudwatch_client_;
  AutoScalingApi autoscaling_api_;
  CloudWatchApi cloudwatch_api_;
};

}  // namespace prescale::aws
