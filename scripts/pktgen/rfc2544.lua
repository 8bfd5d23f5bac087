-- RFC 2544 throughput: a binary search over the offered rate for the
-- highest one at which port 1 receives what port 0 was asked to send,
-- within each loss criterion of FERRY_PG_LOSS_PCT (a comma-separated list
-- of percentages, default "0"; "0,0.01" gives the zero-loss and the
-- 0.01 % rates). Each trial sends rate x FERRY_PG_SECONDS frames (RFC 2544
-- asks for 60 s) of FERRY_PG_SIZE bytes over FERRY_PG_FLOWS flows; its
-- loss is the share port 1 did not receive or, when sending them took
-- longer than the trial (the switch pushed back: shared-memory ports do
-- not drop at the receiver as a NIC does), the share of the trial's time
-- it overran, whichever is larger. The search runs between 0 and
-- FERRY_PG_MAX_MPPS (default: the line rate) until the bounds are within
-- FERRY_PG_RESOLUTION percent of the upper bound (default 1); trials of
-- one criterion serve the next (a rate that lost nothing passes 0.01 %).
-- With FERRY_PG_LATENCY=1, a last trial at the first criterion's rate
-- with Pktgen's latency packets reports the latency at that throughput.
local ferry = dofile("scripts/pktgen/common.lua")

local losses = {}
for v in (os.getenv("FERRY_PG_LOSS_PCT") or "0"):gmatch("[^,]+") do
  local n = tonumber(v)
  if n == nil then error("FERRY_PG_LOSS_PCT: not a number: " .. v) end
  table.insert(losses, n)
end
local line_mpps = ferry.link_mbps(ferry.tx) * 1e6 / ((ferry.size + 24) * 8) / 1e6
local max_mpps = ferry.env_number("FERRY_PG_MAX_MPPS", line_mpps)
local resolution = ferry.env_number("FERRY_PG_RESOLUTION", 1) / 100 * max_mpps

pktgen.stop("all")
ferry.set_flows(ferry.flows, ferry.size)
ferry.warm_up(ferry.rate_pct(ferry.tx, max_mpps, ferry.size))

local trials = {}  -- {mpps, loss_pct}
local zero_loss_mpps = nil
local function trial(mpps)
  local count = math.floor(mpps * 1e6 * ferry.seconds)
  local rate = ferry.rate_pct(ferry.tx, mpps, ferry.size)
  local took, p0, p1 = ferry.send_count(ferry.tx, count, rate, 2 * ferry.seconds + 5)
  local loss = 100 * (count - p1.ipackets) / count
  -- Sent at the offered rate: within 0.5 % and 30 ms (the clock's 10 ms
  -- and Pktgen's set-up of its buffers) of the trial's length. Slower, the
  -- switch pushed back: the trial fails whatever arrived.
  local kept_up = took ~= nil and took <= ferry.seconds * 1.005 + 0.03
  if not kept_up then loss = math.max(loss, 100 * (1 - ferry.seconds / (took or 1e9))) end
  ferry.report("rfc2544-trial", {{"mpps", string.format("%.4f", mpps)}, {"offered", count},
                                 {"sent", p0.opackets}, {"received", p1.ipackets},
                                 {"send_secs", took and string.format("%.2f", took) or "timeout"},
                                 {"loss_pct", string.format("%.4f", loss)}})
  table.insert(trials, {mpps, loss})
  return loss
end

for _, tolerance in ipairs(losses) do
  -- The bounds the trials so far give for this criterion.
  local lo, hi = 0, max_mpps
  local tried_hi = false
  for _, t in ipairs(trials) do
    if t[2] <= tolerance then
      if t[1] > lo then lo = t[1] end
    elseif t[1] < hi then
      hi = t[1]
    end
    if t[1] == max_mpps then tried_hi = true end
  end
  if not tried_hi and lo < max_mpps then
    -- The upper bound first: a switch that keeps up there is done.
    if trial(max_mpps) <= tolerance then lo = max_mpps else hi = max_mpps end
  end
  while lo < max_mpps and hi - lo > resolution do
    local mpps = (lo + hi) / 2
    if trial(mpps) <= tolerance then lo = mpps else hi = mpps end
  end
  if zero_loss_mpps == nil then zero_loss_mpps = lo end
  ferry.report("rfc2544", {{"loss_pct", tolerance}, {"flows", ferry.flows},
                           {"size", ferry.size + 4}, {"seconds", ferry.seconds},
                           {"mpps", string.format("%.4f", lo)},
                           {"at_max", lo >= max_mpps and 1 or 0},
                           {"lowest_failed_mpps", lo < max_mpps and string.format("%.4f", hi) or ""},
                           {"resolution_mpps", string.format("%.4f", resolution)}})
end
-- RFC 2544's latency: a trial at the throughput (the first criterion's
-- rate) with Pktgen's latency packets, FERRY_PG_LATENCY=1.
if ferry.latency and zero_loss_mpps and zero_loss_mpps > 0 then
  local rate = ferry.rate_pct(ferry.tx, zero_loss_mpps, ferry.size)
  local tx, rx, mpps, lat = ferry.trial(rate, ferry.seconds)
  ferry.report("latency", ferry.latency_fields(lat, {
    {"mpps", string.format("%.4f", zero_loss_mpps)}, {"sent", tx}, {"received", rx}}))
end
ferry.finish()
