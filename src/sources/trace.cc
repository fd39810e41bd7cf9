#include "sources/trace.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <system_error>
#include <utility>

#include "core/text.h"

namespace prescale {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
// A single row has no spacing to measure; one minute is the finest grid that the
// shared traces use, so it is the least surprising guess.
constexpr double kSingleRowStepS = 60;
constexpr double kSecondsPerDay = 86400;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits text into lines, numbered from 1, without their "\n" or "\r\n".
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}

  // Returns false at the end of the text.
  bool Next(std::string_view& line, std::size_t& line_no) {
    if (rest_.empty()) return false;
    std::size_t end = rest_.find('\n');
    if (end == std::string_view::npos) {
      line = rest_;
      rest_ = {};
    } else {
      line = rest_.substr(0, end);
      rest_.remove_prefix(end + 1);
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line_no = ++line_no_;
    return true;
  }

 private:
  std::string_view rest_;
  std::size_t line_no_ = 0;
};

// The number of lines in `text`. string_view::find is memchr, which is vectorized;
// std::count is a byte loop at -O2, and was a tenth of the parse time.
std::size_t CountLines(std::string_view text) {
  std::size_t lines = 1;
  for (std::size_t pos = text.find('\n'); pos != std::string_view::npos;
       pos = text.find('\n', pos + 1)) {
    ++lines;
  }
  return lines;
}

enum class NumberError { kNone, kNotANumber, kOutOfRange };

// Parses all of `s` as a decimal floating-point number. std::from_chars is
// locale-independent and does not allocate, which keeps a 90k-row trace to a few ms.
NumberError ParseNumber(std::string_view s, double& out) {
  if (s.empty()) return NumberError::kNotANumber;
  // Most traces hold whole numbers (epoch seconds, request counts). Up to 15 digits
  // they convert to double exactly, and this loop is several times faster than
  // from_chars on them.
  if (s.size() <= 15) {
    std::uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    }
    if (i == s.size()) {
      out = static_cast<double>(whole);
      return NumberError::kNone;
    }
  }
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  if (ptr != end) return NumberError::kNotANumber;
  if (ec == std::errc::result_out_of_range) return NumberError::kOutOfRange;
  if (ec != std::errc()) return NumberError::kNotANumber;
  return NumberError::kNone;
}

// Reads exactly `n` digits at s[pos...] into `out` and moves `pos` past them.
bool ReadDigits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool ReadChar(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// ISO 8601 in the forms that ParseTimestamp() documents.
bool ParseIso8601(std::string_view s, double& out) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(s, pos, 4, year) || !ReadChar(s, pos, '-') || !ReadDigits(s, pos, 2, month) ||
      !ReadChar(s, pos, '-') || !ReadDigits(s, pos, 2, day)) {
    return false;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return false;  // e.g. 2014-02-30
  const auto days = static_cast<double>(std::chrono::sys_days(ymd).time_since_epoch().count());
  double seconds = days * kSecondsPerDay;
  if (pos == s.size()) {  // a date alone is its midnight, UTC
    out = seconds;
    return true;
  }

  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return false;
  ++pos;
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, pos, 2, hour) || !ReadChar(s, pos, ':') || !ReadDigits(s, pos, 2, minute)) {
    return false;
  }
  if (ReadChar(s, pos, ':') && !ReadDigits(s, pos, 2, second)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  double fraction = 0;
  if (ReadChar(s, pos, '.')) {
    double scale = 0.1;
    const std::size_t first = pos;
    for (; pos < s.size() && IsDigit(s[pos]); ++pos, scale /= 10) {
      fraction += (s[pos] - '0') * scale;
    }
    if (pos == first) return false;  // "12:00:00." has no fraction
  }
  seconds += hour * 3600.0 + minute * 60.0 + second + fraction;

  // Zone: none or Z is UTC; an offset gives local time, so UTC = local - offset.
  if (pos == s.size()) {
    out = seconds;
    return true;
  }
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const double sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    int offset_hours = 0, offset_minutes = 0;
    if (!ReadDigits(s, pos, 2, offset_hours)) return false;
    if (pos < s.size()) {
      ReadChar(s, pos, ':');  // "+02:00" and "+0200" are both ISO 8601
      if (!ReadDigits(s, pos, 2, offset_minutes)) return false;
    }
    if (offset_hours > 23 || offset_minutes > 59) return false;
    seconds -= sign * (offset_hours * 3600.0 + offset_minutes * 60.0);
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  out = seconds;
  return true;
}

// ParseTimestamp() on text that is already trimmed. The row loop calls this one:
// returning through a reference rather than an optional<double> saves a store-forwarding
// stall per row (a fifth of the parse time, measured with perf on the NASA trace).
bool ParseTrimmedTimestamp(std::string_view s, double& out) {
  // Epoch seconds first: that is what nearly every trace holds.
  if (ParseNumber(s, out) == NumberError::kNone) return std::isfinite(out);
  return ParseIso8601(s, out);
}

// The median of `v`, the mean of the two middle values when the count is even (as
// numpy.median, which shared/bench/elastic.py uses for the step). Reorders `v`.
// REQUIRES: !v.empty().
double Median(std::vector<double>& v) {
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  // nth_element leaves the lower half before `mid`; its largest is the other middle.
  return (*std::max_element(v.begin(), mid) + *mid) / 2;
}

}  // namespace

std::optional<double> ParseTimestamp(std::string_view text) {
  double seconds = 0;
  if (!ParseTrimmedTimestamp(Trim(text), seconds)) return std::nullopt;
  return seconds;
}

Result<Trace> ParseTrace(std::string_view text, std::string_view name, const TraceFormat& format) {
  Trace trace;
  trace.name = std::string(name);
  auto error = [&trace](std::size_t line_no, const std::string& what) {
    return Status::Error("trace " + trace.name + ":" + std::to_string(line_no) + ": " + what);
  };

  // Spreadsheet exports on Windows add a byte-order mark; UTF-16 would otherwise
  // fail as a baffling "missing column" with invisible bytes in the header.
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    return error(1, "file is UTF-16; save it as UTF-8");
  }
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());

  LineReader lines(text);
  std::string_view line;
  std::size_t line_no = 0;

  // 1. The header: the first line that is not blank.
  bool have_header = false;
  while (lines.Next(line, line_no)) {
    line = Trim(line);
    if (!line.empty()) {
      have_header = true;
      break;
    }
  }
  if (!have_header) return error(1, "file is empty; expected a header line 'timestamp,value'");
  const std::size_t header_line_no = line_no;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    trace.columns.emplace_back(Trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  const bool has_timestamp = trace.columns[0] == "timestamp";
  const bool has_value = trace.columns.size() >= 2 && trace.columns[1] == "value";
  if (!has_timestamp || !has_value) {
    std::string what = "header is missing the ";
    what += !has_timestamp && !has_value ? "'timestamp' and 'value' columns"
            : !has_timestamp             ? "'timestamp' column"
                                         : "'value' column";
    what += " (header was " + Quote(line) + "; the first two columns must be 'timestamp,value')";
    // A file that starts with data has most likely lost its header line.
    if (!has_timestamp && ParseTimestamp(trace.columns[0])) what += "; is the header line missing?";
    return error(header_line_no, what);
  }

  // 2. The rows. Reserving for every line keeps the vectors from regrowing.
  const std::size_t max_rows = CountLines(text);
  trace.timestamps_s.reserve(max_rows);
  trace.values.reserve(max_rows);
  std::string_view previous_text;
  std::size_t previous_line_no = 0;
  while (lines.Next(line, line_no)) {
    if (Trim(line).empty()) continue;
    const std::size_t comma1 = line.find(',');
    if (comma1 == std::string_view::npos) {
      return error(line_no, "row has 1 field but needs at least 2 (timestamp,value)");
    }
    const std::string_view timestamp_text = Trim(line.substr(0, comma1));
    const std::string_view rest = line.substr(comma1 + 1);
    const std::string_view value_text = Trim(rest.substr(0, rest.find(',')));

    if (timestamp_text.empty()) return error(line_no, "timestamp is empty");
    double timestamp = 0;
    if (!ParseTrimmedTimestamp(timestamp_text, timestamp)) {
      return error(line_no, "timestamp " + Quote(timestamp_text) +
                                " is not a timestamp (expected epoch seconds or ISO 8601, "
                                "e.g. 2014-04-01T00:00:00Z)");
    }
    if (!trace.timestamps_s.empty() && timestamp <= trace.timestamps_s.back() &&
        !(format.allow_repeated_time && timestamp == trace.timestamps_s.back())) {
      const bool repeats = timestamp == trace.timestamps_s.back();
      return error(line_no,
                   std::string(repeats ? "time repeats" : "time goes backwards") + ": timestamp " +
                       Quote(timestamp_text) + (repeats ? " equals" : " is before") +
                       " the previous timestamp " + Quote(previous_text) + " (line " +
                       std::to_string(previous_line_no) + "); timestamps must " +
                       (format.allow_repeated_time ? "not decrease" : "strictly increase"));
    }

    if (value_text.empty()) return error(line_no, "value is empty");
    double value = 0;
    // from_chars rejects a leading '+', which is still a plain number to a person.
    std::string_view number = value_text;
    if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') {
      number.remove_prefix(1);
    }
    switch (ParseNumber(number, value)) {
      case NumberError::kNone:
        break;
      case NumberError::kNotANumber:
        return error(line_no, "value " + Quote(value_text) + " is not a number");
      case NumberError::kOutOfRange:
        return error(line_no, "value " + Quote(value_text) + " is out of range");
    }
    if (!std::isfinite(value)) {
      return error(line_no, "value " + Quote(value_text) + " is not finite");
    }
    if (value < 0 && !format.allow_negative) {
      return error(line_no, "value " + Quote(value_text) + " is negative; a load must be >= 0");
    }

    trace.timestamps_s.push_back(timestamp);
    trace.values.push_back(value + 0.0);  // + 0.0 turns "-0" into +0
    previous_text = timestamp_text;
    previous_line_no = line_no;
  }
  if (trace.values.empty()) return error(header_line_no, "file has a header but no data rows");

  // 3. The step.
  if (trace.size() == 1) {
    trace.step_s = kSingleRowStepS;
  } else {
    std::vector<double> spacings_s;
    spacings_s.reserve(trace.size() - 1);
    for (std::size_t i = 0; i + 1 < trace.size(); ++i) {
      const double spacing = trace.timestamps_s[i + 1] - trace.timestamps_s[i];
      if (spacing > 0) spacings_s.push_back(spacing);  // 0 only for a repeated time
    }
    trace.step_s = spacings_s.empty() ? kSingleRowStepS : Median(spacings_s);
  }
  return trace;
}

Result<Trace> ReadTrace(const std::string& path, const TraceFormat& format) {
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  // stdio rather than iostreams: it reports why an open failed through errno.
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return Status::Error("trace " + path +
                         ": cannot open: " + std::generic_category().message(errno));
  }
  std::string text;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) text.append(buffer, n);
  // On Linux a directory opens fine and fails here with EISDIR.
  if (std::ferror(file.get())) {
    return Status::Error("trace " + path +
                         ": cannot read: " + std::generic_category().message(errno));
  }
  return ParseTrace(text, path, format);
}

}  // namespace prescale
