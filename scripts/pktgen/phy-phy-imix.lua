-- Phy-phy throughput with the simple IMIX (7 x 64, 4 x 570, 1 x 1518 bytes
-- on the wire, as RFC 6985 and most vswitch reports use it), at line rate
-- (or FERRY_PG_RATE) for FERRY_PG_SECONDS. Pktgen's sequence mode carries
-- the mix: twelve sequence packets, each its own 5-tuple of the
-- ferry-pcapgen layout, so this profile always has 12 flows
-- (FERRY_PG_FLOWS does not apply).
local ferry = dofile("scripts/pktgen/common.lua")

local sizes = {64, 64, 64, 64, 64, 64, 64, 570, 570, 570, 570, 1518}
pktgen.stop("all")
pktgen.set_range(ferry.tx, "off")
for i, size in ipairs(sizes) do
  pktgen.seqTable(i - 1, ferry.tx, {
    eth_dst_addr = ferry.dut_mac,
    eth_src_addr = "02:00:00:00:00:10",
    ip_dst_addr = string.format("10.128.0.%d", i),
    ip_src_addr = string.format("10.0.0.%d/24", i),
    sport = 1024, dport = 9,
    ethType = "ipv4", ipProto = "udp",
    vlanid = 1, pktSize = size,
  })
end
pktgen.set(ferry.tx, "seq_cnt", #sizes)
local rate = ferry.rate
local tx, rx, mpps, lat = ferry.trial(rate, ferry.seconds)
local bytes = 0
for _, s in ipairs(sizes) do bytes = bytes + s end
local gbps = mpps * 1e6 * (bytes / #sizes + 20) * 8 / 1e9  -- with preamble and gap
ferry.report("phy-phy-imix", ferry.latency_fields(lat, {
  {"flows", #sizes}, {"seconds", ferry.seconds}, {"sent", tx}, {"received", rx},
  {"mpps", string.format("%.3f", mpps)}, {"gbps_on_wire", string.format("%.2f", gbps)}}))
ferry.finish()
