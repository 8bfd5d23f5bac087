// Logging in the vlog style of Open vSwitch:
//   2026-11-21T10:00:00.000Z|00042|module|INFO|text
// Modules are declared once per file (FERRY_LOG_MODULE) and listed by
// `vlog/list`; levels are set per module and destination by `vlog/set`.
// Never called on a PMD's per-packet path.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "lib/util/result.h"

namespace ferry {

enum class LogLevel : int { kOff = 0, kEmer, kErr, kWarn, kInfo, kDbg };
enum LogDestination : int { kLogConsole = 0, kLogSyslog = 1, kLogFile = 2, kLogDestinations = 3 };

const char* log_level_name(LogLevel level);
// "dbg"/"DEBUG"/"info"... (case-insensitive); false when not a level.
bool parse_log_level(const std::string& s, LogLevel* out);
// "console", "syslog", "file" (case-insensitive); -1 when not one.
int parse_log_destination(const std::string& s);

class LogModule {
 public:
  explicit LogModule(const char* name);
  const char* name() const { return name_; }
  LogLevel level(int dest) const {
    return static_cast<LogLevel>(levels_[dest].load(std::memory_order_relaxed));
  }
  void set_level(int dest, LogLevel level) {
    levels_[dest].store(static_cast<int>(level), std::memory_order_relaxed);
  }
  bool enabled(LogLevel level) const;

 private:
  const char* name_;
  std::atomic<int> levels_[kLogDestinations];
};

// The process's log sinks. Modules register themselves at static
// initialisation; the sink configuration (file, console) is set by main().
class Log {
 public:
  static Log& process();  // the one set of sinks a process writes to

  void register_module(LogModule* m);
  Status open_file(const std::string& path);  // "" closes
  Status reopen();                            // after logrotate
  const std::string& file_path() const { return file_path_; }
  void set_console_enabled(bool on) { console_on_ = on; }

  // `vlog/set` argument: module[:destination[:level]] words in any order,
  // "ANY" for every module or destination.
  Status set_spec(const std::string& spec);
  std::string list() const;  // the `vlog/list` table

  // For callers that combine Ferry's modules with another registry
  // (libopenvswitch's vlog): a module by name (case-insensitive) or null,
  // and levels set on one module (null: all) at one destination (-1: all).
  LogModule* find(const std::string& name) const;
  void set_levels(LogModule* m, int destination, LogLevel level);
  // Every module's name and levels (console, syslog, file), by name.
  struct ModuleLevels {
    std::string name;
    LogLevel levels[kLogDestinations];
  };
  std::vector<ModuleLevels> levels() const;

  void write(const LogModule& m, LogLevel level, const char* fmt, va_list args);

 private:
  Log() = default;
  mutable std::mutex mu_;
  std::vector<LogModule*> modules_;
  std::FILE* file_ = nullptr;
  std::string file_path_;
  bool console_on_ = false;
  unsigned seq_ = 0;
};

void log_message(const LogModule& m, LogLevel level, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace ferry

#define FERRY_LOG_MODULE(var, name) static ::ferry::LogModule var(name)

#define FLOG(mod, lvl, ...)                                                  \
  do {                                                                       \
    if ((mod).enabled(lvl)) ::ferry::log_message((mod), (lvl), __VA_ARGS__); \
  } while (0)
#define FLOG_ERR(mod, ...) FLOG(mod, ::ferry::LogLevel::kErr, __VA_ARGS__)
#define FLOG_WARN(mod, ...) FLOG(mod, ::ferry::LogLevel::kWarn, __VA_ARGS__)
#define FLOG_INFO(mod, ...) FLOG(mod, ::ferry::LogLevel::kInfo, __VA_ARGS__)
#define FLOG_DBG(mod, ...) FLOG(mod, ::ferry::LogLevel::kDbg, __VA_ARGS__)
