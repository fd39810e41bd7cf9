#include "sources/aggregate.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace prescale {
namespace {

struct AggregateCase {
  const char* name;
  std::vector<double> values;
  Aggregation aggregation;
  std::optional<double> want;
};

const AggregateCase kAggregateCases[] = {
    {"MeanOfThree", {0.2, 0.4, 0.9}, Aggregation::kMean, 0.5},
    {"MaxOfThree", {0.2, 0.9, 0.4}, Aggregation::kMax, 0.9},
    {"MinOfThree", {0.4, 0.9, 0.2}, Aggregation::kMin, 0.2},
    {"SingleValueIsItsOwnMean", {0.7}, Aggregation::kMean, 0.7},
    {"SingleValueIsItsOwnMax", {0.7}, Aggregation::kMax, 0.7},
    {"SingleValueIsItsOwnMin", {0.7}, Aggregation::kMin, 0.7},
    {"NegativesAreKept", {-2, -1}, Aggregation::kMax, -1},
    {"EmptyMeanIsMissing", {}, Aggregation::kMean, std::nullopt},
    {"EmptyMaxIsMissing", {}, Aggregation::kMax, std::nullopt},
    {"EmptyMinIsMissing", {}, Aggregation::kMin, std::nullopt},
};

class AggregateTest : public testing::TestWithParam<AggregateCase> {};

TEST_P(AggregateTest, Folds) {
  const AggregateCase& c = GetParam();
  std::optional<double> got = Aggregate(c.values, c.aggregation);
  ASSERT_EQ(got.has_value(), c.want.has_value());
  if (c.want) {
    EXPECT_DOUBLE_EQ(*got, *c.want);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, AggregateTest, testing::ValuesIn(kAggregateCases),
                         [](const testing::TestParamInfo<AggregateCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace prescale
