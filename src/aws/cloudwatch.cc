#include "aws/cloudwatch.h"

#include <charconv>
#include <cstdlib>

#include "aws/time_format.h"

namespace prescale::aws {
namespace {

// Pages of one GetMetricData or ListMetrics call; a service that keeps answering
// NextToken past this is refused rather than followed forever.
constexpr int kMaxPages = 100;

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace

Result<MetricDataPage> ParseGetMetricData(const XmlNode& root) {
  const XmlNode* result = root.Child("GetMetricDataResult");
  if (root.name != "GetMetricDataResponse" || result == nullptr) {
    return Status::Error("answer is not a GetMetricDataResponse (root <" + root.name + ">)");
  }
  MetricDataPage page;
  page.next_token = result->ChildText("NextToken").value_or("");
  for (const XmlNode* m : result->Members("Messages")) {
    page.messages.push_back(m->ChildText("Code").value_or("") + ": " +
                            m->ChildText("Value").value_or(""));
  }
  for (const XmlNode* m : result->Members("MetricDataResults")) {
    const std::string id = m->ChildText("Id").value_or("");
    if (id.empty()) return Status::Error("a MetricDataResult has no Id");
    std::vector<const XmlNode*> times = m->Members("Timestamps");
    std::vector<const XmlNode*> values = m->Members("Values");
    if (times.size() != values.size()) {
      return Status::Error("result '" + id + "' has " + std::to_string(times.size()) +
                           " timestamps but " + std::to_string(values.size()) + " values");
    }
    MetricSeries& s = page.series[id];
    if (auto code = m->ChildText("StatusCode")) s.status_code = *code;
    for (const XmlNode* msg : m->Members("Messages")) {
      s.messages.push_back(msg->ChildText("Code").value_or("") + ": " +
                           msg->ChildText("Value").value_or(""));
    }
    for (std::size_t i = 0; i < times.size(); ++i) {
      auto t = ParseIsoTime(times[i]->text);
      double v = 0;
      if (!t || !ParseDouble(values[i]->text, &v)) {
        return Status::Error("result '" + id + "' has a bad point '" + times[i]->text + "' = '" +
                             values[i]->text + "'");
      }
      s.points.emplace_back(*t, v);
    }
  }
  return page;
}

Result<std::vector<MetricIdentity>> ParseListMetrics(const XmlNode& root, std::string* next_token) {
  const XmlNode* result = root.Child("ListMetricsResult");
  if (root.name != "ListMetricsResponse" || result == nullptr) {
    return Status::Error("answer is not a ListMetricsResponse (root <" + root.name + ">)");
  }
  if (next_token) *next_token = result->ChildText("NextToken").value_or("");
  std::vector<MetricIdentity> out;
  for (const XmlNode* m : result->Members("Metrics")) {
    MetricIdentity id{
        m->ChildText("Namespace").value_or(""), m->ChildText("MetricName").value_or(""), {}};
    for (const XmlNode* d : m->Members("Dimensions")) {
      id.dimensions.emplace_back(d->ChildText("Name").value_or(""),
                                 d->ChildText("Value").value_or(""));
    }
    out.push_back(std::move(id));
  }
  return out;
}

QueryParams GetMetricDataParams(const std::vector<const MetricQuery*>& queries, TimePoint start,
                                TimePoint end, const std::string& next_token) {
  QueryParams p;
  p.emplace_back("StartTime", FormatAwsTime(start));
  p.emplace_back("EndTime", FormatAwsTime(end));
  p.emplace_back("ScanBy", "TimestampDescending");
  if (!next_token.empty()) p.emplace_back("NextToken", next_token);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const MetricQuery& q = *queries[i];
    const std::string m = "MetricDataQueries.member." + std::to_string(i + 1) + ".";
    p.emplace_back(m + "Id", q.id);
    p.emplace_back(m + "MetricStat.Metric.Namespace", q.name_space);
    p.emplace_back(m + "MetricStat.Metric.MetricName", q.metric);
    for (std::size_t d = 0; d < q.dimensions.size(); ++d) {
      const std::string dim = m + "MetricStat.Metric.Dimensions.member." + std::to_string(d + 1);
      p.emplace_back(dim + ".Name", q.dimensions[d].first);
      p.emplace_back(dim + ".Value", q.dimensions[d].second);
    }
    p.emplace_back(m + "MetricStat.Period", std::to_string(q.period_s));
    p.emplace_back(m + "MetricStat.Stat", q.stat);
    p.emplace_back(m + "ReturnData", "true");
  }
  return p;
}

Result<std::map<std::string, MetricSeries>> CloudWatchApi::GetMetricData(
    const std::vector<MetricQuery>& queries, TimePoint start, TimePoint end) {
  std::map<std::string, MetricSeries> all;
  for (std::size_t first = 0; first < queries.size(); first += kMaxQueriesPerCall) {
    std::vector<const MetricQuery*> batch;
    for (std::size_t i = first; i < queries.size() && i < first + kMaxQueriesPerCall; ++i) {
      batch.push_back(&queries[i]);
    }
    std::string token;
    for (int page = 0;; ++page) {
      if (page == kMaxPages) {
        return Status::Error("CloudWatch GetMetricData: more than " + std::to_string(kMaxPages) +
                             " pages");
      }
      ++calls_;
      CallOutcome out =
          client_.Call("GetMetricData", GetMetricDataParams(batch, start, end, token));
      if (!out.ok()) return Status::Error(out.error.ToString());
      auto parsed = ParseGetMetricData(*out.body);
      if (!parsed.ok()) return parsed.status().WithContext("CloudWatch GetMetricData");
      for (auto& [id, s] : parsed->series) {
        MetricSeries& into = all[id];
        into.points.insert(into.points.end(), s.points.begin(), s.points.end());
        if (into.status_code.empty() || s.status_code != "Complete")
          into.status_code = s.status_code;
        into.messages.insert(into.messages.end(), s.messages.begin(), s.messages.end());
      }
      token = parsed->next_token;
      if (token.empty()) break;
    }
  }
  return all;
}

Result<std::vector<MetricIdentity>> CloudWatchApi::ListMetrics(const std::string& name_space,
                                                               const std::string& metric,
                                                               const std::string& dimension) {
  std::vector<MetricIdentity> all;
  std::string token;
  for (int page = 0;; ++page) {
    if (page == kMaxPages) {
      return Status::Error("CloudWatch ListMetrics: more than " + std::to_string(kMaxPages) +
                           " pages");
    }
    QueryParams p = {{"Namespace", name_space},
                     {"MetricName", metric},
                     {"Dimensions.member.1.Name", dimension},
                     {"RecentlyActive", "PT3H"}};
    if (!token.empty()) p.emplace_back("NextToken", token);
    CallOutcome out = client_.Call("ListMetrics", p);
    if (!out.ok()) return Status::Error(out.error.ToString());
    auto parsed = ParseListMetrics(*out.body, &token);
    if (!parsed.ok()) return parsed.status().WithContext("CloudWatch ListMetrics");
    all.insert(all.end(), parsed->begin(), parsed->end());
    if (token.empty()) break;
  }
  return all;
}

}  // namespace prescale::aws
