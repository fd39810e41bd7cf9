// HttpServer: the daemon's HTTP face, a cpp-httplib server.
//
// Routes (every body is JSON unless said otherwise):
//   GET /health                          200 {"status":"ok"}, or 503
//                                        {"status":"unhealthy","reason":"..."}
//   GET /metrics                         text/plain; version=0.0.4 (Prometheus)
//   GET /api/v1/groups                   [snapshot, ...]
//   GET /api/v1/groups/{name}            snapshot; 404 {"error":"no group named 'x'"}
//   GET /api/v1/groups/{name}/history?since=EPOCH_SECONDS
//                                        [point, ...] with time > since (default 0);
//                                        400 if since is not a number
//   GET /api/v1/decisions?since=EPOCH_SECONDS&limit=N
//                                        [decision, ...], newest first: actions and
//                                        changes of reason with time > since, at most
//                                        N (default 100, 1..1000); 400 for a bad one
// The JSON shape is api_json.h's. An unknown path is 404, a known path with another
// method 405 (with Allow), a malformed request 400 and an oversized body 413, each
// with a JSON {"error": "..."} body. Bad input never gives a 500. With a bearer
// token set, every route but /health needs it (401 and WWW-Authenticate otherwise).
//
// The server reads time only from the injected Clock (for /health), and the data
// only through the thread-safe StatusProvider and PrometheusTelemetry.
//
// Extra routes (/predict, the dashboard) are added with AddGet / AddPost before
// Start(); their handlers run on the server's pool threads and must be thread-safe.
//
// cpp-httplib types are only declared here, so including this header does not pull
// in httplib.h; a file that writes a handler includes <httplib.h> itself, compiled
// with cpp-httplib's pkg-config flags (PkgConfig::HTTPLIB; see DEPENDENCIES.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/telemetry.h"
#include "prescale/clock.h"
#include "prescale/status.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace prescale {

class PrometheusTelemetry;

// A parsed "host:port". The host is a name or an IPv4 address, or an IPv6 address
// in brackets ("[::1]:8080"); an empty host (":8080") means every interface.
struct ListenAddress {
  std::string host;
  int port = 0;  // 0: the system picks a free port
};
// An error names the text and what is wrong with it ("listen address 'x': ...").
Result<ListenAddress> ParseListenAddress(std::string_view text);
// Whether `host` (as ParseListenAddress gives it) is only reachable from this
// machine: "localhost", 127.0.0.0/8 or ::1. Any other name counts as beyond
// loopback, since it may resolve anywhere.
bool IsLoopbackHost(std::string_view host);

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";
  // One connection per pool thread (DEPENDENCIES.md, trap 3).
  int threads = 8;
  // Requests served on one keep-alive connection before it is closed, and how long
  // an idle keep-alive connection is held. Stop() may wait that long for one.
  std::size_t keep_alive_max_requests = 100;
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};
  // Larger request bodies get 413.
  std::size_t payload_max_bytes = std::size_t{1} << 20;
  // When set, every route but /health answers 401 unless the request carries
  // "Authorization: Bearer <token>" (RFC 6750). Never logged.
  std::string bearer_token;
  // Start() refuses a listen address beyond loopback without a bearer token,
  // unless this is set.
  bool allow_unauthenticated = false;
};

// The StatusProvider of a server without scaling groups (`prescale serve`, tests): no
// groups, and healthy while it answers.
class NoGroupsStatus final : public StatusProvider {
 public:
  std::vector<GroupSnapshot> Groups() const override { return {}; }
  std::optional<GroupSnapshot> Group(const std::string&) const override { return std::nullopt; }
  std::optional<std::vector<HistoryPoint>> History(const std::string&, TimePoint) const override {
    return std::nullopt;
  }
  bool Healthy(TimePoint, std::string*) const override { return true; }
};

// Thread safety: construct, add routes, Start() and Stop() from one thread; the
// handlers run concurrently on the pool.
class HttpServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // `status`, `telemetry` and `clock` are borrowed and must outlive the server.
  HttpServer(HttpServerOptions options, const StatusProvider& status,
             const PrometheusTelemetry& telemetry, const Clock& clock);
  ~HttpServer();  // Stops.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route. `pattern` is an ECMAScript regex matched against the whole decoded
  // path; its capture groups arrive in req.matches. GET routes also answer HEAD. A
  // route added here takes part in the 405 answer for its path.
  // REQUIRES: Start() has not been called.
  void AddGet(const std::string& pattern, Handler handler);
  void AddPost(const std::string& pattern, Handler handler);

  // The underlying server, for what AddGet / AddPost do not cover. Routes added
  // here are not known to the 405 answer. REQUIRES: Start() has not been called.
  httplib::Server& raw();

  // Binds the listen address and serves on a background thread. Returns once the
  // server accepts connections, or an error if the address does not parse or cannot
  // be bound (in use, not local). May be called once.
  Status Start();

  // Stops accepting, finishes the requests in flight and joins the threads.
  // Idempotent.
  void Stop();

  bool running() const;
  // The bound port (the chosen one when the address asked for port 0); 0 before
  // Start() succeeds.
  int port() const { return port_.load(); }

 private:
  struct Route;

  void AddRoutes();
  void AddRoute(std::string method, const std::string& pattern, Handler handler);
  // "GET, HEAD" for a path that only other methods serve; "" if none does.
  std::string AllowedMethods(const std::string& path) const;

  void Health(const httplib::Request& req, httplib::Response& res) const;
  void Metrics(const httplib::Request& req, httplib::Response& res) const;
  void Groups(const httplib::Request& req, httplib::Response& res) const;
  void Group(const httplib::Request& req, httplib::Response& res) const;
  void History(const httplib::Request& req, httplib::Response& res) const;
  void Decisions(const httplib::Request& req, httplib::Response& res) const;

  const HttpServerOptions options_;
  const StatusProvider& status_;
  const PrometheusTelemetry& telemetry_;
  const Clock& clock_;
  std::unique_ptr<httplib::Server> server_;
  std::vector<Route> routes_;
  bool started_ = false;
  std::atomic<int> port_{0};
  std::atomic<bool> listen_returned_{false};
  std::thread thread_;
};

}  // namespace prescale
