#include "policy/classifier.h"

#include "policy/common.h"
#include "policy/predictive.h"

namespace prescale::policy {
namespace {

struct ClassifierState final : PolicyState {
  Seed2RulesState rules;
  std::unique_ptr<PolicyState> fallback;

  void CopyFrom(const PolicyState& other) override {
    const auto& o = static_cast<const ClassifierState&>(other);
    rules = o.rules;
    fallback->CopyFrom(*o.fallback);
  }
  void Save(StateWriter& w) const override {
    SaveSeed2Rules(rules, w);
    fallback->Save(w);
  }
  // The rules' part first; the fallback's Load() reads the rest and finishes.
  Status Load(StateReader& r) override {
    Seed2RulesState loaded = LoadSeed2Rules(r);
    if (Status s = fallback->Load(r); !s.ok()) return s;
    rules = loaded;
    return Status::Ok();
  }
};

}  // namespace

Seed2Signal SignalForClass(DemandClass c, bool seed_mapping) {
  switch (c) {
    case DemandClass::kLow:
      return seed_mapping ? Seed2Signal::kUp : Seed2Signal::kDown;
    case DemandClass::kMedium:
      return seed_mapping ? Seed2Signal::kDown : Seed2Signal::kHold;
    case DemandClass::kHigh:
      return seed_mapping ? Seed2Signal::kHold : Seed2Signal::kUp;
  }
  return Seed2Signal::kHold;
}

ClassifierPolicy::ClassifierPolicy(ClassifierConfig config, std::unique_ptr<Policy> fallback)
    : config_(std::move(config)), fallback_(std::move(fallback)) {}

Result<std::unique_ptr<Policy>> ClassifierPolicy::Create(const Params& p,
                                                         const PolicyContext& ctx) {
  ParamReader r(p);
  ClassifierConfig c;
  c.rules = ReadSeed2Rules(r, ctx.interval);
  const std::string model = r.Text("model", "");
  const std::string url = r.Text("predictor_url", "");
  r.NumberIn("timeout_s", 6, 0.001, 3600);  // checked here, read by the classifier
  const std::string mapping = r.Text("class_mapping", "prescale");
  r.Require(mapping == "prescale" || mapping == "seed", "class_mapping",
            "must be 'prescale' (Low down, Medium hold, High up) or 'seed' (the seed's code: "
            "Low up, Medium down, High hold)");
  r.Require(model.empty() || url.empty(), "predictor_url",
            "and 'model' exclude each other: classify in-process with a model, or remotely");
  if (!r.status().ok()) return r.status();
  c.seed_mapping = mapping == "seed";
  // The classifier's settings keep their place in the file, for its errors.
  c.classifier.type = url.empty() ? "xgboost" : "remote";
  c.classifier.params = url.empty() ? p.Only({"model"}) : p.Only({"predictor_url", "timeout_s"});
  // Every other setting is the fallback's; it rejects what it does not know.
  auto fallback = PredictivePolicy::Create(
      p.Without({"model", "predictor_url", "timeout_s", "class_mapping", "cooldown_s",
                 "consecutive_down", "step_up", "step_down"}),
      ctx);
  if (!fallback.ok()) return fallback.status();
  return std::unique_ptr<Policy>(new ClassifierPolicy(std::move(c), std::move(fallback.value())));
}

PolicyNeeds ClassifierPolicy::Needs() const {
  PolicyNeeds needs = fallback_->Needs();
  needs.classification = true;
  needs.classifier = config_.classifier;
  needs.roll_back_untaken = true;  // its own counters follow the decisions taken
  return needs;
}

std::unique_ptr<PolicyState> ClassifierPolicy::NewState() const {
  auto st = std::make_unique<ClassifierState>();
  st->fallback = fallback_->NewState();
  return st;
}

Decision ClassifierPolicy::Decide(const PolicyInput& in, PolicyState& state) const {
  auto& st = static_cast<ClassifierState&>(state);
  // 1. The fallback decides every interval, so its state stays current.
  Decision fallback = fallback_->Decide(in, *st.fallback);
  const ClassifierVerdict* verdict = in.classification;
  if (verdict == nullptr || !verdict->ok()) {
    // 2. No class: the fallback's size. Down signals must be consecutive, so a gap
    //    ends the streak; an action the fallback takes starts the rules' cooldown.
    st.rules.down_streak = 0;
    if (fallback.desired != in.capacity.desired) st.rules.last_action = in.now;
    fallback.reason = Reason::kClassifierFallback;
    fallback.message = "Classifier unavailable - the predictive fallback decided";
    return fallback;
  }
  // 3. The class is seed 2's signal, under seed 2's rules.
  const Classification& c = *verdict->classification;
  Decision d = ApplySeed2Rules(config_.rules, st.rules,
                               SignalForClass(c.demand_class, config_.seed_mapping), in);
  d.recommendation = static_cast<double>(static_cast<int>(c.demand_class));
  return d;
}

}  // namespace prescale::policy
