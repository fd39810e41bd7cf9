// Logger: the human log (DESIGN.md: its key lines read like the seeds' own). Lines
// go to a file and to the console; thread-safe. Timestamps come from the caller's
// clock, never from the system clock here.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "prescale/clock.h"
#include "prescale/status.h"

namespace prescale {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
LogLevel ParseLogLevel(std::string_view name);  // debug/info/warn/error; else info

class Logger {
 public:
  // `console` may be null (no console output). The file is appended to.
  Logger(const Clock& clock, LogLevel level, std::FILE* console);
  ~Logger();
  Status OpenFile(const std::string& path);

  void Log(LogLevel level, std::string_view group, std::string_view text);
  void Info(std::string_view group, std::string_view text) { Log(LogLevel::kInfo, group, text); }
  void Warn(std::string_view group, std::string_view text) { Log(LogLevel::kWarn, group, text); }
  void Error(std::string_view group, std::string_view text) { Log(LogLevel::kError, group, text); }
  void Debug(std::string_view group, std::string_view text) { Log(LogLevel::kDebug, group, text); }

  // Console lines at or above `level` only (the file keeps everything at the
  // logger's level); used when a live status line owns the terminal.
  void SetConsoleLevel(LogLevel level) { console_level_ = level; }
  // Writes `text` to the console without a newline after clearing the line: a
  // status line that the next log line or status replaces.
  // Does nothing unless EnableStatusLine(true) (when the console is a terminal).
  void ShowStatusLine(std::string_view text);
  void EnableStatusLine(bool on) { status_line_ = on; }
  void Flush();

 private:
  const Clock& clock_;
  LogLevel level_;
  LogLevel console_level_;
  std::FILE* console_;
  std::FILE* file_ = nullptr;
  bool status_shown_ = false;
  bool status_line_ = false;
  std::mutex mu_;
};

}  // namespace prescale
