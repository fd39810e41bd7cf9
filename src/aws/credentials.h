// AWS credentials and where they come from: the SDKs' default chain, reduced to what
// a daemon on EC2 needs (PROTOCOL.md section 3):
//
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. the shared files: ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
//      AWS_CONFIG_FILE), profile AWS_PROFILE or "default"; the credentials file wins
//      for a key set in both;
//   3. EC2 instance metadata (IMDSv2, section 4): a session token PUT, then the
//      role's temporary credentials, refreshed ahead of their Expiration.
//
// The first provider that has credentials is used from then on, as the SDKs do.
// Secrets live in Secret, which has no conversion to text: a secret can only be
// read through Reveal(), which only the signer calls, so it cannot reach a log line,
// an error message or the API by accident. Errors name the variable, file or URL,
// never a value.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aws/http.h"
#include "prescale/clock.h"
#include "prescale/status.h"

namespace prescale::aws {

// A secret value: no operator<<, no implicit conversion to string.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  // For the signer only.
  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const Secret& other) const = default;

 private:
  std::string value_;
};

struct Credentials {
  std::string access_key_id;  // not secret (it appears in every Authorization header)
  Secret secret_access_key;
  Secret session_token;                 // empty for long-term keys
  std::optional<TimePoint> expiration;  // temporary credentials only
  std::string source;  // for messages: "environment", "profile 'dev'", "IMDS role 'r'"
};

// The process environment, or a fixed map in tests.
class Environment {
 public:
  using Lookup = std::function<std::optional<std::string>(std::string_view)>;
  explicit Environment(Lookup lookup) : lookup_(std::move(lookup)) {}
  static Environment Process();
  static Environment FromMap(std::map<std::string, std::string> values);

  // nullopt when unset; an empty value counts as unset, as the SDKs treat it.
  std::optional<std::string> Get(std::string_view name) const;
  bool IsTrue(std::string_view name) const;

 private:
  Lookup lookup_;
};

// One profile's settings from the shared files (keys lowercased). `credentials`
// from the credentials file's [name], `config` from the config file's [profile name]
// ([default] for "default").
struct ProfileSettings {
  std::string name;
  bool found = false;  // in either file
  std::map<std::string, std::string> credentials;
  std::map<std::string, std::string> config;
  // The credentials file's value, else the config file's, else "".
  std::string Get(const std::string& key) const;
};

// Parses an AWS shared config/credentials file (INI). `config_style`: sections are
// "[profile NAME]" (and "[default]"); otherwise "[NAME]". Indented lines (nested
// settings such as "s3 =\n  max_concurrent_requests = 10") are skipped. Lines
// that are neither section, key = value, comment nor blank are errors with the line.
Result<std::map<std::string, std::map<std::string, std::string>>> ParseSharedFile(
    std::string_view text, bool config_style, const std::string& file_name);

// Reads the profile `name` (empty: AWS_PROFILE, else "default") from the files the
// environment points at. Missing files are not errors; unreadable or garbled ones are.
Result<ProfileSettings> LoadProfile(const Environment& env, const std::string& name);

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // nullopt: this provider has nothing (the chain goes on); an error: it should
  // have had credentials but could not get them.
  virtual Result<std::optional<Credentials>> Fetch(TimePoint now) = 0;
};

std::unique_ptr<CredentialProvider> MakeEnvironmentProvider(const Environment& env);
std::unique_ptr<CredentialProvider> MakeProfileProvider(ProfileSettings profile);

struct ImdsOptions {
  // "http://169.254.169.254" (AWS_EC2_METADATA_SERVICE_ENDPOINT, or
  // http://[fd00:ec2::254] with AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6).
  std::string endpoint = "http://169.254.169.254";
  Duration timeout{1};      // per request (botocore's DEFAULT_METADATA_SERVICE_TIMEOUT)
  bool v1_fallback = true;  // false with AWS_EC2_METADATA_V1_DISABLED=true
  int token_ttl_s = 21600;  // the session token's lifetime asked for
  static ImdsOptions FromEnvironment(const Environment& env);
};

// IMDSv2: PUT /latest/api/token, then GET .../iam/security-credentials/[role] with
// the token. Fallback to IMDSv1 (no token) when the PUT answers 403, 404 or 405 or
// times out, unless v1_fallback is off; a 400 stops. A GET answered 401 (token
// expired) gets a new token once. Not reachable at all: an error saying so.
// `clock` times the token's own expiry. Thread-safe through the chain's lock.
std::unique_ptr<CredentialProvider> MakeImdsProvider(ImdsOptions options, HttpTransport& transport,
                                                     const Clock& clock);

// Temporary credentials are refreshed this long before their Expiration (EC2 has
// new role credentials ready at least 5 minutes before the old ones expire).
inline constexpr Duration kRefreshAhead{300};
// When a refresh gave back the same not-yet-rotated credentials, try again after this.
inline constexpr Duration kRefreshRetry{30};

// The chain: providers in order, the first that answers is kept. Thread-safe.
class CredentialChain {
 public:
  CredentialChain(std::vector<std::unique_ptr<CredentialProvider>> providers,
                  std::string description);
  // The standard chain for `env`: environment, profile `profile` (empty: AWS_PROFILE
  // or "default"), IMDS (unless AWS_EC2_METADATA_DISABLED=true).
  static Result<std::unique_ptr<CredentialChain>> Default(const Environment& env,
                                                          const std::string& profile,
                                                          HttpTransport& transport,
                                                          const Clock& clock);

  // Cached credentials, refreshed when they are within kRefreshAhead of expiring.
  // A failed refresh keeps credentials that have not expired yet.
  Result<Credentials> Get(TimePoint now);
  // Drops the cache: AWS said the credentials expired (ExpiredToken).
  void Invalidate();
  std::int64_t fetches() const;  // how many times a provider was asked

 private:
  Result<Credentials> FetchLocked(TimePoint now);
  std::vector<std::unique_ptr<CredentialProvider>> providers_;
  std::string description_;  // "environment, profile 'default', IMDS" for messages
  mutable std::mutex mu_;
  std::optional<Credentials> cached_;
  CredentialProvider* chosen_ = nullptr;
  TimePoint next_refresh_;
  std::int64_t fetches_ = 0;
};

}  // namespace prescale::aws
