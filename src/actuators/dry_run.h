// Dry run: an Actuator that only says what it would do, like AWS predictive
// scaling's ForecastOnly mode. It wraps the real actuator of a group:
//
//   - Describe() passes through, so decisions see the group as it really is;
//   - SetDesired() never reaches the inner actuator. It records the size it would
//     have set and returns OK, so the controller's policy state (cooldowns,
//     streaks) advances as if the action had been applied.
//
// The group therefore never changes size, and a policy that keeps asking for the
// same change will keep "would set"-ing it. Logging the would-be actions is the
// daemon's job; this class only keeps the last one and a count. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "prescale/actuator.h"

namespace prescale {

class DryRunActuator final : public Actuator {
 public:
  // REQUIRES: inner != nullptr.
  explicit DryRunActuator(std::unique_ptr<Actuator> inner);

  // "dry-run(<inner name>)", e.g. "dry-run(exec)".
  std::string_view name() const override { return name_; }
  Result<CapacityStatus> Describe(TimePoint now) override { return inner_->Describe(now); }
  Status SetDesired(int desired, TimePoint now) override;
  std::optional<Limits> PlatformLimits() const override { return inner_->PlatformLimits(); }

  // The size of the last SetDesired(), or nullopt before the first.
  std::optional<int> last_would_set() const { return last_would_set_; }
  // How many SetDesired() calls were swallowed.
  std::int64_t would_set_count() const { return would_set_count_; }
  // When the last one was asked for (meaningful once would_set_count() > 0).
  TimePoint last_would_set_time() const { return last_would_set_time_; }
  const Actuator& inner() const { return *inner_; }

 private:
  std::unique_ptr<Actuator> inner_;
  std::string name_;
  std::optional<int> last_would_set_;
  std::int64_t would_set_count_ = 0;
  TimePoint last_would_set_time_;
};

// Wraps `inner` in a DryRunActuator. REQUIRES: inner != nullptr.
std::unique_ptr<Actuator> MakeDryRun(std::unique_ptr<Actuator> inner);

}  // namespace prescale
