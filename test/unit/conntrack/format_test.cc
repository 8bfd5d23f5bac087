// format(): golden lines recorded from stock ovs-vswitchd 3.1 (userspace
// datapath, datapath_type=netdev, two namespaces on veths, flows
// ct(commit,zone=1) / ct(commit,exec(set_field:42->ct_mark,
// set_field:0x1234567890->ct_label)) / ct(commit) for IPv6, real ping,
// ping -6, nc TCP and nc -u), printed by ovs-appctl dpctl/dump-conntrack
// with no option, -m (verbose) and -s (stats).
#include <catch2/catch.hpp>

#include "test/unit/conntrack/ct_test_util.h"

using namespace ferry;
using namespace ferry::ct;
using namespace ferry::ct::test;

namespace {

Tuple t4(uint8_t proto, uint8_t s, uint8_t d, uint16_t sp, uint16_t dp) {
  Tuple t;
  t.proto = proto;
  t.src = addr4(10, 1, 1, s);
  t.dst = addr4(10, 1, 1, d);
  t.sport = sp;
  t.dport = dp;
  return t;
}

Tuple icmp(bool v6, bool reply, uint16_t id) {
  Tuple t;
  t.ipv6 = v6;
  t.proto = v6 ? 58 : 1;
  t.src = v6 ? addr6(reply ? "fd00::2" : "fd00::1") : addr4(10, 1, 1, reply ? 2 : 1);
  t.dst = v6 ? addr6(reply ? "fd00::1" : "fd00::2") : addr4(10, 1, 1, reply ? 1 : 2);
  t.icmp_id = id;
  t.icmp_type = v6 ? (reply ? 129 : 128) : (reply ? 0 : 8);
  return t;
}

}  // namespace

TEST_CASE("format: golden lines from ovs-vswitchd 3.1", "[conntrack][format]") {
  ConnInfo ping;
  ping.orig = icmp(false, false, 570);
  ping.reply = icmp(false, true, 570);
  ping.zone = 1;
  ping.timeout_s = 28;
  CHECK(Conntrack::format(ping, false) ==
        "icmp,orig=(src=10.1.1.1,dst=10.1.1.2,id=570,type=8,code=0),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,id=570,type=0,code=0),zone=1");
  CHECK(Conntrack::format(ping, true) ==
        "icmp,orig=(src=10.1.1.1,dst=10.1.1.2,id=570,type=8,code=0),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,id=570,type=0,code=0),id=0,zone=1,status=0");
  CHECK(Conntrack::format(ping, false, true) ==
        "icmp,orig=(src=10.1.1.1,dst=10.1.1.2,id=570,type=8,code=0),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,id=570,type=0,code=0),zone=1,timeout=28");

  ConnInfo ping6;
  ping6.orig = icmp(true, false, 580);
  ping6.reply = icmp(true, true, 580);
  ping6.timeout_s = 28;
  CHECK(Conntrack::format(ping6, false) ==
        "icmpv6,orig=(src=fd00::1,dst=fd00::2,id=580,type=128,code=0),"
        "reply=(src=fd00::2,dst=fd00::1,id=580,type=129,code=0)");
  CHECK(Conntrack::format(ping6, true) ==
        "icmpv6,orig=(src=fd00::1,dst=fd00::2,id=580,type=128,code=0),"
        "reply=(src=fd00::2,dst=fd00::1,id=580,type=129,code=0),id=0,status=0");
  CHECK(Conntrack::format(ping6, false, true) ==
        "icmpv6,orig=(src=fd00::1,dst=fd00::2,id=580,type=128,code=0),"
        "reply=(src=fd00::2,dst=fd00::1,id=580,type=129,code=0),timeout=28");

  ConnInfo tcp;
  tcp.orig = t4(6, 1, 2, 40000, 8080);
  tcp.reply = t4(6, 2, 1, 8080, 40000);
  tcp.zone = 1;
  tcp.timeout_s = 28;
  tcp.tcp_state_orig = tcp.tcp_state_reply = TcpState::kFinWait2;
  tcp.wscale_orig = tcp.wscale_reply = 10;
  tcp.tcp_flags_orig = tcp.tcp_flags_reply = 0x01;
  CHECK(Conntrack::format(tcp, false) ==
        "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=40000,dport=8080),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=8080,dport=40000),zone=1,"
        "protoinfo=(state=TIME_WAIT)");
  CHECK(Conntrack::format(tcp, true) ==
        "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=40000,dport=8080),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=8080,dport=40000),id=0,zone=1,status=0,"
        "protoinfo=(state_orig=FIN_WAIT_2,state_reply=FIN_WAIT_2,wscale_orig=10,"
        "wscale_reply=10,flags_orig=WINDOW_SCALE,flags_reply=WINDOW_SCALE)");
  CHECK(Conntrack::format(tcp, false, true) ==
        "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=40000,dport=8080),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=8080,dport=40000),zone=1,timeout=28,"
        "protoinfo=(state=TIME_WAIT)");

  ConnInfo udp;
  udp.orig = t4(17, 1, 2, 5000, 5353);
  udp.reply = t4(17, 2, 1, 5353, 5000);
  udp.timeout_s = 59;
  udp.mark = 42;
  udp.label = Label{0x1234567890, 0};
  CHECK(Conntrack::format(udp, false) ==
        "udp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=5000,dport=5353),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=5353,dport=5000),mark=42,labels=0x1234567890");
  CHECK(Conntrack::format(udp, true) ==
        "udp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=5000,dport=5353),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=5353,dport=5000),id=0,status=0,mark=42,"
        "labels=0x1234567890");
  CHECK(Conntrack::format(udp, false, true) ==
        "udp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=5000,dport=5353),"
        "reply=(src=10.1.1.2,dst=10.1.1.1,sport=5353,dport=5000),timeout=59,mark=42,"
        "labels=0x1234567890");
}

TEST_CASE("format: a TCP close tracked here prints as OVS printed it", "[conntrack][format]") {
  // The exchange of the golden run (without window scaling): handshake,
  // data, FIN both ways; OVS showed FIN_WAIT_2 on both sides.
  Conntrack ct(small_config());
  auto seg = [](bool ab, uint16_t flags, uint32_t seq, uint32_t ack, size_t len = 0) {
    FrameBuilder f = ab ? v4(ip4(10, 1, 1, 1), ip4(10, 1, 1, 2)).tcp(40000, 8080, flags, seq, ack)
                        : v4(ip4(10, 1, 1, 2), ip4(10, 1, 1, 1)).tcp(8080, 40000, flags, seq, ack);
    return pkt(f.payload_size(len));
  };
  CtAction a = commit(1);
  std::vector<Pkt> ps;
  ps.push_back(seg(true, kTcpSyn, 100, 0));
  ps.push_back(seg(false, kTcpSyn | kTcpAck, 900, 101));
  ps.push_back(seg(true, kTcpAck, 101, 901));
  ps.push_back(seg(true, kTcpAck | kTcpPsh, 101, 901, 6));
  ps.push_back(seg(false, kTcpAck, 901, 107));
  ps.push_back(seg(true, kTcpFin | kTcpAck, 107, 901));
  ps.push_back(seg(false, kTcpFin | kTcpAck, 901, 108));
  ps.push_back(seg(true, kTcpAck, 108, 902));
  for (size_t i = 0; i < ps.size(); i++) {
    std::string s = run(ct, ps[i], a);
    CHECK((i == 0 ? s == "+new+trk" : s.find("+est") != std::string::npos));
  }
  std::vector<std::string> v;
  ct.dump(
      nullptr, [&](const ConnInfo& ci) { v.push_back(Conntrack::format(ci, false, true)); }, 1000);
  CHECK(v == std::vector<std::string>{
                 "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=40000,dport=8080),"
                 "reply=(src=10.1.1.2,dst=10.1.1.1,sport=8080,dport=40000),zone=1,timeout=30,"
                 "protoinfo=(state=TIME_WAIT)"});
}

TEST_CASE("stats_show: as dpctl/ct-stats-show printed the golden run", "[conntrack][format]") {
  // The golden run's connections: ping (zone 1), ping -6, TCP closed
  // (zone 1), UDP one way (zone 1), UDP to 5353 (zone 0).
  Conntrack ct(small_config());
  Pkt p4 = pkt(v4(ip4(10, 1, 1, 1), ip4(10, 1, 1, 2)).icmp_echo(570, 1));
  run(ct, p4, commit(1));
  Pkt p6 = pkt(v6("fd00::1", "fd00::2").icmp_echo(580, 1));
  run(ct, p6, commit());
  Pkt t = pkt(v4(ip4(10, 1, 1, 1), ip4(10, 1, 1, 2)).tcp(40000, 8080, kTcpSyn, 1, 0));
  run(ct, t, commit(1));
  Pkt tr = pkt(v4(ip4(10, 1, 1, 2), ip4(10, 1, 1, 1)).tcp(8080, 40000, kTcpRst | kTcpAck, 0, 2));
  run(ct, tr, commit(1));
  Pkt u1 = pkt(v4(ip4(10, 1, 1, 1), ip4(10, 1, 1, 2)).udp(5001, 5354));
  run(ct, u1, commit(1));
  Pkt u2 = pkt(v4(ip4(10, 1, 1, 1), ip4(10, 1, 1, 2)).udp(5000, 5353));
  run(ct, u2, commit());
  CHECK(ct.stats_show(nullptr, false, 1000) ==
        "Connections Stats:\n    Total: 5\n  TCP: 1\n  UDP: 2\n  ICMP: 1\n");
  CHECK(ct.stats_show(nullptr, true, 1000) ==
        "Connections Stats:\n    Total: 5\n  TCP: 1\n    Conn per TCP states:\n"
        "\t  [TIME_WAIT]=1\n  UDP: 2\n  ICMP: 1\n");
  uint16_t z = 1;
  CHECK(ct.stats_show(&z, false, 1000) ==
        "Connections Stats:\n    Total: 3\n  TCP: 1\n  UDP: 1\n  ICMP: 1\n");
}
