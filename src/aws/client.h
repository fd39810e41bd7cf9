// The AWS Query protocol client (PROTOCOL.md sections 1 and 5) shared by Auto
// Scaling and CloudWatch:
//
//   - a call is a form-encoded POST of Action, Version and the parameters, signed
//     with SigV4 with credentials from the chain;
//   - an answer is XML; an error answer is <ErrorResponse><Error><Code>, <Message>
//     and a sibling <RequestId> (EC2's <Response><Errors> shape is accepted too);
//   - retries follow the SDKs' standard mode with the 2026 constants that
//     PROTOCOL.md recommends: up to max_attempts tries in all; throttling codes,
//     transient codes, HTTP 500/502/503/504, timeouts and failed connections are
//     retried after rand(0,1) * min(base * 2^(n-1), 20 s), base 1 s for throttling
//     and 50 ms otherwise; a retry quota of 500 tokens (5 per throttling retry, 14
//     for others) stops retry storms. Auto Scaling's LimitExceeded and every other
//     client error are not retried. An expired-token answer drops the cached
//     credentials and tries once more with fresh ones.
//
// Time and sleeping between retries go through the injected Clock, and the jitter
// comes from a seeded generator, so tests neither wait nor vary. Messages carry the
// service, action, code, message and request id, never a credential.
// Thread safety: one client per thread (as the Actuator and MetricSource using it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/xml.h"
#include "prescale/clock.h"
#include "prescale/status.h"

namespace prescale::aws {

struct ServiceInfo {
  std::string_view name;          // "Auto Scaling", for messages
  std::string_view signing_name;  // SigV4 service and endpoint prefix
  std::string_view version;       // the Query API version
  std::string_view endpoint_env;  // AWS_ENDPOINT_URL_<this>
};
inline constexpr ServiceInfo kAutoScaling{"Auto Scaling", "autoscaling", "2011-01-01",
                                          "AUTO_SCALING"};
inline constexpr ServiceInfo kCloudWatch{"CloudWatch", "monitoring", "2010-08-01", "CLOUDWATCH"};

// What a config block may set (the rest comes from the environment and profile).
struct AwsSettings {
  std::string region;        // empty: AWS_REGION, AWS_DEFAULT_REGION, the profile's
  std::string endpoint_url;  // empty: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, profile
  std::string profile;       // empty: AWS_PROFILE or "default"
  Duration timeout{3};       // per attempt
  int max_attempts = 0;      // 0: AWS_MAX_ATTEMPTS, the profile's max_attempts, else 3
  std::uint64_t seed = 0;    // jitter; 0 draws one from the OS
};

struct ResolvedConfig {
  std::string region;
  Endpoint endpoint;
  std::string endpoint_from;  // "config", "AWS_ENDPOINT_URL_AUTO_SCALING", "default", ...
  int max_attempts = 3;
};

// Region, endpoint and attempts for `service`, in the SDKs' order of precedence
// (config, then service variable, global variable, profile, default).
Result<ResolvedConfig> ResolveConfig(const AwsSettings& settings, const ServiceInfo& service,
                                     const Environment& env);

// Why a call failed.
struct AwsError {
  std::string code;  // AWS's error code; "" when there was no HTTP answer
  std::string message;
  std::string request_id;  // "" when unknown
  int http_status = 0;     // 0: no HTTP answer (see transport)
  TransportFailure transport = TransportFailure::kNone;
  std::string operation;  // "Auto Scaling SetDesiredCapacity"
  int attempts = 1;
  std::string note;  // " (retry quota exhausted)"
  // "Auto Scaling SetDesiredCapacity: Throttling: Rate exceeded (HTTP 400, request id
  // ...) after 3 attempts"
  std::string ToString() const;
};

// Throttling and transient codes of PROTOCOL.md section 5.
bool IsThrottlingCode(std::string_view code);
bool IsTransientCode(std::string_view code);
bool IsExpiredCredentialsCode(std::string_view code);

// Reads an error answer's body; `http_status` fills in when the body is not XML.
AwsError ParseErrorAnswer(int http_status, std::string_view body);

struct CallOutcome {
  std::optional<XmlNode> body;  // the answer's root element on success
  AwsError error;               // when !ok()
  int attempts = 0;
  bool verified = false;  // success established by CallOptions::verify, not an answer
  bool ok() const { return body.has_value() || verified; }
};

struct CallOptions {
  // For calls that change something: asked before retrying a failure after which
  // the request may have been applied (a timeout, a broken answer, a 5xx). True
  // means it was, and the call succeeds without sending it again.
  std::function<bool()> verify;
};

// Query parameters in order; values unencoded.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The form body: Action=..&Version=..&k=v.., encoded with SigV4's unreserved set.
std::string FormBody(std::string_view action, std::string_view version, const QueryParams& params);

class QueryClient {
 public:
  // `credentials`, `transport` and `clock` must outlive the client.
  QueryClient(const ServiceInfo& service, ResolvedConfig config, Duration timeout,
              CredentialChain& credentials, HttpTransport& transport, Clock& clock,
              std::uint64_t seed);

  CallOutcome Call(std::string_view action, const QueryParams& params,
                   const CallOptions& options = {});

  const ResolvedConfig& config() const { return config_; }
  int retry_quota() const { return quota_; }
  // Total time slept between retries, for tests and counters.
  Duration slept() const { return slept_; }

 private:
  // One attempt; `retryable`/`ambiguous` say what may follow a failure.
  CallOutcome Attempt(const std::string& body, bool* retryable, bool* ambiguous, bool* throttled,
                      bool* expired);

  ServiceInfo service_;
  ResolvedConfig config_;
  Duration timeout_;
  CredentialChain& credentials_;
  HttpTransport& transport_;
  Clock& clock_;
  std::mt19937_64 rng_;
  int quota_;
  Duration slept_{0};
};

}  // namespace prescale::aws
