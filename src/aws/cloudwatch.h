// The CloudWatch calls prescale makes (API reference:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/):
//   GetMetricData  up to 500 MetricDataQueries per call (the API's limit), paged
//                  with NextToken until the answer has none
//   ListMetrics    finds the CloudWatch agent's memory metrics, whose dimensions
//                  depend on the agent's config (append_dimensions)
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "aws/client.h"

namespace prescale::aws {

using Dimensions = std::vector<std::pair<std::string, std::string>>;

struct MetricQuery {
  std::string id;  // [a-z][a-zA-Z0-9_]*, unique within the call
  std::string name_space;
  std::string metric;
  Dimensions dimensions;
  int period_s = 60;
  std::string stat;  // "Average", "Maximum", ...
};

struct MetricSeries {
  std::vector<std::pair<TimePoint, double>> points;  // as returned (newest first by default)
  std::string status_code;  // Complete, PartialData, InternalError, Forbidden
  std::vector<std::string> messages;
};

// At most this many queries per GetMetricData call.
inline constexpr std::size_t kMaxQueriesPerCall = 500;

struct MetricDataPage {
  std::map<std::string, MetricSeries> series;  // by query id
  std::string next_token;
  std::vector<std::string> messages;
};
Result<MetricDataPage> ParseGetMetricData(const XmlNode& root);

struct MetricIdentity {
  std::string name_space;
  std::string metric;
  Dimensions dimensions;
};
Result<std::vector<MetricIdentity>> ParseListMetrics(const XmlNode& root, std::string* next_token);

// The query parameters of one GetMetricData call.
QueryParams GetMetricDataParams(const std::vector<const MetricQuery*>& queries, TimePoint start,
                                TimePoint end, const std::string& next_token);

class CloudWatchApi {
 public:
  explicit CloudWatchApi(QueryClient& client) : client_(client) {}
  // Every query's points between start and end: one call per 500 queries, each
  // paged to the end. Series of pages are merged by id.
  Result<std::map<std::string, MetricSeries>> GetMetricData(const std::vector<MetricQuery>& queries,
                                                            TimePoint start, TimePoint end);
  // Metrics of `metric` in `name_space` that have a dimension named `dimension`,
  // active in the last 3 hours, all pages.
  Result<std::vector<MetricIdentity>> ListMetrics(const std::string& name_space,
                                                  const std::string& metric,
                                                  const std::string& dimension);
  int calls() const { return calls_; }  // GetMetricData calls made (pages included)

 private:
  QueryClient& client_;
  int calls_ = 0;
};

}  // namespace prescale::aws
