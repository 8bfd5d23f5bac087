// udp-send: a paced stream of numbered datagrams through the kernel's UDP
// stack (see stream_header.h for the format, pacer.h for the pacing).
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "lib/util/text.h"
#include "tools/ferry-pktgen/commands.h"
#include "tools/ferry-pktgen/pacer.h"
#include "tools/ferry-pktgen/signals.h"
#include "tools/ferry-pktgen/stream_header.h"
#include "tools/ferry-pktgen/udp_addr.h"

namespace ferry::pktgen {

namespace {

constexpr std::string_view kCmd = "udp-send";
constexpr size_t kBatch = 64;
// The last stretch before a deadline is busy-waited; longer waits sleep.
constexpr int64_t kSpinNs = 20000;
// When always behind schedule, still let signals in every so many batches.
constexpr int kBatchesPerSignalCheck = 16;

constexpr OptionSpec kOptions[] = {
    {"dst", true},  {"src-port", true}, {"rate", true}, {"count", true}, {"duration-ms", true},
    {"size", true}, {"stream", true},   {"tos", true},  {"json", false},
};

struct Config {
  SockAddr dst;
  uint64_t src_port = 0, rate = 1000, count = 0, duration_ms = 0, size = 64, stream = 0, tos = 0;
};

Result<Config> parse_config(const Options& opts) {
  Config c;
  auto dst = require_ip_port(opts, "dst");
  if (!dst) return dst.error();
  c.dst = *dst;
  if (opts.has("count") && opts.has("duration-ms")) {
    return make_error("give at most one of --count, --duration-ms");
  }
  const uint64_t max_size = c.dst.family() == AF_INET ? 65507 : 65527;
  for (Status s :
       {opts.read_u64("src-port", &c.src_port, 1, 65535),
        opts.read_u64("rate", &c.rate, 0, 100000000), opts.read_u64("count", &c.count, 1),
        opts.read_u64("duration-ms", &c.duration_ms, 1, 1ull << 40),
        opts.read_u64("size", &c.size, kStreamHeaderSize, max_size),
        opts.read_u64("stream", &c.stream, 0, UINT32_MAX), opts.read_u64("tos", &c.tos, 0, 255)}) {
    if (!s) return s.error();
  }
  return c;
}

Result<int> open_socket(const Config& c) {
  int fd = socket(c.dst.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno), errno);
  int tos = static_cast<int>(c.tos);
  int sndbuf = 4 << 20;
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  bool v4 = c.dst.family() == AF_INET;
  if (tos && setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_TOS : IPV6_TCLASS, &tos,
                        sizeof tos) != 0) {
    int e = errno;
    close(fd);
    return make_error(std::string("setting --tos: ") + std::strerror(e), e);
  }
  if (c.src_port) {
    auto any = make_sock_addr(v4 ? "0.0.0.0" : "::", static_cast<uint16_t>(c.src_port));
    if (!any || bind(fd, any->get(), any->len) != 0) {
      int e = errno;
      close(fd);
      return make_error(
          strprintf("bind to port %llu: %s", (unsigned long long)c.src_port, std::strerror(e)), e);
    }
  }
  return fd;
}

struct Totals {
  uint64_t next_seq = 0, sent = 0, errors = 0;
  int last_errno = 0;
  int64_t first_send_ns = 0, last_send_ns = 0;
};

// Sends datagrams [t->next_seq, +n) stamped with now; a datagram the kernel
// refuses is counted as an error and skipped (its number is used up).
void send_batch(int fd, const Config& c, std::vector<uint8_t>& bufs, mmsghdr* msgs, size_t n,
                Totals* t) {
  const int64_t now = monotonic_ns();
  for (size_t i = 0; i < n; i++) {
    StreamHeader h{static_cast<uint32_t>(c.stream), t->next_seq + i, now};
    encode_stream_header(h, bufs.data() + i * c.size);
  }
  size_t done = 0;
  while (done < n) {
    int r = sendmmsg(fd, msgs + done, static_cast<unsigned>(n - done), 0);
    if (r > 0) {
      done += static_cast<size_t>(r);
      t->sent += static_cast<uint64_t>(r);
      if (t->first_send_ns == 0) t->first_send_ns = now;
      t->last_send_ns = now;
    } else if (errno != EINTR) {
      t->errors++;
      t->last_errno = errno;
      done++;
    }
  }
  t->next_seq += n;
}

int run_udp_send(const Options& opts) {
  auto cfg = parse_config(opts);
  if (!cfg) return fail(kCmd, cfg.error());
  const Config& c = *cfg;
  auto signals = StopSignals::install();
  if (!signals) return fail(kCmd, signals.error());
  auto fd = open_socket(c);
  if (!fd) return fail(kCmd, fd.error());
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // wake-ups on time, not 50 us late

  std::vector<uint8_t> bufs(kBatch * c.size, 0);
  std::vector<iovec> iov(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  for (size_t i = 0; i < kBatch; i++) {
    iov[i] = {bufs.data() + i * c.size, c.size};
    std::memset(&msgs[i], 0, sizeof msgs[i]);
    msgs[i].msg_hdr.msg_name = const_cast<sockaddr*>(c.dst.get());
    msgs[i].msg_hdr.msg_namelen = c.dst.len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  const int64_t start = monotonic_ns();
  Pacer pacer(c.rate, start);
  const int64_t duration_ns = static_cast<int64_t>(c.duration_ms) * 1000000;
  uint64_t total = c.count ? c.count : c.duration_ms ? pacer.count_within(duration_ns) : UINT64_MAX;
  Totals t;
  int batches_without_wait = 0;
  int64_t last_loop_ns = start;
  uint64_t stops = 0;
  int64_t stopped_ns = 0;
  while (!signals->stop_requested() && t.next_seq < total) {
    int64_t now = monotonic_ns();
    if (signals->take_continued()) {
      // Stopped and continued (a VM paused for a live migration): its clock
      // stood still, so the schedule goes on where it stopped rather than
      // sending everything due meanwhile in one burst.
      pacer.shift(now - last_loop_ns);
      stops++;
      stopped_ns += now - last_loop_ns;
    }
    last_loop_ns = now;
    if (c.rate == 0 && c.duration_ms && now - start >= duration_ns) break;
    uint64_t n = pacer.due(now, t.next_seq, std::min<uint64_t>(kBatch, total - t.next_seq));
    if (n == 0) {
      const int64_t deadline = pacer.deadline(t.next_seq);
      if (deadline - now > kSpinNs) {
        signals->wait(nullptr, 0, deadline - now - kSpinNs);
      } else {
        while (monotonic_ns() < deadline) {
        }
      }
      batches_without_wait = 0;
      continue;
    }
    send_batch(*fd, c, bufs, msgs.data(), n, &t);
    if (++batches_without_wait >= kBatchesPerSignalCheck) {
      signals->wait(nullptr, 0, 0);
      batches_without_wait = 0;
    }
  }
  close(*fd);

  const int64_t span = t.last_send_ns - t.first_send_ns;
  const double achieved = t.sent > 1 && span > 0 ? (t.sent - 1) * 1e9 / span : 0.0;
  const double elapsed_ms = (monotonic_ns() - start) / 1e6;
  const char* stopped_by = signals->stop_requested() ? "signal"
                           : c.count                 ? "count"
                           : c.duration_ms           ? "duration"
                                                     : "signal";
  rpc::Json j = rpc::Json::object();
  j.set("dst", c.dst.to_string());
  j.set("stream", c.stream);
  j.set("sent", t.sent);
  j.set("send_errors", t.errors);
  j.set("next_seq", t.next_seq);
  j.set("target_pps", c.rate);
  j.set("rate_pps", achieved);
  j.set("duration_ms", elapsed_ms);
  j.set("first_send_ns", t.first_send_ns);
  j.set("last_send_ns", t.last_send_ns);
  j.set("stopped_by", stopped_by);
  j.set("stops", stops);
  j.set("stopped_ms", stopped_ns / 1e6);
  emit(opts, j,
       strprintf("udp-send: stream %llu sent %llu datagrams to %s in %.1f ms (%.1f pps, target "
                 "%llu), %llu errors, stopped by %s",
                 (unsigned long long)c.stream, (unsigned long long)t.sent,
                 c.dst.to_string().c_str(), elapsed_ms, achieved, (unsigned long long)c.rate,
                 (unsigned long long)t.errors, stopped_by));
  if (t.errors > 0) {
    fail(kCmd, make_error(strprintf("%llu datagram(s) not sent, last error: %s",
                                    (unsigned long long)t.errors, std::strerror(t.last_errno))));
  }
  return t.errors > 0 && t.sent == 0 ? 1 : 0;
}

}  // namespace

const Command kUdpSendCommand = {
    "udp-send",
    "--dst IP:PORT [--src-port P] [--rate PPS (default 1000; 0: unpaced)] [--count N | "
    "--duration-ms D] "
    "[--size BYTES (default 64, >= 24)] [--stream ID (default 0)] [--tos T] [--json]",
    kOptions, run_udp_send};

}  // namespace ferry::pktgen
