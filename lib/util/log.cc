#include "lib/util/log.h"

#include <strings.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "lib/util/text.h"

namespace ferry {

namespace {

constexpr const char* kLevelNames[] = {"OFF", "EMER", "ERR", "WARN", "INFO", "DBG"};
constexpr const char* kDestNames[] = {"console", "syslog", "file"};

}  // namespace

bool parse_log_level(const std::string& s, LogLevel* out) {
  for (int i = 0; i <= static_cast<int>(LogLevel::kDbg); i++) {
    if (strcasecmp(s.c_str(), kLevelNames[i]) == 0) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  }
  if (strcasecmp(s.c_str(), "debug") == 0) {
    *out = LogLevel::kDbg;
    return true;
  }
  return false;
}

int parse_log_destination(const std::string& s) {
  for (int i = 0; i < kLogDestinations; i++) {
    if (strcasecmp(s.c_str(), kDestNames[i]) == 0) return i;
  }
  return -1;
}

const char* log_level_name(LogLevel level) { return kLevelNames[static_cast<int>(level)]; }

LogModule::LogModule(const char* name) : name_(name) {
  levels_[kLogConsole].store(static_cast<int>(LogLevel::kOff));
  levels_[kLogSyslog].store(static_cast<int>(LogLevel::kErr));
  levels_[kLogFile].store(static_cast<int>(LogLevel::kInfo));
  Log::process().register_module(this);
}

bool LogModule::enabled(LogLevel level) const {
  for (int d = 0; d < kLogDestinations; d++) {
    if (levels_[d].load(std::memory_order_relaxed) >= static_cast<int>(level)) return true;
  }
  return false;
}

Log& Log::process() {
  static Log* log = new Log();  // never destroyed: modules outlive main()
  return *log;
}

void Log::register_module(LogModule* m) {
  std::lock_guard<std::mutex> lock(mu_);
  modules_.push_back(m);
}

Status Log::open_file(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  file_path_ = path;
  if (path.empty()) return {};
  file_ = std::fopen(path.c_str(), "a");
  if (!file_)
    return make_error("cannot open log file " + path + ": " + std::strerror(errno), errno);
  setvbuf(file_, nullptr, _IOLBF, 0);
  return {};
}

Status Log::reopen() { return open_file(std::string(file_path_)); }

Status Log::set_spec(const std::string& spec) {
  std::vector<std::string> words = split(spec, ":");
  std::vector<LogModule*> targets;
  int dest = -1;
  bool have_level = false;
  LogLevel level = LogLevel::kDbg;
  bool any_module = false;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& w : words) {
    if (w.empty()) return make_error("empty word in log spec \"" + spec + "\"");
    LogLevel l;
    int d;
    if (strcasecmp(w.c_str(), "ANY") == 0) {
      any_module = true;  // ANY means every module (and every destination)
    } else if ((d = parse_log_destination(w)) >= 0) {
      if (dest >= 0) return make_error("cannot specify multiple destinations");
      dest = d;
    } else if (parse_log_level(w, &l)) {
      if (have_level) return make_error("cannot specify multiple levels");
      level = l;
      have_level = true;
    } else {
      auto it = std::find_if(modules_.begin(), modules_.end(),
                             [&](LogModule* m) { return strcasecmp(m->name(), w.c_str()) == 0; });
      if (it == modules_.end()) return make_error("unknown module \"" + w + "\"");
      targets.push_back(*it);
    }
  }
  if (targets.empty() || any_module) targets = modules_;
  for (LogModule* m : targets) {
    for (int d = 0; d < kLogDestinations; d++) {
      if (dest < 0 || dest == d) m->set_level(d, level);
    }
  }
  return {};
}

LogModule* Log::find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (LogModule* m : modules_) {
    if (strcasecmp(m->name(), name.c_str()) == 0) return m;
  }
  return nullptr;
}

void Log::set_levels(LogModule* only, int destination, LogLevel level) {
  std::lock_guard<std::mutex> lock(mu_);
  for (LogModule* m : modules_) {
    if (only && strcasecmp(m->name(), only->name()) != 0) continue;
    for (int d = 0; d < kLogDestinations; d++) {
      if (destination < 0 || destination == d) m->set_level(d, level);
    }
  }
}

std::vector<Log::ModuleLevels> Log::levels() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ModuleLevels> out;
  for (const LogModule* m : modules_) {
    if (std::any_of(out.begin(), out.end(),
                    [&](const ModuleLevels& l) { return l.name == m->name(); }))
      continue;
    ModuleLevels l;
    l.name = m->name();
    for (int d = 0; d < kLogDestinations; d++) l.levels[d] = m->level(d);
    out.push_back(l);
  }
  std::sort(out.begin(), out.end(),
            [](const ModuleLevels& a, const ModuleLevels& b) { return a.name < b.name; });
  return out;
}

std::string Log::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LogModule*> mods = modules_;
  std::sort(mods.begin(), mods.end(),
            [](LogModule* a, LogModule* b) { return std::strcmp(a->name(), b->name()) < 0; });
  mods.erase(std::unique(
                 mods.begin(), mods.end(),
                 [](LogModule* a, LogModule* b) { return std::strcmp(a->name(), b->name()) == 0; }),
             mods.end());
  std::string out;
  char line[128];
  std::snprintf(line, sizeof line, "%-16s %-10s %-10s %s\n", "", "console", "syslog", "file");
  out += line;
  std::snprintf(line, sizeof line, "%-16s %-10s %-10s %s\n", "", "-------", "------", "------");
  out += line;
  for (const LogModule* m : mods) {
    std::snprintf(line, sizeof line, "%-16s %-10s %-10s %s\n", m->name(),
                  log_level_name(m->level(kLogConsole)), log_level_name(m->level(kLogSyslog)),
                  log_level_name(m->level(kLogFile)));
    out += line;
  }
  return out;
}

void Log::write(const LogModule& m, LogLevel level, const char* fmt, va_list args) {
  char text[2048];
  std::vsnprintf(text, sizeof text, fmt, args);
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t;
  gmtime_r(&ts.tv_sec, &t);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000000);
  std::lock_guard<std::mutex> lock(mu_);
  unsigned seq = ++seq_;
  if (file_ && m.level(kLogFile) >= level) {
    std::fprintf(file_, "%s|%05u|%s|%s|%s\n", stamp, seq, m.name(), log_level_name(level), text);
  }
  if (console_on_ && m.level(kLogConsole) >= level) {
    std::fprintf(stderr, "%s|%05u|%s|%s|%s\n", stamp, seq, m.name(), log_level_name(level), text);
  }
}

void log_message(const LogModule& m, LogLevel level, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  Log::process().write(m, level, fmt, args);
  va_end(args);
}

}  // namespace ferry
