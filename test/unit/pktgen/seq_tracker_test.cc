// Sequence accounting of udp-recv: loss, duplication, reordering, gaps and
// pause-window attribution, with exact counts.
#include "tools/ferry-pktgen/seq_tracker.h"

#include <cstdint>
#include <initializer_list>
#include <limits>

#include <catch2/catch.hpp>

using ferry::pktgen::PauseWindow;
using ferry::pktgen::SeqTracker;
using ferry::pktgen::StreamReport;
using ferry::pktgen::StreamTracker;

namespace {

// A sender paced at one datagram per microsecond from t = 1 ms.
int64_t paced_send(uint64_t seq) { return 1000000 + static_cast<int64_t>(seq) * 1000; }

// Feeds the sequences in order, sent by paced_send(), arriving 50 ns later.
StreamTracker feed(std::initializer_list<uint64_t> seqs) {
  StreamTracker t(1);
  for (uint64_t s : seqs) t.on_datagram(s, paced_send(s), paced_send(s) + 50);
  return t;
}

void feed_range(StreamTracker& t, uint64_t from, uint64_t to) {  // [from, to)
  for (uint64_t s = from; s < to; s++) t.on_datagram(s, paced_send(s), paced_send(s) + 50);
}

}  // namespace

TEST_CASE("a clean stream has nothing lost, duplicated or reordered", "[seq]") {
  StreamTracker t(1);
  feed_range(t, 0, 10);
  StreamReport r = t.report(std::nullopt, std::nullopt);
  CHECK(r.stream == 1);
  CHECK(r.received == 10);
  CHECK(r.unique == 10);
  CHECK(r.expected == 10);
  CHECK(r.lost == 0);
  CHECK(r.loss_bursts == 0);
  CHECK(r.duplicated == 0);
  CHECK(r.reordered == 0);
  CHECK(r.highest_seq == 9);
  CHECK(r.first_arrival_ns == 1000050);
  CHECK(r.last_arrival_ns == 1009050);
  CHECK(r.first_send_ns == 1000000);
  CHECK(r.last_send_ns == 1009000);
  // All gaps are 1000 ns; the first one found is reported.
  CHECK(r.max_gap_ns == 1000);
  CHECK(r.max_gap_start_ns == 1000050);
  CHECK(r.max_gap_end_ns == 1001050);
  CHECK_FALSE(r.attributed);
}

TEST_CASE("lost numbers are the holes below the expected count", "[seq]") {
  StreamTracker t = feed({0, 1, 2, 5, 6, 9});
  StreamReport r = t.report(std::nullopt, std::nullopt);
  CHECK(r.expected == 10);
  CHECK(r.lost == 4);  // 3 4 7 8
  CHECK(r.loss_bursts == 2);
  CHECK(r.reordered == 0);

  // --expect beyond the highest: the tail is lost too.
  r = t.report(12, std::nullopt);
  CHECK(r.expected == 12);
  CHECK(r.lost == 6);  // 3 4 7 8 10 11
  CHECK(r.loss_bursts == 3);

  // --expect below the highest: only holes under it count.
  r = t.report(5, std::nullopt);
  CHECK(r.lost == 2);  // 3 4
  CHECK(r.loss_bursts == 1);
  r = t.report(4, std::nullopt);
  CHECK(r.lost == 1);  // 3
}

TEST_CASE("numbers before the first arrival are lost unless they come later", "[seq]") {
  StreamTracker t = feed({3, 4});
  CHECK(t.report(std::nullopt, std::nullopt).lost == 3);
  t.on_datagram(1, paced_send(1), 5000000);
  StreamReport r = t.report(std::nullopt, std::nullopt);
  CHECK(r.lost == 2);
  CHECK(r.loss_bursts == 2);  // 0 and 2
  CHECK(r.reordered == 1);
}

TEST_CASE("duplicates are counted and do not hide losses", "[seq]") {
  StreamTracker t = feed({0, 1, 1, 2, 0, 2, 4, 4});
  StreamReport r = t.report(std::nullopt, std::nullopt);
  CHECK(r.received == 8);
  CHECK(r.unique == 4);
  CHECK(r.duplicated == 4);
  CHECK(r.reordered == 0);
  CHECK(r.lost == 1);  // 3
}

TEST_CASE("reordered arrivals fill holes once", "[seq]") {
  SECTION("one swap") {
    StreamReport r = feed({0, 2, 1, 3}).report(std::nullopt, std::nullopt);
    CHECK(r.reordered == 1);
    CHECK(r.lost == 0);
    CHECK(r.duplicated == 0);
  }
  SECTION("reversed run") {
    StreamReport r = feed({0, 4, 3, 2, 1, 5}).report(std::nullopt, std::nullopt);
    CHECK(r.reordered == 3);
    CHECK(r.lost == 0);
    CHECK(r.loss_bursts == 0);
  }
  SECTION("a late packet arriving twice is reordered once, then a duplicate") {
    StreamReport r = feed({0, 2, 1, 1}).report(std::nullopt, std::nullopt);
    CHECK(r.reordered == 1);
    CHECK(r.duplicated == 1);
    CHECK(r.unique == 3);
  }
  SECTION("filling the middle of a hole splits it") {
    StreamReport r = feed({0, 10, 5}).report(std::nullopt, std::nullopt);
    CHECK(r.reordered == 1);
    CHECK(r.lost == 8);
    CHECK(r.loss_bursts == 2);
  }
  SECTION("everything before the first arrival, late") {
    StreamReport r = feed({3, 0, 1, 2}).report(std::nullopt, std::nullopt);
    CHECK(r.reordered == 3);
    CHECK(r.lost == 0);
  }
}

TEST_CASE("the longest silence between arrivals is the blackout", "[seq]") {
  StreamTracker t(1);
  const int64_t arrivals[] = {100, 110, 120, 620, 630, 640, 1040};
  for (uint64_t s = 0; s < 7; s++) t.on_datagram(s, 0, arrivals[s]);
  StreamReport r = t.report(std::nullopt, std::nullopt);
  CHECK(r.max_gap_ns == 500);
  CHECK(r.max_gap_start_ns == 120);
  CHECK(r.max_gap_end_ns == 620);
  CHECK(r.first_arrival_ns == 100);
  CHECK(r.last_arrival_ns == 1040);

  // An arrival stamped earlier than the last one is no gap and does not
  // move the last arrival back.
  t.on_datagram(7, 0, 1000);
  r = t.report(std::nullopt, std::nullopt);
  CHECK(r.max_gap_ns == 500);
  CHECK(r.last_arrival_ns == 1040);

  StreamTracker one(2);
  one.on_datagram(0, 0, 5);
  CHECK(one.report(std::nullopt, std::nullopt).max_gap_ns == 0);
}

TEST_CASE("sequence numbers are 64 bits and never wrap", "[seq]") {
  constexpr uint64_t k2p32 = uint64_t{1} << 32;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  StreamTracker t(1);
  t.on_datagram(5, 0, 1);
  t.on_datagram(k2p32 + 5, 0, 2);  // not an alias of 5
  StreamReport r = t.report(std::nullopt, std::nullopt);
  CHECK(r.duplicated == 0);
  CHECK(r.highest_seq == k2p32 + 5);
  CHECK(r.expected == k2p32 + 6);
  CHECK(r.lost == k2p32 + 4);
  CHECK(r.loss_bursts == 2);
  t.on_datagram(k2p32 + 5, 0, 3);
  CHECK(t.report(std::nullopt, std::nullopt).duplicated == 1);

  // Up to the very top, then 0: an old number filling a hole, not a new cycle.
  t.on_datagram(kMax - 1, 0, 4);
  t.on_datagram(kMax, 0, 5);
  t.on_datagram(0, 0, 6);
  r = t.report(std::nullopt, std::nullopt);
  CHECK(r.highest_seq == kMax);
  CHECK(r.expected == kMax);  // saturates
  CHECK(r.reordered == 1);
  CHECK(r.unique == 5);
  // Of [0, kMax) the numbers 0, 5, 2^32+5 and kMax-1 arrived.
  CHECK(r.lost == kMax - 4);
}

TEST_CASE("losses between two received neighbours are spread evenly in time", "[seq][pause]") {
  StreamTracker t(1);
  feed_range(t, 0, 10);
  feed_range(t, 20, 30);  // 10..19 lost; estimates are exactly paced_send()
  SECTION("window over part of the burst") {
    StreamReport r = t.report(std::nullopt, PauseWindow{paced_send(12), paced_send(15) + 500});
    CHECK(r.attributed);
    CHECK(r.lost == 10);
    CHECK(r.lost_in_pause == 4);  // 12 13 14 15
    CHECK(r.lost_outside_pause == 6);
    CHECK(r.lost_unattributed == 0);
  }
  SECTION("both ends are inclusive") {
    StreamReport r = t.report(std::nullopt, PauseWindow{paced_send(12), paced_send(15)});
    CHECK(r.lost_in_pause == 4);
    r = t.report(std::nullopt, PauseWindow{paced_send(12) + 1, paced_send(15) - 1});
    CHECK(r.lost_in_pause == 2);
  }
  SECTION("window covering the burst and more") {
    StreamReport r = t.report(std::nullopt, PauseWindow{0, paced_send(100)});
    CHECK(r.lost_in_pause == 10);
    CHECK(r.lost_outside_pause == 0);
  }
  SECTION("window elsewhere") {
    StreamReport r = t.report(std::nullopt, PauseWindow{paced_send(21), paced_send(25)});
    CHECK(r.lost_in_pause == 0);
    CHECK(r.lost_outside_pause == 10);
  }
}

TEST_CASE("uneven neighbours: the k-th of n missing is at prev + k*(next-prev)/(n+1)",
          "[seq][pause]") {
  StreamTracker t(1);
  t.on_datagram(0, 0, 10);
  t.on_datagram(5, 600, 20);  // 1..4 estimated at 120 240 360 480
  CHECK(t.report(std::nullopt, PauseWindow{200, 400}).lost_in_pause == 2);
  CHECK(t.report(std::nullopt, PauseWindow{360, 360}).lost_in_pause == 1);
  CHECK(t.report(std::nullopt, PauseWindow{361, 479}).lost_in_pause == 0);
  CHECK(t.report(std::nullopt, PauseWindow{0, 1000}).lost_in_pause == 4);
}

TEST_CASE("a late arrival re-anchors the estimates of both halves", "[seq][pause]") {
  StreamTracker t(1);
  t.on_datagram(0, 0, 1);
  t.on_datagram(10, 1000, 2);
  // Without the late packet the estimates are 100, 200 ... 900: none in
  // [910, 990].
  CHECK(t.report(std::nullopt, PauseWindow{910, 990}).lost_in_pause == 0);
  t.on_datagram(5, 900, 3);
  // Now 1..4 at 180 360 540 720 and 6..9 at 920 940 960 980.
  StreamReport r = t.report(std::nullopt, PauseWindow{910, 990});
  CHECK(r.lost == 8);
  CHECK(r.lost_in_pause == 4);
  CHECK(r.lost_outside_pause == 4);
}

TEST_CASE("losses at either end are extrapolated with the mean send interval", "[seq][pause]") {
  SECTION("before the first arrival") {
    StreamTracker t(1);
    feed_range(t, 3, 10);  // interval 1000 ns; 0 1 2 at paced_send()
    StreamReport r = t.report(std::nullopt, PauseWindow{0, paced_send(1)});
    CHECK(r.lost == 3);
    CHECK(r.lost_in_pause == 2);
    CHECK(r.lost_outside_pause == 1);
  }
  SECTION("after the last arrival, up to --expect") {
    StreamTracker t(1);
    feed_range(t, 0, 5);
    StreamReport r = t.report(8, PauseWindow{paced_send(6), paced_send(100)});
    CHECK(r.lost == 3);  // 5 6 7
    CHECK(r.lost_in_pause == 2);
    CHECK(r.lost_outside_pause == 1);
  }
  SECTION("one packet gives no interval: unattributed") {
    StreamTracker t(1);
    t.on_datagram(3, 1000, 1);
    StreamReport r = t.report(5, PauseWindow{0, 1000000});
    CHECK(r.lost == 4);  // 0 1 2 4
    CHECK(r.lost_in_pause == 0);
    CHECK(r.lost_outside_pause == 0);
    CHECK(r.lost_unattributed == 4);
  }
}

TEST_CASE("streams are accounted separately and reported in id order", "[seq]") {
  SeqTracker t;
  t.on_datagram(9, 0, 0, 10);
  t.on_datagram(2, 0, 0, 11);
  t.on_datagram(9, 2, 0, 12);
  t.on_datagram(2, 0, 0, 13);
  auto reports = t.report();
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].stream == 2);
  CHECK(reports[0].duplicated == 1);
  CHECK(reports[0].lost == 0);
  CHECK(reports[1].stream == 9);
  CHECK(reports[1].duplicated == 0);
  CHECK(reports[1].lost == 1);
  CHECK(t.report(5)[1].lost == 3);
  CHECK(SeqTracker().report().empty());
}
