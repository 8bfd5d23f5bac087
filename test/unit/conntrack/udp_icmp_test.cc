// UDP, ICMP echo, ICMP errors (related), other protocols, malformed input.
#include <catch2/catch.hpp>

#include "test/unit/conntrack/ct_test_util.h"

using namespace ferry;
using namespace ferry::ct;
using namespace ferry::ct::test;

namespace {

const uint32_t kA = ip4(10, 1, 1, 1), kB = ip4(10, 1, 1, 2), kR = ip4(10, 1, 1, 254);

// The first bytes of a frame's IP datagram (what an ICMP error quotes).
std::vector<uint8_t> quote(FrameBuilder b, size_t n) {
  std::vector<uint8_t> f = b.pad_to(0).build();
  n = std::min(n, f.size() - 14);
  return std::vector<uint8_t>(f.begin() + 14, f.begin() + 14 + static_cast<long>(n));
}

std::string one_line(const Conntrack& ct, bool stats = false) {
  std::vector<std::string> v;
  ct.dump(
      nullptr, [&](const ConnInfo& ci) { v.push_back(Conntrack::format(ci, false, stats)); }, 1000);
  REQUIRE(v.size() == 1);
  return v[0];
}

}  // namespace

TEST_CASE("udp: both ways, states and timeouts", "[conntrack][udp]") {
  Conntrack ct(small_config());
  Pkt q = pkt(v4(kA, kB).udp(5000, 53).payload("query"));
  CHECK(run(ct, q, commit()) == "+new+trk");
  CHECK(one_line(ct, true) ==
        "udp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=5000,dport=53),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=53,dport=5000),timeout=60");
  Pkt q2 = pkt(v4(kA, kB).udp(5000, 53));
  CHECK(run(ct, q2, track()) == "+new+trk");
  Pkt r = pkt(v4(kB, kA).udp(53, 5000).payload("answer"));
  CHECK(run(ct, r, track()) == "+est+rpl+trk");
  CHECK(one_line(ct, true).ends_with(",timeout=30"));
  Pkt q3 = pkt(v4(kA, kB).udp(5000, 53));
  CHECK(run(ct, q3, track()) == "+est+trk");
  // Another source port is another connection, not committed here.
  Pkt other = pkt(v4(kA, kB).udp(5001, 53));
  CHECK(run(ct, other, track()) == "+new+trk");
  CHECK(ct.nconns() == 1);
}

TEST_CASE("udp: IPv6 both ways", "[conntrack][udp]") {
  Conntrack ct(small_config());
  Pkt q = pkt(v6("fd00::1", "fd00::2").udp(5000, 53));
  CHECK(run(ct, q, commit()) == "+new+trk");
  CHECK(q.meta.ipv6);
  CHECK(q.meta.orig_src == addr6("fd00::1"));
  Pkt r = pkt(v6("fd00::2", "fd00::1").udp(53, 5000));
  CHECK(run(ct, r, track()) == "+est+rpl+trk");
  CHECK(one_line(ct) ==
        "udp,orig=(src=fd00::1,dst=fd00::2,sport=5000,dport=53),"
        "reply=(src=fd00::2,dst=fd00::1,sport=53,dport=5000)");
}

TEST_CASE("icmp: echo request and reply, v4 and v6", "[conntrack][icmp]") {
  Conntrack ct(small_config());
  Pkt req = pkt(v4(kA, kB).icmp_echo(7, 1));
  CHECK(run(ct, req, commit()) == "+new+trk");
  CHECK(req.meta.orig_proto == 1);
  CHECK(req.meta.orig_tp_src == to_be16(8));
  CHECK(req.meta.orig_tp_dst == 0);
  Pkt req2 = pkt(v4(kA, kB).icmp_echo(7, 2));
  CHECK(run(ct, req2, track()) == "+new+trk");
  Pkt rep = pkt(v4(kB, kA).icmp_echo(7, 1, true));
  CHECK(run(ct, rep, track()) == "+est+rpl+trk");
  CHECK(one_line(ct, true) ==
        "icmp,orig=(src=10.1.1.1,dst=10.1.1.2,id=7,type=8,code=0),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,id=7,type=0,code=0),timeout=30");
  // A reply with no request is not a new connection.
  Pkt lone = pkt(v4(kB, kA).icmp_echo(9, 1, true));
  CHECK(run(ct, lone, commit()) == "+inv+trk");

  Conntrack ct6(small_config());
  Pkt req6 = pkt(v6("fd00::1", "fd00::2").icmp_echo(3, 1));
  CHECK(run(ct6, req6, commit()) == "+new+trk");
  Pkt rep6 = pkt(v6("fd00::2", "fd00::1").icmp_echo(3, 1, true));
  CHECK(run(ct6, rep6, track()) == "+est+rpl+trk");
  CHECK(one_line(ct6) ==
        "icmpv6,orig=(src=fd00::1,dst=fd00::2,id=3,type=128,code=0),"
        "reply=(src=fd00::2,dst=fd00::1,id=3,type=129,code=0)");
}

TEST_CASE("icmp: errors are related to the connection they quote", "[conntrack][icmp]") {
  Conntrack ct(small_config());
  Pkt q = pkt(v4(kA, kB).udp(5000, 53).payload("query"));
  REQUIRE(run(ct, q, commit()) == "+new+trk");
  // A router's "port unreachable" back to A, quoting A's datagram.
  Pkt err =
      pkt(v4(kR, kA).icmp(3, 3).payload(quote(v4(kA, kB).udp(5000, 53).payload("query"), 28)));
  CHECK(run(ct, err, track()) == "+rel+rpl+trk");
  CHECK(err.meta.orig_src == addr4(10, 1, 1, 1));  // the connection's tuple
  CHECK(err.meta.orig_proto == 17);
  // B quoting nothing A sent: no connection.
  Pkt stray = pkt(v4(kR, kA).icmp(3, 3).payload(quote(v4(kA, kB).udp(6000, 53).payload("x"), 28)));
  CHECK(run(ct, stray, track()) == "+inv+trk");
  CHECK(ct.counters().get("invalid_related_no_conn") == 1);
  // An error in the original direction (A about B's reply).
  Pkt back = pkt(v4(kA, kB).icmp(3, 3).payload(quote(v4(kB, kA).udp(53, 5000), 28)));
  CHECK(run(ct, back, track()) == "+rel+trk");
  // Inner source must be the outer destination.
  Pkt spoof = pkt(v4(kR, kB).icmp(3, 3).payload(quote(v4(kA, kB).udp(5000, 53), 28)));
  CHECK(run(ct, spoof, track()) == "+inv+trk");
  CHECK(ct.counters().get("invalid_icmp_inner") == 1);
  // A time-exceeded about an ICMP echo.
  Pkt echo = pkt(v4(kA, kB).icmp_echo(7, 1));
  REQUIRE(run(ct, echo, commit()) == "+new+trk");
  Pkt ttl = pkt(v4(kR, kA).icmp(11, 0).payload(quote(v4(kA, kB).icmp_echo(7, 1), 28)));
  CHECK(run(ct, ttl, track()) == "+rel+rpl+trk");
}

TEST_CASE("icmp: IPv6 errors are related", "[conntrack][icmp]") {
  Conntrack ct(small_config());
  Pkt q = pkt(v6("fd00::1", "fd00::2").tcp(40000, 22, kTcpSyn, 1, 0));
  REQUIRE(run(ct, q, commit()) == "+new+trk");
  Pkt err = pkt(v6("fd00::fe", "fd00::1")
                    .icmp(1, 4)
                    .payload(quote(v6("fd00::1", "fd00::2").tcp(40000, 22, kTcpSyn, 1, 0), 60)));
  CHECK(run(ct, err, track()) == "+rel+rpl+trk");
  // Too little of the inner TCP header (ICMPv6 errors need a whole one).
  Pkt shortq = pkt(v6("fd00::fe", "fd00::1")
                       .icmp(1, 4)
                       .payload(quote(v6("fd00::1", "fd00::2").tcp(40000, 22, kTcpSyn, 1, 0), 48)));
  CHECK(run(ct, shortq, track()) == "+inv+trk");
}

TEST_CASE("other protocols: first packet, then both ways", "[conntrack]") {
  Conntrack ct(small_config());
  Pkt g = pkt(v4(kA, kB).ip_proto(47).payload_size(24));
  CHECK(run(ct, g, commit()) == "+new+trk");
  Pkt g2 = pkt(v4(kB, kA).ip_proto(47).payload_size(24));
  CHECK(run(ct, g2, track()) == "+est+rpl+trk");
  CHECK(one_line(ct, true) ==
        "47,orig=(src=10.1.1.1,dst=10.1.1.2,sport=0,dport=0),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=0,dport=0),timeout=30");
}

TEST_CASE("malformed packets are invalid, counted by reason", "[conntrack]") {
  Conntrack ct(small_config());
  auto inv = [&](Pkt p) { return run(ct, p, commit()); };
  Pkt bad_ip = pkt(v4(kA, kB).udp(1, 2));
  bad_ip.bytes[14 + 10] ^= 0x55;
  CHECK(inv(bad_ip) == "+inv+trk");
  Pkt bad_udp = pkt(v4(kA, kB).udp(1, 2).payload("abc"));
  bad_udp.bytes[14 + 20 + 6] ^= 0x55;
  CHECK(inv(bad_udp) == "+inv+trk");
  Pkt bad_tcp = pkt(v4(kA, kB).tcp(1, 2));
  bad_tcp.bytes[14 + 20 + 16] ^= 0x55;
  CHECK(inv(bad_tcp) == "+inv+trk");
  Pkt trunc = pkt(v4(kA, kB).udp(1, 2).payload_size(100));
  trunc.bytes.resize(14 + 60);
  CHECK(inv(trunc) == "+inv+trk");
  Pkt udp_len = pkt(v4(kA, kB).udp(1, 2).payload_size(10).pad_to(0));
  udp_len.bytes[14 + 20 + 5] = 0xff;  // UDP length past the datagram
  CHECK(inv(udp_len) == "+inv+trk");
  Pkt frag = pkt(v4(kA, kB).fragment(0, true).udp(1, 2).payload_size(16));
  CHECK(inv(frag) == "+inv+trk");
  Pkt later = pkt(v4(kA, kB).fragment(64, false).ip_proto(17).payload_size(16));
  CHECK(inv(later) == "+inv+trk");
  Pkt frag6 = pkt(v6("fd00::1", "fd00::2").fragment(8, false, 5).ip_proto(17).payload_size(16));
  CHECK(inv(frag6) == "+inv+trk");
  Pkt port0 = pkt(v4(kA, kB).udp(0, 2));
  CHECK(inv(port0) == "+inv+trk");
  Pkt redirect = pkt(v4(kA, kB).icmp(9, 0));
  CHECK(inv(redirect) == "+inv+trk");
  CHECK(redirect.meta.orig_proto == 0);  // no tuple
  Counters c = ct.counters();
  CHECK(c.get("invalid_l3_checksum") == 1);
  CHECK(c.get("invalid_l4_checksum") == 2);
  CHECK(c.get("invalid_l3_header") == 1);
  CHECK(c.get("invalid_l4_header") == 2);
  CHECK(c.get("invalid_fragment") == 3);
  CHECK(c.get("invalid_icmp_type") == 1);
  CHECK(ct.nconns() == 0);
  // Not IP: untouched.
  Pkt arp = pkt(FrameBuilder().arp_request({2, 0, 0, 0, 0, 1}, kA, kB));
  CHECK(run(ct, arp, commit()) == "0");
  CHECK(ct.counters().get("untracked_dl_type") == 1);
}

TEST_CASE("a packet to itself: the first one is in the original direction", "[conntrack]") {
  Conntrack ct(small_config());
  Pkt p = pkt(v4(kA, kA).udp(7, 7));
  CHECK(run(ct, p, commit()) == "+new+trk");
  Pkt p2 = pkt(v4(kA, kA).udp(7, 7));
  CHECK(run(ct, p2, commit()) == "+new+trk");
}
