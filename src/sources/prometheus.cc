#include "sources/prometheus.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/text.h"
#include "sources/aggregate.h"

namespace prescale {
namespace {

using nlohmann::json;

// Bodies and values quoted in messages are cut to this length.
constexpr std::size_t kMaxQuotedChars = 80;
// rate() over counters can overshoot 1 a little (scrape jitter), never by half: a
// larger "fraction" is almost surely a percentage given without cpu_unit: percent.
constexpr double kMaxUtilizationFraction = 1.5;
// How early before the deadline a wait that ran out may end (see Query).
constexpr Duration kTimerSlack = std::chrono::milliseconds(10);

// Shortest text that reads back as the same number: 0.25, 2, 1e-05.

// A sample value as the API writes it: a string holding a Go float ("0.25", "1e-05",
// "NaN", "+Inf", "-Inf"). Non-finite values come back as NaN; nullopt when it is
// not a number at all.
std::optional<double> ParseSampleValue(const json& sample) {
  // [ <unix time>, "<value>" ]
  const std::string& text = sample.at(1).get_ref<const std::string&>();
  if (text == "NaN" || text == "+Inf" || text == "-Inf" || text == "Inf") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::string_view s = text;
  if (s.starts_with('+')) s.remove_prefix(1);  // from_chars rejects a leading '+'
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || end != s.data() + s.size() || ec == std::errc::invalid_argument) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<double>::quiet_NaN();
  return v;
}

// The budget left before `deadline`, as whole microseconds for httplib's setters.
std::chrono::microseconds Remaining(TimePoint deadline, TimePoint now) {
  return std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
}

std::string Seconds(Duration d) { return FormatNumber(d.count()) + " s"; }

// "'cpu'", "'cpu' and 'load'", "'cpu', 'memory' and 'load'".
std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

}  // namespace

Result<QueryAnswer> ParseQueryAnswer(std::string_view body) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error("answer is not JSON: " + Quote(body, kMaxQuotedChars));
  // Checked access throughout: .at() and get_ref() throw on a missing key or a
  // wrong type, and that is a malformed answer, not a crash.
  try {
    const std::string& status = j.at("status").get_ref<const std::string&>();
    if (status != "success") {
      std::string what = "Prometheus answered status " + Quote(status, kMaxQuotedChars);
      if (j.contains("errorType") && j["errorType"].is_string()) {
        what += " (" + j["errorType"].get<std::string>() + ")";
      }
      if (j.contains("error") && j["error"].is_string()) {
        what += ": " + j["error"].get<std::string>();
      }
      return Status::Error(what);
    }
    const json& data = j.at("data");
    const std::string& type = data.at("resultType").get_ref<const std::string&>();
    const json& result = data.at("result");
    QueryAnswer answer;
    if (type == "scalar") {
      answer.scalar = true;
      std::optional<double> v = ParseSampleValue(result);
      if (!v) return Status::Error("malformed answer: scalar value is not a number");
      if (std::isfinite(*v)) answer.values.push_back(*v);
      return answer;
    }
    if (type != "vector") {
      return Status::Error("result type " + Quote(type, kMaxQuotedChars) +
                           " is not supported; the query must give an instant vector or a "
                           "scalar (no range selector like [5m] at the top)");
    }
    for (const json& series : result.get_ref<const json::array_t&>()) {
      ++answer.series;
      const json& sample = series.at("value");
      std::optional<double> v = ParseSampleValue(sample);
      if (!v) {
        return Status::Error("malformed answer: value " + Quote(sample.at(1).dump()) +
                             " of series " + Quote(series.value("metric", json::object()).dump()) +
                             " is not a number");
      }
      if (std::isfinite(*v)) answer.values.push_back(*v);
    }
    return answer;
  } catch (const json::exception& e) {
    return Status::Error(std::string("malformed answer: ") + e.what() + "; body " +
                         Quote(body, kMaxQuotedChars));
  }
}

Result<PrometheusUrl> ParsePrometheusUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return Status::Error("must be an http:// or https:// URL, got " + Quote(url, kMaxQuotedChars));
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t slash = rest.find('/');
  const std::string_view host_port = rest.substr(0, slash);
  if (host_port.empty() || host_port.front() == ':') {
    return Status::Error("has no host: " + Quote(url, kMaxQuotedChars));
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Status::Error("must not have a query or fragment: " + Quote(url, kMaxQuotedChars));
  }
  PrometheusUrl parts;
  parts.scheme_host_port = std::string(scheme) + "://" + std::string(host_port);
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash);
    while (prefix.ends_with('/')) prefix.remove_suffix(1);
    parts.path_prefix = std::string(prefix);
  }
  // httplib parses host and port itself, with a std::regex (recursive: a long odd
  // host overflows the stack) and std::stoi (throws on a port too long), so both are
  // checked here first: a name or IPv4 address, or an IPv6 one in brackets.
  std::string_view host = host_port;
  std::string_view port;
  const std::size_t bracket = host_port.rfind(']');
  const std::size_t colon = host_port.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string_view::npos;
    const int number = digits ? std::stoi(std::string(port)) : 0;
    if (number < 1 || number > 65535) {
      return Status::Error("has a bad port (1-65535): " + Quote(url, kMaxQuotedChars));
    }
  }
  const bool ipv6 = host.size() > 2 && host.front() == '[' && host.back() == ']' &&
                    host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") ==
                        std::string_view::npos;
  const bool name = !host.empty() && host.size() <= 253 &&
                    host.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-_") == std::string_view::npos;
  if (!ipv6 && !name) {
    return Status::Error("has a bad host (a name, an IPv4 address or [an IPv6 one]): " +
                         Quote(url, kMaxQuotedChars));
  }
  // httplib refuses what it cannot use.
  if (!httplib::Client(parts.scheme_host_port).is_valid()) {
    return Status::Error("is not a URL the HTTP client can use: " + Quote(url, kMaxQuotedChars));
  }
  return parts;
}

PrometheusSource::PrometheusSource(PrometheusConfig config, SourceContext context,
                                   const Clock& clock)
    : config_(std::move(config)), context_(std::move(context)), clock_(clock) {
  Result<PrometheusUrl> url = ParsePrometheusUrl(config_.url);
  if (url.ok()) url_ = std::move(*url);  // else every Read reports it (REQUIRES broken)
}

Result<QueryAnswer> PrometheusSource::Query(const std::string& promql, TimePoint deadline,
                                            bool* transport_failed) const {
  *transport_failed = true;
  const std::string where = url_.scheme_host_port.empty() ? config_.url : url_.scheme_host_port;
  if (url_.scheme_host_port.empty())
    return Status::Error("bad url " + Quote(config_.url, kMaxQuotedChars));
  const std::chrono::microseconds left = Remaining(deadline, clock_.Now());
  if (left.count() <= 0) {
    return Status::Error("no time left of the " + Seconds(config_.timeout) + " timeout");
  }

  // 1. Ask, with every wait bounded by what is left of the timeout. httplib reports
  //    failures as values; the catch is for what the standard library under it throws
  //    (bad_alloc, regex errors), so that Read keeps its promise never to throw.
  httplib::Result res(nullptr, httplib::Error::Unknown);
  try {
    httplib::Client client(url_.scheme_host_port);
    client.set_connection_timeout(left);
    client.set_read_timeout(left);
    client.set_write_timeout(left);
    client.set_tcp_nodelay(true);
    // Prometheus gives up evaluating by then as well, rather than working for nobody
    // (the API takes float seconds there).
    const httplib::Params params{
        {"query", promql}, {"timeout", FormatNumber(static_cast<double>(left.count()) / 1e6)}};
    const httplib::Progress before_deadline = [this, deadline](std::uint64_t, std::uint64_t) {
      return clock_.Now() < deadline;
    };
    res =
        client.Get(url_.path_prefix + "/api/v1/query", params, httplib::Headers{}, before_deadline);
  } catch (const std::exception& e) {
    return Status::Error("HTTP request to " + where + " failed: " + e.what());
  }
  // httplib rounds its waits down to whole milliseconds, so a wait that ran out ends
  // a little before the deadline.
  const bool late = clock_.Now() + kTimerSlack >= deadline;
  if (!res) {
    switch (res.error()) {
      case httplib::Error::Connection:
      case httplib::Error::ConnectionTimeout:
        return Status::Error(
            late ? "timed out after " + Seconds(config_.timeout) + " connecting to " + where
                 : "cannot connect to " + where + ": connection refused or host unreachable");
      case httplib::Error::Read:
      case httplib::Error::Canceled:
        return Status::Error(late
                                 ? "no answer from " + where + " within " + Seconds(config_.timeout)
                                 : "connection to " + where + " closed before the answer");
      case httplib::Error::Write:
        return Status::Error("cannot send the query to " + where);
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLLoadingCerts:
      case httplib::Error::SSLServerVerification:
        return Status::Error("TLS with " + where + " failed (" + httplib::to_string(res.error()) +
                             ")");
      default:
        return Status::Error("HTTP request to " + where + " failed (" +
                             httplib::to_string(res.error()) + ")");
    }
  }
  *transport_failed = false;

  // 2. Read the answer. Prometheus sends its JSON error body with 400, 422 and 503.
  Result<QueryAnswer> answer = ParseQueryAnswer(res->body);
  if (res->status != 200) {
    std::string what = "HTTP " + std::to_string(res->status) + " from " + where;
    return Status::Error(answer.ok() ? what + ": " + Quote(res->body, kMaxQuotedChars)
                                     : what + ": " + answer.status().message());
  }
  return answer;
}

Observation PrometheusSource::Read(TimePoint now) {
  Observation o;
  o.time = now;
  const TimePoint deadline = clock_.Now() + config_.timeout;

  enum class Kind { kCpu, kMemory, kLoad };
  struct Metric {
    Kind kind;
    const char* name;
    const std::string& promql;
  };
  const Metric metrics[] = {{Kind::kCpu, "cpu", config_.cpu_query},
                            {Kind::kMemory, "memory", config_.memory_query},
                            {Kind::kLoad, "load", config_.load_query}};
  std::vector<std::string> errors;
  auto fail = [&](const std::string& queries, const std::string& what) {
    std::string e = "prometheus " + queries;
    if (!context_.group.empty()) e += " for group " + context_.group;
    errors.push_back(e + ": " + what);
  };

  for (std::size_t i = 0; i < std::size(metrics); ++i) {
    const Metric& m = metrics[i];
    if (m.promql.empty()) continue;
    const std::string query_name = "query '" + std::string(m.name) + "'";
    bool transport_failed = false;
    Result<QueryAnswer> answer = Query(m.promql, deadline, &transport_failed);
    if (!answer.ok() && transport_failed) {
      // The server cannot be reached: the other queries would only wait for the same.
      std::vector<std::string> skipped;
      for (std::size_t k = i; k < std::size(metrics); ++k) {
        if (!metrics[k].promql.empty()) skipped.push_back(metrics[k].name);
      }
      fail((skipped.size() == 1 ? "query " : "queries ") + JoinNames(skipped),
           answer.status().message());
      break;
    }
    if (!answer.ok()) {
      fail(query_name, answer.status().message());
      continue;
    }
    // Missing data, said precisely.
    if (answer->values.empty()) {
      fail(query_name, answer->scalar ? "query returned NaN"
                       : answer->series == 0
                           ? "query returned no series"
                           : "query returned no numbers (" + std::to_string(answer->series) +
                                 " series, all NaN)");
      continue;
    }

    // The load is the group's total: its parts add up.
    if (m.kind == Kind::kLoad) {
      double sum = 0;
      for (double v : answer->values) sum += v;
      if (sum < 0) {
        fail(query_name, "load " + FormatNumber(sum) + " is negative");
        continue;
      }
      o.load_per_s = sum;
      continue;
    }

    // A utilisation: scale, sanity-check, fold across instances.
    const bool is_cpu = m.kind == Kind::kCpu;
    const UtilizationUnit unit = is_cpu ? config_.cpu_unit : config_.memory_unit;
    std::vector<double> fractions = answer->values;
    if (unit == UtilizationUnit::kPercent) {
      for (double& v : fractions) v /= 100;
    }
    const double highest = *std::max_element(fractions.begin(), fractions.end());
    if (highest > kMaxUtilizationFraction) {
      std::string what = "utilisation " + FormatNumber(highest) + " is far above 1";
      if (unit == UtilizationUnit::kFraction) {
        what += "; if the query gives percent, set ";
        what += is_cpu ? "cpu_unit" : "memory_unit";
        what += ": percent";
      }
      fail(query_name, what);
      continue;
    }
    // Each instance's own share is in [0, 1] before they are folded.
    for (double& v : fractions) v = std::clamp(v, 0.0, 1.0);
    (is_cpu ? o.cpu_utilization : o.memory_utilization) =
        Aggregate(fractions, context_.aggregation);
    if (is_cpu && !answer->scalar) o.instances = static_cast<int>(fractions.size());
  }

  for (std::size_t i = 0; i < errors.size(); ++i) o.error += (i ? "; " : "") + errors[i];
  return o;
}

}  // namespace prescale
