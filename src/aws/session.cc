#include "aws/session.h"

namespace prescale::aws {

AwsSettings ReadAwsSettings(ParamReader& r) {
  AwsSettings s;
  s.region = r.Text("region", "");
  s.endpoint_url = r.Text("endpoint_url", "");
  s.profile = r.Text("profile", "");
  s.timeout = Duration(r.NumberIn("timeout_s", s.timeout.count(), 0.01, 120));
  s.max_attempts = r.IntegerIn("max_attempts", 0, 0, 10);
  s.seed = static_cast<std::uint64_t>(r.IntegerIn("retry_seed", 0, 0, 1 << 30));
  return s;
}

Result<std::unique_ptr<Session>> Session::Create(const AwsSettings& settings,
                                                 const Environment& env, HttpTransport& transport,
                                                 Clock& clock) {
  auto as = ResolveConfig(settings, kAutoScaling, env);
  if (!as.ok()) return as.status();
  auto cw = ResolveConfig(settings, kCloudWatch, env);
  if (!cw.ok()) return cw.status();
  auto chain = CredentialChain::Default(env, settings.profile, transport, clock);
  if (!chain.ok()) return chain.status();
  return std::unique_ptr<Session>(
      new Session(std::move(*chain), std::move(*as), std::move(*cw), settings, transport, clock));
}

Session::Session(std::unique_ptr<CredentialChain> chain, ResolvedConfig as, ResolvedConfig cw,
                 const AwsSettings& s, HttpTransport& transport, Clock& clock)
    : credentials_(std::move(chain)),
      autoscaling_client_(kAutoScaling, std::move(as), s.timeout, *credentials_, transport, clock,
                          s.seed),
      cloudwatch_client_(kCloudWatch, std::move(cw), s.timeout, *credentials_, transport, clock,
                         s.seed == 0 ? 0 : s.seed + 1),
      autoscaling_api_(autoscaling_client_),
      cloudwatch_api_(cloudwatch_client_) {}

}  // namespace prescale::aws
