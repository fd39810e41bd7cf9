// FakeAws: an Auto Scaling + CloudWatch endpoint on loopback that speaks the real
// protocol, for tests (in process on port 0) and for prescale_fake_aws (the same
// fake as a program, for the aws CLI and daemon tests).
//
//   - Every request's SigV4 signature is recomputed from what arrived and checked
//     against the known test credentials; a bad one is refused as AWS refuses it:
//     HTTP 403 with an awsQuery <ErrorResponse> (MissingAuthenticationToken,
//     InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken).
//   - DescribeAutoScalingGroups, SetDesiredCapacity, GetMetricData and ListMetrics
//     answer in the real XML shapes (those of ../shared/aws/responses), with the
//     service's namespace and a request id. Unknown actions get InvalidAction.
//   - A fake group whose size changes: SetDesiredCapacity launches Pending instances
//     that turn InService boot_delay later (on the given clock), or removes the
//     newest; values outside MinSize/MaxSize get ValidationError as AWS words it.
//   - GetMetricData serves per-instance values at the asked period for the last
//     periods in [StartTime, EndTime), newest first, paged with NextToken; the
//     CloudWatch agent's memory metric only under its exact dimension set.
//   - Faults: Throttling, 5xx, LimitExceeded, slow answers (the change applied, the
//     answer late) and expired tokens, injected per action for the next N requests.
//
// Thread-safe: the server answers on its own threads; every method locks.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aws/http.h"
#include "prescale/clock.h"

namespace prescale::aws {

struct FakeKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // required on requests when not empty
};

enum class FaultKind {
  kThrottling,     // 400 Throttling: Rate exceeded
  kServerError,    // 500 (Auto Scaling: ResourceContention; CloudWatch: InternalServiceError)
  kLimitExceeded,  // 400 LimitExceeded (Auto Scaling's quota fault; never retried)
  kSlow,           // the request is carried out, the answer comes `delay` later
  kExpiredToken,   // 403 ExpiredToken
};

struct Fault {
  FaultKind kind = FaultKind::kThrottling;
  Duration delay{0};  // kSlow
};

struct FakeInstance {
  std::string id;
  std::string state;  // Pending, InService
  TimePoint launched;
};

struct FakeGroup {
  std::string name;
  int min = 1, max = 10, desired = 1;
  std::vector<FakeInstance> instances;
  int InService() const;
};

class FakeAws {
 public:
  struct Options {
    std::string region = "us-east-1";
    const Clock* clock = &RealClock::Default();  // instance boot times
    Duration boot_delay{0};
    std::size_t results_per_page = 0;  // GetMetricData results per page; 0 = all in one
    std::string host = "127.0.0.1";
  };
  explicit FakeAws(Options options);
  FakeAws() : FakeAws(Options{}) {}
  ~FakeAws();

  bool running() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "http://" + options_.host + ":" + std::to_string(port_); }

  void AddKey(FakeKey key);
  // Requests signed with this key now get ExpiredToken.
  void ExpireKey(const std::string& access_key_id);
  // A group with `desired` InService instances.
  void AddGroup(const std::string& name, int min, int max, int desired);
  FakeGroup Group(const std::string& name);
  // The value every instance reports for an AWS/EC2 metric (Average; Maximum is
  // `maximum`, or the average when negative).
  void SetMetric(const std::string& metric, double average, double maximum = -1);
  void SetInstanceMetric(const std::string& instance, const std::string& metric, double average);
  // The CloudWatch agent's mem_used_percent: published by every instance, or none.
  void SetMemory(bool published, double percent = 0);
  void Inject(const std::string& action, Fault fault, int times = 1);

  // Authenticated requests per action (faulted ones included).
  int Requests(const std::string& action);
  // The DesiredCapacity of every SetDesiredCapacity that was carried out.
  std::vector<int> AppliedSets();
  // Requests refused before reaching an action, by error code.
  int Refused(const std::string& code);
  // The query count of each GetMetricData call.
  std::vector<int> MetricQueriesPerCall();
  // A JSON summary for the program's /_fake/state.
  std::string StateJson();

 private:
  using Form = std::multimap<std::string, std::string>;
  struct Answer {
    int status = 200;
    std::string body;
  };
  void Handle(const httplib::Request& req, const std::string& body, httplib::Response& res);
  // Checks the signature; on failure fills `refusal`. Sets the service on success.
  bool Authenticate(const httplib::Request& req, const std::string& body, std::string* service,
                    Answer* refusal);
  Answer Dispatch(const std::string& service, const Form& form);
  Answer DescribeGroups(const Form& form);
  Answer SetDesired(const Form& form);
  Answer MetricData(const Form& form);
  Answer ListMetricsAnswer(const Form& form);
  Answer Error(const std::string& service, int status, const std::string& code,
               const std::string& message, const char* type = "Sender");
  std::string RequestId();
  void BootLocked();  // Pending -> InService when due; REQUIRES: mu_ held
  void ResizeLocked(FakeGroup& g, int desired);
  const FakeGroup* InstanceGroup(const std::string& id) const;

  Options options_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::map<std::string, FakeKey> keys_;
  std::map<std::string, bool> expired_;
  std::map<std::string, FakeGroup> groups_;
  std::map<std::string, double> average_;
  std::map<std::string, double> maximum_;
  std::map<std::string, std::map<std::string, double>> per_instance_;
  bool memory_ = false;
  double memory_pct_ = 0;
  std::map<std::string, std::vector<Fault>> faults_;
  std::map<std::string, int> requests_;
  std::map<std::string, int> refused_;
  std::vector<int> applied_sets_;
  std::vector<int> queries_per_call_;
  long next_request_ = 1;
  long next_instance_ = 1;
};

// The namespace of a service's answers.
std::string XmlNamespace(const std::string& signing_name);

}  // namespace prescale::aws
