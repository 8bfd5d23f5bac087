// tcp-send: one TCP connection carrying the stream pattern
// (stream_pattern.h), for a count of bytes or a duration, paced or not.
// The report says how long the longest wait for the socket to take more
// bytes was: the stall a sender sees while its path is cut.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

constexpr std::string_view kCmd = "tcp-send";

constexpr OptionSpec kOptions[] = {
    {"dst", true},  {"bytes", true}, {"duration-ms", true},
    {"rate", true}, {"chunk", true}, {"json", false},
};

struct Config {
  SockAddr dst;
  uint64_t bytes = 0, duration_ms = 0, rate = 0, chunk = 16384;
};

Result<Config> parse_config(const Options& opts) {
  Config c;
  auto dst = require_ip_port(opts, "dst");
  if (!dst) return dst.error();
  c.dst = *dst;
  if (opts.has("bytes") == opts.has("duration-ms")) {
    return make_error("give one of --bytes, --duration-ms");
  }
  for (Status s : {opts.read_u64("bytes", &c.bytes, 1), opts.read_u64("rate", &c.rate, 0),
                   opts.read_u64("duration-ms", &c.duration_ms, 1, 1ull << 40),
                   opts.read_u64("chunk", &c.chunk, 1, 1 << 20)}) {
    if (!s) return s.error();
  }
  return c;
}

struct Totals {
  uint64_t sent = 0;
  int64_t connect_ns = 0, max_stall_ns = 0, max_stall_at_ns = 0;
};

// Writes until done; false with errno on a socket error.
bool send_stream(int fd, const Config& c, const StopSignals& sig, Totals* t) {
  std::vector<uint8_t> buf(c.chunk);
  const int64_t start = monotonic_ns();
  const int64_t end = c.duration_ms ? start + static_cast<int64_t>(c.duration_ms) * 1000000 : 0;
  int64_t last_progress = start;
  while (!sig.stop_requested()) {
    const int64_t now = monotonic_ns();
    if (end ? now >= end : t->sent >= c.bytes) return true;
    uint64_t n = c.bytes ? std::min<uint64_t>(c.chunk, c.bytes - t->sent) : c.chunk;
    if (c.rate) {
      // Pacing: never ahead of rate * elapsed.
      const uint64_t allowed = static_cast<uint64_t>((now - start) / 1e9 * c.rate) + c.chunk;
      if (allowed <= t->sent) {
        sig.wait(nullptr, 0, 1000000);
        continue;
      }
      n = std::min(n, allowed - t->sent);
    }
    fill_stream_pattern(t->sent, buf.data(), n);
    ssize_t w = send(fd, buf.data(), n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    const int64_t after = monotonic_ns();
    if (after - last_progress > t->max_stall_ns) {
      t->max_stall_ns = after - last_progress;
      t->max_stall_at_ns = last_progress;
    }
    last_progress = after;
    t->sent += static_cast<uint64_t>(w);
  }
  return true;
}

int run_tcp_send(const Options& opts) {
  auto cfg = parse_config(opts);
  if (!cfg) return fail(kCmd, cfg.error());
  const Config& c = *cfg;
  auto signals = StopSignals::install();
  if (!signals) return fail(kCmd, signals.error());
  int fd = socket(c.dst.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(kCmd, make_error(std::string("socket: ") + std::strerror(errno)));
  const int64_t t0 = monotonic_ns();
  if (connect(fd, c.dst.get(), c.dst.len) != 0) {
    int e = errno;
    close(fd);
    return fail(kCmd, make_error("connect to " + c.dst.to_string() + ": " + std::strerror(e)));
  }
  Totals t;
  t.connect_ns = monotonic_ns() - t0;
  const int64_t start = monotonic_ns();
  bool ok = send_stream(fd, c, *signals, &t);
  int err = errno;
  // An orderly end: the receiver sees EOF after the last byte.
  if (ok && shutdown(fd, SHUT_WR) != 0) {
    ok = false;
    err = errno;
  }
  char sink[256];
  while (ok && recv(fd, sink, sizeof sink, 0) > 0) {
  }
  close(fd);
  const double ms = (monotonic_ns() - start) / 1e6;
  rpc::Json j = rpc::Json::object();
  j.set("dst", c.dst.to_string());
  j.set("bytes", t.sent);
  j.set("duration_ms", ms);
  j.set("mbit_s", ms > 0 ? t.sent * 8 / ms / 1000 : 0.0);
  j.set("connect_ms", t.connect_ns / 1e6);
  j.set("max_stall_ms", t.max_stall_ns / 1e6);
  j.set("max_stall_at_ns", t.max_stall_at_ns);
  j.set("stopped_by", signals->stop_requested() ? "signal" : c.bytes ? "bytes" : "duration");
  emit(opts, j,
       strprintf("tcp-send: %llu bytes to %s in %.1f ms (%.1f Mbit/s), longest stall %.3f ms",
                 static_cast<unsigned long long>(t.sent), c.dst.to_string().c_str(), ms,
                 ms > 0 ? t.sent * 8 / ms / 1000 : 0.0, t.max_stall_ns / 1e6));
  if (!ok) return fail(kCmd, make_error(std::string("send: ") + std::strerror(err)));
  return 0;
}

}  // namespace

const Command kTcpSendCommand = {
    "tcp-send",
    "--dst IP:PORT (--bytes N | --duration-ms D) [--rate BYTES_PER_S (default 0: unpaced)] "
    "[--chunk BYTES (default 16384)] [--json]",
    kOptions, run_tcp_send};

}  // namespace ferry::pktgen
