#include "tools/ferry-pktgen/recv_report.h"

#include "lib/util/text.h"

namespace ferry::pktgen {

rpc::Json stream_report_json(const StreamReport& r) {
  rpc::Json j = rpc::Json::object();
  j.set("stream", r.stream);
  j.set("received", r.received);
  j.set("unique", r.unique);
  j.set("expected", r.expected);
  j.set("lost", r.lost);
  j.set("duplicated", r.duplicated);
  j.set("reordered", r.reordered);
  j.set("highest_seq", r.highest_seq);
  j.set("loss_bursts", r.loss_bursts);
  j.set("first_arrival_ns", r.first_arrival_ns);
  j.set("last_arrival_ns", r.last_arrival_ns);
  j.set("first_send_ns", r.first_send_ns);
  j.set("last_send_ns", r.last_send_ns);
  j.set("max_gap_ms", r.max_gap_ns / 1e6);
  j.set("max_gap_start_ns", r.max_gap_start_ns);
  j.set("max_gap_end_ns", r.max_gap_end_ns);
  if (r.attributed) {
    j.set("lost_in_pause", r.lost_in_pause);
    j.set("lost_outside_pause", r.lost_outside_pause);
    j.set("lost_unattributed", r.lost_unattributed);
  }
  return j;
}

std::string stream_report_text(const StreamReport& r) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  auto s = [](int64_t v) { return static_cast<long long>(v); };
  std::string out = strprintf(
      "stream %llu: received %llu (unique %llu) expected %llu lost %llu (%llu bursts) "
      "duplicated %llu reordered %llu max_gap %.3f ms at %lld first %lld last %lld",
      u(r.stream), u(r.received), u(r.unique), u(r.expected), u(r.lost), u(r.loss_bursts),
      u(r.duplicated), u(r.reordered), r.max_gap_ns / 1e6, s(r.max_gap_start_ns),
      s(r.first_arrival_ns), s(r.last_arrival_ns));
  if (r.attributed) {
    out += strprintf(" lost_in_pause %llu lost_outside_pause %llu lost_unattributed %llu",
                     u(r.lost_in_pause), u(r.lost_outside_pause), u(r.lost_unattributed));
  }
  return out;
}

}  // namespace ferry::pktgen
