#include "aws/fake/fake_imds.h"

#include "aws/time_format.h"

namespace prescale::aws {

FakeImds::FakeImds(Options options) : options_(std::move(options)) {
  server_.set_tcp_nodelay(true);
  // One request per connection: a client's idle keep-alive connection would hold a
  // worker until its timeout and make stop() wait for it.
  server_.set_keep_alive_max_count(1);
  server_.Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    ++token_puts_;
    if (options_.token_put_status != 200) {
      res.status = options_.token_put_status;
      return;
    }
    if (req.has_header("X-Forwarded-For")) {
      res.status = 403;
      return;
    }
    const std::string ttl = req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
    int seconds = 0;
    try {
      seconds = std::stoi(ttl);
    } catch (const std::exception&) {
    }
    if (seconds < 1 || seconds > 21600) {
      res.status = 400;
      return;
    }
    std::string token = "AQAEA-fake-token-" + std::to_string(next_token_++);
    tokens_.insert(token);
    res.set_header("X-aws-ec2-metadata-token-ttl-seconds", ttl);
    res.set_content(token, "text/plain");
  });
  server_.Get(R"(/latest/meta-data/iam/security-credentials/(.*))",
              [this](const httplib::Request& req, httplib::Response& res) {
                std::lock_guard lock(mu_);
                const std::string token = req.get_header_value("X-aws-ec2-metadata-token");
                const bool valid = tokens_.count(token) > 0;
                if (!valid && !(token.empty() && options_.allow_v1)) {
                  ++unauthorized_;
                  res.status = 401;
                  return;
                }
                const std::string role = req.matches[1];
                if (role.empty()) {
                  res.set_content(options_.role, "text/plain");
                  return;
                }
                if (role != options_.role || key_.empty()) {
                  res.status = 404;
                  return;
                }
                ++credential_gets_;
                std::string body = "{\n  \"Code\" : \"" + code_ +
                                   "\",\n  \"LastUpdated\" : \"2024-01-15T10:00:00Z\",\n"
                                   "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"" +
                                   key_ + "\",\n  \"SecretAccessKey\" : \"" + secret_ +
                                   "\",\n  \"Token\" : \"" + session_token_ +
                                   "\",\n  \"Expiration\" : \"" + FormatAwsTime(expiration_) +
                                   "\"\n}";
                if (code_ != "Success") {
                  body = "{\"Code\":\"" + code_ +
                         "\",\"Message\":\"Instance profile role cannot "
                         "be assumed by ec2\",\"LastUpdated\":\"2024-01-15T10:00:00Z\"}";
                }
                res.set_content(body, "text/plain");
              });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return;
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  const TimePoint deadline = RealClock::Default().Now() + Duration(10);
  while (!server_.is_running() && RealClock::Default().Now() < deadline) std::this_thread::yield();
}

FakeImds::~FakeImds() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeImds::Rotate(const std::string& id, const std::string& secret, const std::string& token,
                      TimePoint expiration) {
  std::lock_guard lock(mu_);
  key_ = id;
  secret_ = secret;
  session_token_ = token;
  expiration_ = expiration;
}

void FakeImds::ExpireTokens() {
  std::lock_guard lock(mu_);
  tokens_.clear();
}

void FakeImds::SetCode(const std::string& code) {
  std::lock_guard lock(mu_);
  code_ = code;
}

int FakeImds::token_puts() {
  std::lock_guard lock(mu_);
  return token_puts_;
}

int FakeImds::credential_gets() {
  std::lock_guard lock(mu_);
  return credential_gets_;
}

int FakeImds::unauthorized() {
  std::lock_guard lock(mu_);
  return unauthorized_;
}

}  // namespace prescale::aws
