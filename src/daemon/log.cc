#include "daemon/log.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace prescale {

LogLevel ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

Logger::Logger(const Clock& clock, LogLevel level, std::FILE* console)
    : clock_(clock), level_(level), console_level_(level), console_(console) {}

Logger::~Logger() {
  if (file_) std::fclose(file_);
}

Status Logger::OpenFile(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Status::Error("cannot open log file " + path + ": " + std::strerror(errno));
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = f;
  return Status::Ok();
}

void Logger::Log(LogLevel level, std::string_view group, std::string_view text) {
  if (level < level_) return;
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
  std::string line = fmt::format("{} {} {}{}{}{}\n", FormatIsoTime(clock_.Now()),
                                 kNames[static_cast<int>(level)], group.empty() ? "" : "[",
                                 group, group.empty() ? "" : "] ", text);
  std::lock_guard lock(mu_);
  if (file_) std::fwrite(line.data(), 1, line.size(), file_);
  if (console_ && level >= console_level_) {
    if (status_shown_) std::fputs("\r\033[K", console_);
    status_shown_ = false;
    std::fwrite(line.data(), 1, line.size(), console_);
  }
}

void Logger::ShowStatusLine(std::string_view text) {
  std::lock_guard lock(mu_);
  if (!console_ || !status_line_) return;
  std::fputs("\r\033[K", console_);
  std::fwrite(text.data(), 1, text.size(), console_);
  std::fflush(console_);
  status_shown_ = true;
}

void Logger::Flush() {
  std::lock_guard lock(mu_);
  if (file_) std::fflush(file_);
  if (console_) std::fflush(console_);
}

}  // namespace prescale
