#include "lib/util/log.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

FERRY_LOG_MODULE(test_log, "unit_log");

using ferry::Log;
using ferry::LogLevel;

TEST_CASE("log: vlog format in the file, levels from vlog/set specs", "[log]") {
  char path[] = "/tmp/ferry-log-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  Log& log = Log::process();
  REQUIRE(log.open_file(path).ok());
  FLOG_INFO(test_log, "hello %d", 42);
  FLOG_DBG(test_log, "not shown at the default level");
  REQUIRE(log.set_spec("unit_log:file:dbg").ok());
  FLOG_DBG(test_log, "now shown");
  CHECK(test_log.level(ferry::kLogFile) == LogLevel::kDbg);
  CHECK(test_log.level(ferry::kLogConsole) == LogLevel::kOff);
  CHECK_FALSE(log.set_spec("nosuchmodule:info").ok());
  CHECK_FALSE(log.set_spec("unit_log:file:info:dbg").ok());
  CHECK(log.list().find("unit_log") != std::string::npos);
  REQUIRE(log.open_file("").ok());

  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  unlink(path);
  // 2026-11-21T10:00:00.000Z|00042|unit_log|INFO|hello 42
  CHECK(text.find("|unit_log|INFO|hello 42\n") != std::string::npos);
  CHECK(text.find("not shown") == std::string::npos);
  CHECK(text.find("|unit_log|DBG|now shown\n") != std::string::npos);
  REQUIRE(text.size() > 24);
  CHECK(text[4] == '-');
  CHECK(text[10] == 'T');
  CHECK(text[23] == 'Z');
}
