// FakeImds: EC2 instance metadata on loopback, for the credential tests:
//   PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds -> a token
//       (400 without the header, 403 with X-Forwarded-For, as IMDS does);
//   GET /latest/meta-data/iam/security-credentials/[role] -> the role, then its
//       credentials as JSON; 401 without a valid token unless IMDSv1 is allowed.
// Rotate() replaces the role's credentials (as EC2 does before they expire), and
// ExpireTokens() makes every issued token invalid. Thread-safe.
#pragma once

#include <httplib.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "prescale/clock.h"

namespace prescale::aws {

class FakeImds {
 public:
  struct Options {
    std::string role = "prescale-monitor";
    bool allow_v1 = false;       // answer GETs without a token
    int token_put_status = 200;  // e.g. 403/404/405 (IMDSv1 only) or 400
  };
  explicit FakeImds(Options options);
  FakeImds() : FakeImds(Options{}) {}
  ~FakeImds();

  bool running() const { return port_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Rotate(const std::string& access_key_id, const std::string& secret, const std::string& token,
              TimePoint expiration);
  void ExpireTokens();
  // Answer the credentials document with this Code (e.g. an error) instead.
  void SetCode(const std::string& code);

  int token_puts();
  int credential_gets();  // GETs of the role's credentials that were answered 200
  int unauthorized();     // GETs answered 401

 private:
  Options options_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::mutex mu_;
  std::set<std::string> tokens_;
  long next_token_ = 1;
  std::string key_, secret_, session_token_, code_ = "Success";
  TimePoint expiration_;
  int token_puts_ = 0, credential_gets_ = 0, unauthorized_ = 0;
};

}  // namespace prescale::aws
