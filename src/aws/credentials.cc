#include "aws/credentials.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/time_format.h"
#include "core/text.h"

namespace prescale::aws {
namespace {

std::string Trim(std::string_view s) {
  std::size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string_view::npos) return "";
  std::size_t b = s.find_last_not_of(" \t\r");
  return std::string(s.substr(a, b - a + 1));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string HomeFile(const Environment& env, const char* var, const char* leaf) {
  if (auto v = env.Get(var)) return *v;
  const std::string home = env.Get("HOME").value_or("");
  return home + "/.aws/" + leaf;
}

// Reads `path`; nullopt when it does not exist.
Result<std::optional<std::string>> ReadOptionalFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::optional<std::string>(ss.str());
}

class EnvironmentProvider final : public CredentialProvider {
 public:
  explicit EnvironmentProvider(const Environment& env) : env_(env) {}
  Result<std::optional<Credentials>> Fetch(TimePoint) override {
    auto id = env_.Get("AWS_ACCESS_KEY_ID");
    auto secret = env_.Get("AWS_SECRET_ACCESS_KEY");
    if (!id && !secret) return std::optional<Credentials>();
    if (!id || !secret) {
      return Status::Error(std::string("environment has ") +
                           (id ? "AWS_ACCESS_KEY_ID but not AWS_SECRET_ACCESS_KEY"
                               : "AWS_SECRET_ACCESS_KEY but not AWS_ACCESS_KEY_ID"));
    }
    Credentials c;
    c.access_key_id = *id;
    c.secret_access_key = Secret(*secret);
    c.session_token = Secret(env_.Get("AWS_SESSION_TOKEN").value_or(""));
    c.source = "environment";
    return std::optional<Credentials>(std::move(c));
  }

 private:
  Environment env_;
};

class ProfileProvider final : public CredentialProvider {
 public:
  explicit ProfileProvider(ProfileSettings p) : p_(std::move(p)) {}
  Result<std::optional<Credentials>> Fetch(TimePoint) override {
    const std::string id = p_.Get("aws_access_key_id");
    const std::string secret = p_.Get("aws_secret_access_key");
    if (id.empty() && secret.empty()) {
      if (!p_.Get("credential_process").empty() || !p_.Get("sso_start_url").empty() ||
          !p_.Get("sso_session").empty() || !p_.Get("role_arn").empty()) {
        return Status::Error("profile '" + p_.name +
                             "' uses credential_process, SSO or role_arn, which prescale does "
                             "not support; give it keys, or use the environment or an instance "
                             "role");
      }
      return std::optional<Credentials>();
    }
    if (id.empty() || secret.empty()) {
      return Status::Error("profile '" + p_.name + "' has " +
                           (id.empty() ? "aws_secret_access_key but no aws_access_key_id"
                                       : "aws_access_key_id but no aws_secret_access_key"));
    }
    Credentials c;
    c.access_key_id = id;
    c.secret_access_key = Secret(secret);
    c.session_token = Secret(p_.Get("aws_session_token"));
    c.source = "profile '" + p_.name + "'";
    return std::optional<Credentials>(std::move(c));
  }

 private:
  ProfileSettings p_;
};

class ImdsProvider final : public CredentialProvider {
 public:
  ImdsProvider(ImdsOptions options, HttpTransport& transport, const Clock& clock)
      : options_(std::move(options)), transport_(transport), clock_(clock) {
    std::string error;
    endpoint_ok_ = ParseEndpoint(options_.endpoint, &endpoint_, &error);
    endpoint_error_ = error;
  }

  Result<std::optional<Credentials>> Fetch(TimePoint) override {
    if (!endpoint_ok_) return Status::Error("IMDS endpoint: " + endpoint_error_);
    // 1. The role name, then 2. its credentials, both with the session token.
    auto role = Get("/latest/meta-data/iam/security-credentials/");
    if (!role.ok()) return role.status();
    std::string name = Trim(*role);
    if (std::size_t nl = name.find('\n'); nl != std::string::npos) name = Trim(name.substr(0, nl));
    if (name.empty()) return Status::Error("IMDS: the instance has no IAM role attached");
    auto body = Get("/latest/meta-data/iam/security-credentials/" + name);
    if (!body.ok()) return body.status();
    return Parse(*body, name);
  }

 private:
  // A GET with the token (IMDSv2) or without (IMDSv1 fallback).
  Result<std::string> Get(const std::string& path) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto token = Token();
      if (!token.ok()) return token.status();
      HttpRequest req;
      req.method = "GET";
      req.scheme = endpoint_.scheme;
      req.host = endpoint_.host;
      req.path = path;
      if (!token->empty()) req.headers.emplace_back("X-aws-ec2-metadata-token", *token);
      HttpOutcome out = transport_.Send(req, options_.timeout);
      if (!out.ok()) return Status::Error("IMDS " + path + ": " + out.error);
      if (out.response.status == 401 && attempt == 0) {
        token_.reset();  // expired or invalid: one new token, one more try
        continue;
      }
      if (out.response.status != 200) {
        return Status::Error("IMDS " + path + " answered HTTP " +
                             std::to_string(out.response.status));
      }
      if (out.response.body.empty()) return Status::Error("IMDS " + path + " answered nothing");
      return out.response.body;
    }
    return Status::Error("IMDS " + path + " answered HTTP 401 with a fresh token");
  }

  // The session token: "" means IMDSv1 (no header).
  Result<std::string> Token() {
    const TimePoint now = clock_.Now();
    if (token_ && now < token_expiry_) return *token_;
    HttpRequest req;
    req.method = "PUT";
    req.scheme = endpoint_.scheme;
    req.host = endpoint_.host;
    req.path = "/latest/api/token";
    req.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds",
                             std::to_string(options_.token_ttl_s));
    HttpOutcome out = transport_.Send(req, options_.timeout);
    const std::string v1 = options_.v1_fallback ? "" : " (IMDSv1 fallback is disabled)";
    if (!out.ok()) {
      if (out.failure == TransportFailure::kConnect) {
        return Status::Error("IMDS at " + endpoint_.Url() +
                             " is not reachable (not on EC2?): " + out.error);
      }
      // A read timeout means no token (botocore's IMDSFetcher): IMDSv1 may still work.
      if (!options_.v1_fallback) return Status::Error("IMDS token: " + out.error + v1);
      return std::string();
    }
    const int status = out.response.status;
    if (status == 200 && !out.response.body.empty()) {
      token_ = Trim(out.response.body);
      // Renewed a minute early so that a token never expires between PUT and GET.
      token_expiry_ = now + Duration(std::max(1, options_.token_ttl_s - 60));
      return *token_;
    }
    if (status == 403 || status == 404 || status == 405) {
      if (!options_.v1_fallback) {
        return Status::Error("IMDS token PUT answered HTTP " + std::to_string(status) + v1);
      }
      return std::string();
    }
    return Status::Error("IMDS token PUT answered HTTP " + std::to_string(status));
  }

  Result<std::optional<Credentials>> Parse(const std::string& body, const std::string& role) {
    const std::string where = "IMDS credentials of role '" + role + "'";
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::Error(where + " are not JSON");
    auto text = [&j](const char* key) -> std::string {
      auto it = j.find(key);
      return it != j.end() && it->is_string() ? it->get<std::string>() : "";
    };
    if (const std::string code = text("Code"); !code.empty() && code != "Success") {
      // e.g. the role does not trust ec2.amazonaws.com; the message holds no secret.
      return Status::Error(where + ": " + code + ": " + Quote(text("Message"), 200));
    }
    Credentials c;
    c.access_key_id = text("AccessKeyId");
    c.secret_access_key = Secret(text("SecretAccessKey"));
    c.session_token = Secret(text("Token"));
    const std::string expiration = text("Expiration");
    if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty() ||
        expiration.empty()) {
      return Status::Error(where + " lack AccessKeyId, SecretAccessKey, Token or Expiration");
    }
    auto exp = ParseIsoTime(expiration);
    if (!exp) return Status::Error(where + ": Expiration " + Quote(expiration) + " is not a time");
    c.expiration = *exp;
    c.source = "IMDS role '" + role + "'";
    return std::optional<Credentials>(std::move(c));
  }

  ImdsOptions options_;
  HttpTransport& transport_;
  const Clock& clock_;
  Endpoint endpoint_;
  bool endpoint_ok_ = false;
  std::string endpoint_error_;
  std::optional<std::string> token_;
  TimePoint token_expiry_;
};

}  // namespace

Environment Environment::Process() {
  return Environment([](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  });
}

Environment Environment::FromMap(std::map<std::string, std::string> values) {
  return Environment(
      [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
      });
}

std::optional<std::string> Environment::Get(std::string_view name) const {
  auto v = lookup_(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool Environment::IsTrue(std::string_view name) const {
  auto v = Get(name);
  return v && Lower(Trim(*v)) == "true";
}

std::string ProfileSettings::Get(const std::string& key) const {
  if (auto it = credentials.find(key); it != credentials.end()) return it->second;
  if (auto it = config.find(key); it != config.end()) return it->second;
  return "";
}

Result<std::map<std::string, std::map<std::string, std::string>>> ParseSharedFile(
    std::string_view text, bool config_style, const std::string& file_name) {
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::map<std::string, std::string>* current = nullptr;
  int line_no = 0;
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(i, nl - i);
    i = nl + 1;
    ++line_no;
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      if (nl == text.size()) break;
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') {
        return Status::Error(file_name + ":" + std::to_string(line_no) + ": section header " +
                             "without ']'");
      }
      std::string name = Trim(line.substr(1, line.size() - 2));
      if (config_style && name != "default") {
        if (name.rfind("profile ", 0) == 0) {
          name = Trim(name.substr(8));
        } else {
          name = "";  // [sso-session x], [services x]: not profiles
        }
      }
      current = name.empty() ? nullptr : &sections[name];
    } else if (raw.front() == ' ' || raw.front() == '\t') {
      // A nested setting under "key =": not one prescale reads.
    } else {
      std::size_t eq = line.find('=');
      if (eq == std::string::npos) {
        return Status::Error(file_name + ":" + std::to_string(line_no) +
                             ": expected 'key = value' or '[section]'");
      }
      if (current) (*current)[Lower(Trim(line.substr(0, eq)))] = Trim(line.substr(eq + 1));
    }
    if (nl == text.size()) break;
  }
  return sections;
}

Result<ProfileSettings> LoadProfile(const Environment& env, const std::string& name) {
  ProfileSettings p;
  p.name = !name.empty() ? name : env.Get("AWS_PROFILE").value_or("default");
  const struct {
    std::string path;
    bool config_style;
    std::map<std::string, std::string>* into;
  } files[] = {
      {HomeFile(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"), false, &p.credentials},
      {HomeFile(env, "AWS_CONFIG_FILE", "config"), true, &p.config},
  };
  for (const auto& f : files) {
    auto text = ReadOptionalFile(f.path);
    if (!text.ok()) return text.status();
    if (!text->has_value()) continue;
    auto sections = ParseSharedFile(**text, f.config_style, f.path);
    if (!sections.ok()) return sections.status();
    if (auto it = sections->find(p.name); it != sections->end()) {
      *f.into = it->second;
      p.found = true;
    }
  }
  return p;
}

std::unique_ptr<CredentialProvider> MakeEnvironmentProvider(const Environment& env) {
  return std::make_unique<EnvironmentProvider>(env);
}

std::unique_ptr<CredentialProvider> MakeProfileProvider(ProfileSettings profile) {
  return std::make_unique<ProfileProvider>(std::move(profile));
}

ImdsOptions ImdsOptions::FromEnvironment(const Environment& env) {
  ImdsOptions o;
  if (auto mode = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
      mode && Lower(*mode) == "ipv6") {
    o.endpoint = "http://[fd00:ec2::254]";
  }
  if (auto ep = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    o.endpoint = *ep;
    while (o.endpoint.size() > 8 && o.endpoint.back() == '/') o.endpoint.pop_back();
  }
  o.v1_fallback = !env.IsTrue("AWS_EC2_METADATA_V1_DISABLED");
  return o;
}

std::unique_ptr<CredentialProvider> MakeImdsProvider(ImdsOptions options, HttpTransport& transport,
                                                     const Clock& clock) {
  return std::make_unique<ImdsProvider>(std::move(options), transport, clock);
}

CredentialChain::CredentialChain(std::vector<std::unique_ptr<CredentialProvider>> providers,
                                 std::string description)
    : providers_(std::move(providers)), description_(std::move(description)) {}

Result<std::unique_ptr<CredentialChain>> CredentialChain::Default(const Environment& env,
                                                                  const std::string& profile,
                                                                  HttpTransport& transport,
                                                                  const Clock& clock) {
  auto settings = LoadProfile(env, profile);
  if (!settings.ok()) return settings.status();
  const bool named = !profile.empty() || env.Get("AWS_PROFILE").has_value();
  if (named && !settings->found) {
    return Status::Error("profile '" + settings->name + "' is in neither " +
                         HomeFile(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials") + " nor " +
                         HomeFile(env, "AWS_CONFIG_FILE", "config"));
  }
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  std::string description = "environment, profile '" + settings->name + "'";
  providers.push_back(MakeEnvironmentProvider(env));
  providers.push_back(MakeProfileProvider(*settings));
  if (!env.IsTrue("AWS_EC2_METADATA_DISABLED")) {
    providers.push_back(MakeImdsProvider(ImdsOptions::FromEnvironment(env), transport, clock));
    description += ", IMDS";
  }
  return std::make_unique<CredentialChain>(std::move(providers), description);
}

Result<Credentials> CredentialChain::FetchLocked(TimePoint now) {
  std::string errors;
  for (auto& p : providers_) {
    if (chosen_ && p.get() != chosen_) continue;
    ++fetches_;
    auto got = p->Fetch(now);
    if (!got.ok()) {
      // An error stops the chain: a provider that is configured but broken must not
      // silently hand over to the next (the SDKs do the same).
      return got.status();
    }
    if (got->has_value()) {
      chosen_ = p.get();
      return std::move(**got);
    }
  }
  if (chosen_) return Status::Error("credentials from the chosen provider are gone");
  return Status::Error("no AWS credentials found (looked at " + description_ + ")");
}

Result<Credentials> CredentialChain::Get(TimePoint now) {
  std::lock_guard lock(mu_);
  if (cached_ && (!cached_->expiration || now < next_refresh_)) return *cached_;
  auto fresh = FetchLocked(now);
  if (!fresh.ok()) {
    if (cached_ && cached_->expiration && now < *cached_->expiration) {
      next_refresh_ = now + kRefreshRetry;
      return *cached_;  // still valid: use them while the refresh keeps failing
    }
    cached_.reset();
    return fresh.status().WithContext("AWS credentials");
  }
  if (fresh->expiration) {
    if (now >= *fresh->expiration) {
      cached_.reset();
      return Status::Error("AWS credentials from " + fresh->source + " expired at " +
                           FormatIsoTime(*fresh->expiration));
    }
    next_refresh_ = *fresh->expiration - kRefreshAhead;
    // Not rotated yet (EC2 rotates at least 5 minutes ahead): look again shortly.
    if (next_refresh_ <= now) next_refresh_ = std::min(now + kRefreshRetry, *fresh->expiration);
  }
  cached_ = std::move(*fresh);
  return *cached_;
}

void CredentialChain::Invalidate() {
  std::lock_guard lock(mu_);
  cached_.reset();
}

std::int64_t CredentialChain::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

}  // namespace prescale::aws
