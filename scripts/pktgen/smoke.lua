-- Both directions, one after the other, with a finite count: port 0, then
-- port 1, sends FERRY_PG_COUNT 64-byte frames (default 20000) at
-- FERRY_PG_MPPS (default 0.02) Mpps, one flow, and the report gives each
-- direction's counters, for the caller to check against the switch's:
--   smoke count=N p0_tx= p1_rx= p1_tx= p0_rx= secs01= secs10=
-- (secs: how long the sending took, empty when it did not finish;
-- scripts/bench/pktgen.sh --smoke, test/integration/pktgen_smoke.sh).
-- One direction at a time: Pktgen sets up all the buffers of a port's pool
-- when it starts the port, and the other direction's frames would wait in
-- the ring meanwhile.
local ferry = dofile("scripts/pktgen/common.lua")

local count = ferry.env_number("FERRY_PG_COUNT", 20000)
local mpps = ferry.mpps or 0.02
pktgen.stop("all")
ferry.set_flows(1, ferry.size, "0")
ferry.set_flows(1, ferry.size, "1")
local rate = ferry.rate_pct("0", mpps, ferry.size)
local timeout = 4 * count / (mpps * 1e6) + 5
local s01, a0, a1 = ferry.send_count("0", count, rate, timeout)
local s10, b0, b1 = ferry.send_count("1", count, rate, timeout)
ferry.report("smoke", {{"count", count}, {"p0_tx", a0.opackets}, {"p1_rx", a1.ipackets},
                       {"p1_tx", b1.opackets}, {"p0_rx", b0.ipackets},
                       {"secs01", s01 and string.format("%.2f", s01) or ""},
                       {"secs10", s10 and string.format("%.2f", s10) or ""}})
ferry.finish()
