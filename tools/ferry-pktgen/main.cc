// ferry-pktgen: Ferry's traffic tool for tests and the migration lab. It
// only sends where it is told (there is no default destination); tests run
// it inside their own network namespaces. The same program, linked
// statically, is the test guest's agent (tools/guest-agent): FERRY_PROGRAM
// is its name.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/ferry-pktgen/commands.h"

namespace {

using ferry::pktgen::Command;

const Command* const kCommands[] = {
    &ferry::pktgen::kSendCommand,    &ferry::pktgen::kCaptureCommand,
    &ferry::pktgen::kUdpSendCommand, &ferry::pktgen::kUdpRecvCommand,
    &ferry::pktgen::kTcpSendCommand, &ferry::pktgen::kTcpRecvCommand};

void usage(FILE* out) {
  std::fprintf(out, "usage: " FERRY_PROGRAM " COMMAND [OPTIONS]\n\ncommands:\n");
  for (const Command* c : kCommands) {
    std::fprintf(out, "  %.*s %.*s\n", static_cast<int>(c->name.size()), c->name.data(),
                 static_cast<int>(c->usage.size()), c->usage.data());
  }
  std::fprintf(out,
               "  now [--json]      CLOCK_MONOTONIC ns, the clock of all report timestamps\n"
               "  version [--json]\n\n"
               "--json prints one JSON document on stdout; exit status 0 on success, 1 on "
               "failure (message on stderr).\n"
               "Frame SPEC items: eth vlan ipv4 ipv6 arp garp rarp udp tcp icmp payload pad "
               "(see tools/ferry-pktgen/frame_spec.h).\n");
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    usage(stderr);
    return 1;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    usage(stdout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    bool json = args.size() == 1 && args[0] == "--json";
    if (!args.empty() && !json) {
      std::fprintf(stderr, FERRY_PROGRAM " version: unexpected argument \"%s\"\n", args[0].c_str());
      return 1;
    }
    std::printf(json ? "{\"version\":\"%s\"}\n" : FERRY_PROGRAM " %s\n", FERRY_VERSION);
    return 0;
  }
  if (cmd == "now") {
    // CLOCK_MONOTONIC in ns, the clock of every timestamp in the reports
    // (so a test can mark a pause window from a shell).
    bool json = args.size() == 1 && args[0] == "--json";
    if (!args.empty() && !json) {
      std::fprintf(stderr, FERRY_PROGRAM " now: unexpected argument \"%s\"\n", args[0].c_str());
      return 1;
    }
    std::printf(json ? "{\"monotonic_ns\":%lld}\n" : "%lld\n",
                static_cast<long long>(ferry::pktgen::monotonic_ns()));
    return 0;
  }
  for (const Command* c : kCommands) {
    if (c->name != cmd) continue;
    auto opts = ferry::pktgen::Options::parse(args, c->options);
    if (!opts) return ferry::pktgen::fail(cmd, opts.error());
    return c->run(*opts);
  }
  std::fprintf(stderr, FERRY_PROGRAM ": unknown command \"%s\" (try --help)\n", cmd.c_str());
  return 1;
}
