// Zones, limits, maxconns, flush, expiry, timeout policies, mark and label,
// force, export/import.
#include <catch2/catch.hpp>

#include "test/unit/conntrack/ct_test_util.h"

using namespace ferry;
using namespace ferry::ct;
using namespace ferry::ct::test;

namespace {

const uint32_t kA = ip4(10, 1, 1, 1), kB = ip4(10, 1, 1, 2);

Pkt udp(uint16_t sport, uint16_t dport = 53) { return pkt(v4(kA, kB).udp(sport, dport)); }
Pkt udp_back(uint16_t sport, uint16_t dport = 53) { return pkt(v4(kB, kA).udp(dport, sport)); }

}  // namespace

TEST_CASE("zones keep identical tuples apart", "[conntrack][zone]") {
  Conntrack ct(small_config());
  Pkt p = udp(1000);
  CHECK(run(ct, p, commit(1)) == "+new+trk");
  CHECK(p.meta.zone == 1);
  Pkt p2 = udp(1000);
  CHECK(run(ct, p2, commit(2)) == "+new+trk");
  CHECK(ct.nconns() == 2);
  Pkt r = udp_back(1000);
  CHECK(run(ct, r, track(1)) == "+est+rpl+trk");
  Pkt r3 = udp_back(1000);
  CHECK(run(ct, r3, track(3)) == "+new+trk");
  // A packet entering another zone starts afresh.
  Pkt q = udp(1000);
  CHECK(run(ct, q, track(1)) == "+est+trk");
  CHECK(run(ct, q, track(3), 1000, 0, false) == "+new+trk");
  uint16_t z = 2;
  CHECK(dump_lines(ct, &z) ==
        std::vector<std::string>{"udp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=1000,dport=53),"
                                 "reply=(src=10.1.1.2,dst=10.1.1.1,sport=53,dport=1000),zone=2"});
  CHECK(dump_lines(ct).size() == 2);
}

TEST_CASE("zone limits, the default limit and maxconns", "[conntrack][limits]") {
  Conntrack ct(small_config());
  ct.set_zone_limit(5, 2);
  ct.set_default_limit(3);
  for (uint16_t i = 0; i < 4; i++) {
    Pkt p = udp(static_cast<uint16_t>(2000 + i));
    run(ct, p, commit(5));
  }
  CHECK(ct.zone_limit(5).count == 2);
  CHECK(ct.zone_limit(5).limit == 2);
  CHECK(ct.counters().get("zone_full") == 2);
  for (uint16_t i = 0; i < 5; i++) {
    Pkt p = udp(static_cast<uint16_t>(3000 + i));
    CHECK(run(ct, p, commit(6)) == "+new+trk");
  }
  CHECK(ct.zone_limit(6).count == 3);
  CHECK(ct.zone_limit(6).limit == 3);
  CHECK(ct.zone_limits().size() == 1);
  CHECK(ct.zone_limits()[0].zone == 5);
  ct.del_zone_limit(5);
  CHECK(ct.zone_limit(5).limit == 3);
  CHECK(ct.nconns() == 5);
  // The global maximum.
  ct.set_default_limit(0);
  ct.set_max_conns(7);
  for (uint16_t i = 0; i < 5; i++) {
    Pkt p = udp(static_cast<uint16_t>(4000 + i));
    run(ct, p, commit(7));
  }
  CHECK(ct.nconns() == 7);
  CHECK(ct.max_conns() == 7);
  CHECK(ct.counters().get("conntrack_full") == 3);
  // A full table still tracks existing connections.
  Pkt back = udp_back(4000);
  CHECK(run(ct, back, track(7)) == "+est+rpl+trk");
}

TEST_CASE("flush: all, by zone, by tuple, by partial match", "[conntrack][flush]") {
  Conntrack ct(small_config());
  for (uint16_t z = 0; z < 3; z++)
    for (uint16_t i = 0; i < 4; i++) {
      Pkt p = udp(static_cast<uint16_t>(1000 + i));
      run(ct, p, commit(z));
    }
  CHECK(ct.nconns() == 12);
  uint16_t z1 = 1;
  CHECK(ct.flush(&z1, static_cast<const Tuple*>(nullptr)).value() == 4);
  CHECK(ct.nconns() == 8);
  Tuple t;
  t.proto = 17;
  t.src = addr4(10, 1, 1, 1);
  t.dst = addr4(10, 1, 1, 2);
  t.sport = 1002;
  t.dport = 53;
  uint16_t z2 = 2;
  CHECK(ct.flush(&z2, &t).value() == 1);
  CHECK(ct.flush(&z2, &t).error().code == ENOENT);
  CHECK(ct.nconns() == 7);
  // The reply tuple of a connection without NAT flushes it too (as OVS).
  Tuple rt;
  rt.proto = 17;
  rt.src = addr4(10, 1, 1, 2);
  rt.dst = addr4(10, 1, 1, 1);
  rt.sport = 53;
  rt.dport = 1003;
  CHECK(ct.flush(nullptr, &rt).value() == 1);
  // A partial match: every zone, source port 1001.
  CtMatch m;
  m.l3 = 4;
  m.proto = 17;
  m.orig.sport = 1001;
  CHECK(ct.flush(nullptr, m).value() == 2);
  CHECK(ct.nconns() == 4);
  // A zero match flushes everything.
  CHECK(ct.flush(nullptr, CtMatch{}).value() == 4);
  CHECK(ct.nconns() == 0);
  CHECK(ct.counters().get("conn_flushed") == 12);
  // Flushed connections start again as new.
  Pkt p = udp(1000);
  CHECK(run(ct, p, track()) == "+new+trk");
}

TEST_CASE("expiry by sweep, with per-zone timeout policies", "[conntrack][expiry]") {
  Conntrack ct(small_config());
  TimeoutPolicy tp;
  tp.present = 1u << static_cast<int>(TpAttr::kUdpFirst);
  tp.attrs[static_cast<int>(TpAttr::kUdpFirst)] = 5;
  ct.set_zone_timeout_policy(9, tp);
  CHECK(ct.zone_timeout_policy(9).attrs[static_cast<int>(TpAttr::kUdpFirst)] == 5);
  CHECK(ct.zone_timeout_policy(9).attrs[static_cast<int>(TpAttr::kUdpMultiple)] == 30);
  CHECK(ct.zone_timeout_policy(0).attrs[static_cast<int>(TpAttr::kTcpEstablished)] == 86400);
  Pkt a = udp(1000);
  run(ct, a, commit(9), 10000);
  Pkt b = udp(1000);
  run(ct, b, commit(0), 10000);
  CHECK(ct.sweep(14999) == 0);
  CHECK(ct.sweep(15000) == 1);  // zone 9's after 5 s
  CHECK(ct.nconns() == 1);
  // An expired connection no longer matches, even before a sweep.
  Pkt late = udp(1000);
  CHECK(run(ct, late, track(0), 70000) == "+new+trk");
  // A reply refreshes: udp_multiple (30 s) from then.
  Pkt r = udp_back(1000);
  CHECK(run(ct, r, track(0), 60000) == "+est+rpl+trk");
  CHECK(ct.sweep(89999) == 0);
  CHECK(ct.sweep(90000) == 1);
  CHECK(ct.nconns() == 0);
  CHECK(ct.counters().get("conn_expired") == 2);
  CHECK(tp_attr_from_name("icmp_reply").value() == TpAttr::kIcmpReply);
  CHECK(tp_attr_from_name("tcp_bogus").error().message ==
        "unknown timeout policy attribute 'tcp_bogus'");
}

TEST_CASE("ct_mark and ct_label are set only with commit", "[conntrack][mark]") {
  Conntrack ct(small_config());
  CtAction a = commit();
  a.set_mark = true;
  a.mark = 0x2a;
  a.mark_mask = 0xff;
  a.set_label = true;
  a.label = Label{0x1, 0x10};
  a.label_mask = Label{~0ull, ~0ull};
  Pkt p = udp(1000);
  run(ct, p, a);
  CHECK(p.meta.mark == 0x2a);
  CHECK(p.meta.label == Label{0x1, 0x10});
  Pkt r = udp_back(1000);
  CHECK(run(ct, r, track()) == "+est+rpl+trk");
  CHECK(r.meta.mark == 0x2a);
  CHECK(r.meta.label == Label{0x1, 0x10});
  CtAction nocommit = a;
  nocommit.commit = false;
  nocommit.mark = 0x7;
  Pkt q = udp(1000);
  run(ct, q, nocommit);
  CHECK(q.meta.mark == 0x2a);
  // Masked update of the mark: keep the high bits.
  CtAction m2 = commit();
  m2.set_mark = true;
  m2.mark = 0x100;
  m2.mark_mask = 0xf00;
  Pkt q2 = udp(1000);
  run(ct, q2, m2);
  CHECK(q2.meta.mark == 0x12a);
  CHECK(dump_lines(ct) ==
        std::vector<std::string>{"udp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=1000,dport=53),"
                                 "reply=(src=10.1.1.2,dst=10.1.1.1,sport=53,dport=1000),"
                                 "mark=298,labels=0x100000000000000001"});
}

TEST_CASE("force ends a connection seen in the reply direction", "[conntrack][force]") {
  Conntrack ct(small_config());
  Pkt p = udp(1000);
  run(ct, p, commit());
  CtAction f = commit();
  f.force = true;
  Pkt r = udp_back(1000);
  CHECK(run(ct, r, f) == "+new+trk");
  CHECK(ct.counters().get("conn_forced") == 1);
  ct.sweep(1000);
  CHECK(dump_lines(ct) ==
        std::vector<std::string>{"udp,orig=(src=10.1.1.2,dst=10.1.1.1,sport=53,dport=1000),"
                                 "reply=(src=10.1.1.1,dst=10.1.1.2,sport=1000,dport=53)"});
  // In the original direction force changes nothing.
  Pkt r2 = udp_back(1000);
  CHECK(run(ct, r2, f) == "+new+trk");
  CHECK(ct.counters().get("conn_forced") == 1);
}

TEST_CASE("export and import: connections move with their state", "[conntrack][migrate]") {
  Conntrack src(small_config());
  // TCP established in zone 3, UDP to another host, a DNAT connection.
  Pkt syn = pkt(v4(kA, kB).tcp(40000, 80, kTcpSyn, 1000, 0));
  run(src, syn, commit(3));
  Pkt synack = pkt(v4(kB, kA).tcp(80, 40000, kTcpSyn | kTcpAck, 5000, 1001));
  run(src, synack, track(3));
  Pkt ack = pkt(v4(kA, kB).tcp(40000, 80, kTcpAck, 1001, 5001));
  run(src, ack, track(3));
  Pkt u = pkt(v4(ip4(10, 9, 9, 9), kB).udp(7, 7));
  CtAction mark = commit(4);
  mark.set_mark = true;
  mark.mark = 77;
  mark.mark_mask = ~0u;
  run(src, u, mark);

  ExportFilter f;
  f.addrs.push_back(addr4(10, 1, 1, 1));
  std::vector<uint8_t> bytes = src.export_conns(f, 1000);
  Conntrack dst(small_config());
  auto n = dst.import_conns(bytes.data(), bytes.size(), 50000);
  REQUIRE(n.ok());
  CHECK(n.value() == 1);
  // Established traffic stays established on the destination.
  Pkt data = pkt(v4(kA, kB).tcp(40000, 80, kTcpAck | kTcpPsh, 1001, 5001).payload_size(10));
  CHECK(run(dst, data, track(3), 50000) == "+est+trk");
  Pkt out_of_window = pkt(v4(kA, kB).tcp(40000, 80, kTcpAck, 900000, 5001).payload_size(10));
  CHECK(run(dst, out_of_window, track(3), 50000) == "+inv+trk");
  std::vector<std::string> lines;
  dst.dump(
      nullptr, [&](const ConnInfo& ci) { lines.push_back(Conntrack::format(ci, false, true)); },
      50000);
  CHECK(lines ==
        std::vector<std::string>{"tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=40000,dport=80),"
                                 "reply=(src=10.1.1.2,dst=10.1.1.1,sport=80,dport=40000),zone=3,"
                                 "timeout=86400,protoinfo=(state=ESTABLISHED)"});
  // By zone: the marked UDP one. A second import adds nothing.
  ExportFilter fz;
  fz.has_zone = true;
  fz.zone = 4;
  bytes = src.export_conns(fz, 1000);
  CHECK(dst.import_conns(bytes.data(), bytes.size(), 50000).value() == 1);
  CHECK(dst.import_conns(bytes.data(), bytes.size(), 50000).value() == 0);
  Pkt ub = pkt(v4(kB, ip4(10, 9, 9, 9)).udp(7, 7));
  CHECK(run(dst, ub, track(4), 50000) == "+est+rpl+trk");
  CHECK(ub.meta.mark == 77);
  CHECK(dst.nconns() == 2);
  // Malformed input is refused whole.
  std::vector<uint8_t> bad = bytes;
  bad.pop_back();
  CHECK(dst.import_conns(bad.data(), bad.size(), 0).error().message ==
        "connection export of " + std::to_string(bad.size()) +
            " bytes does not hold 1 connections");
  bad = bytes;
  bad[8 + 42 + 41] = 2;  // the reverse key's IPv6 flag
  CHECK(dst.import_conns(bad.data(), bad.size(), 0).error().message ==
        "connection 0 of the export: bad address family");
  CHECK(dst.import_conns(bad.data(), 3, 0).error().message ==
        "not a connection export (no FCT1 header)");
  CHECK(dst.nconns() == 2);
}

TEST_CASE("a ct(commit) after a lookup in the same zone and pass uses the packet's connection",
          "[conntrack][cached]") {
  Conntrack ct(small_config());
  Pkt p = udp(1000);
  run(ct, p, commit(3));
  Pkt r = udp_back(1000);
  CHECK(run(ct, r, track(3)) == "+est+rpl+trk");
  REQUIRE(r.meta.conn != nullptr);
  CHECK(r.meta.conn_reply);
  // The same packet's ct(commit, exec(set mark)) in the same zone: no lookup.
  CtAction m = commit(3);
  m.set_mark = true;
  m.mark = 0x5;
  m.mark_mask = 0xff;
  CHECK(run(ct, r, m, 1000, 0, false) == "+est+rpl+trk");
  CHECK(ct.counters().get("conn_cached") == 1);
  CHECK(r.meta.mark == 0x5);
  Pkt q = udp(1000);
  run(ct, q, track(3));
  CHECK(q.meta.mark == 0x5);  // the connection's own mark
  // Another zone, another thread, or after this thread's quiesce: a lookup.
  const uint64_t cached = ct.counters().get("conn_cached");
  Pkt z = udp(1000);
  run(ct, z, track(3));
  run(ct, z, commit(4), 1000, 0, false);
  CHECK(ct.counters().get("conn_cached") == cached);
  Pkt t = udp(1000);
  run(ct, t, track(3));
  run(ct, t, commit(3), 1000, 1, false);
  CHECK(ct.counters().get("conn_cached") == cached);
  Pkt s = udp(1000);
  run(ct, s, track(3));
  ct.quiesce(0);
  run(ct, s, commit(3), 1000, 0, false);
  CHECK(ct.counters().get("conn_cached") == cached);
  // A pointer that is not the packet's connection (its ct fields name
  // another tuple) is not taken.
  Pkt a = udp(1000);
  run(ct, a, track(3));
  Pkt b = udp(2000);
  run(ct, b, commit(3));
  b.meta.conn = a.meta.conn;
  b.meta.conn_pass = a.meta.conn_pass;
  run(ct, b, commit(3), 1000, 0, false);
  CHECK(ct.counters().get("conn_cached") == cached);
  CHECK(ct.nconns() == 3);  // 1000 in zones 3 and 4, 2000 in zone 3
}

TEST_CASE("a ct(commit,nat) after a lookup translates by the packet's connection",
          "[conntrack][cached]") {
  Conntrack ct(small_config());
  CtAction nat = commit(2);
  nat.nat = true;
  nat.nat_spec.kind = NatSpec::kSrc;  // OVN's ct(commit,nat(src)) without a range: itself
  Pkt p = udp(1000);
  run(ct, p, track(2));
  run(ct, p, nat, 1000, 0, false);
  CHECK(ct.nconns() == 1);
  Pkt q = udp(1000);
  CHECK(run(ct, q, track(2)) == "+new+trk");  // UDP one way stays new, as OVS's
  CHECK(run(ct, q, nat, 1000, 0, false) == "+new+trk+snat");
  CHECK(ct.counters().get("conn_cached") == 1);
  // A source NAT to another address: the cached path rewrites as the whole one.
  CtAction snat = commit(5);
  snat.nat = true;
  snat.nat_spec.kind = NatSpec::kSrc;
  snat.nat_spec.min = addr4(10, 9, 9, 9);
  Pkt s = udp(3000);
  run(ct, s, snat);
  Pkt whole = udp(3000);
  run(ct, whole, snat);  // a lookup, then the translation
  Pkt fast = udp(3000);
  run(ct, fast, track(5));
  run(ct, fast, snat, 1000, 0, false);
  CHECK(ct.counters().get("conn_cached") == 2);
  CHECK(fast.bytes == whole.bytes);
  CHECK(fast.meta.state == whole.meta.state);
}
