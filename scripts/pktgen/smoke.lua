-- Both directions at once with a finite count: port 0 and port 1 each send
-- FERRY_PG_COUNT 64-byte frames (default 100000) at FERRY_PG_MPPS (default
-- 0.1) Mpps, one flow each, and the report gives every port's counters,
-- so that the caller can check them against the switch's:
--   smoke count=N finished=1 p0_tx= p0_rx= p1_tx= p1_rx=
-- (scripts/bench/pktgen.sh --smoke, test/integration/pktgen_smoke.sh).
local ferry = dofile("scripts/pktgen/common.lua")

local count = ferry.env_number("FERRY_PG_COUNT", 100000)
local mpps = ferry.mpps or 0.1
pktgen.stop("all")
ferry.set_flows(1, ferry.size, "0")
ferry.set_flows(1, ferry.size, "1")
local rate = ferry.rate_pct("0", mpps, ferry.size)
-- Twice the time the count takes, plus a second: a slow machine still
-- finishes; a switch that does not drain its ports does not.
local done, p0, p1 = ferry.send_count("0-1", count, rate, 2 * count / (mpps * 1e6) + 1)
ferry.report("smoke", {{"count", count}, {"finished", done and 1 or 0},
                       {"p0_tx", p0.opackets}, {"p0_rx", p0.ipackets},
                       {"p1_tx", p1.opackets}, {"p1_rx", p1.ipackets},
                       {"p0_tx_errors", p0.oerrors}, {"p1_tx_errors", p1.oerrors}})
ferry.finish()
