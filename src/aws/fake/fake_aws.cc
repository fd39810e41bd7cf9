#include "aws/fake/fake_aws.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <sstream>

#include "aws/sigv4.h"
#include "aws/time_format.h"

namespace prescale::aws {
namespace {

constexpr const char* kAsgNs = "http://autoscaling.amazonaws.com/doc/2011-01-01/";
constexpr const char* kCwNs = "http://monitoring.amazonaws.com/doc/2010-08-01/";
constexpr std::size_t kMaxQueries = 500;

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte.
std::multimap<std::string, std::string> ParseForm(std::string_view body) {
  std::multimap<std::string, std::string> form;
  auto decode = [](std::string_view s) {
    std::string plus(s);
    std::replace(plus.begin(), plus.end(), '+', ' ');
    return UriDecode(plus);
  };
  std::size_t i = 0;
  while (i < body.size()) {
    std::size_t amp = body.find('&', i);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view part = body.substr(i, amp - i);
    std::size_t eq = part.find('=');
    if (!part.empty()) {
      form.emplace(decode(part.substr(0, eq)),
                   eq == std::string_view::npos ? "" : decode(part.substr(eq + 1)));
    }
    i = amp + 1;
  }
  return form;
}

std::string Get(const std::multimap<std::string, std::string>& f, const std::string& k) {
  auto it = f.find(k);
  return it == f.end() ? "" : it->second;
}

std::optional<TimePoint> ParseAmzDate(const std::string& s) {
  // 20150830T123600Z
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  return ParseIsoTime(s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" +
                      s.substr(9, 2) + ":" + s.substr(11, 2) + ":" + s.substr(13, 2) + "Z");
}

}  // namespace

std::string XmlNamespace(const std::string& signing_name) {
  return signing_name == "monitoring" ? kCwNs : kAsgNs;
}

int FakeGroup::InService() const {
  int n = 0;
  for (const FakeInstance& i : instances) n += i.state == "InService";
  return n;
}

FakeAws::FakeAws(Options options) : options_(std::move(options)) {
  server_.set_tcp_nodelay(true);
  // One request per connection: a client's idle keep-alive connection would hold a
  // worker until its timeout and make stop() wait for it.
  server_.set_keep_alive_max_count(1);
  server_.new_task_queue = [] { return new httplib::ThreadPool(16); };
  // POST bodies are read through a content reader: httplib refuses form bodies over
  // 8 kB (CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH, fixed in the .so), and a
  // GetMetricData of 500 queries is ~100 kB.
  server_.Post("/", [this](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& reader) {
    std::string body;
    reader([&body](const char* data, std::size_t n) {
      body.append(data, n);
      return body.size() < (16u << 20);
    });
    Handle(req, body, res);
  });
  server_.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, req.body, res);
  });
  server_.Get("/_fake/state", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(StateJson(), "application/json");
  });
  server_.Post("/_fake/metric", [this](const httplib::Request& req, httplib::Response& res) {
    SetMetric(req.get_param_value("name"), std::stod(req.get_param_value("value")));
    res.set_content("ok\n", "text/plain");
  });
  server_.Post("/_fake/fault", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string kind = req.get_param_value("kind");
    Fault f;
    f.kind = kind == "throttling" ? FaultKind::kThrottling
             : kind == "500"      ? FaultKind::kServerError
             : kind == "limit"    ? FaultKind::kLimitExceeded
             : kind == "slow"     ? FaultKind::kSlow
                                  : FaultKind::kExpiredToken;
    if (req.has_param("delay_s")) f.delay = Duration(std::stod(req.get_param_value("delay_s")));
    const int times = req.has_param("times") ? std::stoi(req.get_param_value("times")) : 1;
    Inject(req.get_param_value("action"), f, times);
    res.set_content("ok\n", "text/plain");
  });
  port_ = server_.bind_to_any_port(options_.host);
  if (port_ <= 0) return;
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // listen_after_bind has no ready signal in httplib 0.11.4 (DEPENDENCIES.md, trap 3);
  // the socket is bound already, so connections queue until it runs.
  const TimePoint deadline = RealClock::Default().Now() + Duration(10);
  while (!server_.is_running() && RealClock::Default().Now() < deadline) std::this_thread::yield();
}

FakeAws::~FakeAws() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeAws::AddKey(FakeKey key) {
  std::lock_guard lock(mu_);
  expired_[key.access_key_id] = false;
  keys_[key.access_key_id] = std::move(key);
}

void FakeAws::ExpireKey(const std::string& id) {
  std::lock_guard lock(mu_);
  expired_[id] = true;
}

void FakeAws::AddGroup(const std::string& name, int min, int max, int desired) {
  std::lock_guard lock(mu_);
  FakeGroup& g = groups_[name];
  g.name = name;
  g.min = min;
  g.max = max;
  g.instances.clear();
  for (int i = 0; i < desired; ++i) {
    char id[32];
    std::snprintf(id, sizeof(id), "i-%017lx", next_instance_++);
    g.instances.push_back(FakeInstance{id, "InService", options_.clock->Now()});
  }
  g.desired = desired;
}

FakeGroup FakeAws::Group(const std::string& name) {
  std::lock_guard lock(mu_);
  BootLocked();
  auto it = groups_.find(name);
  return it == groups_.end() ? FakeGroup{} : it->second;
}

void FakeAws::SetMetric(const std::string& metric, double average, double maximum) {
  std::lock_guard lock(mu_);
  average_[metric] = average;
  maximum_[metric] = maximum < 0 ? average : maximum;
}

void FakeAws::SetInstanceMetric(const std::string& instance, const std::string& metric,
                                double average) {
  std::lock_guard lock(mu_);
  per_instance_[instance][metric] = average;
}

void FakeAws::SetMemory(bool published, double percent) {
  std::lock_guard lock(mu_);
  memory_ = published;
  memory_pct_ = percent;
}

void FakeAws::Inject(const std::string& action, Fault fault, int times) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < times; ++i) faults_[action].push_back(fault);
}

int FakeAws::Requests(const std::string& action) {
  std::lock_guard lock(mu_);
  return requests_[action];
}

std::vector<int> FakeAws::AppliedSets() {
  std::lock_guard lock(mu_);
  return applied_sets_;
}

int FakeAws::Refused(const std::string& code) {
  std::lock_guard lock(mu_);
  return refused_[code];
}

std::vector<int> FakeAws::MetricQueriesPerCall() {
  std::lock_guard lock(mu_);
  return queries_per_call_;
}

std::string FakeAws::StateJson() {
  std::lock_guard lock(mu_);
  BootLocked();
  std::ostringstream j;
  j << "{\"groups\":{";
  bool first = true;
  for (const auto& [name, g] : groups_) {
    j << (first ? "" : ",") << "\"" << name << "\":{\"min\":" << g.min << ",\"max\":" << g.max
      << ",\"desired\":" << g.desired << ",\"in_service\":" << g.InService()
      << ",\"instances\":" << g.instances.size() << "}";
    first = false;
  }
  auto counts = [&j](const std::map<std::string, int>& m) {
    bool first = true;
    for (const auto& [k, n] : m) {
      j << (first ? "" : ",") << "\"" << k << "\":" << n;
      first = false;
    }
  };
  j << "},\"requests\":{";
  counts(requests_);
  j << "},\"refused\":{";
  counts(refused_);
  j << "},\"applied_sets\":[";
  for (std::size_t i = 0; i < applied_sets_.size(); ++i) j << (i ? "," : "") << applied_sets_[i];
  j << "]}";
  return j.str();
}

std::string FakeAws::RequestId() {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "fa4e0000-0000-4000-8000-%012lx", next_request_++);
  return buf;
}

FakeAws::Answer FakeAws::Error(const std::string& service, int status, const std::string& code,
                               const std::string& message, const char* type) {
  Answer a;
  a.status = status;
  a.body = "<ErrorResponse xmlns=\"" + XmlNamespace(service) + "\">\n  <Error>\n    <Type>" + type +
           "</Type>\n    <Code>" + Esc(code) + "</Code>\n    <Message>" + Esc(message) +
           "</Message>\n  </Error>\n  <RequestId>" + RequestId() +
           "</RequestId>\n</ErrorResponse>\n";
  return a;
}

bool FakeAws::Authenticate(const httplib::Request& req, const std::string& body,
                           std::string* service, Answer* refusal) {
  // What AWS says, code by code (the Query services' 403 answers).
  auto refuse = [&](const std::string& svc, const std::string& code, const std::string& message) {
    ++refused_[code];
    *refusal = Error(svc, 403, code, message);
    return false;
  };
  const std::string auth = req.get_header_value("Authorization");
  ParsedAuthorization pa;
  if (auth.empty())
    return refuse("autoscaling", "MissingAuthenticationToken",
                  "Request is missing Authentication Token");
  if (!ParseAuthorization(auth, &pa)) {
    return refuse("autoscaling", "IncompleteSignature",
                  "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'");
  }
  *service = pa.service;
  auto key = keys_.find(pa.access_key_id);
  if (key == keys_.end()) {
    return refuse(pa.service, "InvalidClientTokenId",
                  "The security token included in the request is invalid.");
  }
  if (expired_[pa.access_key_id]) {
    return refuse(pa.service, "ExpiredToken",
                  "The security token included in the request is expired");
  }
  if (!key->second.session_token.empty() &&
      req.get_header_value("X-Amz-Security-Token") != key->second.session_token) {
    return refuse(pa.service, "InvalidClientTokenId",
                  "The security token included in the request is invalid.");
  }
  if (pa.service != "autoscaling" && pa.service != "monitoring") {
    return refuse("autoscaling", "SignatureDoesNotMatch",
                  "Credential should be scoped to correct service. ");
  }
  if (pa.region != options_.region) {
    return refuse(pa.service, "SignatureDoesNotMatch",
                  "Credential should be scoped to a valid region. ");
  }
  const std::string amz_date = req.get_header_value("X-Amz-Date");
  auto when = ParseAmzDate(amz_date);
  if (!when || amz_date.substr(0, 8) != pa.day) {
    return refuse(pa.service, "SignatureDoesNotMatch",
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                  "from HTTP: '" +
                      pa.day + "' != '" + amz_date.substr(0, 8) + "'");
  }
  const std::string signed_headers = ";" + pa.signed_headers + ";";
  if (signed_headers.find(";host;") == std::string::npos) {
    return refuse(pa.service, "SignatureDoesNotMatch",
                  "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  // Recompute from the request as it arrived.
  HttpRequest r;
  r.method = req.method;
  const std::size_t q = req.target.find('?');
  r.path = UriDecode(req.target.substr(0, q));
  r.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  Headers all;
  for (const auto& [k, v] : req.headers) all.emplace_back(k, v);
  r.headers = OnlySignedHeaders(all, pa.signed_headers);
  r.body = body;
  Credentials c;
  c.access_key_id = pa.access_key_id;
  c.secret_access_key = Secret(key->second.secret_access_key);
  SignatureParts parts = ComputeSignature(r, c, SigningScope{pa.region, pa.service}, *when);
  if (parts.signature != pa.signature || parts.signed_headers != pa.signed_headers) {
    return refuse(pa.service, "SignatureDoesNotMatch",
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your AWS Secret Access Key and signing method. Consult the "
                  "service documentation for details.");
  }
  return true;
}

void FakeAws::Handle(const httplib::Request& req, const std::string& body, httplib::Response& res) {
  Answer answer;
  Fault slow;
  bool delay = false;
  {
    std::lock_guard lock(mu_);
    std::string service;
    if (!Authenticate(req, body, &service, &answer)) {
      res.status = answer.status;
      res.set_content(answer.body, "text/xml");
      return;
    }
    const std::size_t q = req.target.find('?');
    Form form = ParseForm(body.empty() && q != std::string::npos
                              ? std::string_view(req.target).substr(q + 1)
                              : std::string_view(body));
    const std::string action = Get(form, "Action");
    ++requests_[action];
    auto& pending = faults_[action];
    std::optional<Fault> fault;
    if (!pending.empty()) {
      fault = pending.front();
      pending.erase(pending.begin());
    }
    const bool asg = service == "autoscaling";
    if (fault && fault->kind == FaultKind::kThrottling) {
      answer = Error(service, 400, "Throttling", "Rate exceeded");
    } else if (fault && fault->kind == FaultKind::kServerError) {
      answer = asg ? Error(service, 500, "ResourceContention",
                           "You already have a pending update to an Auto Scaling resource "
                           "(for example, a group, instance, or load balancer).",
                           "Receiver")
                   : Error(service, 500, "InternalServiceError",
                           "Request processing has failed due to some unknown error, exception "
                           "or failure.",
                           "Receiver");
    } else if (fault && fault->kind == FaultKind::kLimitExceeded) {
      answer = Error(service, 400, "LimitExceeded",
                     "You have reached a limit for the number of requests.");
    } else if (fault && fault->kind == FaultKind::kExpiredToken) {
      ++refused_["ExpiredToken"];
      answer = Error(service, 403, "ExpiredToken",
                     "The security token included in the request is expired");
    } else {
      if (Get(form, "Version") != (asg ? "2011-01-01" : "2010-08-01")) {
        answer = Error(service, 400, "InvalidParameterValue",
                       "The Version '" + Get(form, "Version") + "' is not valid");
      } else {
        answer = Dispatch(service, form);
      }
      if (fault && fault->kind == FaultKind::kSlow) {
        slow = *fault;
        delay = true;
      }
    }
  }
  if (delay) {
    // Carried out, answered late: the client's timeout fires first.
    std::unique_lock lock(mu_);
    stop_cv_.wait_for(lock, slow.delay, [this] { return stopping_; });
  }
  res.status = answer.status;
  res.set_content(answer.body, "text/xml");
}

FakeAws::Answer FakeAws::Dispatch(const std::string& service, const Form& form) {
  const std::string action = Get(form, "Action");
  BootLocked();
  if (service == "autoscaling" && action == "DescribeAutoScalingGroups")
    return DescribeGroups(form);
  if (service == "autoscaling" && action == "SetDesiredCapacity") return SetDesired(form);
  if (service == "monitoring" && action == "GetMetricData") return MetricData(form);
  if (service == "monitoring" && action == "ListMetrics") return ListMetricsAnswer(form);
  return Error(service, 400, "InvalidAction",
               "The action " + action + " is not valid for this web service.");
}

void FakeAws::BootLocked() {
  const TimePoint now = options_.clock->Now();
  for (auto& [name, g] : groups_) {
    for (FakeInstance& i : g.instances) {
      if (i.state == "Pending" && now - i.launched >= options_.boot_delay) i.state = "InService";
    }
  }
}

void FakeAws::ResizeLocked(FakeGroup& g, int desired) {
  while (static_cast<int>(g.instances.size()) < desired) {
    char id[32];
    std::snprintf(id, sizeof(id), "i-%017lx", next_instance_++);
    const bool at_once = options_.boot_delay.count() <= 0;
    g.instances.push_back(
        FakeInstance{id, at_once ? "InService" : "Pending", options_.clock->Now()});
  }
  while (static_cast<int>(g.instances.size()) > desired) g.instances.pop_back();  // newest first
  g.desired = desired;
}

FakeAws::Answer FakeAws::DescribeGroups(const Form& form) {
  std::set<std::string> names;
  for (const auto& [k, v] : form) {
    if (k.rfind("AutoScalingGroupNames.member.", 0) == 0) names.insert(v);
  }
  std::string xml = std::string("<DescribeAutoScalingGroupsResponse xmlns=\"") + kAsgNs +
                    "\">\n  <DescribeAutoScalingGroupsResult>\n    <AutoScalingGroups>\n";
  for (const auto& [name, g] : groups_) {
    if (!names.empty() && !names.count(name)) continue;
    xml += "      <member>\n        <HealthCheckType>EC2</HealthCheckType>\n";
    xml += "        <Instances>\n";
    for (const FakeInstance& i : g.instances) {
      xml +=
          "          <member>\n            <HealthStatus>Healthy</HealthStatus>\n"
          "            <AvailabilityZone>" +
          options_.region +
          "a</AvailabilityZone>\n"
          "            <InstanceId>" +
          i.id +
          "</InstanceId>\n"
          "            <InstanceType>t3.small</InstanceType>\n"
          "            <LaunchTemplate>\n              <LaunchTemplateName>web-app-template"
          "</LaunchTemplateName>\n              <Version>1</Version>\n"
          "            </LaunchTemplate>\n"
          "            <LifecycleState>" +
          i.state +
          "</LifecycleState>\n"
          "            <ProtectedFromScaleIn>false</ProtectedFromScaleIn>\n"
          "          </member>\n";
    }
    xml += "        </Instances>\n";
    xml += "        <AutoScalingGroupName>" + Esc(name) + "</AutoScalingGroupName>\n";
    xml += "        <DesiredCapacity>" + std::to_string(g.desired) + "</DesiredCapacity>\n";
    xml += "        <MinSize>" + std::to_string(g.min) + "</MinSize>\n";
    xml += "        <MaxSize>" + std::to_string(g.max) + "</MaxSize>\n";
    xml +=
        "        <DefaultCooldown>300</DefaultCooldown>\n        <AvailabilityZones>\n"
        "          <member>" +
        options_.region +
        "a</member>\n        </AvailabilityZones>\n"
        "        <LoadBalancerNames/>\n        <TargetGroupARNs/>\n"
        "        <AutoScalingGroupARN>arn:aws:autoscaling:" +
        options_.region +
        ":123456789012:autoScalingGroup:12345678-1234-1234-1234-123456789012:"
        "autoScalingGroupName/" +
        Esc(name) +
        "</AutoScalingGroupARN>\n"
        "        <CreatedTime>2024-01-15T10:00:00.000Z</CreatedTime>\n"
        "        <HealthCheckGracePeriod>300</HealthCheckGracePeriod>\n"
        "        <SuspendedProcesses/>\n        <EnabledMetrics/>\n        <Tags/>\n"
        "        <TerminationPolicies>\n          <member>Default</member>\n"
        "        </TerminationPolicies>\n"
        "        <NewInstancesProtectedFromScaleIn>false</NewInstancesProtectedFromScaleIn>\n"
        "      </member>\n";
  }
  xml +=
      "    </AutoScalingGroups>\n  </DescribeAutoScalingGroupsResult>\n  <ResponseMetadata>\n"
      "    <RequestId>" +
      RequestId() +
      "</RequestId>\n  </ResponseMetadata>\n"
      "</DescribeAutoScalingGroupsResponse>\n";
  return Answer{200, xml};
}

FakeAws::Answer FakeAws::SetDesired(const Form& form) {
  const std::string name = Get(form, "AutoScalingGroupName");
  const std::string desired_text = Get(form, "DesiredCapacity");
  auto it = groups_.find(name);
  if (it == groups_.end()) {
    return Error("autoscaling", 400, "ValidationError",
                 "AutoScalingGroup name not found - AutoScalingGroup '" + name + "' not found");
  }
  int desired = 0;
  try {
    desired = std::stoi(desired_text);
  } catch (const std::exception&) {
    return Error("autoscaling", 400, "ValidationError",
                 "1 validation error detected: Value '" + desired_text +
                     "' at 'desiredCapacity' failed to satisfy constraint");
  }
  FakeGroup& g = it->second;
  if (desired > g.max) {
    return Error("autoscaling", 400, "ValidationError",
                 "New SetDesiredCapacity value " + std::to_string(desired) +
                     " is above max value " + std::to_string(g.max) + " for the AutoScalingGroup.");
  }
  if (desired < g.min) {
    return Error("autoscaling", 400, "ValidationError",
                 "New SetDesiredCapacity value " + std::to_string(desired) +
                     " is below min value " + std::to_string(g.min) + " for the AutoScalingGroup.");
  }
  ResizeLocked(g, desired);
  applied_sets_.push_back(desired);
  return Answer{200, std::string("<SetDesiredCapacityResponse xmlns=\"") + kAsgNs +
                         "\">\n  <ResponseMetadata>\n    <RequestId>" + RequestId() +
                         "</RequestId>\n  </ResponseMetadata>\n</SetDesiredCapacityResponse>\n"};
}

const FakeGroup* FakeAws::InstanceGroup(const std::string& id) const {
  for (const auto& [name, g] : groups_) {
    for (const FakeInstance& i : g.instances) {
      if (i.id == id) return &g;
    }
  }
  return nullptr;
}

FakeAws::Answer FakeAws::MetricData(const Form& form) {
  struct Q {
    std::string id, ns, metric, stat;
    std::map<std::string, std::string> dims;
    int period = 60;
  };
  std::map<int, Q> queries;
  std::map<std::pair<int, int>, std::pair<std::string, std::string>> dims;
  for (const auto& [k, v] : form) {
    int n = 0, d = 0;
    char field[128] = {0};
    if (std::sscanf(k.c_str(),
                    "MetricDataQueries.member.%d.MetricStat.Metric.Dimensions.member.%d.%127s", &n,
                    &d, field) == 3) {
      auto& p = dims[{n, d}];
      (std::string(field) == "Name" ? p.first : p.second) = v;
    } else if (std::sscanf(k.c_str(), "MetricDataQueries.member.%d.%127s", &n, field) == 2) {
      Q& q = queries[n];
      const std::string f = field;
      if (f == "Id") q.id = v;
      if (f == "MetricStat.Metric.Namespace") q.ns = v;
      if (f == "MetricStat.Metric.MetricName") q.metric = v;
      if (f == "MetricStat.Stat") q.stat = v;
      if (f == "MetricStat.Period") q.period = std::atoi(v.c_str());
    }
  }
  for (const auto& [nd, p] : dims) queries[nd.first].dims[p.first] = p.second;
  queries_per_call_.push_back(static_cast<int>(queries.size()));
  if (queries.size() > kMaxQueries) {
    return Error("monitoring", 400, "ValidationError",
                 "The collection MetricDataQueries must not have a size greater than 500.");
  }
  auto start = ParseIsoTime(Get(form, "StartTime"));
  auto end = ParseIsoTime(Get(form, "EndTime"));
  if (!start || !end) {
    return Error("monitoring", 400, "MissingParameter",
                 "The parameters StartTime and EndTime are required.");
  }
  std::vector<const Q*> ordered;
  for (const auto& [n, q] : queries) {
    if (q.id.empty() || q.period <= 0) {
      return Error("monitoring", 400, "ValidationError",
                   "The value for parameter MetricDataQueries.member." + std::to_string(n) +
                       " is not valid.");
    }
    ordered.push_back(&q);
  }
  std::size_t offset = 0;
  if (const std::string token = Get(form, "NextToken"); !token.empty()) {
    if (token.rfind("page-", 0) != 0) {
      return Error("monitoring", 400, "InvalidNextToken",
                   "The service couldn't process the token.");
    }
    offset = std::stoul(token.substr(5));
  }
  const std::size_t page =
      options_.results_per_page == 0 ? ordered.size() : options_.results_per_page;
  std::string xml = std::string("<GetMetricDataResponse xmlns=\"") + kCwNs +
                    "\">\n  <GetMetricDataResult>\n    <MetricDataResults>\n";
  for (std::size_t i = offset; i < ordered.size() && i < offset + page; ++i) {
    const Q& q = *ordered[i];
    // The value at this instance, if it publishes the metric under these dimensions.
    std::optional<double> value;
    const std::string instance = q.dims.count("InstanceId") ? q.dims.at("InstanceId") : "";
    const FakeGroup* g = InstanceGroup(instance);
    if (q.ns == "AWS/EC2" && q.dims.size() == 1 && g != nullptr && average_.count(q.metric)) {
      value = q.stat == "Maximum" ? maximum_[q.metric] : average_[q.metric];
      if (auto pi = per_instance_.find(instance);
          pi != per_instance_.end() && pi->second.count(q.metric)) {
        value = pi->second.at(q.metric);
      }
    }
    if (q.ns == "CWAgent" && q.metric == "mem_used_percent" && memory_ && g != nullptr &&
        q.dims.size() == 4 && q.dims.count("AutoScalingGroupName") &&
        q.dims.at("AutoScalingGroupName") == g->name && q.dims.count("ImageId") &&
        q.dims.count("InstanceType")) {
      value = memory_pct_;
    }
    // Periods in [start, end), newest first (ScanBy TimestampDescending).
    std::vector<double> times;
    if (value) {
      const double p = q.period;
      double t = std::floor((ToEpochSeconds(*end) - 1) / p) * p;
      for (; t >= ToEpochSeconds(*start) && times.size() < 3; t -= p) times.push_back(t);
    }
    xml += "      <member>\n        <Timestamps>\n";
    for (double t : times)
      xml += "          <member>" + FormatAwsTime(FromEpochSeconds(t)) + "</member>\n";
    xml += "        </Timestamps>\n        <StatusCode>Complete</StatusCode>\n";
    xml += "        <Label>" + Esc(q.metric) + "</Label>\n        <Values>\n";
    for (std::size_t k = 0; k < times.size(); ++k)
      xml += "          <member>" + Num(*value) + "</member>\n";
    xml += "        </Values>\n        <Id>" + Esc(q.id) +
           "</Id>\n        <Messages/>\n      </member>\n";
  }
  xml += "    </MetricDataResults>\n";
  if (offset + page < ordered.size()) {
    xml += "    <NextToken>page-" + std::to_string(offset + page) + "</NextToken>\n";
  }
  xml += "    <Messages/>\n  </GetMetricDataResult>\n  <ResponseMetadata>\n    <RequestId>" +
         RequestId() + "</RequestId>\n  </ResponseMetadata>\n</GetMetricDataResponse>\n";
  return Answer{200, xml};
}

FakeAws::Answer FakeAws::ListMetricsAnswer(const Form& form) {
  std::string xml = std::string("<ListMetricsResponse xmlns=\"") + kCwNs +
                    "\">\n  <ListMetricsResult>\n    <Metrics>\n";
  if (memory_ && Get(form, "Namespace") == "CWAgent" &&
      Get(form, "MetricName") == "mem_used_percent") {
    for (const auto& [name, g] : groups_) {
      for (const FakeInstance& i : g.instances) {
        xml += "      <member>\n        <Dimensions>\n";
        for (const auto& [k, v] :
             std::vector<std::pair<std::string, std::string>>{{"InstanceId", i.id},
                                                              {"ImageId", "ami-0c02fb55956c7d316"},
                                                              {"AutoScalingGroupName", name},
                                                              {"InstanceType", "t3.small"}}) {
          xml += "          <member>\n            <Name>" + k + "</Name>\n            <Value>" +
                 Esc(v) + "</Value>\n          </member>\n";
        }
        xml +=
            "        </Dimensions>\n        <MetricName>mem_used_percent</MetricName>\n"
            "        <Namespace>CWAgent</Namespace>\n      </member>\n";
      }
    }
  }
  xml += "    </Metrics>\n  </ListMetricsResult>\n  <ResponseMetadata>\n    <RequestId>" +
         RequestId() + "</RequestId>\n  </ResponseMetadata>\n</ListMetricsResponse>\n";
  return Answer{200, xml};
}

}  // namespace prescale::aws
