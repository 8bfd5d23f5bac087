// Tunnel options as OVS spells them, and the underlay's route and
// neighbour tables with ovs-vswitchd's output (datapath/tunnel_table.h).
#include "datapath/tunnel_table.h"

#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "datapath/dp_snapshot.h"
#include "lib/packet/builder.h"
#include "lib/packet/tunnel_header.h"

using namespace ferry;

namespace {
uint32_t ip(const char* s) { return *parse_ipv4(s); }
}  // namespace

TEST_CASE("tunnel options: OVS's defaults and spellings", "[tunnel]") {
  auto c = parse_tunnel_options("vxlan", {{"remote_ip", "10.0.0.2"}});
  REQUIRE(c.ok());
  CHECK(c->remote_ip == ip("10.0.0.2"));
  CHECK(c->dst_port == 4789);
  CHECK(c->key == 0);
  CHECK(c->ttl == 64);
  CHECK(c->df);
  CHECK(!c->csum);
  auto g = parse_tunnel_options("geneve", {{"remote_ip", "flow"},
                                           {"key", "flow"},
                                           {"dst_port", "6082"},
                                           {"ttl", "inherit"},
                                           {"tos", "0x10"},
                                           {"df_default", "false"},
                                           {"csum", "true"}});
  REQUIRE(g.ok());
  CHECK(g->type == TunnelType::kGeneve);
  CHECK(g->remote_flow);
  CHECK(g->in_key_flow);
  CHECK(g->out_key_flow);
  CHECK(g->dst_port == 6082);
  CHECK(g->ttl_inherit);
  CHECK(g->tos == 0x10);
  CHECK(!g->df);
  CHECK(g->csum);
  auto k = parse_tunnel_options("vxlan",
                                {{"remote_ip", "1.2.3.4"}, {"in_key", "flow"}, {"out_key", "5"}});
  REQUIRE(k.ok());
  CHECK(k->in_key_flow);
  CHECK(!k->out_key_flow);
  CHECK(k->key == 5);
}

TEST_CASE("tunnel options: bad rows name what is wrong", "[tunnel]") {
  CHECK(parse_tunnel_options("vxlan", {}).error().message ==
        "vxlan tunnel: missing 'options:remote_ip'");
  CHECK(parse_tunnel_options("vxlan", {{"remote_ip", "10.0.0.300"}}).error().message ==
        "vxlan tunnel: remote_ip \"10.0.0.300\" is not an IPv4 address");
  CHECK(parse_tunnel_options("vxlan", {{"remote_ip", "1.1.1.1"}, {"key", "16777216"}})
            .error()
            .message == "vxlan tunnel: key \"16777216\" is not a 24-bit VNI");
  CHECK(parse_tunnel_options("vxlan", {{"remote_ip", "1.1.1.1"}, {"dst_port", "0"}})
            .error()
            .message == "vxlan tunnel: dst_port \"0\" is not a UDP port");
  CHECK(parse_tunnel_options("geneve", {{"remote_ip", "1.1.1.1"}, {"colour", "red"}})
            .error()
            .message == "geneve tunnel: unknown option \"colour\"");
  CHECK(parse_tunnel_options("vxlan", {{"remote_ip", "1.1.1.1"}, {"exts", "gbp"}}).error().code ==
        ENOTSUP);
}

TEST_CASE("tunnel routes: longest prefix, cached from addresses, user ones", "[tunnel]") {
  TunnelTable t;
  CHECK(!t.add_route("10.2.0.0/16", "br-phy", "172.31.1.254").ok());  // no address yet
  CHECK(t.set_local_addresses({{"br-phy", ip("172.31.1.1"), 24}}));
  CHECK(!t.set_local_addresses({{"br-phy", ip("172.31.1.1"), 24}}));
  REQUIRE(t.add_route("10.2.0.0/16", "br-phy", "172.31.1.254").ok());
  CHECK(t.show_routes() ==
        "Route Table:\n"
        "Cached: 172.31.1.1/32 dev br-phy SRC 172.31.1.1 local\n"
        "Cached: 172.31.1.0/24 dev br-phy SRC 172.31.1.1\n"
        "User: 10.2.0.0/16 dev br-phy GW 172.31.1.254 SRC 172.31.1.1\n");
  TunnelSnapshot s;
  s.routes = t.routes();
  REQUIRE(s.route(ip("10.2.3.4")));
  CHECK(s.route(ip("10.2.3.4"))->gw == ip("172.31.1.254"));
  CHECK(s.route(ip("172.31.1.9"))->gw == 0);
  CHECK(s.route(ip("10.3.0.1")) == nullptr);
  CHECK(*t.lookup("10.2.0.1") == "src 172.31.1.1\ngateway 172.31.1.254\ndev br-phy\n");
  CHECK(t.lookup("10.3.0.1").error().message == "Not found");
  CHECK(t.del_route("10.2.0.0/16").ok());
  CHECK(t.del_route("10.2.0.0/16").error().message == "Not found");
  CHECK(t.add_route("10.2.0.0/40", "br-phy", "").error().message == "Invalid parameters");
}

TEST_CASE("resolve_encap: destination, route through a port, next hop's neighbour", "[tunnel]") {
  TunnelTable t;
  REQUIRE(t.set_local_addresses({{"br-phy", ip("172.31.1.1"), 24}}));
  REQUIRE(t.add_route("10.2.0.0/16", "br-phy", "172.31.1.254").ok());
  REQUIRE(t.set_neigh("br-phy", "172.31.1.254", "02:00:00:00:00:fe", 0).ok());
  TunnelSnapshot s;
  s.routes = t.routes();
  s.neighbours = t.neighbours();
  auto cfg = parse_tunnel_options("vxlan", {{"remote_ip", "10.2.3.4"}});
  REQUIRE(cfg.ok());

  // No snapshot, or routes not through a bridge's port (via unset): no route.
  EncapPath p = resolve_encap(nullptr, *cfg, 0);
  CHECK(p.dst == ip("10.2.3.4"));
  CHECK(p.route == nullptr);
  CHECK(p.hop == 0);
  CHECK(resolve_encap(&s, *cfg, 0).route == nullptr);

  DpPort via;
  for (TnlRoute& r : s.routes) r.via = &via;
  p = resolve_encap(&s, *cfg, ip("10.9.9.9"));  // the packet's tun_dst is not used
  REQUIRE(p.route);
  CHECK(p.route->gw == ip("172.31.1.254"));
  CHECK(p.hop == ip("172.31.1.254"));
  REQUIRE(p.neigh);
  CHECK(p.neigh->mac == Mac{2, 0, 0, 0, 0, 0xfe});

  // remote_ip=flow: the packet's tun_dst; on link, the hop is the destination.
  auto flow = parse_tunnel_options("vxlan", {{"remote_ip", "flow"}});
  REQUIRE(flow.ok());
  p = resolve_encap(&s, *flow, ip("172.31.1.7"));
  CHECK(p.dst == ip("172.31.1.7"));
  REQUIRE(p.route);
  CHECK(p.route->gw == 0);
  CHECK(p.hop == ip("172.31.1.7"));
  CHECK(p.neigh == nullptr);  // not known yet: the PMD asks for it
  p = resolve_encap(&s, *flow, ip("10.3.0.1"));
  CHECK(p.route == nullptr);
  CHECK(resolve_encap(&s, *flow, 0).route == nullptr);  // no tun_dst
}

TEST_CASE("tunnel neighbours: static, learned, aged", "[tunnel]") {
  TunnelTable t;
  t.set_aging_ms(1000);
  REQUIRE(t.set_neigh("br-phy", "172.31.1.2", "02:00:00:00:00:02", 0).ok());
  CHECK(t.set_neigh("br-phy", "172.31.1.x", "02:00:00:00:00:02", 0).error().message ==
        "bad IP address");
  CHECK(t.set_neigh("br-phy", "172.31.1.3", "02:00:00", 0).error().message == "bad MAC address");
  Mac m{2, 0, 0, 0, 0, 3};
  CHECK(t.learn_neigh("br-phy", ip("172.31.1.3"), m, 100));
  CHECK(!t.learn_neigh("br-phy", ip("172.31.1.3"), m, 200));  // refreshed, not changed
  CHECK(!t.learn_neigh("br-phy", ip("172.31.1.2"), m, 200));  // a static entry stays
  CHECK(t.show_neigh(0) ==
        "IP                                            MAC                 Bridge\n"
        "==========================================================================\n"
        "172.31.1.2                                    02:00:00:00:00:02   br-phy\n"
        "172.31.1.3                                    02:00:00:00:00:03   br-phy\n");
  CHECK(!t.expire(1100));
  CHECK(t.expire(1200));
  CHECK(t.neighbours().size() == 1);
  CHECK(t.neighbours()[0].ip == ip("172.31.1.2"));
}

namespace {

// A VXLAN (or Geneve) packet from 172.31.1.2 to .1 around a 60-byte frame.
std::vector<uint8_t> encapsulated(bool geneve, std::vector<uint8_t> tunnel_header,
                                  bool udp_csum = false) {
  std::vector<uint8_t> inner = FrameBuilder()
                                   .eth(Mac{2, 0, 0, 0, 0, 2}, Mac{2, 0, 0, 0, 0, 1})
                                   .ipv4(ip("10.1.1.1"), ip("10.1.1.2"))
                                   .udp(1, 2)
                                   .build();
  std::vector<uint8_t> payload = tunnel_header;
  payload.insert(payload.end(), inner.begin(), inner.end());
  std::vector<uint8_t> f = FrameBuilder()
                               .eth(Mac{2, 0, 0, 0, 9, 1}, Mac{2, 0, 0, 0, 9, 2})
                               .ipv4(ip("172.31.1.2"), ip("172.31.1.1"))
                               .dont_fragment()
                               .udp(40000, geneve ? 6081 : 4789)
                               .payload(payload)
                               .build();
  if (!udp_csum) f[40] = f[41] = 0;
  return f;
}

}  // namespace

TEST_CASE("tunnel headers: VXLAN and Geneve read, bad ones named", "[tunnel]") {
  TunnelHeader h;
  auto v = encapsulated(false, {0x08, 0, 0, 0, 0, 0, 100, 0});
  REQUIRE(parse_tunnel_header(v.data(), v.size(), false, &h) == TunnelParse::kOk);
  CHECK(h.outer_len == 50);
  CHECK(h.vni == 100);
  CHECK(h.src == ip("172.31.1.2"));
  CHECK(h.dst == ip("172.31.1.1"));
  CHECK(h.df);
  CHECK(!h.udp_csum);
  CHECK(h.udp_dst == 4789);
  auto c = encapsulated(false, {0x08, 0, 0, 0, 0, 0, 100, 0}, true);
  REQUIRE(parse_tunnel_header(c.data(), c.size(), false, &h) == TunnelParse::kOk);
  CHECK(h.udp_csum);
  c[60] ^= 1;  // a byte of the inner frame: the UDP checksum no longer holds
  CHECK(parse_tunnel_header(c.data(), c.size(), false, &h) == TunnelParse::kBadChecksum);
  auto noi = encapsulated(false, {0, 0, 0, 0, 0, 0, 100, 0});
  CHECK(parse_tunnel_header(noi.data(), noi.size(), false, &h) == TunnelParse::kBadHeader);
  CHECK(parse_tunnel_header(v.data(), 60, false, &h) == TunnelParse::kTruncated);
  auto bad_ip = v;
  bad_ip[24] ^= 0xff;
  CHECK(parse_tunnel_header(bad_ip.data(), bad_ip.size(), false, &h) == TunnelParse::kBadChecksum);
  // Geneve with one non-critical option of 4 bytes, then one critical.
  auto g =
      encapsulated(true, {0x02, 0x80, 0x65, 0x58, 0, 0, 7, 0, 0x01, 0x02, 0x03, 0x01, 1, 2, 3, 4});
  REQUIRE(parse_tunnel_header(g.data(), g.size(), true, &h) == TunnelParse::kOk);
  CHECK(h.outer_len == 58);
  CHECK(h.vni == 7);
  CHECK(h.oam);
  CHECK(h.opt_off == 50);
  CHECK(h.opt_len == 8);
  uint64_t md0 = 0;
  uint8_t present = 0;
  // Nothing mapped: a non-critical option is skipped.
  CHECK(read_geneve_options(g.data() + h.opt_off, h.opt_len, GeneveOptMap{}, &md0, &present) ==
        TunnelParse::kOk);
  CHECK(present == 0);
  // Mapped (class, type and length alike): tun_metadata0 gets its value.
  const GeneveOptMap map{0x0102, 0x03, 4};
  CHECK(read_geneve_options(g.data() + h.opt_off, h.opt_len, map, &md0, &present) ==
        TunnelParse::kOk);
  CHECK(present == 1);
  CHECK(md0 == 0x01020304);
  CHECK(read_geneve_options(g.data() + h.opt_off, h.opt_len, GeneveOptMap{0x0102, 0x03, 8}, &md0,
                            &present) == TunnelParse::kOk);
  CHECK(present == 0);  // another length: not the mapped option
  auto crit =
      encapsulated(true, {0x02, 0, 0x65, 0x58, 0, 0, 7, 0, 0x01, 0x02, 0x83, 0x01, 1, 2, 3, 4});
  REQUIRE(parse_tunnel_header(crit.data(), crit.size(), true, &h) == TunnelParse::kOk);
  CHECK(read_geneve_options(crit.data() + h.opt_off, h.opt_len, map, &md0, &present) ==
        TunnelParse::kCriticalOption);
  CHECK(read_geneve_options(crit.data() + h.opt_off, h.opt_len, GeneveOptMap{0x0102, 0x83, 4}, &md0,
                            &present) == TunnelParse::kOk);
  CHECK(md0 == 0x01020304);
  // An option longer than the options: a bad header.
  auto over =
      encapsulated(true, {0x02, 0, 0x65, 0x58, 0, 0, 7, 0, 0x01, 0x02, 0x03, 0x02, 1, 2, 3, 4});
  CHECK(parse_tunnel_header(over.data(), over.size(), true, &h) == TunnelParse::kBadHeader);
  auto v1 = encapsulated(true, {0x40, 0, 0x65, 0x58, 0, 0, 7, 0});
  CHECK(parse_tunnel_header(v1.data(), v1.size(), true, &h) == TunnelParse::kBadHeader);
}

TEST_CASE("Geneve options written as OVS lays them out", "[tunnel]") {
  uint8_t o[16] = {};
  CHECK(write_geneve_option(GeneveOptMap{0x0102, 0x80, 4}, 0x10002, o) == 8);
  CHECK(std::vector<uint8_t>(o, o + 8) == std::vector<uint8_t>{1, 2, 0x80, 1, 0, 1, 0, 2});
  uint8_t l[4 + 12] = {};
  CHECK(write_geneve_option(GeneveOptMap{0xffff, 1, 12}, 0x0102030405060708, l) == 16);
  CHECK(std::vector<uint8_t>(l, l + 16) ==
        std::vector<uint8_t>{0xff, 0xff, 1, 3, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
  uint64_t md0 = 0;
  uint8_t present = 0;
  CHECK(read_geneve_options(l, 16, GeneveOptMap{0xffff, 1, 12}, &md0, &present) ==
        TunnelParse::kOk);
  CHECK(md0 == 0x0102030405060708);
  l[5] = 1;  // a bit past the 64 Ferry keeps: not understood
  CHECK(read_geneve_options(l, 16, GeneveOptMap{0xffff, 1, 12}, &md0, &present) ==
        TunnelParse::kOk);
  CHECK(present == 0);
}
