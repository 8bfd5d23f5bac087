-- Phy-phy throughput with 64-byte frames (or FERRY_PG_SIZE) over
-- FERRY_PG_FLOWS flows, at line rate (or FERRY_PG_RATE / FERRY_PG_MPPS)
-- for FERRY_PG_SECONDS: what the switch forwards, as compare.sh measures
-- it with a pcap source. With FERRY_PG_LATENCY=1, latency too.
--
--   FERRY_PG_FLOWS=1000 pktgen -l 0-2 -n 4 -a PCI0 -a PCI1 -- \
--     -m "[1].0,[2].1" -f scripts/pktgen/phy-phy-64.lua
local ferry = dofile("scripts/pktgen/common.lua")

pktgen.stop("all")
ferry.set_flows(ferry.flows, ferry.size)
local rate = ferry.offered_pct(ferry.size)
local tx, rx, mpps, lat = ferry.trial(rate, ferry.seconds)
ferry.report("phy-phy", ferry.latency_fields(lat, {
  {"flows", ferry.flows}, {"size", ferry.size + 4}, {"rate_pct", string.format("%.4f", rate)},
  {"seconds", ferry.seconds}, {"sent", tx}, {"received", rx},
  {"mpps", string.format("%.3f", mpps)}}))
ferry.finish()
