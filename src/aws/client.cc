#include "aws/client.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "aws/sigv4.h"
#include "core/text.h"

namespace prescale::aws {
namespace {

// PROTOCOL.md section 5 (botocore retries/standard.py and quota.py, 2026 constants).
constexpr int kQuotaCapacity = 500;
constexpr int kThrottlingRetryCost = 5;
constexpr int kRetryCost = 14;
constexpr int kNoRetryRefund = 1;
constexpr double kThrottlingBase_s = 1.0;
constexpr double kTransientBase_s = 0.05;
constexpr double kMaxBackoff_s = 20.0;
constexpr int kMaxAttemptsLimit = 10;

bool ValidRegion(std::string_view r) {
  if (r.empty() || r.size() > 40) return false;
  for (char c : r) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string OneLine(std::string_view s, std::size_t limit) {
  std::string out;
  for (char c : s) {
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (out.size() >= limit) return out + "...";
  }
  return out;
}

}  // namespace

Result<ResolvedConfig> ResolveConfig(const AwsSettings& s, const ServiceInfo& service,
                                     const Environment& env) {
  auto profile = LoadProfile(env, s.profile);
  if (!profile.ok()) return profile.status();
  ResolvedConfig c;
  // Region: config, AWS_REGION, AWS_DEFAULT_REGION, the profile.
  c.region = s.region;
  if (c.region.empty()) c.region = env.Get("AWS_REGION").value_or("");
  if (c.region.empty()) c.region = env.Get("AWS_DEFAULT_REGION").value_or("");
  if (c.region.empty()) c.region = profile->Get("region");
  if (c.region.empty()) {
    return Status::Error(
        "no AWS region: set 'region' in the config, or AWS_REGION, or region in "
        "profile '" +
        profile->name + "'");
  }
  if (!ValidRegion(c.region))
    return Status::Error("AWS region " + Quote(c.region) + " is not valid");

  // Endpoint: config, the service's variable, the global one, the profile, default
  // (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
  std::string url = s.endpoint_url;
  c.endpoint_from = "config";
  const bool ignore = env.IsTrue("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  const std::string service_var = "AWS_ENDPOINT_URL_" + std::string(service.endpoint_env);
  if (url.empty() && !ignore) {
    if (auto v = env.Get(service_var)) {
      url = *v, c.endpoint_from = service_var;
    } else if (auto g = env.Get("AWS_ENDPOINT_URL")) {
      url = *g, c.endpoint_from = "AWS_ENDPOINT_URL";
    } else if (std::string p = profile->Get("endpoint_url"); !p.empty()) {
      url = p, c.endpoint_from = "profile '" + profile->name + "' endpoint_url";
    }
  }
  if (url.empty()) {
    url = "https://" + std::string(service.signing_name) + "." + c.region + ".amazonaws.com" +
          (c.region.starts_with("cn-") ? ".cn" : "");
    c.endpoint_from = "default";
  }
  std::string error;
  if (!ParseEndpoint(url, &c.endpoint, &error)) {
    return Status::Error(std::string(service.name) + " endpoint (from " + c.endpoint_from +
                         "): " + error);
  }

  // Attempts: config, AWS_MAX_ATTEMPTS, the profile's max_attempts, 3.
  c.max_attempts = s.max_attempts;
  for (auto [text, from] : std::array<std::pair<std::string, const char*>, 2>{
           {{env.Get("AWS_MAX_ATTEMPTS").value_or(""), "AWS_MAX_ATTEMPTS"},
            {profile->Get("max_attempts"), "max_attempts in the profile"}}}) {
    if (c.max_attempts > 0 || text.empty()) continue;
    int n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size() || n < 1 || n > kMaxAttemptsLimit) {
      return Status::Error(std::string(from) + " must be an integer in [1, 10], got " +
                           Quote(text));
    }
    c.max_attempts = n;
  }
  if (c.max_attempts <= 0) c.max_attempts = 3;
  return c;
}

std::string AwsError::ToString() const {
  std::string out = operation.empty() ? "" : operation + ": ";
  if (http_status == 0) {
    out += message;
  } else {
    out += (code.empty() ? "error" : code) + (message.empty() ? "" : ": " + message) + " (HTTP " +
           std::to_string(http_status);
    if (!request_id.empty()) out += ", request id " + request_id;
    out += ")";
  }
  if (attempts > 1) out += " after " + std::to_string(attempts) + " attempts";
  return out + note;
}

bool IsThrottlingCode(std::string_view code) {
  static constexpr std::string_view kCodes[] = {"Throttling",
                                                "ThrottlingException",
                                                "ThrottledException",
                                                "RequestThrottledException",
                                                "TooManyRequestsException",
                                                "ProvisionedThroughputExceededException",
                                                "TransactionInProgressException",
                                                "RequestLimitExceeded",
                                                "BandwidthLimitExceeded",
                                                "LimitExceededException",
                                                "RequestThrottled",
                                                "SlowDown",
                                                "PriorRequestNotComplete",
                                                "EC2ThrottledException"};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

bool IsTransientCode(std::string_view code) {
  return code == "RequestTimeout" || code == "RequestTimeoutException" ||
         code == "PriorRequestNotComplete";
}

bool IsExpiredCredentialsCode(std::string_view code) {
  return code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired";
}

AwsError ParseErrorAnswer(int http_status, std::string_view body) {
  AwsError e;
  e.http_status = http_status;
  auto xml = ParseXml(body);
  if (xml.ok()) {
    // awsQuery: <ErrorResponse><Error>..</Error><RequestId/></ErrorResponse>;
    // EC2: <Response><Errors><Error>..</Error></Errors><RequestID/></Response>.
    const XmlNode* error = xml->Child("Error");
    if (error == nullptr) error = xml->Find({"Errors", "Error"});
    if (error != nullptr) {
      e.code = error->ChildText("Code").value_or("");
      e.message = error->ChildText("Message").value_or("");
    }
    e.request_id = xml->ChildText("RequestId").value_or(xml->ChildText("RequestID").value_or(""));
  }
  if (e.code.empty()) {
    e.code = "HTTP" + std::to_string(http_status);
    if (e.message.empty() && !body.empty()) e.message = "answer " + Quote(OneLine(body, 200), 200);
  }
  e.message = OneLine(e.message, 300);
  return e;
}

std::string FormBody(std::string_view action, std::string_view version, const QueryParams& params) {
  std::string body = "Action=" + UriEncode(action) + "&Version=" + UriEncode(version);
  for (const auto& [k, v] : params)
    body.append("&").append(UriEncode(k)).append("=").append(UriEncode(v));
  return body;
}

QueryClient::QueryClient(const ServiceInfo& service, ResolvedConfig config, Duration timeout,
                         CredentialChain& credentials, HttpTransport& transport, Clock& clock,
                         std::uint64_t seed)
    : service_(service),
      config_(std::move(config)),
      timeout_(timeout),
      credentials_(credentials),
      transport_(transport),
      clock_(clock),
      rng_(seed != 0 ? seed : std::random_device{}()),
      quota_(kQuotaCapacity) {}

CallOutcome QueryClient::Attempt(const std::string& body, bool* retryable, bool* ambiguous,
                                 bool* throttled, bool* expired) {
  *retryable = *ambiguous = *throttled = *expired = false;
  CallOutcome out;
  auto creds = credentials_.Get(clock_.Now());
  if (!creds.ok()) {
    out.error.message = creds.status().message();
    return out;
  }
  HttpRequest req;
  req.method = "POST";
  req.scheme = config_.endpoint.scheme;
  req.host = config_.endpoint.host;
  req.body = body;
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  SignRequest(req, *creds, SigningScope{config_.region, std::string(service_.signing_name)},
              clock_.Now());
  HttpOutcome got = transport_.Send(req, timeout_);
  if (!got.ok()) {
    out.error.transport = got.failure;
    const bool timeout = got.failure == TransportFailure::kTimeout;
    out.error.message = timeout ? "no answer within " + FormatNumber(timeout_.count()) + " s (" +
                                      config_.endpoint.Url() + ")"
                                : got.error;
    *retryable = got.failure != TransportFailure::kOther;
    *ambiguous =
        got.failure == TransportFailure::kTimeout || got.failure == TransportFailure::kBrokenAnswer;
    return out;
  }
  const HttpResponse& res = got.response;
  if (res.status >= 200 && res.status < 300) {
    auto xml = ParseXml(res.body);
    if (xml.ok()) {
      out.body = std::move(*xml);
      return out;
    }
    out.error.http_status = res.status;
    out.error.code = "MalformedAnswer";
    out.error.message = xml.status().message();
    return out;
  }
  out.error = ParseErrorAnswer(res.status, res.body);
  const std::string& code = out.error.code;
  *throttled = IsThrottlingCode(code);
  *expired = IsExpiredCredentialsCode(code);
  const bool server =
      res.status == 500 || res.status == 502 || res.status == 503 || res.status == 504;
  *retryable = *throttled || IsTransientCode(code) || server;
  // A throttled request was refused before it ran; a 5xx may have run.
  *ambiguous = server && !*throttled;
  return out;
}

CallOutcome QueryClient::Call(std::string_view action, const QueryParams& params,
                              const CallOptions& options) {
  const std::string body = FormBody(action, service_.version, params);
  const std::string where = std::string(service_.name) + " " + std::string(action);
  bool refreshed = false;
  int last_cost = 0;
  for (int attempt = 1;; ++attempt) {
    bool retryable, ambiguous, throttled, expired;
    CallOutcome out = Attempt(body, &retryable, &ambiguous, &throttled, &expired);
    out.attempts = attempt;
    if (out.ok()) {
      quota_ = std::min(kQuotaCapacity, quota_ + (attempt == 1 ? kNoRetryRefund : last_cost));
      return out;
    }
    // Expired credentials: drop them and try once more with fresh ones (no backoff;
    // the request was refused, not run).
    if (expired && !refreshed) {
      refreshed = true;
      credentials_.Invalidate();
      if (attempt < config_.max_attempts + 1) continue;
    }
    const int cost = throttled ? kThrottlingRetryCost : kRetryCost;
    if (!retryable || attempt >= config_.max_attempts || quota_ < cost) {
      if (retryable && quota_ < cost) out.error.note = " (retry quota exhausted)";
      out.error.operation = where;
      out.error.attempts = attempt;
      return out;
    }
    quota_ -= cost;
    last_cost = cost;
    // Full jitter (PROTOCOL.md section 5).
    const double base = throttled ? kThrottlingBase_s : kTransientBase_s;
    const double cap = std::min(base * std::pow(2.0, attempt - 1), kMaxBackoff_s);
    const double delay = std::uniform_real_distribution<double>(0.0, 1.0)(rng_) * cap;
    clock_.SleepUntil(clock_.Now() + Duration(delay));
    slept_ += Duration(delay);
    if (ambiguous && options.verify && options.verify()) {
      out.verified = true;
      out.error = AwsError{};
      return out;
    }
  }
}

}  // namespace prescale::aws
