// Helpers for the RapidCheck property tests of the policies and the controller:
// a seeded, bounded check that reports through gtest, and generators of
// observations that include missing and absurd values (NaN, infinities, negative,
// huge), as a broken exporter or a buggy query would give them.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "policy/policy_test_util.h"

namespace prescale::policy::test {

// Runs `property` (a callable taking generated arguments, using RC_ASSERT) for
// `cases` cases from a fixed seed, so that a run is reproducible, and fails the
// current test with RapidCheck's report (the shrunk counterexample) if it does not
// hold. RC_PARAMS in the environment overrides both, for a long run:
//   RC_PARAMS="seed=7 max_success=20000" build/prescale_tests --gtest_filter='*Property*'
template <class Property>
void CheckProperty(Property&& property, int cases = 150, std::uint64_t seed = 20261201) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  rc::detail::TestParams params;
  if (std::getenv("RC_PARAMS") != nullptr) {
    params = rc::detail::configuration().testParams;
  } else {
    params.seed = seed;
    params.maxSuccess = cases;
    params.maxSize = 100;
  }
  const rc::detail::TestResult result =
      rc::detail::checkTestable(std::forward<Property>(property), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream report;
    rc::detail::printResultMessage(result, report);
    ADD_FAILURE() << report.str();
  }
}

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// A metric as a source might report it: mostly a plausible value in [0, typical],
// sometimes missing, sometimes absurd.
inline rc::Gen<std::optional<double>> GenMetric(double typical) {
  return rc::gen::weightedOneOf<std::optional<double>>({
      {8, rc::gen::map(rc::gen::inRange(0, 100001),
                       [typical](int k) { return std::optional<double>(typical * k / 100000.0); })},
      {2, rc::gen::just(std::optional<double>())},
      {2, rc::gen::element<std::optional<double>>(kNaN, -kNaN, kInf, -kInf, -1.0, -1e-9, -1e308,
                                                  1e308, 5e-324, typical * 1e12, 0.0)},
  });
}

// A metric value that is unusable: missing, not finite, negative or absurdly large
// (policy::Usable).
inline bool Unusable(const std::optional<double>& v) {
  return !v || !std::isfinite(*v) || *v < 0 || *v > 1e15;
}

// A forecast as a forecaster might give it: `horizon` steps of point and upper
// bound, sometimes not ready, sometimes with absurd values.
inline rc::Gen<std::optional<ForecastResult>> GenForecast(int horizon, double typical) {
  return rc::gen::weightedOneOf<std::optional<ForecastResult>>({
      {1, rc::gen::just(std::optional<ForecastResult>())},
      {6, rc::gen::map(rc::gen::tuple(rc::gen::container<std::vector<std::optional<double>>>(
                                          static_cast<std::size_t>(horizon), GenMetric(typical)),
                                      rc::gen::inRange(0, 300), rc::gen::inRange(0, 4)),
                       [](const auto& t) {
                         const auto& [points, spread_pct, ready] = t;
                         std::vector<double> point, upper;
                         for (const auto& p : points) {
                           double v = p.value_or(kNaN);
                           point.push_back(v);
                           upper.push_back(v * (1 + spread_pct / 100.0));
                         }
                         return std::optional<ForecastResult>(
                             MakeForecast(std::move(point), std::move(upper), ready != 0));
                       })},
  });
}

// One run's setting: the group's limits and starting size, and what one instance
// serves.
struct Setting {
  Limits limits;
  int start = 1;
  double capacity_per_instance = 10;
};

inline rc::Gen<Setting> GenSetting() {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::inRange(0, 6), rc::gen::inRange(0, 40), rc::gen::inRange(0, 1000),
                     rc::gen::element(10.0, 10.0, 10.0, 0.5, 250.0, 0.0)),
      [](const auto& t) {
        const auto& [min, span, start_permille, capacity] = t;
        Setting s;
        s.limits.min = min;
        s.limits.max = std::max(1, min + span);
        // Mostly within the limits; sometimes outside (a size changed by hand).
        const int range = s.limits.max - s.limits.min + 4;
        s.start = std::max(0, s.limits.min - 2 + range * start_permille / 1000);
        s.capacity_per_instance = capacity;
        return s;
      });
}

// Steps of a closed-loop run, each with a metric pair, an optional forecast, an
// anomaly flag, sometimes a ready count unrelated to the size (0, 1 or 2: an
// actuator's odd answer), and a classifier's verdict: a class when the metrics it
// is computed from are usable (as the controller asks only then), else an error.
inline rc::Gen<std::vector<Step>> GenSteps(int horizon, std::size_t max_steps = 120) {
  auto step = rc::gen::map(
      rc::gen::tuple(GenMetric(400), GenMetric(1.0), GenForecast(horizon, 400),
                     rc::gen::weightedElement<bool>({{5, false}, {1, true}}),
                     rc::gen::weightedElement<int>({{6, -1}, {1, 0}, {1, 1}, {1, 2}}),
                     rc::gen::inRange(-1, kDemandClasses)),
      [](const auto& t) {
        const auto& [load, cpu, forecast, anomaly, ready, demand_class] = t;
        Step s;
        s.load_per_s = load;
        s.cpu_utilization = cpu;
        s.forecast = forecast;
        s.anomaly = anomaly;
        if (ready >= 0) s.ready = ready;
        ClassifierVerdict verdict;
        if (demand_class < 0 || Unusable(load) || Unusable(cpu)) {
          verdict.error = "no classification";
        } else {
          Classification c;
          c.demand_class = static_cast<DemandClass>(demand_class);
          c.confidence = 0.8;
          verdict.classification = c;
        }
        s.classification = verdict;
        return s;
      });
  return rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, max_steps + 1), [step](std::size_t n) {
    return rc::gen::container<std::vector<Step>>(n, step);
  });
}

inline std::ostream& operator<<(std::ostream& os, const std::optional<double>& v) {
  if (!v) return os << "-";
  return os << *v;
}

inline std::ostream& operator<<(std::ostream& os, const Step& s) {
  os << "{load " << s.load_per_s << " cpu " << s.cpu_utilization;
  if (s.forecast) {
    os << " forecast" << (s.forecast->ready ? "" : "(not ready)") << " [";
    for (std::size_t i = 0; i < s.forecast->point.size(); ++i) {
      os << (i ? " " : "") << s.forecast->point[i] << "/" << s.forecast->upper[i];
    }
    os << "]";
  }
  if (s.anomaly) os << " anomaly";
  if (s.ready) os << " ready " << *s.ready;
  if (s.classification && s.classification->ok()) {
    os << " class " << DemandClassName(s.classification->classification->demand_class);
  }
  return os << "}";
}

inline std::ostream& operator<<(std::ostream& os, const Setting& s) {
  return os << "{limits [" << s.limits.min << ", " << s.limits.max << "] start " << s.start
            << " capacity/instance " << s.capacity_per_instance << "}";
}

}  // namespace prescale::policy::test
