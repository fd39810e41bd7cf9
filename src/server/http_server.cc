#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <utility>

#include "server/api_json.h"
#include "server/prometheus_telemetry.h"

namespace prescale {

struct HttpServer::Route {
  std::string method;
  std::regex pattern;
};

namespace {

constexpr char kJson[] = "application/json";
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
constexpr char kPrometheusText[] = "text/plain; version=0.0.4; charset=utf-8";

void ReplyJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(DumpJson(body), kJson);
}

void ReplyError(httplib::Response& res, int status, const std::string& message) {
  ReplyJson(res, status, ErrorJson(message));
}

// SO_REUSEADDR only. httplib's default adds SO_REUSEPORT, with which a second server
// binds a port that is already serving and the two share its connections; this way
// a port in use is an error at Start().
void ReuseAddressOnly(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// What errno says after a failed bind, when it is about binding; "" otherwise.
std::string BindErrorDetail(int err) {
  switch (err) {
    case EADDRINUSE:
    case EADDRNOTAVAIL:
    case EACCES:
      return std::string(": ") + std::strerror(err);
    default:
      return "";
  }
}

// The `since` query parameter (epoch seconds, default 0); nullopt after answering
// 400 when it is not a number.
std::optional<TimePoint> SinceParam(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_param("since")) return FromEpochSeconds(0);
  const std::string text = req.get_param_value("since");
  std::optional<double> parsed = ParseEpochSeconds(text);
  if (!parsed) {
    ReplyError(res, 400, "since '" + text + "' is not a number of epoch seconds");
    return std::nullopt;
  }
  return FromEpochSeconds(*parsed);
}

// Compares without an early exit, so the time taken does not tell how much of
// a guessed token was right.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  }
  return diff == 0;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  auto error = [&](const std::string& what) {
    return Status::Error("listen address '" + std::string(text) + "': " + what);
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return error("missing ']' after the IPv6 address");
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return error("expected [address]:port, such as [::1]:8080");
    }
    out.host = std::string(text.substr(1, close - 1));
    if (out.host.empty()) return error("empty IPv6 address");
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return error("expected host:port, such as 127.0.0.1:8080");
    }
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return error("put an IPv6 address in brackets, such as [::1]:8080");
    }
    if (out.host.empty()) out.host = "0.0.0.0";
    port = text.substr(colon + 1);
  }
  if (port.empty()) return error("missing port");
  int value = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || port.front() == '-') {
    return error("port '" + std::string(port) + "' is not a number");
  }
  if (value < 0 || value > 65535) {
    return error("port " + std::string(port) + " is out of range 0..65535");
  }
  out.port = value;
  return out;
}

HttpServer::HttpServer(HttpServerOptions options, const StatusProvider& status,
                       const PrometheusTelemetry& telemetry, const Clock& clock)
    : options_(std::move(options)),
      status_(status),
      telemetry_(telemetry),
      clock_(clock),
      server_(std::make_unique<httplib::Server>()) {
  // The runtime knobs, since the compile-time ones are fixed inside the .so
  // (DEPENDENCIES.md, traps 1-3).
  const auto threads = static_cast<std::size_t>(options_.threads > 0 ? options_.threads : 1);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);
  server_->set_socket_options(ReuseAddressOnly);
  server_->set_keep_alive_max_count(options_.keep_alive_max_requests);
  server_->set_keep_alive_timeout(options_.keep_alive_timeout.count());
  server_->set_read_timeout(options_.read_timeout);
  server_->set_write_timeout(options_.write_timeout);
  server_->set_payload_max_length(options_.payload_max_bytes);

  // httplib calls this for every response with status >= 400. Our handlers' errors
  // already have a body; the ones httplib makes itself (no route, bad request, body
  // too large) get a JSON one here, and "no route" becomes 405 when the path exists
  // under another method.
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message;
        switch (res.status) {
          case 404:
            if (std::string allow = AllowedMethods(req.path); !allow.empty()) {
              res.status = 405;
              res.set_header("Allow", allow);
              message = "method " + req.method + " is not allowed for " + req.path +
                        " (allowed: " + allow + ")";
            } else {
              message = "no route for " + req.method + " " + req.path;
            }
            break;
          case 400:
            message = "bad request";
            break;
          case 413:
            message =
                "request body larger than " + std::to_string(options_.payload_max_bytes) + " bytes";
            break;
          case 414:
            message = "request URI too long";
            break;
          default:
            message = "HTTP " + std::to_string(res.status);
        }
        res.set_content(DumpJson(ErrorJson(message)), kJson);
        return httplib::Server::HandlerResponse::Handled;
      }));
  // The bearer token, checked before routing so that no route can forget it.
  // /health stays open for load balancers and probes.
  if (!options_.bearer_token.empty()) {
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
      const std::string auth = req.get_header_value("Authorization");
      constexpr std::string_view kScheme = "Bearer ";
      if (auth.size() > kScheme.size() && auth.compare(0, kScheme.size(), kScheme) == 0 &&
          SameSecret(std::string_view(auth).substr(kScheme.size()), options_.bearer_token)) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      res.set_header("WWW-Authenticate", "Bearer realm=\"prescale\"");
      ReplyError(res, 401,
                 auth.empty() ? "this server needs a bearer token (Authorization: Bearer ...)"
                              : "the bearer token is not valid");
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  // A handler that throws is a bug, not bad input; answer it without killing the
  // connection's thread.
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        ReplyError(res, 500, "internal error: " + what);
      });
  AddRoutes();
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::AddRoutes() {
  AddGet("/health", [this](const auto& req, auto& res) { Health(req, res); });
  AddGet("/metrics", [this](const auto& req, auto& res) { Metrics(req, res); });
  AddGet("/api/v1/groups", [this](const auto& req, auto& res) { Groups(req, res); });
  AddGet("/api/v1/groups/([^/]+)", [this](const auto& req, auto& res) { Group(req, res); });
  AddGet("/api/v1/groups/([^/]+)/history",
         [this](const auto& req, auto& res) { History(req, res); });
  AddGet("/api/v1/decisions", [this](const auto& req, auto& res) { Decisions(req, res); });
}

void HttpServer::AddGet(const std::string& pattern, Handler handler) {
  AddRoute("GET", pattern, std::move(handler));
}

void HttpServer::AddPost(const std::string& pattern, Handler handler) {
  AddRoute("POST", pattern, std::move(handler));
}

void HttpServer::AddRoute(std::string method, const std::string& pattern, Handler handler) {
  if (method == "GET") {
    server_->Get(pattern, std::move(handler));
  } else {
    server_->Post(pattern, std::move(handler));
  }
  routes_.push_back(Route{std::move(method), std::regex(pattern)});
}

httplib::Server& HttpServer::raw() { return *server_; }

std::string HttpServer::AllowedMethods(const std::string& path) const {
  bool get = false;
  bool post = false;
  for (const Route& r : routes_) {
    if (!std::regex_match(path, r.pattern)) continue;
    (r.method == "GET" ? get : post) = true;
  }
  std::string allow;
  if (get) allow = "GET, HEAD";
  if (post) allow += allow.empty() ? "POST" : ", POST";
  return allow;
}

Status HttpServer::Start() {
  if (started_) return Status::Error("http server: already started");
  Result<ListenAddress> address = ParseListenAddress(options_.listen);
  if (!address.ok()) return address.status().WithContext("http server");
  if (!IsLoopbackHost(address->host) && options_.bearer_token.empty() &&
      !options_.allow_unauthenticated) {
    return Status::Error("http server: refusing to listen on " + options_.listen +
                         ", beyond loopback, without a bearer token: set PRESCALE_API_TOKEN "
                         "(or global.api.token_file), or global.api.allow_unauthenticated: "
                         "true if something else guards the port");
  }
  started_ = true;

  errno = 0;
  int port = -1;
  if (address->port == 0) {
    port = server_->bind_to_any_port(address->host);
  } else if (server_->bind_to_port(address->host, address->port)) {
    port = address->port;
  }
  if (port <= 0) {
    return Status::Error("http server: cannot listen on " + options_.listen +
                         BindErrorDetail(errno) +
                         " (is the port in use, or the host not an address of this machine?)");
  }
  port_ = port;

  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_returned_ = true;
  });
  // httplib's stop() does nothing until the listening thread has marked itself
  // running, so wait for that here: Stop() right after Start() must not hang. The
  // thread does so as its first step (0.11.4 has no wait_until_ready()).
  while (!server_->is_running() && !listen_returned_) std::this_thread::yield();
  if (!server_->is_running()) {
    thread_.join();
    port_ = 0;
    return Status::Error("http server: listening on " + options_.listen + " failed");
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
  port_ = 0;
}

bool HttpServer::running() const { return server_->is_running(); }

void HttpServer::Health(const httplib::Request&, httplib::Response& res) const {
  std::string why;
  if (status_.Healthy(clock_.Now(), &why)) {
    ReplyJson(res, 200, {{"status", "ok"}});
  } else {
    ReplyJson(res, 503, {{"status", "unhealthy"}, {"reason", why}});
  }
}

void HttpServer::Metrics(const httplib::Request&, httplib::Response& res) const {
  res.set_content(telemetry_.Serialize(), kPrometheusText);
}

void HttpServer::Groups(const httplib::Request&, httplib::Response& res) const {
  ReplyJson(res, 200, SnapshotsToJson(status_.Groups()));
}

void HttpServer::Group(const httplib::Request& req, httplib::Response& res) const {
  const std::string name = req.matches[1];
  std::optional<GroupSnapshot> group = status_.Group(name);
  if (!group) {
    ReplyError(res, 404, "no group named '" + name + "'");
    return;
  }
  ReplyJson(res, 200, SnapshotToJson(*group));
}

void HttpServer::History(const httplib::Request& req, httplib::Response& res) const {
  const std::string name = req.matches[1];
  std::optional<TimePoint> since = SinceParam(req, res);
  if (!since) return;
  std::optional<std::vector<HistoryPoint>> points = status_.History(name, *since);
  if (!points) {
    ReplyError(res, 404, "no group named '" + name + "'");
    return;
  }
  ReplyJson(res, 200, HistoryToJson(*points));
}

void HttpServer::Decisions(const httplib::Request& req, httplib::Response& res) const {
  constexpr std::size_t kDefaultLimit = 100, kMaxLimit = 1000;
  std::optional<TimePoint> since = SinceParam(req, res);
  if (!since) return;
  std::size_t limit = kDefaultLimit;
  if (req.has_param("limit")) {
    const std::string text = req.get_param_value("limit");
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || limit < 1 ||
        limit > kMaxLimit) {
      ReplyError(
          res, 400,
          "limit '" + text + "' is not a whole number from 1 to " + std::to_string(kMaxLimit));
      return;
    }
  }
  ReplyJson(res, 200, DecisionsToJson(status_.Decisions(*since, limit)));
}

}  // namespace prescale
