// tcp-recv: accepts one TCP connection, reads it to the end and checks
// every byte against the stream pattern (stream_pattern.h). Reports the
// bytes, the first wrong byte, and the longest time between two reads
// with data (the blackout seen by the receiver).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "lib/util/text.h"
#include "tools/ferry-pktgen/commands.h"
#include "tools/ferry-pktgen/signals.h"
#include "tools/ferry-pktgen/stream_pattern.h"
#include "tools/ferry-pktgen/udp_addr.h"

namespace ferry::pktgen {

namespace {

constexpr std::string_view kCmd = "tcp-recv";

constexpr OptionSpec kOptions[] = {
    {"port", true},        {"bind", true},       {"expect-bytes", true},
    {"duration-ms", true}, {"ready-file", true}, {"json", false},
};

struct Config {
  SockAddr bind;
  uint64_t expect = 0, duration_ms = 0;
};

Result<Config> parse_config(const Options& opts) {
  Config c;
  uint64_t port = 0;
  for (Status s : {opts.require("port"), opts.read_u64("port", &port, 1, 65535),
                   opts.read_u64("expect-bytes", &c.expect, 0),
                   opts.read_u64("duration-ms", &c.duration_ms, 1, 1ull << 40)}) {
    if (!s) return s.error();
  }
  auto addr =
      make_sock_addr(opts.has("bind") ? opts.get("bind") : "0.0.0.0", static_cast<uint16_t>(port));
  if (!addr) return make_error("--bind: " + addr.error().message);
  c.bind = *addr;
  return c;
}

Result<int> listen_on(const SockAddr& a) {
  int fd = socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno), errno);
  int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, a.get(), a.len) != 0 || listen(fd, 1) != 0) {
    int e = errno;
    close(fd);
    return make_error("listen on " + a.to_string() + ": " + std::strerror(e), e);
  }
  return fd;
}

struct Reading {
  StreamPatternChecker check;
  int64_t first_ns = 0, last_ns = 0, max_gap_ns = 0, max_gap_at_ns = 0;
  const char* stopped_by = "signal";
};

// Waits for fd to be readable until `end` (0: no limit); false on timeout
// or a stop signal.
bool wait_readable(int fd, int64_t end, const StopSignals& sig, Reading* r) {
  while (!sig.stop_requested()) {
    const int64_t now = monotonic_ns();
    if (end && now >= end) {
      r->stopped_by = "duration";
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    if (sig.wait(&p, 1, end ? end - now : -1) > 0) return true;
  }
  return false;
}

Status read_stream(int fd, int64_t end, const StopSignals& sig, Reading* r) {
  std::vector<uint8_t> buf(1 << 16);
  while (wait_readable(fd, end, sig, r)) {
    ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return make_error(std::string("recv: ") + std::strerror(errno), errno);
    if (n == 0) {
      r->stopped_by = "eof";
      return {};
    }
    const int64_t now = monotonic_ns();
    if (r->first_ns && now - r->last_ns > r->max_gap_ns) {
      r->max_gap_ns = now - r->last_ns;
      r->max_gap_at_ns = r->last_ns;
    }
    if (!r->first_ns) r->first_ns = now;
    r->last_ns = now;
    r->check.feed(buf.data(), static_cast<size_t>(n));
  }
  return {};
}

int run_tcp_recv(const Options& opts) {
  auto cfg = parse_config(opts);
  if (!cfg) return fail(kCmd, cfg.error());
  const Config& c = *cfg;
  auto signals = StopSignals::install();
  if (!signals) return fail(kCmd, signals.error());
  auto lfd = listen_on(c.bind);
  if (!lfd) return fail(kCmd, lfd.error());
  if (Status s = write_ready_file(opts); !s) return fail(kCmd, s.error());
  const int64_t start = monotonic_ns();
  const int64_t end = c.duration_ms ? start + static_cast<int64_t>(c.duration_ms) * 1000000 : 0;
  Reading r;
  Status st;
  std::string peer = "none";
  if (wait_readable(*lfd, end, *signals, &r)) {
    SockAddr from;
    from.len = sizeof from.ss;
    int fd = accept4(*lfd, reinterpret_cast<sockaddr*>(&from.ss), &from.len, SOCK_CLOEXEC);
    if (fd < 0) return fail(kCmd, make_error(std::string("accept: ") + std::strerror(errno)));
    peer = from.to_string();
    st = read_stream(fd, end, *signals, &r);
    close(fd);
  }
  close(*lfd);
  const double ms = r.last_ns > r.first_ns ? (r.last_ns - r.first_ns) / 1e6 : 0.0;
  const uint64_t bytes = r.check.bytes();
  rpc::Json j = rpc::Json::object();
  j.set("bind", c.bind.to_string());
  j.set("peer", peer);
  j.set("bytes", bytes);
  j.set("mismatched", r.check.mismatched());
  if (r.check.first_mismatch()) j.set("first_mismatch", *r.check.first_mismatch());
  j.set("duration_ms", ms);
  j.set("mbit_s", ms > 0 ? bytes * 8 / ms / 1000 : 0.0);
  j.set("max_gap_ms", r.max_gap_ns / 1e6);
  j.set("max_gap_start_ns", r.max_gap_at_ns);
  j.set("stopped_by", r.stopped_by);
  emit(opts, j,
       strprintf("tcp-recv: %llu bytes from %s (%llu not matching the pattern) in %.1f ms "
                 "(%.1f Mbit/s), longest gap %.3f ms, stopped by %s",
                 static_cast<unsigned long long>(bytes), peer.c_str(),
                 static_cast<unsigned long long>(r.check.mismatched()), ms,
                 ms > 0 ? bytes * 8 / ms / 1000 : 0.0, r.max_gap_ns / 1e6, r.stopped_by));
  if (!st) return fail(kCmd, st.error());
  if (r.check.mismatched()) {
    return fail(kCmd,
                make_error(strprintf("the stream differs from the pattern from byte %llu",
                                     static_cast<unsigned long long>(*r.check.first_mismatch()))));
  }
  if (opts.has("expect-bytes") && bytes != c.expect) {
    return fail(kCmd, make_error(strprintf("expected %llu bytes, got %llu",
                                           static_cast<unsigned long long>(c.expect),
                                           static_cast<unsigned long long>(bytes))));
  }
  return 0;
}

}  // namespace

const Command kTcpRecvCommand = {
    "tcp-recv",
    "--port PORT [--bind IP] [--expect-bytes N] [--duration-ms D] [--ready-file F] [--json]",
    kOptions, run_tcp_recv};

}  // namespace ferry::pktgen
