// The subcommands of ferry-pktgen, each in its own cmd_*.cc, and what they
// share: the option table, the way results and errors are printed.
#pragma once

#include <time.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lib/rpc/json.h"
#include "lib/util/result.h"
#include "tools/ferry-pktgen/options.h"

namespace ferry::pktgen {

struct Command {
  std::string_view name;
  std::string_view usage;  // the options, one line
  std::span<const OptionSpec> options;
  int (*run)(const Options& opts);
};

extern const Command kSendCommand;
extern const Command kCaptureCommand;
extern const Command kUdpSendCommand;
extern const Command kUdpRecvCommand;
extern const Command kTcpSendCommand;
extern const Command kTcpRecvCommand;

// "ferry-pktgen CMD: message" on stderr; returns the failure exit code 1.
int fail(std::string_view cmd, const Error& e);
// The JSON document (--json) or the human line, on stdout.
void emit(const Options& opts, const rpc::Json& json, const std::string& human);
// --ready-file: created (with our pid) once the socket is bound, so a test
// that started us in the background knows when to start sending.
Status write_ready_file(const Options& opts);

inline int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace ferry::pktgen
