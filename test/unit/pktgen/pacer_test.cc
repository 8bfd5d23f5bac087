// Absolute-deadline pacing and the datagram header of udp-send.
#include "tools/ferry-pktgen/pacer.h"

#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "lib/util/text.h"
#include "tools/ferry-pktgen/stream_header.h"

using ferry::pktgen::Pacer;

TEST_CASE("deadlines are start + i * 1e9 / rate, never drifting", "[pacer]") {
  Pacer p(20000, 1000);
  CHECK(p.deadline(0) == 1000);
  CHECK(p.deadline(1) == 51000);
  CHECK(p.deadline(20000) == 1000 + 1000000000);
  CHECK(p.deadline(20000ull * 3600) == 1000 + 3600ll * 1000000000);  // an hour later, exact
  Pacer third(3, 0);
  CHECK(third.deadline(1) == 333333333);
  CHECK(third.deadline(2) == 666666666);
  CHECK(third.deadline(3) == 1000000000);
}

TEST_CASE("due counts what is late, capped by the batch limit", "[pacer]") {
  Pacer p(20000, 1000);
  CHECK(p.due(999, 0, 64) == 0);
  CHECK(p.due(1000, 0, 64) == 1);
  CHECK(p.due(50999, 1, 64) == 0);
  CHECK(p.due(51000, 1, 64) == 1);
  // 10 ms late: datagrams 0..200 are due; 1 already went.
  CHECK(p.due(1000 + 10000000, 1, 1000) == 200);
  CHECK(p.due(1000 + 10000000, 1, 64) == 64);
  CHECK(p.due(1000 + 10000000, 201, 64) == 0);
}

TEST_CASE("due agrees with deadline to the nanosecond", "[pacer]") {
  for (uint64_t rate : {1ull, 3ull, 7ull, 20000ull, 999999ull, 3000000ull}) {
    Pacer p(rate, 12345);
    for (uint64_t i : {1ull, 2ull, 5ull, 999ull, 123457ull}) {
      INFO("rate " << rate << " index " << i);
      CHECK(p.due(p.deadline(i), i, 1) == 1);
      CHECK(p.due(p.deadline(i) - 1, i, 1) == 0);
    }
  }
}

TEST_CASE("a duration holds exactly rate * duration datagrams", "[pacer]") {
  CHECK(Pacer(20000, 5).count_within(2000000000) == 40000);
  CHECK(Pacer(3, 0).count_within(1000000000) == 3);  // at 0, 1/3 s, 2/3 s
  CHECK(Pacer(3, 0).count_within(666666666) == 2);
  CHECK(Pacer(3, 0).count_within(666666667) == 3);
  CHECK(Pacer(1, 0).count_within(1000000000) == 1);
  CHECK(Pacer(1, 0).count_within(0) == 0);
}

TEST_CASE("rate 0 is unpaced", "[pacer]") {
  Pacer p(0, 1000);
  CHECK(p.due(0, 0, 64) == 64);
  CHECK(p.deadline(123) == 1000);
}

TEST_CASE("the stream header is big-endian magic, stream, seq, send time", "[header]") {
  using namespace ferry::pktgen;
  uint8_t buf[kStreamHeaderSize + 1] = {};
  encode_stream_header(StreamHeader{0x01020304, 0x1122334455667788ull, 0x0102030405060708ll}, buf);
  CHECK(ferry::hex(buf, kStreamHeaderSize) ==
        "46525259"
        "01020304"
        "1122334455667788"
        "0102030405060708");
  auto h = decode_stream_header(buf, kStreamHeaderSize + 1);
  REQUIRE(h);
  CHECK(h->stream == 0x01020304);
  CHECK(h->seq == 0x1122334455667788ull);
  CHECK(h->send_ns == 0x0102030405060708ll);
  CHECK_FALSE(decode_stream_header(buf, kStreamHeaderSize - 1));
  buf[3] ^= 1;
  CHECK_FALSE(decode_stream_header(buf, kStreamHeaderSize));
}

TEST_CASE("pacer: a stopped sender's schedule moves by the stop (no burst on resume)", "[pktgen]") {
  Pacer p(20000, 1000000);  // 50 us apart
  CHECK(p.due(1000000 + 10 * 50000, 0, 64) == 11);
  // Stopped after datagram 10 for 180 ms: what was due meanwhile is not.
  p.shift(180000000);
  CHECK(p.due(1000000 + 10 * 50000 + 180000000, 11, 64) == 0);
  CHECK(p.due(1000000 + 11 * 50000 + 180000000, 11, 64) == 1);
  CHECK(p.deadline(11) == 1000000 + 11 * 50000 + 180000000);
}
