// Tunnel options as OVS spells them, and the underlay's route and
// neighbour tables with ovs-vswitchd's output (datapath/tunnel_table.h).
#include "datapath/tunnel_table.h"

#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "lib/packet/builder.h"

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
