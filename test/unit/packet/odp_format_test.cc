#include "lib/packet/odp_format.h"

#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#include "lib/packet/parser.h"

using namespace ferry;  // NOLINT(google-build-using-namespace)

namespace {

std::string port_number(uint32_t ofport) { return std::to_string(ofport + 1); }

FlowKey ipv4_udp() {
  FlowKey k = zero_key();
  k.in_port = 1;
  const uint8_t src[6] = {0xf0, 0, 0, 1, 1, 1}, dst[6] = {0xf0, 0, 0, 1, 1, 2};
  std::memcpy(k.dl_src, src, 6);
  std::memcpy(k.dl_dst, dst, 6);
  k.dl_type = be16(kEthTypeIpv4);
  k.nw_src = be32(0x0a010101);
  k.nw_dst = be32(0x0a010102);
  k.nw_proto = kIpProtoUdp;
  k.nw_ttl = 64;
  k.tp_src = be16(5000);
  k.tp_dst = be16(5001);
  return k;
}

}  // namespace

TEST_CASE("datapath flow syntax: a megaflow on in_port, eth_type and frag", "[odp]") {
  FlowKey k = ipv4_udp();
  FlowKey m = zero_key();
  m.in_port = 0xffffffff;
  m.dl_type = 0xffff;
  m.nw_frag = 0xff;
  CHECK(format_odp_match(k, m, port_number, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x0800),ipv4(frag=no)");
  // With names, and every wildcarded field shown (-m).
  auto name = [](uint32_t) { return std::string("ovs-p0"); };
  CHECK(format_odp_match(k, m, name, true) ==
        "recirc_id(0),in_port(ovs-p0),packet_type(ns=0,id=0),"
        "eth(src=00:00:00:00:00:00/00:00:00:00:00:00,dst=00:00:00:00:00:00/00:00:00:00:00:00),"
        "eth_type(0x0800),ipv4(src=0.0.0.0/0.0.0.0,dst=0.0.0.0/0.0.0.0,proto=0/0,tos=0/0,"
        "ttl=0/0,frag=no)");
  // A fragment type not consulted is not printed, even with -m.
  m.nw_frag = 0;
  k.nw_frag = kFragAny | kFragLater;
  CHECK(format_odp_match(k, m, port_number, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x0800)");
  CHECK(format_odp_match(k, m, name, true).find("frag") == std::string::npos);
}

TEST_CASE("datapath flow syntax: exact and partial masks", "[odp]") {
  FlowKey k = ipv4_udp();
  FlowKey m = exact_mask();
  CHECK(format_odp_match(k, m, port_number, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),"
        "eth(src=f0:00:00:01:01:01,dst=f0:00:00:01:01:02),eth_type(0x0800),"
        "ipv4(src=10.1.1.1,dst=10.1.1.2,proto=17,tos=0,ttl=64,frag=no),udp(src=5000,dst=5001)");
  m = zero_key();
  m.in_port = 0xffffffff;
  m.dl_type = 0xffff;
  m.nw_dst = be32(0xffffff00);
  m.nw_proto = 0xff;
  m.tp_dst = 0xffff;
  CHECK(format_odp_match(k, m, port_number, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x0800),"
        "ipv4(dst=10.1.1.0/255.255.255.0,proto=17),udp(dst=5001)");
}

TEST_CASE("datapath flow syntax: IPv6 later fragments, VLAN, ARP", "[odp]") {
  // An IPv6 later fragment: no L4 fields; nw_proto is the fragment header's.
  FlowKey k = zero_key();
  k.in_port = 1;
  k.dl_type = be16(kEthTypeIpv6);
  k.nw_proto = 44;
  k.nw_frag = kFragAny | kFragLater;
  FlowKey m = zero_key();
  m.in_port = 0xffffffff;
  m.dl_type = 0xffff;
  m.nw_proto = 0xff;
  m.nw_frag = 0xff;
  CHECK(format_odp_match(k, m, port_number, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x86dd),"
        "ipv6(proto=44,frag=later)");
  // A VLAN-tagged IPv4 packet: the tag, then the encapsulated type.
  FlowKey v = ipv4_udp();
  v.vlan_tci = htons(kVlanCfi | 100);
  FlowKey vm = zero_key();
  vm.in_port = 0xffffffff;
  vm.vlan_tci = 0xffff;
  vm.dl_type = 0xffff;
  CHECK(format_odp_match(v, vm, port_number, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x8100),"
        "vlan(vid=100,pcp=0),encap(eth_type(0x0800))");
  // ARP, exact.
  FlowKey a = zero_key();
  a.in_port = 1;
  a.dl_type = be16(kEthTypeArp);
  a.nw_proto = 1;
  a.nw_src = be32(0x0a010101);
  a.nw_dst = be32(0x0a010102);
  FlowKey am = zero_key();
  am.in_port = 0xffffffff;
  am.dl_type = 0xffff;
  am.nw_proto = 0xff;
  CHECK(format_odp_match(a, am, port_number, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x0806),arp(op=1)");
}
