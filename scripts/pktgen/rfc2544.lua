-- RFC 2544-style zero-loss throughput: a binary search over the offered
-- rate for the highest one at which port 1 receives every packet port 0
-- sent (FERRY_PG_LOSS_PCT allows a tolerance, default 0), each trial
-- FERRY_PG_SECONDS long (RFC 2544 asks for 60), FERRY_PG_FLOWS flows of
-- FERRY_PG_SIZE bytes. The search stops when the bounds are within
-- FERRY_PG_RESOLUTION percent of line rate (default 0.5).
local ferry = dofile("scripts/pktgen/common.lua")

local tolerance = tonumber(os.getenv("FERRY_PG_LOSS_PCT") or "0")
local resolution = tonumber(os.getenv("FERRY_PG_RESOLUTION") or "0.5")

pktgen.stop("all")
pktgen.set("all", "size", ferry.size + 4)
ferry.set_flows(ferry.flows, ferry.size)

local lo, hi = 0, 100
local best = nil
while hi - lo > resolution do
  local rate = (lo + hi) / 2
  local tx, rx, mpps = ferry.trial(rate, ferry.seconds)
  local loss = tx > 0 and 100 * (tx - rx) / tx or 100
  ferry.report("rfc2544-trial", {{"rate_pct", string.format("%.2f", rate)}, {"sent", tx},
                                 {"received", rx}, {"loss_pct", string.format("%.4f", loss)}})
  if tx > 0 and loss <= tolerance then
    lo = rate
    best = {rate, mpps}
  else
    hi = rate
  end
end
if best then
  ferry.report("rfc2544", {{"flows", ferry.flows}, {"size", ferry.size + 4},
                           {"zero_loss_rate_pct", string.format("%.2f", best[1])},
                           {"mpps", string.format("%.3f", best[2])}})
else
  ferry.report("rfc2544", {{"flows", ferry.flows}, {"size", ferry.size + 4},
                           {"zero_loss_rate_pct", "none"}})
end
