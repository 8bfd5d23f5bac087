-- Shared set-up for Ferry's Pktgen-DPDK profiles (phy-phy: Pktgen's port 0
-- sends into the switch, port 1 receives what the switch forwards).
-- Settings come from the environment so one profile serves every case:
--
--   FERRY_PG_FLOWS      distinct 5-tuples, 1 to 1000000 (default 1)
--   FERRY_PG_SIZE       frame size without FCS for fixed-size runs (default 60,
--                       64 bytes on the wire)
--   FERRY_PG_SECONDS    length of one trial (default 30)
--   FERRY_PG_DUT_MAC    the MAC Pktgen sends to (the switch's port; default
--                       02:00:00:00:00:01, Ferry forwards by rules, not by MAC)
--   FERRY_PG_LAYOUT     simple (default) or rules, the two flow layouts of
--                       scripts/bench/compare.sh (scripts/bench/rules.sh):
--                       simple: flow i is 10.0.0.1+i -> 10.128.0.1+i
--                       rules:  flow i is 172.16.0.1+i -> 10.0.0.1+64*i
--                       (UDP 1024 -> 9 both), so a phy-phy run and compare.sh
--                       see the same flows
--
-- The rules that rewrite to Pktgen port 1's MAC are installed by
-- scripts/pktgen/ferry-phy-phy.sh. Addresses are only ever sent on the cable between Pktgen and the
-- switch under test.

package.path = package.path .. ";?.lua;scripts/pktgen/?.lua"
require "Pktgen"

local M = {}

local function env_number(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return tonumber(v)
end

M.flows = env_number("FERRY_PG_FLOWS", 1)
M.size = env_number("FERRY_PG_SIZE", 60)
M.seconds = env_number("FERRY_PG_SECONDS", 30)
M.dut_mac = os.getenv("FERRY_PG_DUT_MAC") or "02:00:00:00:00:01"
M.layout = os.getenv("FERRY_PG_LAYOUT") or "simple"
if M.layout ~= "simple" and M.layout ~= "rules" then
  error("FERRY_PG_LAYOUT must be simple or rules, not " .. M.layout)
end
M.tx, M.rx = "0", "1"

-- a.b.c.d + n
local function ip_add(ip, n)
  local a, b, c, d = ip:match("(%d+)%.(%d+)%.(%d+)%.(%d+)")
  local v = ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d) + n
  return string.format("%d.%d.%d.%d", math.floor(v / 16777216) % 256,
                       math.floor(v / 65536) % 256, math.floor(v / 256) % 256, v % 256)
end

-- Range mode on the sending port: source and destination addresses step
-- together, so the stream cycles through exactly `flows` 5-tuples.
function M.set_flows(flows, size)
  local p = M.tx
  local last = flows - 1
  local src, dst, dst_step = "10.0.0.1", "10.128.0.1", 1
  if M.layout == "rules" then src, dst, dst_step = "172.16.0.1", "10.0.0.1", 64 end
  pktgen.range.dst_mac(p, "start", M.dut_mac)
  pktgen.range.src_ip(p, "start", src)
  pktgen.range.src_ip(p, "inc", last > 0 and "0.0.0.1" or "0.0.0.0")
  pktgen.range.src_ip(p, "min", src)
  pktgen.range.src_ip(p, "max", ip_add(src, last))
  pktgen.range.dst_ip(p, "start", dst)
  pktgen.range.dst_ip(p, "inc", last > 0 and ip_add("0.0.0.0", dst_step) or "0.0.0.0")
  pktgen.range.dst_ip(p, "min", dst)
  pktgen.range.dst_ip(p, "max", ip_add(dst, last * dst_step))
  pktgen.range.src_port(p, "start", 1024)
  pktgen.range.src_port(p, "inc", 0)
  pktgen.range.dst_port(p, "start", 9)
  pktgen.range.dst_port(p, "inc", 0)
  pktgen.range.ip_proto(p, "udp")
  pktgen.range.pkt_size(p, "start", size + 4)
  pktgen.range.pkt_size(p, "inc", 0)
  pktgen.range.pkt_size(p, "min", size + 4)
  pktgen.range.pkt_size(p, "max", size + 4)
  pktgen.set_range(p, "on")
end

-- One trial at `rate` percent of line rate: packets sent by port 0 and
-- received by port 1, and the received rate in Mpps.
function M.trial(rate, seconds)
  pktgen.clr()
  pktgen.set(M.tx, "rate", rate)
  pktgen.delay(500)
  pktgen.start(M.tx)
  pktgen.delay(seconds * 1000)
  pktgen.stop(M.tx)
  pktgen.delay(1000)  -- what is still in flight lands
  local tx = pktgen.portStats(M.tx, "port")[tonumber(M.tx)].opackets
  local rx = pktgen.portStats(M.rx, "port")[tonumber(M.rx)].ipackets
  return tx, rx, rx / seconds / 1e6
end

function M.report(name, fields)
  local parts = {}
  for _, kv in ipairs(fields) do table.insert(parts, kv[1] .. "=" .. tostring(kv[2])) end
  printf("%s %s\n", name, table.concat(parts, " "))
end

return M
