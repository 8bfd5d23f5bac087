#include "tools/ferry-pktgen/stream_pattern.h"

#include <vector>

#include <catch2/catch.hpp>

using ferry::pktgen::fill_stream_pattern;
using ferry::pktgen::StreamPatternChecker;

TEST_CASE("the stream pattern: word k holds k, big endian") {
  std::vector<uint8_t> b(24);
  fill_stream_pattern(0, b.data(), b.size());
  CHECK(b == std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2});
  // Any offset and length give the same bytes as one long fill.
  std::vector<uint8_t> all(4096);
  fill_stream_pattern(0x1000000, all.data(), all.size());
  std::vector<uint8_t> part(37);
  fill_stream_pattern(0x1000000 + 13, part.data(), part.size());
  CHECK(std::equal(part.begin(), part.end(), all.begin() + 13));
  CHECK(all[7] == 0x00);
  CHECK(all[8 * 5 + 5] == 0x20);  // word 0x200005: bytes .. 00 20 00 05
}

TEST_CASE("the checker accepts the stream in any cut and finds the first wrong byte") {
  std::vector<uint8_t> s(10000);
  fill_stream_pattern(0, s.data(), s.size());
  StreamPatternChecker ok;
  for (size_t at = 0, n = 1; at < s.size(); at += n, n = n * 3 % 1001 + 1) {
    ok.feed(s.data() + at, std::min(n, s.size() - at));
  }
  CHECK(ok.bytes() == 10000);
  CHECK(ok.mismatched() == 0);
  CHECK_FALSE(ok.first_mismatch());

  SECTION("a changed byte") {
    s[5003] ^= 1;
    StreamPatternChecker c;
    c.feed(s.data(), 5001);
    c.feed(s.data() + 5001, s.size() - 5001);
    CHECK(c.mismatched() == 1);
    CHECK(c.first_mismatch() == 5003u);
  }
  SECTION("a lost stretch shifts everything after it") {
    StreamPatternChecker c;
    c.feed(s.data(), 800);
    c.feed(s.data() + 808, 16);  // word 100 lost: words 101, 102 at 100's place
    CHECK(c.bytes() == 816);
    CHECK(c.first_mismatch() == 807u);  // the last byte of word 100 (0x64) != 0x65
    CHECK(c.mismatched() == 2);         // and of word 101
  }
}
