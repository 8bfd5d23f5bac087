#include "datapath/dpdk_log_filter.h"

#include <catch2/catch.hpp>

using ferry::DpdkLogFilter;
using ferry::LogLevel;

TEST_CASE("DPDK log: a harmless condition is said once at INFO, with its meaning", "[dpdk-log]") {
  DpdkLogFilter f;
  // net_tap on a kernel without sch_multiq, as DPDK 22.11 logs it per port.
  auto a = f.filter(LogLevel::kErr, "tap_nl_dump_ext_ack(): Specified qdisc kind is unknown");
  CHECK(a.level == LogLevel::kInfo);
  CHECK(a.text ==
        "the kernel has no multiq qdisc (sch_multiq): net_tap (internal) ports work without "
        "rte_flow rules (DPDK: tap_nl_dump_ext_ack(): Specified qdisc kind is unknown)");
  auto b = f.filter(LogLevel::kErr, "eth_dev_tap_create(): br0: failed to create multiq qdisc.");
  CHECK(b.level == LogLevel::kDbg);
  CHECK(b.text == "eth_dev_tap_create(): br0: failed to create multiq qdisc.");
  auto c = f.filter(LogLevel::kErr,
                    "eth_dev_tap_create():  Disabling rte flow support: No such file or "
                    "directory(2)");
  CHECK(c.level == LogLevel::kDbg);
  // Another kind is explained once too.
  auto t = f.filter(LogLevel::kWarn, "TELEMETRY: No legacy callbacks, legacy socket not created");
  CHECK(t.level == LogLevel::kInfo);
  CHECK(f.filter(LogLevel::kWarn, "TELEMETRY: No legacy callbacks, legacy socket not created")
            .level == LogLevel::kDbg);
  CHECK(f.filter(LogLevel::kErr, "tap_mp_req_on_rxtx(): Failed to send start req to secondary 95")
            .level == LogLevel::kInfo);
  CHECK(f.filter(LogLevel::kWarn, "EAL: No free 1048576 kB hugepages reported on node 0").level ==
        LogLevel::kInfo);
}

TEST_CASE("DPDK log: other lines keep DPDK's level and text", "[dpdk-log]") {
  DpdkLogFilter f;
  auto e = f.filter(LogLevel::kErr, "eth_dev_tap_create(): br0: failed to create multiq qdisc.");
  CHECK(e.level == LogLevel::kInfo);  // explained
  // The same function failing otherwise is still an error.
  auto other = f.filter(LogLevel::kErr,
                        "eth_dev_tap_create():  Disabling rte flow support: Operation not "
                        "permitted(1)");
  CHECK(other.level == LogLevel::kErr);
  CHECK(other.text ==
        "eth_dev_tap_create():  Disabling rte flow support: Operation not permitted(1)");
  CHECK(f.filter(LogLevel::kErr, "EAL: Cannot allocate memzone").level == LogLevel::kErr);
  CHECK(f.filter(LogLevel::kWarn, "EAL: something new").level == LogLevel::kWarn);
  // INFO and DBG lines are never changed, even when they match.
  CHECK(f.filter(LogLevel::kInfo, "Specified qdisc kind is unknown").level == LogLevel::kInfo);
  CHECK(f.filter(LogLevel::kInfo, "Specified qdisc kind is unknown").text ==
        "Specified qdisc kind is unknown");
}
