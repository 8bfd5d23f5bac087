// Option parsing, socket addresses and VLAN tag restoration.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lib/util/text.h"
#include "tools/ferry-pktgen/options.h"
#include "tools/ferry-pktgen/udp_addr.h"
#include "tools/ferry-pktgen/vlan_restore.h"

using namespace ferry::pktgen;

namespace {

constexpr OptionSpec kSpecs[] = {{"port", true}, {"rate", true}, {"json", false}};

ferry::Result<Options> parse(std::vector<std::string> args) { return Options::parse(args, kSpecs); }

}  // namespace

TEST_CASE("options: values, flags and --name=value", "[options]") {
  auto o = parse({"--port", "5000", "--rate=0x10", "--json"});
  REQUIRE(o);
  CHECK(o->get("port") == "5000");
  CHECK(o->has("json"));
  CHECK(o->get("missing").empty());
  uint64_t rate = 7, port = 0, absent = 42;
  CHECK(o->read_u64("rate", &rate));
  CHECK(rate == 16);
  CHECK(o->read_u64("port", &port, 1, 65535));
  CHECK(port == 5000);
  CHECK(Options::parse({}, kSpecs)->read_u64("port", &absent));
  CHECK(absent == 42);
  CHECK(o->read_u64("port", &port, 1, 100).error().message ==
        "--port: 5000 is out of range [1, 100]");
  CHECK(parse({"--port", "x1"})->read_u64("port", &port).error().message ==
        "--port: not a number: \"x1\"");
  CHECK(o->require("port"));
  CHECK(parse({})->require("port").error().message == "missing --port");
}

TEST_CASE("options: mistakes are errors", "[options]") {
  CHECK(parse({"--colour", "red"}).error().message == "unknown option --colour");
  CHECK(parse({"--port", "1", "--port", "2"}).error().message == "option --port given twice");
  CHECK(parse({"--port"}).error().message == "option --port needs a value");
  CHECK(parse({"--json=1"}).error().message == "option --json takes no value");
  CHECK(parse({"5000"}).error().message == "unexpected argument \"5000\"");
  CHECK(parse({"--"}).error().message == "unexpected argument \"--\"");
}

TEST_CASE("socket addresses", "[addr]") {
  auto a = parse_ip_port("192.0.2.1:5000");
  REQUIRE(a);
  CHECK(a->family() == AF_INET);
  CHECK(a->to_string() == "192.0.2.1:5000");
  auto b = parse_ip_port("[2001:db8::1]:53");
  REQUIRE(b);
  CHECK(b->family() == AF_INET6);
  CHECK(b->to_string() == "[2001:db8::1]:53");
  CHECK_FALSE(parse_ip_port("192.0.2.1"));
  CHECK_FALSE(parse_ip_port("192.0.2.1:0"));
  CHECK_FALSE(parse_ip_port("192.0.2.1:65536"));
  CHECK_FALSE(parse_ip_port("example:80"));
  CHECK_FALSE(parse_ip_port("2001:db8::1:53"));  // needs brackets
  CHECK(make_sock_addr("::", 7)->to_string() == "[::]:7");
}

TEST_CASE("a required IP:PORT option", "[addr]") {
  constexpr OptionSpec kDst[] = {{"dst", true}};
  auto ok = Options::parse({"--dst", "[2001:db8::1]:53"}, kDst);
  REQUIRE(ok);
  auto a = require_ip_port(*ok, "dst");
  REQUIRE(a);
  CHECK(a->to_string() == "[2001:db8::1]:53");
  CHECK(require_ip_port(*Options::parse({}, kDst), "dst").error().message == "missing --dst");
  CHECK(require_ip_port(*Options::parse({"--dst", "192.0.2.1:0"}, kDst), "dst").error().message ==
        "--dst: bad port \"0\"");
}

TEST_CASE("a stripped VLAN tag goes back after the MAC addresses", "[vlan]") {
  std::vector<uint8_t> f = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00, 0x45};
  REQUIRE(restore_vlan_tag(&f, 0x8100, 0x600a));
  CHECK(ferry::hex(f.data(), f.size()) == "0102030405060708090a0b0c8100600a080045");
  std::vector<uint8_t> runt(11, 0);
  CHECK_FALSE(restore_vlan_tag(&runt, 0x8100, 1));
  CHECK(runt.size() == 11);
}
