-- Phy-phy throughput with 64-byte frames (or FERRY_PG_SIZE) over
-- FERRY_PG_FLOWS flows, at line rate for FERRY_PG_SECONDS: what the
-- switch forwards, as compare.sh measures it with a pcap source.
--
--   FERRY_PG_FLOWS=1000 pktgen -l 0-2 -n 4 -a PCI0 -a PCI1 -- \
--     -m "[1].0,[2].1" -f scripts/pktgen/phy-phy-64.lua
local ferry = dofile("scripts/pktgen/common.lua")

pktgen.stop("all")
pktgen.set("all", "size", ferry.size + 4)
ferry.set_flows(ferry.flows, ferry.size)
local tx, rx, mpps = ferry.trial(100, ferry.seconds)
ferry.report("phy-phy", {{"flows", ferry.flows}, {"size", ferry.size + 4}, {"sent", tx},
                         {"received", rx}, {"mpps", string.format("%.3f", mpps)}})
