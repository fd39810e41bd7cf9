// The built-in metric sources, by name.
#include <cmath>

#include "prescale/metric_source.h"
#include "sources/synthetic.h"

namespace prescale {
namespace {

// The synthetic workload as a source: its load at the sampled time, compressed by
// `time_scale` (24 makes a day pass in an hour, for demos). It knows no CPU.
class SyntheticSource final : public MetricSource {
 public:
  SyntheticSource(SyntheticWorkload workload, double time_scale, TimePoint epoch)
      : workload_(std::move(workload)), time_scale_(time_scale), epoch_(epoch) {}

  std::string_view name() const override { return "synthetic"; }

  Observation Read(TimePoint now) override {
    Observation o;
    o.time = now;
    TimePoint workload_time = epoch_ + (now - epoch_) * time_scale_;
    o.load_per_s = workload_.LoadAt(workload_time);
    return o;
  }

 private:
  SyntheticWorkload workload_;
  double time_scale_;
  TimePoint epoch_;
};

}  // namespace

const SourceRegistry& Sources() {
  static const SourceRegistry* registry = [] {
    auto* r = new SourceRegistry("source");
    r->Register("synthetic", [](const Params& p, const SourceContext&)
                                 -> Result<std::unique_ptr<MetricSource>> {
      if (Status s = p.CheckKnown({"base_per_s", "amplitude", "noise", "seed", "time_scale"});
          !s.ok()) {
        return s;
      }
      ParamReader r(p);
      SyntheticConfig c;
      c.base_per_s = r.NumberIn("base_per_s", c.base_per_s, 0, 1e12);
      c.amplitude = r.NumberIn("amplitude", c.amplitude, 0, 1);
      c.noise = r.NumberIn("noise", c.noise, 0, 1);
      c.seed = static_cast<std::uint64_t>(r.IntegerIn("seed", 1, 0, 1 << 30));
      double time_scale = r.NumberIn("time_scale", 1, 0.001, 1e6);
      if (!r.status().ok()) return r.status();
      return std::unique_ptr<MetricSource>(
          std::make_unique<SyntheticSource>(SyntheticWorkload(c), time_scale, TimePoint()));
    });
    return r;
  }();
  return *registry;
}

}  // namespace prescale
