// send: exact bytes out of one interface through AF_PACKET.
#include "lib/util/text.h"
#include "tools/ferry-pktgen/commands.h"
#include "tools/ferry-pktgen/frame_spec.h"
#include "tools/ferry-pktgen/packet_socket.h"
#include "tools/ferry-pktgen/signals.h"
#include "tools/ferry-pktgen/spec_syntax.h"

namespace ferry::pktgen {

namespace {

constexpr OptionSpec kOptions[] = {
    {"iface", true},       {"hex", true},    {"frame", true}, {"count", true},
    {"interval-us", true}, {"print", false}, {"json", false},
};

Result<std::vector<uint8_t>> frame_from_options(const Options& opts) {
  if (opts.has("hex") == opts.has("frame")) return make_error("give exactly one of --hex, --frame");
  if (opts.has("frame")) return build_frame_from_spec(opts.get("frame"));
  auto bytes = parse_hex_bytes(opts.get("hex"));
  if (!bytes) return make_error("--hex: " + bytes.error().message);
  if (bytes->size() < 14) return make_error("--hex: a frame needs at least 14 bytes");
  return bytes;
}

int run_send(const Options& opts) {
  constexpr std::string_view kCmd = "send";
  auto frame = frame_from_options(opts);
  if (!frame) return fail(kCmd, frame.error());
  const std::string hexed = hex(frame->data(), frame->size());
  if (opts.has("print")) {
    rpc::Json j = rpc::Json::object();
    j.set("len", frame->size());
    j.set("hex", hexed);
    emit(opts, j, hexed);
    return 0;
  }
  uint64_t count = 1, interval_us = 0;
  for (Status s : {opts.require("iface"), opts.read_u64("count", &count, 1),
                   opts.read_u64("interval-us", &interval_us, 0, 3600000000ull)}) {
    if (!s) return fail(kCmd, s.error());
  }
  auto signals = StopSignals::install();
  if (!signals) return fail(kCmd, signals.error());
  auto sock = PacketSocket::open(opts.get("iface"), PacketSocket::Mode::kSend);
  if (!sock) return fail(kCmd, sock.error());

  uint64_t sent = 0;
  // Absolute deadlines, as udp-send: the n-th frame leaves at n * interval.
  int64_t deadline = monotonic_ns();
  for (; sent < count && !signals->stop_requested(); sent++) {
    if (sent > 0 && interval_us > 0) {
      deadline += static_cast<int64_t>(interval_us) * 1000;
      for (int64_t now = monotonic_ns(); now < deadline && !signals->stop_requested();
           now = monotonic_ns()) {
        signals->wait(nullptr, 0, deadline - now);
      }
      if (signals->stop_requested()) break;
    }
    if (Status s = sock->send(*frame); !s) {
      return fail(kCmd,
                  make_error(strprintf("frame %llu: %s", static_cast<unsigned long long>(sent),
                                       s.error().message.c_str())));
    }
  }
  rpc::Json j = rpc::Json::object();
  j.set("iface", opts.get("iface"));
  j.set("sent", sent);
  j.set("len", frame->size());
  j.set("hex", hexed);
  emit(opts, j,
       strprintf("sent %llu frame(s) of %zu bytes on %s", static_cast<unsigned long long>(sent),
                 frame->size(), opts.get("iface").c_str()));
  return 0;
}

}  // namespace

const Command kSendCommand = {
    "send",
    "--iface IF (--hex HEX | --frame SPEC) [--count N] [--interval-us U] [--print] [--json]",
    kOptions, run_send};

}  // namespace ferry::pktgen
