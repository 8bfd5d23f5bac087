// capture: frames received on one interface, printed as hex (one per line,
// as they arrive) or as one JSON document at the end.
#include <algorithm>

#include "lib/packet/parser.h"
#include "lib/util/text.h"
#include "tools/ferry-pktgen/commands.h"
#include "tools/ferry-pktgen/packet_socket.h"
#include "tools/ferry-pktgen/signals.h"

namespace ferry::pktgen {

namespace {

constexpr std::string_view kCmd = "capture";

constexpr OptionSpec kOptions[] = {
    {"iface", true},
    {"count", true},
    {"timeout-ms", true},
    {"filter-dst", true},
    {"filter-ethertype", true},
    {"flow", false},
    {"json", false},
    {"ready-file", true},
};

struct Filter {
  std::optional<Mac> dst;
  std::optional<uint16_t> ethertype;
};

uint16_t get16(const std::vector<uint8_t>& f, size_t at) {
  return static_cast<uint16_t>(f[at] << 8 | f[at + 1]);
}

// The ethertype filter matches the outer ethertype or the one after up to
// two VLAN tags (so 0x0806 finds tagged ARP too).
bool matches(const Filter& filter, const std::vector<uint8_t>& f) {
  if (f.size() < 14) return false;
  if (filter.dst && !std::equal(filter.dst->begin(), filter.dst->end(), f.begin())) return false;
  if (!filter.ethertype) return true;
  size_t at = 12;
  for (int tags = 0; at + 2 <= f.size(); tags++, at += 4) {
    uint16_t type = get16(f, at);
    if (type == *filter.ethertype) return true;
    if (tags == 2 || (type != kEthTypeVlan && type != kEthTypeQinQ)) break;
  }
  return false;
}

std::string flow_text(const std::vector<uint8_t>& f) {
  FlowKey key = zero_key();
  ParseStatus st = parse_frame(f.data(), static_cast<uint32_t>(f.size()), 0, &key);
  return st == ParseStatus::kOk ? key.to_string() : parse_status_name(st);
}

int run_capture(const Options& opts) {
  uint64_t count = 0, timeout_ms = 0;
  Filter filter;
  for (Status s : {opts.require("iface"), opts.read_u64("count", &count, 1),
                   opts.read_u64("timeout-ms", &timeout_ms, 1)}) {
    if (!s) return fail(kCmd, s.error());
  }
  if (opts.has("filter-dst")) {
    filter.dst = parse_mac(opts.get("filter-dst"));
    if (!filter.dst) return fail(kCmd, make_error("--filter-dst: not a MAC address"));
  }
  if (opts.has("filter-ethertype")) {
    uint64_t t = 0;
    if (Status s = opts.read_u64("filter-ethertype", &t, 0, 0xffff); !s)
      return fail(kCmd, s.error());
    filter.ethertype = static_cast<uint16_t>(t);
  }
  auto signals = StopSignals::install();
  if (!signals) return fail(kCmd, signals.error());
  auto sock = PacketSocket::open(opts.get("iface"), PacketSocket::Mode::kReceive);
  if (!sock) return fail(kCmd, sock.error());
  if (Status s = write_ready_file(opts); !s) return fail(kCmd, s.error());

  const bool json = opts.has("json");
  const int64_t deadline =
      timeout_ms ? monotonic_ns() + static_cast<int64_t>(timeout_ms) * 1000000 : -1;
  rpc::Json frames = rpc::Json::array();
  uint64_t captured = 0;
  bool timed_out = false;
  while (!signals->stop_requested() && (count == 0 || captured < count)) {
    int64_t wait_ns = -1;
    if (deadline >= 0) {
      wait_ns = deadline - monotonic_ns();
      if (wait_ns <= 0) {
        timed_out = true;
        break;
      }
    }
    pollfd pfd{sock->fd(), POLLIN, 0};
    if (signals->wait(&pfd, 1, wait_ns) <= 0) continue;
    while (count == 0 || captured < count) {
      auto frame = sock->receive();
      if (!frame) return fail(kCmd, frame.error());
      if (!*frame) break;
      const std::vector<uint8_t>& bytes = (*frame)->bytes;
      if (!matches(filter, bytes)) continue;
      captured++;
      std::string hexed = hex(bytes.data(), bytes.size());
      if (json) {
        rpc::Json f = rpc::Json::object();
        f.set("len", bytes.size());
        f.set("hex", hexed);
        f.set("flow", flow_text(bytes));
        f.set("vlan_restored", (*frame)->vlan_restored);
        f.set("truncated", (*frame)->truncated);
        frames.push_back(std::move(f));
      } else {
        if (opts.has("flow")) hexed += " " + flow_text(bytes);
        std::printf("%s\n", hexed.c_str());
        std::fflush(stdout);
      }
    }
  }
  if (json) {
    rpc::Json j = rpc::Json::object();
    j.set("iface", opts.get("iface"));
    j.set("count", captured);
    j.set("timed_out", timed_out);
    j.set("frames", std::move(frames));
    emit(opts, j, "");
  }
  if (timed_out && count > 0) {
    return fail(kCmd, make_error(strprintf("timeout: captured %llu of %llu frame(s)",
                                           static_cast<unsigned long long>(captured),
                                           static_cast<unsigned long long>(count))));
  }
  return 0;
}

}  // namespace

const Command kCaptureCommand = {
    "capture",
    "--iface IF [--count N] [--timeout-ms T] [--filter-dst MAC] [--filter-ethertype T] [--flow] "
    "[--ready-file F] [--json]",
    kOptions, run_capture};

}  // namespace ferry::pktgen
