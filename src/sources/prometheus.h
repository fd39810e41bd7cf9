// The "prometheus" source: a group's metrics from a Prometheus server, through
// instant queries of its HTTP API (GET <url>/api/v1/query?query=...).
//
// Each configured PromQL query fills one metric:
//   cpu_query     CPU utilisation per instance, a fraction in [0, 1] (or percent, with
//                 cpu_unit). The series are folded with SourceContext::aggregation,
//                 and `instances` is the number of series that gave a number.
//   memory_query  memory utilisation per instance (a fraction, or percent with
//                 memory_unit), folded the same way.
//   load_query    work units per second arriving at the group. The series are summed,
//                 not folded: they are parts of the group's total.
// A scalar answer is taken as the group value itself (instances stays unknown).
// Each instance's utilisation is clamped into [0, 1] before folding (rate() over
// counters overshoots a little); one above 1.5 is taken for a percentage given
// without its unit, and is an error that says so.
//
// Missing data is never zero: an empty result, or series that are all NaN (as
// Prometheus reports a rate with too few samples), leave the metric empty and say
// why in `error`, as do HTTP errors, non-200 answers, answers whose status is not
// "success" (with Prometheus's own "error"), garbled JSON and result types other than
// vector or scalar. After a transport failure (cannot connect, timeout) the queries
// left in that Read are skipped, since they would fail the same way.
//
// Time: a Read never takes much longer than `timeout`, shared by its queries. Each
// wait (connecting, sending, each receive) is bounded by what is left of it, the body
// is abandoned once it has passed, and Prometheus is asked to give up evaluating by
// then too (the API's `timeout` parameter). Queries are evaluated at the server's
// current time, which keeps a clock skew between the hosts from querying an empty
// future; the observation is stamped with the `now` given to Read.
//
// Thread safety: Read keeps no state between calls (each uses an HTTP client of its
// own), so it may be called from several threads at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "prescale/clock.h"
#include "prescale/metric_source.h"
#include "prescale/status.h"

namespace prescale {

enum class UtilizationUnit { kFraction, kPercent };

struct PrometheusConfig {
  std::string url = "http://127.0.0.1:9090";  // http[s]://host[:port][/path prefix]
  std::string cpu_query;                      // empty = not read
  std::string memory_query;
  std::string load_query;
  UtilizationUnit cpu_unit = UtilizationUnit::kFraction;
  UtilizationUnit memory_unit = UtilizationUnit::kFraction;
  Duration timeout{2};  // for a whole Read
};

// The numbers of one instant query's answer.
struct QueryAnswer {
  bool scalar = false;         // a scalar rather than an instant vector
  std::size_t series = 0;      // series in a vector answer (0 for a scalar)
  std::vector<double> values;  // the finite values, NaN and infinities left out
};

// Parses the body of an /api/v1/query answer. An answer whose status is "error" is
// an error carrying Prometheus's errorType and error. Values that are NaN or
// infinite are left out of `values` (missing data); a value that is not a number at
// all makes the answer malformed. Pure: call it from any thread.
Result<QueryAnswer> ParseQueryAnswer(std::string_view body);

// The parts of a `url` setting. Empty `scheme_host_port` when it is not an http or
// https URL with a host.
struct PrometheusUrl {
  std::string scheme_host_port;  // "http://127.0.0.1:9090"
  std::string path_prefix;       // "" or "/prometheus" (no trailing slash)
};
Result<PrometheusUrl> ParsePrometheusUrl(std::string_view url);

class PrometheusSource final : public MetricSource {
 public:
  // `clock` measures the timeout and must outlive the source.
  // REQUIRES: at least one query, config.timeout > 0, and a url that
  // ParsePrometheusUrl accepts.
  PrometheusSource(PrometheusConfig config, SourceContext context, const Clock& clock);

  std::string_view name() const override { return "prometheus"; }
  Observation Read(TimePoint now) override;

 private:
  // Runs one instant query. On failure sets *transport_failed when the server could
  // not be asked at all (as opposed to answering with an error).
  Result<QueryAnswer> Query(const std::string& promql, TimePoint deadline,
                            bool* transport_failed) const;

  PrometheusConfig config_;
  SourceContext context_;
  const Clock& clock_;
  PrometheusUrl url_;
};

}  // namespace prescale
