// ferry-pcapgen: writes the input of Ferry's benchmarks, a pcap of N
// distinct flows with one 60-byte frame each, for DPDK's net_pcap vdev
// (rx_pcap=FILE,infinite_rx=1 replays it for ever). See
// Documentation/benchmarking.md.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "lib/packet/flow_key.h"
#include "tools/ferry-pcapgen/flow_gen.h"
#include "tools/ferry-pcapgen/options.h"
#include "tools/ferry-pcapgen/pcap_writer.h"

namespace {

using ferry::pcapgen::FiveTuple;
using ferry::pcapgen::PcapgenOptions;

std::string dotted(uint32_t ip) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
                ip & 0xff);
  return buf;
}

std::string describe(const PcapgenOptions& o, const FiveTuple& t) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s %s:%u -> %s:%u",
                o.proto == ferry::pcapgen::Proto::kTcp ? "tcp" : "udp", dotted(t.src_ip).c_str(),
                t.sport, dotted(t.dst_ip).c_str(), t.dport);
  return buf;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "ferry-pcapgen: %s\n", message.c_str());
  return 1;
}

int run(int argc, char* argv[]) {
  auto parsed = ferry::pcapgen::parse_options(argc, argv);
  if (!parsed) return fail(parsed.error().message);
  const PcapgenOptions& o = *parsed;
  if (o.help) {
    std::fputs(ferry::pcapgen::usage().c_str(), stdout);
    return 0;
  }
  auto start = std::chrono::steady_clock::now();
  ferry::pcapgen::PcapWriter w;
  ferry::Status st = w.open(o.out);
  size_t frame_len = 0;
  for (uint64_t i = 0; st && i < o.flows; i++) {
    std::vector<uint8_t> frame = ferry::pcapgen::build_frame(o, ferry::pcapgen::flow_tuple(o, i));
    frame_len = frame.size();
    st = w.write(frame, i);
  }
  if (st) st = w.finish();
  if (!st) return fail(st.error().message);
  if (!o.quiet) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "ferry-pcapgen: %llu frames of %zu bytes to %s in %.2f s (%s > %s; first %s, last %s)\n",
        static_cast<unsigned long long>(w.records()), frame_len, o.out.c_str(), secs,
        ferry::format_mac(o.src_mac).c_str(), ferry::format_mac(o.dst_mac).c_str(),
        describe(o, ferry::pcapgen::flow_tuple(o, 0)).c_str(),
        describe(o, ferry::pcapgen::flow_tuple(o, o.flows - 1)).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // out of memory: nothing else throws
    return fail(e.what());
  }
}
