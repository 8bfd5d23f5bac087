// A tiny daemon for process_test.cc, so the test runner itself never forks
// into a daemon:
//   ferry-daemon-helper dirs                      prints rundir, logdir, dbdir, program name
//   ferry-daemon-helper daemon MARKER [overwrite]  detaches with a pidfile; its exit hook
//                                                  writes MARKER; runs until a signal
//   ferry-daemon-helper connect REMOTE [--verbose] [--log-file=PATH]
//                                                  runs an Ovsdb on REMOTE for 300 ms
#include <cstdio>
#include <cstring>
#include <string>

#include "lib/ovs/database.h"
#include "lib/ovs/db/ovs_log.h"
#include "lib/ovs/poller.h"
#include "lib/ovs/process.h"

namespace {

void write_marker(void* aux) {
  const char* path = static_cast<const char*>(aux);
  if (std::FILE* f = std::fopen(path, "w")) {
    std::fprintf(f, "exit hook ran\n");
    std::fclose(f);
  }
}

// libopenvswitch's log stays off the console unless asked for.
int connect(int argc, char** argv) {
  for (int i = 3; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "--verbose") {
      ferry::ovs::set_ovs_log_level(ferry::kLogConsole, ferry::LogLevel::kDbg);
    } else if (arg.rfind("--log-file=", 0) == 0) {
      if (!ferry::ovs::set_ovs_log_file(arg.substr(11)).ok()) return 1;
      if (!ferry::ovs::set_ovs_log_spec("reconnect:file:info").ok()) return 1;
    }
  }
  auto db = ferry::ovs::Ovsdb::create(argv[2]);
  ferry::ovs::OvsPoller poller;
  int64_t end = ferry::ovs::time_msec() + 300;
  while (ferry::ovs::time_msec() < end) {
    db->run();
    db->wait();
    poller.timer_wait(end - ferry::ovs::time_msec());
    poller.block();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ferry::ovs::set_program_name(argv[0]);
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "dirs") {
    std::printf("%s\n%s\n%s\n", ferry::ovs::rundir().c_str(), ferry::ovs::logdir().c_str(),
                ferry::ovs::dbdir().c_str());
    return 0;
  }
  if (mode == "connect" && argc > 2) return connect(argc, argv);
  if (mode != "daemon" || argc < 3) {
    std::fprintf(stderr, "usage: %s dirs | daemon MARKER [overwrite]\n", argv[0]);
    return 2;
  }
  ferry::ovs::add_exit_hook(write_marker, argv[2]);
  ferry::ovs::DaemonOptions options;
  options.detach = true;
  options.pidfile = true;
  options.no_chdir = true;
  options.overwrite_pidfile = argc > 3 && std::strcmp(argv[3], "overwrite") == 0;
  ferry::ovs::daemonize_start(options);
  ferry::ovs::daemonize_complete();
  ferry::ovs::OvsPoller poller;
  for (;;) {
    ferry::ovs::run_fatal_signals();
    poller.timer_wait(10000);
    poller.block();
  }
}
