// The libcurl adapter: the only file that sees curl. Easy handles are pooled so that
// connections (and TLS sessions) are reused across requests.
#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "aws/http.h"

namespace prescale::aws {
namespace {

// Answers larger than this are refused: no AWS answer prescale reads comes near.
constexpr std::size_t kMaxBodyBytes = 32u << 20;

struct Received {
  HttpResponse* response;
  bool too_large = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Received*>(user);
  const std::size_t bytes = size * n;
  if (r->response->body.size() + bytes > kMaxBodyBytes) {
    r->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  r->response->body.append(data, bytes);
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Received*>(user);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {
    r->response->headers.clear();  // a new response (after a 100 Continue)
  } else if (std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    r->response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * n;
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlTransport() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  HttpOutcome Send(const HttpRequest& request, Duration timeout) override {
    CURL* h = Take();
    HttpOutcome out;
    if (h == nullptr) {
      out.failure = TransportFailure::kOther;
      out.error = "cannot create a curl handle";
      return out;
    }
    Received received{&out.response};
    const std::string url = request.Url();
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) {
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    }
    // No "Expect: 100-continue" round trip, and no body of curl's own choosing.
    headers = curl_slist_append(headers, "Expect:");
    if (HeaderValue(request.headers, "content-type").empty()) {
      headers = curl_slist_append(headers, "Content-Type:");
    }
    const long timeout_ms = std::max(1L, static_cast<long>(timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &received);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    const CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    out.response.status = static_cast<int>(status);
    if (rc != CURLE_OK) {
      switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
          out.failure = TransportFailure::kConnect;
          break;
        case CURLE_OPERATION_TIMEDOUT: {
          // A timeout before the connection was made sent nothing: not ambiguous,
          // and (for IMDS) the sign of a host that is not there.
          curl_off_t connected_us = 0;
          curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_us);
          out.failure = connected_us == 0 ? TransportFailure::kConnect : TransportFailure::kTimeout;
          break;
        }
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_SEND_ERROR:
          out.failure = TransportFailure::kBrokenAnswer;
          break;
        default:
          out.failure = TransportFailure::kOther;
      }
      // The URL has no secret in it (they travel in headers, never in the query).
      out.error = received.too_large ? "answer larger than 32 MB"
                                     : std::string(curl_easy_strerror(rc)) + " (" + request.scheme +
                                           "://" + request.host + ")";
      curl_easy_cleanup(h);  // a failed connection is not reused
      return out;
    }
    Give(h);
    return out;
  }

 private:
  CURL* Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }
  void Give(CURL* h) {
    std::lock_guard lock(mu_);
    if (idle_.size() < 8) {
      idle_.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }

  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

HttpTransport& DefaultTransport() {
  static CurlTransport* transport = new CurlTransport();  // lives as long as the process
  return *transport;
}

}  // namespace prescale::aws
