// NAT: exact rewritten bytes (checked against frames built with the
// translated values, whose checksums are computed from scratch), the
// reverse direction, port ranges, exhaustion, ICMP errors' inner headers.
#include <set>

#include <catch2/catch.hpp>

#include "test/unit/conntrack/ct_test_util.h"

using namespace ferry;
using namespace ferry::ct;
using namespace ferry::ct::test;

namespace {

const uint32_t kA = ip4(10, 1, 1, 1), kA2 = ip4(10, 1, 1, 3), kB = ip4(10, 2, 2, 2);
const uint32_t kVip = ip4(10, 0, 0, 100), kN = ip4(192, 168, 0, 10), kR = ip4(10, 2, 2, 254);

CtAction nat_action(NatSpec::Kind kind, Addr min, Addr max, uint16_t pmin = 0, uint16_t pmax = 0) {
  CtAction a = commit();
  a.nat = true;
  a.nat_spec.kind = kind;
  a.nat_spec.min = min;
  a.nat_spec.max = max;
  a.nat_spec.port_min = pmin;
  a.nat_spec.port_max = pmax;
  return a;
}

CtAction nat_only(uint16_t zone = 0) {
  CtAction a;
  a.zone = zone;
  a.nat = true;
  return a;
}

uint16_t be16_at(const Pkt& p, size_t off) {
  return static_cast<uint16_t>(p.bytes[off] << 8 | p.bytes[off + 1]);
}
uint32_t ip_at(const Pkt& p, size_t off) {
  uint32_t v;
  std::memcpy(&v, &p.bytes[off], 4);
  return v;  // network order, as ip4()
}

std::vector<uint8_t> quote(FrameBuilder b, size_t n) {
  std::vector<uint8_t> f = b.pad_to(0).build();
  return std::vector<uint8_t>(f.begin() + 14, f.begin() + 14 + static_cast<long>(n));
}

}  // namespace

TEST_CASE("nat: SNAT keeps a free port, moves a taken one", "[conntrack][nat]") {
  Conntrack ct(small_config());
  CtAction a = nat_action(NatSpec::kSrc, addr4(192, 168, 0, 10), addr4(192, 168, 0, 10));
  Pkt syn = pkt(v4(kA, kB).tcp(40000, 80, kTcpSyn, 1000, 0));
  CHECK(run(ct, syn, a) == "+new+trk+snat");
  CHECK(syn.bytes == v4(kN, kB).tcp(40000, 80, kTcpSyn, 1000, 0).build());
  // The same source port from another host: 40000 is taken, 40001 next.
  Pkt syn2 = pkt(v4(kA2, kB).tcp(40000, 80, kTcpSyn, 7000, 0));
  CHECK(run(ct, syn2, a) == "+new+trk+snat");
  CHECK(syn2.bytes == v4(kN, kB).tcp(40001, 80, kTcpSyn, 7000, 0).build());
  // The replies go back to each host, un-NAT-ed (+dnat in the reply direction).
  Pkt r1 = pkt(v4(kB, kN).tcp(80, 40000, kTcpSyn | kTcpAck, 5000, 1001));
  CHECK(run(ct, r1, nat_only()) == "+est+rpl+trk+dnat");
  CHECK(r1.bytes == v4(kB, kA).tcp(80, 40000, kTcpSyn | kTcpAck, 5000, 1001).build());
  Pkt r2 = pkt(v4(kB, kN).tcp(80, 40001, kTcpSyn | kTcpAck, 9000, 7001));
  CHECK(run(ct, r2, nat_only()) == "+est+rpl+trk+dnat");
  CHECK(r2.bytes == v4(kB, kA2).tcp(80, 40000, kTcpSyn | kTcpAck, 9000, 7001).build());
  // Without nat in the action the packet is tracked but left alone.
  Pkt ack = pkt(v4(kA, kB).tcp(40000, 80, kTcpAck, 1001, 5001));
  std::vector<uint8_t> before = ack.bytes;
  CHECK(run(ct, ack, track()) == "+est+trk");
  CHECK(ack.bytes == before);
  std::vector<std::string> lines = dump_lines(ct);
  std::sort(lines.begin(), lines.end());
  CHECK(lines ==
        std::vector<std::string>{"tcp,orig=(src=10.1.1.1,dst=10.2.2.2,sport=40000,dport=80),"
                                 "reply=(src=10.2.2.2,dst=192.168.0.10,sport=80,dport=40000),"
                                 "protoinfo=(state=ESTABLISHED)",
                                 "tcp,orig=(src=10.1.1.3,dst=10.2.2.2,sport=40000,dport=80),"
                                 "reply=(src=10.2.2.2,dst=192.168.0.10,sport=80,dport=40001),"
                                 "protoinfo=(state=ESTABLISHED)"});
}

TEST_CASE("nat: SNAT address and port ranges, then exhaustion", "[conntrack][nat]") {
  Conntrack ct(small_config());
  CtAction a =
      nat_action(NatSpec::kSrc, addr4(192, 168, 0, 10), addr4(192, 168, 0, 11), 5000, 5001);
  std::set<std::pair<uint32_t, uint16_t>> used;
  for (uint16_t i = 0; i < 4; i++) {
    Pkt p = pkt(v4(kA, kB).udp(static_cast<uint16_t>(30000 + i), 53).payload("q"));
    REQUIRE(run(ct, p, a) == "+new+trk+snat");
    uint32_t src = ip_at(p, 14 + 12);
    uint16_t sport = be16_at(p, 14 + 20);
    CHECK((src == ip4(192, 168, 0, 10) || src == ip4(192, 168, 0, 11)));
    CHECK((sport == 5000 || sport == 5001));
    CHECK(p.bytes == v4(src, kB).udp(sport, 53).payload("q").build());
    used.insert({src, sport});
  }
  CHECK(used.size() == 4);  // every address:port once
  Pkt fifth = pkt(v4(kA, kB).udp(30004, 53).payload("q"));
  std::vector<uint8_t> before = fifth.bytes;
  CHECK(run(ct, fifth, a) == "+new+trk");  // not committed, not rewritten
  CHECK(fifth.bytes == before);
  CHECK(ct.counters().get("nat_exhausted") == 1);
  CHECK(ct.nconns() == 4);
}

TEST_CASE("nat: DNAT to a backend and back, TCP and UDP", "[conntrack][nat]") {
  Conntrack ct(small_config());
  CtAction a = nat_action(NatSpec::kDst, addr4(10, 2, 2, 2), addr4(10, 2, 2, 2), 8080, 8080);
  Pkt syn = pkt(v4(kA, kVip).tcp(40000, 80, kTcpSyn, 1000, 0).payload("GET"));
  CHECK(run(ct, syn, a) == "+new+trk+dnat");
  CHECK(syn.bytes == v4(kA, kB).tcp(40000, 8080, kTcpSyn, 1000, 0).payload("GET").build());
  CHECK(syn.meta.orig_dst == addr4(10, 0, 0, 100));  // ct_nw_dst: the original
  CHECK(syn.meta.orig_tp_dst == to_be16(80));
  Pkt synack = pkt(v4(kB, kA).tcp(8080, 40000, kTcpSyn | kTcpAck, 5000, 1004));
  CHECK(run(ct, synack, nat_only()) == "+est+rpl+trk+snat");
  CHECK(synack.bytes == v4(kVip, kA).tcp(80, 40000, kTcpSyn | kTcpAck, 5000, 1004).build());
  CHECK(dump_lines(ct) ==
        std::vector<std::string>{"tcp,orig=(src=10.1.1.1,dst=10.0.0.100,sport=40000,dport=80),"
                                 "reply=(src=10.2.2.2,dst=10.1.1.1,sport=8080,dport=40000),"
                                 "protoinfo=(state=ESTABLISHED)"});
  // A second ct(nat) in the same zone does not NAT twice; it finds the
  // connection by the translated tuple.
  Pkt ack = pkt(v4(kA, kVip).tcp(40000, 80, kTcpAck, 1004, 5001));
  CHECK(run(ct, ack, nat_only()) == "+est+trk+dnat");
  std::vector<uint8_t> once = ack.bytes;
  CHECK(once == v4(kA, kB).tcp(40000, 8080, kTcpAck, 1004, 5001).build());
  CHECK(run(ct, ack, nat_only(), 1000, 0, false) == "+est+trk+dnat");
  CHECK(ack.bytes == once);
  // A flush by the NAT-ed reply tuple is refused, by the original accepted.
  Tuple rt;
  rt.proto = 6;
  rt.src = addr4(10, 2, 2, 2);
  rt.dst = addr4(10, 1, 1, 1);
  rt.sport = 8080;
  rt.dport = 40000;
  ct.sweep(1000);
  auto r = ct.flush(nullptr, &rt);
  CHECK_FALSE(r.ok());
  CHECK(r.error().message == "Must flush tuple using the original pre-NATed tuple");

  // UDP with a zero checksum keeps it zero.
  Pkt u = pkt(v4(kA, kVip).udp(7000, 80).payload("x"));
  u.bytes[14 + 20 + 6] = u.bytes[14 + 20 + 7] = 0;
  CtAction ua = nat_action(NatSpec::kDst, addr4(10, 2, 2, 2), addr4(10, 2, 2, 2), 8081, 8081);
  CHECK(run(ct, u, ua) == "+new+trk+dnat");
  std::vector<uint8_t> want = v4(kA, kB).udp(7000, 8081).payload("x").build();
  want[14 + 20 + 6] = want[14 + 20 + 7] = 0;
  CHECK(u.bytes == want);
}

TEST_CASE("nat: ICMP echo and ICMP errors about NAT-ed connections", "[conntrack][nat]") {
  Conntrack ct(small_config());
  CtAction a = nat_action(NatSpec::kSrc, addr4(192, 168, 0, 10), addr4(192, 168, 0, 10));
  Pkt echo = pkt(v4(kA, kB).icmp_echo(7, 1));
  CHECK(run(ct, echo, a) == "+new+trk+snat");
  CHECK(echo.bytes == v4(kN, kB).icmp_echo(7, 1).build());
  Pkt rep = pkt(v4(kB, kN).icmp_echo(7, 1, true));
  CHECK(run(ct, rep, nat_only()) == "+est+rpl+trk+dnat");
  CHECK(rep.bytes == v4(kB, kA).icmp_echo(7, 1, true).build());

  Pkt q = pkt(v4(kA, kB).udp(5000, 53).payload("query"));
  REQUIRE(run(ct, q, a) == "+new+trk+snat");
  // A router's error to the NAT address, quoting the translated datagram:
  // both the outer destination and the quoted source go back to A.
  Pkt err =
      pkt(v4(kR, kN).icmp(3, 3).payload(quote(v4(kN, kB).udp(5000, 53).payload("query"), 28)));
  CHECK(run(ct, err, nat_only()) == "+rel+rpl+trk+dnat");
  CHECK(
      err.bytes ==
      v4(kR, kA).icmp(3, 3).payload(quote(v4(kA, kB).udp(5000, 53).payload("query"), 28)).build());
  CHECK(verify_checksums(err.bytes).ok());
}

TEST_CASE("nat: IPv6 SNAT, echo and errors", "[conntrack][nat]") {
  Conntrack ct(small_config());
  CtAction a = nat_action(NatSpec::kSrc, addr6("fd00::100"), addr6("fd00::100"));
  a.nat_spec.ipv6 = true;
  Pkt syn = pkt(v6("fd00::1", "fd00::2").tcp(40000, 22, kTcpSyn, 1, 0));
  CHECK(run(ct, syn, a) == "+new+trk+snat");
  CHECK(syn.bytes == v6("fd00::100", "fd00::2").tcp(40000, 22, kTcpSyn, 1, 0).build());
  Pkt back = pkt(v6("fd00::2", "fd00::100").tcp(22, 40000, kTcpSyn | kTcpAck, 9, 2));
  CHECK(run(ct, back, nat_only()) == "+est+rpl+trk+dnat");
  CHECK(back.bytes == v6("fd00::2", "fd00::1").tcp(22, 40000, kTcpSyn | kTcpAck, 9, 2).build());
  Pkt echo = pkt(v6("fd00::1", "fd00::2").icmp_echo(5, 1));
  CHECK(run(ct, echo, a) == "+new+trk+snat");
  CHECK(echo.bytes == v6("fd00::100", "fd00::2").icmp_echo(5, 1).build());
  Pkt err = pkt(v6("fd00::fe", "fd00::100")
                    .icmp(1, 4)
                    .payload(quote(v6("fd00::100", "fd00::2").tcp(40000, 22, kTcpAck, 2, 10), 60)));
  CHECK(run(ct, err, nat_only()) == "+rel+rpl+trk+dnat");
  CHECK(err.bytes ==
        v6("fd00::fe", "fd00::1")
            .icmp(1, 4)
            .payload(quote(v6("fd00::1", "fd00::2").tcp(40000, 22, kTcpAck, 2, 10), 60))
            .build());
}

TEST_CASE("nat: many connections through one address spread over the range", "[conntrack][nat]") {
  Conntrack ct(small_config());
  CtAction a =
      nat_action(NatSpec::kSrc, addr4(192, 168, 0, 10), addr4(192, 168, 0, 10), 1024, 65535);
  std::set<uint16_t> ports;
  for (uint32_t i = 0; i < 3000; i++) {
    Pkt p = pkt(
        v4(ip4(10, 1, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)), kB).udp(5555, 53));
    REQUIRE(run(ct, p, a) == "+new+trk+snat");
    ports.insert(be16_at(p, 14 + 20));
  }
  CHECK(ports.size() == 3000);
  CHECK(ct.counters().get("nat_exhausted") == 0);
}
