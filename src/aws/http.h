// HTTP request and response as the AWS client sees them: plain structs, so that the
// signer, the Query protocol and the fakes never see libcurl or httplib.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prescale/clock.h"

namespace prescale::aws {

// Header names keep the case they were given; lookups ignore case (RFC 9110 5.1).
using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "POST";
  std::string scheme = "https";
  std::string host;  // with ":port" when not the scheme's default, as in the Host header
  std::string path = "/";
  std::string query;  // without the '?'; as it goes on the wire
  Headers headers;
  std::string body;

  std::string Url() const {
    return scheme + "://" + host + path + (query.empty() ? "" : "?" + query);
  }
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// The first value of header `name` (any case), or "" when absent.
std::string_view HeaderValue(const Headers& headers, std::string_view name);

// Why a request got no HTTP answer. Timeouts and connection failures are retried
// by the client (PROTOCOL.md section 5); an answer that started but broke off is
// ambiguous: the server may have acted.
enum class TransportFailure { kNone, kConnect, kTimeout, kBrokenAnswer, kOther };

struct HttpOutcome {
  TransportFailure failure = TransportFailure::kNone;
  std::string error;  // when failure != kNone; never carries request headers
  HttpResponse response;
  bool ok() const { return failure == TransportFailure::kNone; }
};

// Sends requests. Implementations: CurlTransport (the real one); tests use it too,
// against the fakes on loopback. Thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` and waits at most `timeout` for the whole answer.
  virtual HttpOutcome Send(const HttpRequest& request, Duration timeout) = 0;
};

// The process's libcurl transport (curl stays in curl_transport.cc).
HttpTransport& DefaultTransport();

// Splits "http://host:port/prefix" into scheme and host; the path must be empty or
// "/". Errors name the URL.
struct Endpoint {
  std::string scheme;
  std::string host;  // host[:port]
  std::string Url() const { return scheme + "://" + host; }
};
bool ParseEndpoint(std::string_view url, Endpoint* out, std::string* error);

}  // namespace prescale::aws
