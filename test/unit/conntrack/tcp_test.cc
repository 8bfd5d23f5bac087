// TCP tracking: handshake, data, FIN and RST closes, windows, reopening.
#include <catch2/catch.hpp>

#include "test/unit/conntrack/ct_test_util.h"

using namespace ferry;
using namespace ferry::ct;
using namespace ferry::ct::test;

namespace {

const uint32_t kA = ip4(10, 1, 1, 1), kB = ip4(10, 1, 1, 2);

Pkt a2b(uint16_t flags, uint32_t seq, uint32_t ack, size_t len = 0) {
  return pkt(v4(kA, kB).tcp(40000, 80, flags, seq, ack).payload_size(len));
}
Pkt b2a(uint16_t flags, uint32_t seq, uint32_t ack, size_t len = 0) {
  return pkt(v4(kB, kA).tcp(80, 40000, flags, seq, ack).payload_size(len));
}

std::string line(const Conntrack& ct, bool stats = false, uint64_t now = 1000) {
  std::vector<std::string> out;
  ct.dump(
      nullptr, [&](const ConnInfo& ci) { out.push_back(Conntrack::format(ci, false, stats)); },
      now);
  REQUIRE(out.size() == 1);
  return out[0];
}

const std::string kTuples =
    "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=40000,dport=80),"
    "reply=(src=10.1.1.2,dst=10.1.1.1,sport=80,dport=40000)";

// Handshake A -> B with ISNs 1000 and 5000.
void handshake(Conntrack& ct) {
  Pkt syn = a2b(kTcpSyn, 1000, 0);
  REQUIRE(run(ct, syn, commit()) == "+new+trk");
  Pkt synack = b2a(kTcpSyn | kTcpAck, 5000, 1001);
  REQUIRE(run(ct, synack, commit()) == "+est+rpl+trk");
  Pkt ack = a2b(kTcpAck, 1001, 5001);
  REQUIRE(run(ct, ack, commit()) == "+est+trk");
}

}  // namespace

TEST_CASE("tcp: handshake states and dump lines", "[conntrack][tcp]") {
  Conntrack ct(small_config());
  Pkt syn = a2b(kTcpSyn, 1000, 0);
  CHECK(run(ct, syn, commit()) == "+new+trk");
  CHECK(line(ct) == kTuples + ",protoinfo=(state=SYN_SENT)");
  CHECK(line(ct, true) == kTuples + ",timeout=30,protoinfo=(state=SYN_SENT)");
  // A retransmitted SYN is still new.
  Pkt syn2 = a2b(kTcpSyn, 1000, 0);
  CHECK(run(ct, syn2, track()) == "+new+trk");
  Pkt synack = b2a(kTcpSyn | kTcpAck, 5000, 1001);
  CHECK(run(ct, synack, track()) == "+est+rpl+trk");
  Pkt ack = a2b(kTcpAck, 1001, 5001);
  CHECK(run(ct, ack, track()) == "+est+trk");
  CHECK(line(ct, true) == kTuples + ",timeout=86400,protoinfo=(state=ESTABLISHED)");
  Pkt data = a2b(kTcpAck | kTcpPsh, 1001, 5001, 100);
  CHECK(run(ct, data, track()) == "+est+trk");
  Pkt data_ack = b2a(kTcpAck, 5001, 1101);
  CHECK(run(ct, data_ack, track()) == "+est+rpl+trk");
  CHECK(ct.nconns() == 1);
  // The packet's ct fields: the original tuple, zone, no mark or label.
  CHECK(data_ack.meta.orig_proto == 6);
  CHECK(data_ack.meta.orig_src == addr4(10, 1, 1, 1));
  CHECK(data_ack.meta.orig_dst == addr4(10, 1, 1, 2));
  CHECK(data_ack.meta.orig_tp_src == to_be16(40000));
  CHECK(data_ack.meta.orig_tp_dst == to_be16(80));
  CHECK_FALSE(data_ack.meta.ipv6);
  std::vector<std::string> v;
  ct.dump(
      nullptr, [&](const ConnInfo& ci) { v.push_back(Conntrack::format(ci, true)); }, 1000);
  CHECK(v.at(0) == kTuples +
                       ",id=0,status=0,protoinfo=(state_orig=ESTABLISHED,state_reply=ESTABLISHED,"
                       "flags_orig=0,flags_reply=0)");
}

TEST_CASE("tcp: uncommitted and invalid openings are not remembered", "[conntrack][tcp]") {
  Conntrack ct(small_config());
  Pkt syn = a2b(kTcpSyn, 1000, 0);
  CHECK(run(ct, syn, track()) == "+new+trk");
  CHECK(ct.nconns() == 0);
  Pkt synfin = a2b(kTcpSyn | kTcpFin, 1000, 0);
  CHECK(run(ct, synfin, commit()) == "+inv+trk");
  Pkt synack = a2b(kTcpSyn | kTcpAck, 1000, 1);
  CHECK(run(ct, synack, commit()) == "+inv+trk");
  Pkt noflags = a2b(0, 1000, 0);
  CHECK(run(ct, noflags, commit()) == "+inv+trk");
  CHECK(ct.nconns() == 0);
  CHECK(ct.counters().get("invalid_new") == 3);
  // The uncommitted packet still carries its own tuple.
  CHECK(syn.meta.orig_src == addr4(10, 1, 1, 1));
  CHECK(syn.meta.orig_tp_dst == to_be16(80));
}

TEST_CASE("tcp: out-of-window segments are invalid", "[conntrack][tcp]") {
  Conntrack ct(small_config());
  handshake(ct);
  Pkt far = a2b(kTcpAck, 1001 + 200000, 5001, 10);
  CHECK(run(ct, far, track()) == "+inv+trk");
  CHECK(ct.counters().get("invalid_tcp_seq") == 1);
  // Still tracked: its mark, label, tuple come from the connection.
  CHECK(far.meta.orig_tp_src == to_be16(40000));
  // Acking data never sent is invalid too.
  Pkt bad_ack = b2a(kTcpAck, 5001, 1001 + 300000);
  CHECK(run(ct, bad_ack, track()) == "+inv+trk");
  CHECK(ct.counters().get("invalid_tcp_seq") == 2);
  // A segment inside the window is fine.
  Pkt in = a2b(kTcpAck, 1001 + 30000, 5001, 10);
  CHECK(run(ct, in, track()) == "+est+trk");
  // With checking off (dpctl/ct-disable-tcp-seq-chk) a far one passes and
  // moves the window: the old position is then out of it.
  ct.set_tcp_seq_check(false);
  Pkt far2 = a2b(kTcpAck, 1001 + 200000, 5001, 10);
  CHECK(run(ct, far2, track()) == "+est+trk");
  CHECK(ct.counters().get("tcp_seq_chk_bypass") == 1);
  ct.set_tcp_seq_check(true);
  Pkt old = a2b(kTcpAck, 1001 + 30010, 5001, 10);
  CHECK(run(ct, old, track()) == "+inv+trk");
}

TEST_CASE("tcp: FIN close to TIME_WAIT, then a new SYN reopens", "[conntrack][tcp]") {
  Conntrack ct(small_config());
  handshake(ct);
  Pkt fin = a2b(kTcpFin | kTcpAck, 1001, 5001);
  CHECK(run(ct, fin, track()) == "+est+trk");
  CHECK(line(ct, true) == kTuples + ",timeout=900,protoinfo=(state=CLOSING)");
  Pkt finack = b2a(kTcpAck, 5001, 1002);
  CHECK(run(ct, finack, track()) == "+est+rpl+trk");
  CHECK(line(ct, true) == kTuples + ",timeout=900,protoinfo=(state=TIME_WAIT)");
  Pkt fin2 = b2a(kTcpFin | kTcpAck, 5001, 1002);
  CHECK(run(ct, fin2, track()) == "+est+rpl+trk");
  Pkt last = a2b(kTcpAck, 1002, 5002);
  CHECK(run(ct, last, track()) == "+est+trk");
  CHECK(line(ct, true) == kTuples + ",timeout=30,protoinfo=(state=TIME_WAIT)");
  // A new SYN on the closed connection replaces it.
  Pkt syn = a2b(kTcpSyn, 90000, 0);
  CHECK(run(ct, syn, commit()) == "+new+trk");
  CHECK(ct.counters().get("conn_reopened") == 1);
  CHECK(ct.nconns() == 2);  // the old one until the sweep
  CHECK(ct.sweep(1000) == 1);
  CHECK(ct.nconns() == 1);
  CHECK(line(ct) == kTuples + ",protoinfo=(state=SYN_SENT)");
}

TEST_CASE("tcp: RST needs an exact sequence number", "[conntrack][tcp]") {
  Conntrack ct(small_config());
  handshake(ct);
  Pkt rst_off = b2a(kTcpRst | kTcpAck, 5001 + 100, 1001);
  CHECK(run(ct, rst_off, track()) == "+inv+trk");
  Pkt rst = b2a(kTcpRst | kTcpAck, 5001, 1001);
  CHECK(run(ct, rst, track()) == "+est+rpl+trk");
  CHECK(line(ct, true) == kTuples + ",timeout=30,protoinfo=(state=TIME_WAIT)");
}

TEST_CASE("tcp: a stream picked up mid-way is tracked liberally", "[conntrack][tcp]") {
  Conntrack ct(small_config());
  Pkt mid = a2b(kTcpAck, 777777, 555555, 50);
  CHECK(run(ct, mid, commit()) == "+new+trk");
  Pkt back = b2a(kTcpAck, 555555, 777827);
  CHECK(run(ct, back, track()) == "+est+rpl+trk");
  std::vector<std::string> v;
  ct.dump(
      nullptr, [&](const ConnInfo& ci) { v.push_back(Conntrack::format(ci, true)); }, 1000);
  CHECK(v.at(0) == kTuples +
                       ",id=0,status=0,protoinfo=(state_orig=ESTABLISHED,state_reply=SYN_SENT,"
                       "flags_orig=BE_LIBERAL,flags_reply=BE_LIBERAL)");
}

TEST_CASE("tcp: window scaling from the SYN options", "[conntrack][tcp]") {
  Conntrack ct(small_config());
  // SYN with MSS, NOP, window scale 7 (20 + 8 bytes of options).
  std::vector<uint8_t> opts = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
  Pkt syn = a2b(kTcpSyn, 1000, 0);
  // Rebuild the TCP header by hand with data offset 7 and the options.
  std::vector<uint8_t>& b = syn.bytes;
  size_t l4 = 14 + 20;
  b.insert(b.begin() + static_cast<long>(l4 + 20), opts.begin(), opts.end());
  b[l4 + 12] = 7 << 4;
  uint16_t tot = static_cast<uint16_t>(20 + 28);
  b[14 + 2] = static_cast<uint8_t>(tot >> 8);
  b[14 + 3] = static_cast<uint8_t>(tot);
  b.resize(std::max<size_t>(b.size(), 14 + tot));
  // Fix the IP and TCP checksums.
  b[14 + 10] = b[14 + 11] = 0;
  uint16_t ipc = inet_checksum(b.data() + 14, 20);
  b[14 + 10] = static_cast<uint8_t>(ipc >> 8);
  b[14 + 11] = static_cast<uint8_t>(ipc);
  b[l4 + 16] = b[l4 + 17] = 0;
  uint32_t s = ipv4_pseudo_sum(kA, kB, 6, 28);
  uint16_t tc = checksum_finish(checksum_add(s, b.data() + l4, 28));
  b[l4 + 16] = static_cast<uint8_t>(tc >> 8);
  b[l4 + 17] = static_cast<uint8_t>(tc);
  REQUIRE(verify_checksums(b.data(), 14 + tot).ok());
  CHECK(run(ct, syn, commit()) == "+new+trk");
  std::vector<std::string> v;
  ct.dump(
      nullptr, [&](const ConnInfo& ci) { v.push_back(Conntrack::format(ci, true)); }, 1000);
  CHECK(v.at(0) == kTuples +
                       ",id=0,status=0,protoinfo=(state_orig=SYN_SENT,state_reply=CLOSED,"
                       "wscale_orig=7,wscale_reply=0,flags_orig=WINDOW_SCALE,flags_reply=0)");
}
