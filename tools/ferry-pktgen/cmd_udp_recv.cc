// udp-recv: receives udp-send streams and reports loss, duplication,
// reordering and blackouts per stream (see seq_tracker.h for the rules).
//
// Arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS, wall
// clock) moved onto CLOCK_MONOTONIC with the offset between the two clocks
// read right after each recvmmsg, so a batch read late still carries the
// real arrival times; without a timestamp the read time is used.
//
// Streams are told apart by the stream id in the header only (two senders
// with the same id count as one stream). --bind defaults to 0.0.0.0; give
// --bind :: (or an IPv6 address) for IPv6. --until-idle-ms counts from the
// last datagram and only once one has arrived.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "lib/util/text.h"
#include "tools/ferry-pktgen/commands.h"
#include "tools/ferry-pktgen/recv_report.h"
#include "tools/ferry-pktgen/seq_tracker.h"
#include "tools/ferry-pktgen/signals.h"
#include "tools/ferry-pktgen/stream_header.h"
#include "tools/ferry-pktgen/udp_addr.h"

namespace ferry::pktgen {

namespace {

constexpr std::string_view kCmd = "udp-recv";
constexpr size_t kBatch = 64;
constexpr size_t kBufSize = 64;  // only the header is read; longer datagrams are truncated

constexpr OptionSpec kOptions[] = {
    {"port", true},         {"bind", true},
    {"duration-ms", true},  {"until-idle-ms", true},
    {"expect", true},       {"timeline", true},
    {"pause-window", true}, {"json", false},
    {"ready-file", true},   {"pause-window-file", true},
};

struct Config {
  SockAddr bind;
  uint64_t duration_ms = 0, idle_ms = 0, expect = 0;
  std::optional<PauseWindow> pause;
};

Result<PauseWindow> parse_pause_window(const std::string& text) {
  size_t colon = text.find(':');
  auto a = parse_u64(std::string_view(text).substr(0, colon));
  auto b = colon == std::string::npos ? std::nullopt
                                      : parse_u64(std::string_view(text).substr(colon + 1));
  if (!a || !b || *a > *b || *b > static_cast<uint64_t>(INT64_MAX)) {
    return make_error("--pause-window: expected START_NS:END_NS with START <= END");
  }
  return PauseWindow{static_cast<int64_t>(*a), static_cast<int64_t>(*b)};
}

// --pause-window-file: the same text, read when the report is made, so a
// test can write the window after the pause happened.
Result<PauseWindow> read_pause_window_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return make_error("--pause-window-file: cannot read " + path);
  char line[128] = "";
  bool ok = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  if (!ok) return make_error("--pause-window-file: " + path + " is empty");
  auto w = parse_pause_window(std::string(trim(line)));
  if (!w) return make_error(w.error().message + " (in " + path + ")");
  return w;
}

Result<Config> parse_config(const Options& opts) {
  Config c;
  uint64_t port = 0;
  for (Status s : {opts.require("port"), opts.read_u64("port", &port, 1, 65535),
                   opts.read_u64("duration-ms", &c.duration_ms, 1, 1ull << 40),
                   opts.read_u64("until-idle-ms", &c.idle_ms, 1, 1ull << 40),
                   opts.read_u64("expect", &c.expect, 0)}) {
    if (!s) return s.error();
  }
  auto addr =
      make_sock_addr(opts.has("bind") ? opts.get("bind") : "0.0.0.0", static_cast<uint16_t>(port));
  if (!addr) return make_error("--bind: " + addr.error().message);
  c.bind = *addr;
  if (opts.has("pause-window") && opts.has("pause-window-file")) {
    return make_error("give at most one of --pause-window, --pause-window-file");
  }
  if (opts.has("pause-window")) {
    auto w = parse_pause_window(opts.get("pause-window"));
    if (!w) return w.error();
    c.pause = *w;
  }
  return c;
}

Result<int> open_socket(const Config& c) {
  int fd = socket(c.bind.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno), errno);
  int one = 1, rcvbuf = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  if (bind(fd, c.bind.get(), c.bind.len) != 0) {
    int e = errno;
    close(fd);
    return make_error("bind to " + c.bind.to_string() + ": " + std::strerror(e), e);
  }
  return fd;
}

int64_t realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Receiver {
  int fd;
  FILE* timeline;
  SeqTracker tracker;
  uint64_t datagrams = 0, invalid = 0;
  std::vector<uint8_t> bufs = std::vector<uint8_t>(kBatch * kBufSize);
  std::vector<iovec> iov = std::vector<iovec>(kBatch);
  std::vector<mmsghdr> msgs = std::vector<mmsghdr>(kBatch);
  std::vector<char> control = std::vector<char>(kBatch * CMSG_SPACE(sizeof(timespec)));

  // Reads everything queued; returns how many datagrams were read.
  Result<size_t> drain() {
    size_t total = 0;
    for (;;) {
      for (size_t i = 0; i < kBatch; i++) {
        iov[i] = {bufs.data() + i * kBufSize, kBufSize};
        std::memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = control.data() + i * CMSG_SPACE(sizeof(timespec));
        msgs[i].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(timespec));
      }
      int n = recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return total;
        if (errno == EINTR) continue;
        return make_error(std::string("recvmmsg: ") + std::strerror(errno), errno);
      }
      const int64_t mono = monotonic_ns();
      const int64_t offset = mono - realtime_ns();
      for (int i = 0; i < n; i++) account(msgs[i], mono, offset);
      total += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < kBatch) return total;
    }
  }

  void account(mmsghdr& m, int64_t mono, int64_t offset) {
    int64_t arrival = mono;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr); c; c = CMSG_NXTHDR(&m.msg_hdr, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        arrival =
            std::min(mono, static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec + offset);
      }
    }
    auto h =
        decode_stream_header(static_cast<const uint8_t*>(m.msg_hdr.msg_iov->iov_base), m.msg_len);
    if (!h) {
      invalid++;
      return;
    }
    datagrams++;
    tracker.on_datagram(h->stream, h->seq, h->send_ns, arrival);
    if (timeline) {
      std::fprintf(timeline, "%lld,%u,%llu,%lld\n", static_cast<long long>(arrival), h->stream,
                   static_cast<unsigned long long>(h->seq), static_cast<long long>(h->send_ns));
    }
  }
};

int run_udp_recv(const Options& opts) {
  auto cfg = parse_config(opts);
  if (!cfg) return fail(kCmd, cfg.error());
  const Config& c = *cfg;
  auto signals = StopSignals::install();
  if (!signals) return fail(kCmd, signals.error());
  auto fd = open_socket(c);
  if (!fd) return fail(kCmd, fd.error());
  Receiver rx{*fd, nullptr};
  if (opts.has("timeline")) {
    rx.timeline = std::fopen(opts.get("timeline").c_str(), "w");
    if (!rx.timeline) return fail(kCmd, make_error("cannot write " + opts.get("timeline")));
    std::setvbuf(rx.timeline, nullptr, _IOFBF, 1 << 20);
  }
  if (Status s = write_ready_file(opts); !s) return fail(kCmd, s.error());

  const int64_t start = monotonic_ns();
  const int64_t end = c.duration_ms ? start + static_cast<int64_t>(c.duration_ms) * 1000000 : -1;
  const int64_t idle_ns = static_cast<int64_t>(c.idle_ms) * 1000000;
  int64_t last_rx = -1;  // local read time of the last datagram
  const char* stopped_by = "signal";
  while (!signals->stop_requested()) {
    const int64_t now = monotonic_ns();
    int64_t wait_ns = -1;
    if (end >= 0) wait_ns = end - now;
    if (idle_ns && last_rx >= 0) {
      int64_t idle_left = last_rx + idle_ns - now;
      if (idle_left <= 0) {
        stopped_by = "idle";
        break;
      }
      if (wait_ns < 0 || idle_left < wait_ns) wait_ns = idle_left;
    }
    if (end >= 0 && now >= end) {
      stopped_by = "duration";
      break;
    }
    pollfd pfd{*fd, POLLIN, 0};
    if (signals->wait(&pfd, 1, wait_ns) <= 0) continue;
    auto n = rx.drain();
    if (!n) return fail(kCmd, n.error());
    if (*n > 0) last_rx = monotonic_ns();
  }
  close(*fd);
  if (rx.timeline && std::fclose(rx.timeline) != 0) {
    return fail(kCmd, make_error("writing " + opts.get("timeline") + " failed"));
  }

  int rc = 0;
  std::optional<PauseWindow> pause = c.pause;
  if (opts.has("pause-window-file")) {
    auto w = read_pause_window_file(opts.get("pause-window-file"));
    if (w) {
      pause = *w;
    } else {
      rc = fail(kCmd, w.error());  // the report still follows, unattributed
    }
  }
  auto expect = opts.has("expect") ? std::optional<uint64_t>(c.expect) : std::nullopt;
  std::vector<StreamReport> reports = rx.tracker.report(expect, pause);
  const double elapsed_ms = (monotonic_ns() - start) / 1e6;
  rpc::Json streams = rpc::Json::array();
  std::string human;
  for (const StreamReport& r : reports) {
    streams.push_back(stream_report_json(r));
    human += stream_report_text(r) + "\n";
  }
  rpc::Json j = rpc::Json::object();
  j.set("bind", c.bind.to_string());
  j.set("datagrams", rx.datagrams);
  j.set("invalid", rx.invalid);
  j.set("duration_ms", elapsed_ms);
  j.set("stopped_by", stopped_by);
  if (pause) {
    rpc::Json w = rpc::Json::object();
    w.set("start_ns", pause->start_ns);
    w.set("end_ns", pause->end_ns);
    j.set("pause_window", std::move(w));
  }
  j.set("streams", std::move(streams));
  human += strprintf(
      "udp-recv: %llu datagrams (%llu invalid) in %zu stream(s), %.1f ms, "
      "stopped by %s",
      static_cast<unsigned long long>(rx.datagrams), static_cast<unsigned long long>(rx.invalid),
      reports.size(), elapsed_ms, stopped_by);
  emit(opts, j, human);
  return rc;
}

}  // namespace

const Command kUdpRecvCommand = {
    "udp-recv",
    "--port PORT [--bind IP] [--duration-ms D] [--until-idle-ms I] [--expect N] "
    "[--timeline FILE] [--pause-window START_NS:END_NS | --pause-window-file F] "
    "[--ready-file F] [--json]",
    kOptions, run_udp_recv};

}  // namespace ferry::pktgen
