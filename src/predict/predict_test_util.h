// Helpers for the prediction tests: features as the seed's example sends them, and
// a small model trained in milliseconds on rows whose class follows the CPU (as
// the seed's reference data does: > 75 % High, < 25 % Low).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "features/model_features.h"
#include "predict/training.h"

namespace prescale::predict::test {

inline Seed2Features SeedExample() { return Seed2ExamplePayload(); }

inline Seed2Features WithCpu(double cpu_pct) {
  Seed2Features f = SeedExample();
  f.cpu_usage = cpu_pct;
  f.task_type = cpu_pct > 50 ? "compute" : "io";
  f.task_priority = cpu_pct > 75 ? "high" : (cpu_pct < 25 ? "low" : "medium");
  return f;
}

inline std::vector<LabelledRow> CpuRuleRows(int n = 600) {
  std::vector<LabelledRow> rows;
  for (int i = 0; i < n; ++i) {
    const double cpu = (i * 37 % 1000) / 10.0;  // 0 .. 99.9, spread over the rows
    LabelledRow r;
    r.features = WithCpu(cpu);
    r.label = cpu > 75 ? DemandClass::kHigh : (cpu < 25 ? DemandClass::kLow : DemandClass::kMedium);
    rows.push_back(r);
  }
  return rows;
}

inline std::unique_ptr<DemandModel> TrainCpuRuleModel(int rounds = 8) {
  TrainOptions o;
  o.params.rounds = rounds;
  o.params.max_depth = 3;
  o.provenance.source = "test";
  auto trained = TrainDemandModel(CpuRuleRows(), o);
  if (!trained.ok()) {
    ADD_FAILURE() << trained.status().message();
    return nullptr;
  }
  return std::move(trained->model);
}

}  // namespace prescale::predict::test
