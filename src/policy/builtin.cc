// The built-in policies, by name.
#include "policy/classifier.h"
#include "policy/hpa.h"
#include "policy/predictive.h"
#include "policy/seed2.h"
#include "policy/target_tracking.h"
#include "policy/threshold.h"

namespace prescale {

const PolicyRegistry& Policies() {
  static const PolicyRegistry* registry = [] {
    auto* r = new PolicyRegistry("policy");
    r->Register("threshold", policy::ThresholdPolicy::Create);
    r->Register("seed2", policy::Seed2Policy::Create);
    r->Register("hpa", policy::HpaPolicy::Create);
    r->Register("target-tracking", policy::TargetTrackingPolicy::Create);
    r->Register("predictive", policy::PredictivePolicy::Create);
    r->Register("classifier", policy::ClassifierPolicy::Create);
    return r;
  }();
  return *registry;
}

}  // namespace prescale
