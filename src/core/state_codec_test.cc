// StateWriter::Nested / StateReader::Nested: a component's whole record inside
// another's (an ensemble saves each of its models this way), read back as a record
// of its own; a nested length that is cut short or negative fails without a crash.
#include "prescale/state_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace prescale {
namespace {

using ::testing::HasSubstr;

TEST(StateCodecNestedTest, RoundTripsBetweenOuterValues) {
  StateWriter inner;
  inner.Int(7);
  inner.Double(0.1);
  inner.Doubles({1.5, -2.25, NAN});
  inner.Bool(true);
  StateWriter outer;
  outer.Int(42);
  outer.Double(-3.5);
  outer.Nested(inner);
  outer.Double(2.75);
  outer.Int(-9);

  StateReader r(outer.text());
  EXPECT_EQ(r.Int(), 42);
  EXPECT_EQ(r.Double(), -3.5);
  const std::string_view nested = r.Nested();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(nested, inner.text());
  EXPECT_EQ(r.Double(), 2.75);
  EXPECT_EQ(r.Int(), -9);
  EXPECT_TRUE(r.Finish().ok());

  StateReader in(nested);
  EXPECT_EQ(in.Int(), 7);
  EXPECT_EQ(in.Double(), 0.1);  // bit for bit
  const std::vector<double> v = in.Doubles();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], 1.5);
  EXPECT_EQ(v[1], -2.25);
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_TRUE(in.Bool());
  EXPECT_TRUE(in.Finish().ok());
}

TEST(StateCodecNestedTest, InnerReaderChecksItsOwnEnd) {
  // The inner record is handed back alone: its reader neither sees the outer values
  // after it nor lets its own component read past its end.
  StateWriter inner;
  inner.Int(1);
  inner.Int(2);
  StateWriter outer;
  outer.Nested(inner);
  outer.Int(3);

  StateReader r(outer.text());
  StateReader in(r.Nested());
  EXPECT_EQ(in.Int(), 1);
  EXPECT_EQ(in.Int(), 2);
  in.Int();  // one more than was written
  const Status s = in.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "saved state: record ends early");
  EXPECT_EQ(r.Int(), 3);
  EXPECT_TRUE(r.Finish().ok());

  StateReader r2(outer.text());
  StateReader short_read(r2.Nested());
  EXPECT_EQ(short_read.Int(), 1);  // one value left unread
  const Status left = short_read.Finish();
  ASSERT_FALSE(left.ok());
  EXPECT_EQ(left.message(), "saved state: unexpected data at the end");
}

TEST(StateCodecNestedTest, EmptyInnerRecord) {
  StateWriter empty;
  StateWriter outer;
  outer.Int(5);
  outer.Nested(empty);
  outer.Int(6);
  EXPECT_EQ(outer.text(), "5 0 6");

  StateReader r(outer.text());
  EXPECT_EQ(r.Int(), 5);
  const std::string_view nested = r.Nested();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(nested.empty());
  EXPECT_EQ(r.Int(), 6);
  EXPECT_TRUE(r.Finish().ok());
  StateReader in(nested);
  EXPECT_TRUE(in.Finish().ok());
}

TEST(StateCodecNestedTest, EmptyInnerRecordFirstAndLast) {
  StateWriter empty;
  StateWriter outer;
  outer.Nested(empty);
  outer.Nested(empty);
  EXPECT_EQ(outer.text(), "0 0");
  StateReader r(outer.text());
  EXPECT_TRUE(r.Nested().empty());
  EXPECT_TRUE(r.Nested().empty());
  EXPECT_TRUE(r.Finish().ok());
}

TEST(StateCodecNestedTest, NestsTwoLevelsDeep) {
  // A nested record counts every value inside it, so nesting nests.
  StateWriter innermost;
  innermost.Int(1);
  innermost.Int(2);
  StateWriter middle;
  middle.Double(0.5);
  middle.Nested(innermost);
  middle.Int(3);
  StateWriter outer;
  outer.Nested(middle);
  outer.Int(4);

  StateReader r(outer.text());
  StateReader m(r.Nested());
  EXPECT_EQ(r.Int(), 4);
  EXPECT_TRUE(r.Finish().ok());
  EXPECT_EQ(m.Double(), 0.5);
  StateReader i(m.Nested());
  EXPECT_EQ(m.Int(), 3);
  EXPECT_TRUE(m.Finish().ok());
  EXPECT_EQ(i.Int(), 1);
  EXPECT_EQ(i.Int(), 2);
  EXPECT_TRUE(i.Finish().ok());
}

struct BadNestedCase {
  std::string test_name;
  std::string text;
  std::string message;  // the reader's whole error
};

void PrintTo(const BadNestedCase& c, std::ostream* os) { *os << c.test_name; }

class BadNestedTest : public testing::TestWithParam<BadNestedCase> {};

TEST_P(BadNestedTest, FailsWithoutReadingOn) {
  const BadNestedCase& c = GetParam();
  StateReader r(c.text);
  const std::string_view nested = r.Nested();
  EXPECT_TRUE(nested.empty());
  EXPECT_FALSE(r.ok());
  // Once failed, the reader stays failed and reads nothing more.
  EXPECT_EQ(r.Int(), 0);
  EXPECT_TRUE(r.Nested().empty());
  const Status s = r.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadNestedTest,
    testing::Values(
        BadNestedCase{"LongerThanWhatIsLeft", "3 1 2", "saved state: record ends early"},
        BadNestedCase{"LengthButNothingAfter", "1", "saved state: record ends early"},
        BadNestedCase{"HugeLength", "9223372036854775807 1 2 3", "saved state: record ends early"},
        BadNestedCase{"NegativeLength", "-1 5", "saved state: bad record length -1"},
        BadNestedCase{"MostNegativeLength", "-9223372036854775808",
                      "saved state: bad record length -9223372036854775808"},
        BadNestedCase{"NoLength", "", "saved state: record ends early"},
        BadNestedCase{"LengthNotANumber", "two 1 2", "saved state: 'two' is not a whole number"},
        BadNestedCase{"FractionalLength", "1.5 1 2", "saved state: '1.5' is not a whole number"}),
    [](const testing::TestParamInfo<BadNestedCase>& case_info) {
      return case_info.param.test_name;
    });

TEST(StateCodecNestedTest, LengthCountsValuesNotCharacters) {
  // Values of any width, and extra spaces between them, still count one each.
  StateReader r("2  123456789.125   -7 8");
  const std::string_view nested = r.Nested();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(nested, "123456789.125   -7");
  EXPECT_EQ(r.Int(), 8);
  EXPECT_TRUE(r.Finish().ok());
}

}  // namespace
}  // namespace prescale
