#include <catch2/catch.hpp>

#include "datapath/port.h"

using ferry::kernel_carrier;

TEST_CASE("port link: a packet-socket port's link is its kernel interface's carrier", "[port]") {
  // Not a packet socket: the PMD's own link status stands.
  CHECK_FALSE(kernel_carrier("net_ring_r0").has_value());
  CHECK_FALSE(kernel_carrier("net_af_packet_x").has_value());  // no iface=
  // The loopback interface is up and running.
  REQUIRE(kernel_carrier("net_af_packet_lo,iface=lo,framecnt=4096").has_value());
  CHECK(*kernel_carrier("net_af_packet_lo,iface=lo,framecnt=4096"));
  CHECK(*kernel_carrier("net_af_packet_lo,iface=lo"));
  // An interface that does not exist has no carrier.
  CHECK_FALSE(*kernel_carrier("net_af_packet_zz,iface=ferry-nonexist"));
  CHECK_FALSE(kernel_carrier("net_af_packet_zz,iface=a-name-longer-than-ifnamsiz").has_value());
}
