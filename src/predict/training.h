// Training and evaluating a demand model (`prescale train`).
//
//   1. Labelled rows come from a CSV (ReadLabelledCsv) or from a trace labelled by
//      the simulator's oracle (sim/labels.h).
//   2. They are split into training and held-out rows: "random" (a seeded hash of
//      the row number, for independent rows) or "chronological" (the last rows, for
//      a trace, whose neighbouring rows are alike and would leak across a random
//      split).
//   3. XGBoost trains on the training rows (deterministic: one thread, fixed seed);
//      the held-out rows give the confusion matrix and the accuracy.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "predict/model.h"
#include "prescale/classifier.h"
#include "prescale/features.h"
#include "prescale/status.h"

namespace prescale::predict {

struct LabelledRow {
  Seed2Features features;
  DemandClass label = DemandClass::kMedium;
};

// A CSV with a header naming at least the nine inputs (Seed2InputNames(), in any
// order) and `label`; other columns (the seed's task_status, ...) are ignored.
// A label is 0, 1, 2 or Low, Medium, High. Errors name the file and line.
Result<std::vector<LabelledRow>> ReadLabelledCsv(const std::string& path);

enum class Split { kRandom, kChronological };

struct TrainOptions {
  TrainParams params;
  double test_fraction = 0.2;  // in (0, 1)
  Split split = Split::kRandom;
  TrainingInfo provenance;  // source, labels, created_by; the counts are filled in
};

struct Evaluation {
  // confusion[actual][predicted], by class index.
  std::array<std::array<std::int64_t, kDemandClasses>, kDemandClasses> confusion{};
  std::int64_t rows = 0;
  double accuracy = 0;
};

struct TrainResult {
  std::unique_ptr<DemandModel> model;
  Evaluation held_out;
};

// REQUIRES nothing of `rows`: too few rows, a class-less split or a bad feature is
// an error that says so.
Result<TrainResult> TrainDemandModel(const std::vector<LabelledRow>& rows,
                                     const TrainOptions& options);

Evaluation Evaluate(const DemandModel& model, const std::vector<LabelledRow>& rows);

// The confusion matrix as a table, rows = actual, columns = predicted, with the
// accuracy and per-class recall.
std::string FormatEvaluation(const Evaluation& e);

}  // namespace prescale::predict
