#include "aws/time_format.h"

#include <charconv>
#include <cmath>
#include <ctime>

namespace prescale::aws {

std::optional<TimePoint> ParseIsoTime(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':' || s.back() != 'Z') {
    return std::nullopt;
  }
  auto num = [&s](std::size_t at, std::size_t len, int* out) {
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, *out);
    return ec == std::errc() && p == s.data() + at + len;
  };
  std::tm tm{};
  int y, mo, d, h, mi, se;
  if (!num(0, 4, &y) || !num(5, 2, &mo) || !num(8, 2, &d) || !num(11, 2, &h) || !num(14, 2, &mi) ||
      !num(17, 2, &se)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  double frac = 0;
  std::string_view rest = s.substr(19, s.size() - 20);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2) return std::nullopt;
    double scale = 0.1;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      frac += (c - '0') * scale;
      scale /= 10;
    }
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return FromEpochSeconds(static_cast<double>(timegm(&tm)) + frac);
}

std::string FormatAwsTime(TimePoint t) {
  std::time_t secs = static_cast<std::time_t>(std::floor(ToEpochSeconds(t)));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace prescale::aws
