-- Shared set-up for Ferry's Pktgen-DPDK profiles (phy-phy: Pktgen's port 0
-- sends into the switch, port 1 receives what the switch forwards).
-- Settings come from the environment so one profile serves every case:
--
--   FERRY_PG_FLOWS      distinct 5-tuples, 1 to 1000000 (default 1)
--   FERRY_PG_SIZE       frame size without FCS for fixed-size runs (default 60,
--                       64 bytes on the wire)
--   FERRY_PG_SECONDS    length of one trial (default 30)
--   FERRY_PG_WARMUP     seconds of traffic before a trial's window, not
--                       counted (default and at least 1): the switch's
--                       caches fill, Pktgen's set-up of its buffers at each
--                       start is over
--   FERRY_PG_RATE       offered rate in percent of the link speed (default
--                       100); FERRY_PG_MPPS, when set, gives it in Mpps
--                       instead (64-byte Mpps are 0.0672 % of 100G)
--   FERRY_PG_DUT_MAC    the destination MAC of the frames (default
--                       02:00:00:00:00:01; the rules rewrite it, NORMAL
--                       forwards by it)
--   FERRY_PG_LAYOUT     simple (default) or rules, the two flow layouts of
--                       scripts/bench/compare.sh (scripts/bench/rules.sh):
--                       simple: flow i is 10.0.0.1+i -> 10.128.0.1+i
--                       rules:  flow i is 172.16.0.1+i -> 10.0.0.1+64*i
--                       (UDP 1024 -> 9 both), so a phy-phy run and compare.sh
--                       see the same flows
--   FERRY_PG_LATENCY=1  Pktgen's latency packets on the sending port; the
--                       receiving port's min/avg/max are reported
--   FERRY_PG_OUT        a file the reports are appended to (they are also
--                       printed); with it the screen is off (headless runs)
--   FERRY_PG_QUIT=1     Pktgen exits when the profile is done
--   FERRY_PG_START      a file: once the ports are up, the profile waits (at
--                       most 120 s) until it exists (the switch is ready)
--   FERRY_PG_HOLD       a file: when the profile is done, "holding" is
--                       reported and Pktgen waits (at most 60 s) until the
--                       file exists before it goes on to "done"
--
-- The rules that rewrite to Pktgen port 1's MAC are installed by
-- scripts/pktgen/ferry-phy-phy.sh (real NICs) or scripts/bench/pktgen.sh
-- (net_memif). Addresses are only ever sent on the cable between Pktgen
-- and the switch under test. Pktgen runs the profiles from the top of
-- this repository (they load this file as scripts/pktgen/common.lua).

local M = {}

local function env_number(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  local n = tonumber(v)
  if n == nil then error(name .. " must be a number, not " .. v) end
  return n
end
M.env_number = env_number

M.flows = env_number("FERRY_PG_FLOWS", 1)
M.size = env_number("FERRY_PG_SIZE", 60)
M.seconds = env_number("FERRY_PG_SECONDS", 30)
M.warmup = env_number("FERRY_PG_WARMUP", 0)
M.rate = env_number("FERRY_PG_RATE", 100)
M.mpps = env_number("FERRY_PG_MPPS", nil)
M.latency = os.getenv("FERRY_PG_LATENCY") == "1"
M.dut_mac = os.getenv("FERRY_PG_DUT_MAC") or "02:00:00:00:00:01"
M.layout = os.getenv("FERRY_PG_LAYOUT") or "simple"
M.out = os.getenv("FERRY_PG_OUT")
if M.layout ~= "simple" and M.layout ~= "rules" then
  error("FERRY_PG_LAYOUT must be simple or rules, not " .. M.layout)
end
M.tx, M.rx = "0", "1"
if M.out then pktgen.screen("off") end

-- Waits (at most `seconds`) until the file `path` exists.
function M.wait_file(path, seconds)
  for _ = 1, seconds * 10 do
    local f = io.open(path, "r")
    if f then
      f:close()
      return true
    end
    pktgen.delay(100)
  end
  return false
end

-- Both ports up (a shared-memory port is once its peer connected), for at
-- most 60 s; then, with FERRY_PG_START, until that file exists (the
-- switch's rules are in).
for _ = 1, 600 do
  local up = true
  for _, s in pairs(pktgen.linkState("0-1")) do
    if type(s) == "string" and not s:match("UP") then up = false end
  end
  if up then break end
  pktgen.delay(100)
end
local start = os.getenv("FERRY_PG_START")
if start and start ~= "" and not M.wait_file(start, 120) then
  error("FERRY_PG_START: " .. start .. " did not appear in 120 s")
end

-- a.b.c.d + n
local function ip_add(ip, n)
  local a, b, c, d = ip:match("(%d+)%.(%d+)%.(%d+)%.(%d+)")
  local v = ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d) + n
  return string.format("%d.%d.%d.%d", math.floor(v / 16777216) % 256,
                       math.floor(v / 65536) % 256, math.floor(v / 256) % 256, v % 256)
end

-- The link speed of a port in Mbit/s, from Pktgen's "<UP-100000-FD>".
function M.link_mbps(port)
  local s = pktgen.linkState(port)[tonumber(port)]
  local mbps = tonumber(tostring(s):match("UP%-(%d+)"))
  if mbps == nil or mbps == 0 then error("port " .. port .. " is not up: " .. tostring(s)) end
  return mbps
end

-- Percent of the link speed that is `mpps` frames of `size` bytes (without
-- FCS) per second, as Pktgen counts a frame on the wire: size + FCS +
-- preamble + start delimiter + gap (24 bytes).
function M.rate_pct(port, mpps, size)
  return mpps * (size + 24) * 8 / M.link_mbps(port) * 100
end

-- The offered rate of the settings, in percent.
function M.offered_pct(size)
  if M.mpps then return M.rate_pct(M.tx, M.mpps, size) end
  return M.rate
end

-- The flows on the sending port. One flow is Pktgen's single-packet mode
-- (its cheapest); more are its range mode: source and destination
-- addresses step together, so the stream cycles through exactly `flows`
-- 5-tuples.
function M.set_flows(flows, size, port)
  local p = port or M.tx
  local last = flows - 1
  local src, dst, dst_step = "10.0.0.1", "10.128.0.1", 1
  if M.layout == "rules" then src, dst, dst_step = "172.16.0.1", "10.0.0.1", 64 end
  pktgen.set(p, "size", size + 4)
  if flows == 1 then
    pktgen.set_range(p, "off")
    pktgen.set_mac(p, "dst", M.dut_mac)
    pktgen.set_ipaddr(p, "src", src .. "/8")
    pktgen.set_ipaddr(p, "dst", dst)
    pktgen.set_proto(p, "udp")
    pktgen.set(p, "sport", 1024)
    pktgen.set(p, "dport", 9)
    return
  end
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

-- Port counters. Pktgen refreshes them once a second: a reading taken
-- 1.5 s after the traffic stopped holds all of it.
function M.counters()
  local s = pktgen.portStats("0-1", "port")
  return s[0], s[1]
end

-- The counters at Pktgen's next refresh (the sending port's count moves
-- while it sends; at most 1.5 s). Two such readings N refreshes apart
-- span N seconds of Pktgen's statistics timer.
function M.refresh()
  local before = M.counters().opackets
  for _ = 1, 150 do
    pktgen.delay(10)
    local p0, p1 = M.counters()
    if p0.opackets ~= before then return p0, p1 end
  end
  return M.counters()
end

-- Seconds since boot, to 10 ms (Lua's own clocks are CPU time or whole
-- seconds).
function M.now()
  local f = assert(io.open("/proc/uptime", "r"))
  local t = tonumber(f:read("*l"):match("^(%S+)"))
  f:close()
  return t
end

-- Traffic before the trials, not counted: the switch's caches fill, and
-- Pktgen's first start, which writes every buffer of its pools (and so
-- faults in their memory), is behind it.
function M.warm_up(rate)
  pktgen.set(M.tx, "count", 0)
  pktgen.set(M.tx, "rate", rate)
  pktgen.start(M.tx)
  pktgen.delay(math.max(M.warmup, 1) * 1000)
  pktgen.stop(M.tx)
  pktgen.delay(500)
end

-- One trial at `rate` percent of line rate: port 0 sends without pause;
-- after FERRY_PG_WARMUP seconds (at least 1: Pktgen sets up its buffers at
-- each start) a window of `seconds` refreshes of Pktgen's counters gives
-- the packets port 0 sent and port 1 received in it, the received rate in
-- Mpps and, with latency packets, port 1's latency readings.
function M.trial(rate, seconds)
  pktgen.set(M.tx, "count", 0)
  pktgen.set(M.tx, "rate", rate)
  -- The receiving port measures only with latency enabled too (it does
  -- not send, so it injects none).
  if M.latency then pktgen.latency("0-1", "enable") end
  pktgen.start(M.tx)
  pktgen.delay(math.max(M.warmup, 1) * 1000)
  pktgen.clr()
  local a0, a1 = M.refresh()
  local b0, b1 = a0, a1
  for _ = 1, seconds do b0, b1 = M.refresh() end
  pktgen.stop(M.tx)
  pktgen.delay(500)
  local lat = nil
  if M.latency then
    lat = pktgen.pktStats(M.rx)[tonumber(M.rx)].latency
    pktgen.latency("0-1", "disable")
  end
  local rx = b1.ipackets - a1.ipackets
  return b0.opackets - a0.opackets, rx, rx / seconds / 1e6, lat
end

-- Sends `count` packets from each port of `ports` ("0", "1", "0-1") at
-- `rate` percent; waits until they are sent, at most `timeout` seconds
-- (then it stops them). Returns the seconds the sending took (to 10 ms,
-- from the start, Pktgen's set-up of its buffers included; nil when they
-- were not all sent in time) and, 1.5 s later, the counters.
function M.send_count(ports, count, rate, timeout)
  pktgen.set(ports, "count", count)
  pktgen.set(ports, "rate", rate)
  pktgen.clr()
  pktgen.delay(500)
  local t0 = M.now()
  pktgen.start(ports)
  local took = nil
  while M.now() - t0 < timeout do
    pktgen.delay(10)
    local sending = false
    for _, v in pairs(pktgen.isSending(ports)) do
      if v == "y" then sending = true end
    end
    if not sending then
      took = M.now() - t0
      break
    end
  end
  if took == nil then pktgen.stop(ports) end
  pktgen.delay(1500)
  local p0, p1 = M.counters()
  return took, p0, p1
end

-- The latency fields of a report (none without latency packets).
function M.latency_fields(lat, fields)
  if lat == nil then return fields end
  table.insert(fields, {"lat_pkts", lat.num_pkts})
  table.insert(fields, {"lat_min_us", string.format("%.2f", lat.min_us)})
  table.insert(fields, {"lat_avg_us", string.format("%.2f", lat.avg_us)})
  table.insert(fields, {"lat_max_us", string.format("%.2f", lat.max_us)})
  return fields
end

function M.report(name, fields)
  local parts = {}
  for _, kv in ipairs(fields) do table.insert(parts, kv[1] .. "=" .. tostring(kv[2])) end
  local line = string.format("%s %s\n", name, table.concat(parts, " "))
  io.write(line)
  io.flush()
  if M.out then
    local f = assert(io.open(M.out, "a"))
    f:write(line)
    f:close()
  end
end

-- The end of a profile: "done" in the report file, then Pktgen exits if
-- FERRY_PG_QUIT=1 (a report file without "done" is a profile that failed).
function M.finish()
  local hold = os.getenv("FERRY_PG_HOLD")
  if hold and hold ~= "" then
    -- The ports stay connected (a net_memif port's counters go with its
    -- peer) until the caller, having read the switch's, creates the file.
    M.report("holding", {})
    M.wait_file(hold, 60)
  end
  M.report("done", {})
  if os.getenv("FERRY_PG_QUIT") == "1" then pktgen.quit() end
end

return M
