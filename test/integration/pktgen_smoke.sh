#!/usr/bin/env bash
# Pktgen-DPDK against Ferry (scripts/bench/pktgen.sh --smoke): a traffic
# generator in a DPDK process of its own, joined to ferry-vswitchd by
# vhost-user ports, sends a finite count each way; every counter on the
# path must match exactly (Pktgen's tx, Ferry's rx, Ferry's tx, Pktgen's
# rx); then a short RFC 2544 search converges on a rate without loss, and
# Pktgen's latency packets come back with readings.
#
# Pktgen is built once into the cache by scripts/setup.sh (from
# PKTGEN_SRC, default ../shared/tools/pktgen-dpdk-23.03.0.tar.xz beside
# the repository); this test builds it there too if it is missing.
source "$(dirname "$0")/lib.sh"
ft_init pktgen_smoke

src=${PKTGEN_SRC:-$(cd "$FT_TOP/.." && pwd)/shared/tools/pktgen-dpdk-23.03.0.tar.xz}
[ -f "$src" ] || src=""

ft_case "Pktgen-DPDK built with the repository's patch"
pg=$("$FT_TOP/scripts/bench/pktgen-build.sh" $src 2>"$FT_DIR/build.err")
ft_check "pktgen binary ($(tail -1 "$FT_DIR/build.err"))" test -x "$pg"

ft_case "both directions through Ferry: Pktgen tx = Ferry rx = Ferry tx = Pktgen rx"
out=$FT_DIR/bench
FERRY_BUILD=$FT_BUILD PKTGEN_SRC=$src "$FT_TOP/scripts/bench/pktgen.sh" --smoke --count 20000 \
  --mpps 0.02 --out "$out" >"$FT_DIR/smoke.out" 2>"$FT_DIR/smoke.err"
rc=$?
ft_log "$(cat "$FT_DIR/smoke.out")"
[ $rc = 0 ] || ft_log "$(tail -20 "$FT_DIR/smoke.err")"
for dir in "src->sink" "sink->src"; do
  line=$(grep "^pktgen_smoke $dir " "$FT_DIR/smoke.out")
  val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
  ft_eq "$dir: Pktgen sent the count" 20000 "$(val pktgen_tx)"
  ft_eq "$dir: Ferry received what Pktgen sent" "$(val pktgen_tx)" "$(val ferry_rx)"
  ft_eq "$dir: Ferry sent what it received" "$(val ferry_rx)" "$(val ferry_tx)"
  ft_eq "$dir: Pktgen received what Ferry sent" "$(val ferry_tx)" "$(val pktgen_rx)"
done

ft_case "RFC 2544 search: a zero-loss rate above 0, its trials in the report"
zl=$(sed -n 's/^pktgen_zero_loss_mpps ferry p64 \([0-9.]*\)$/\1/p' "$FT_DIR/smoke.out")
ft_check "zero-loss line ($zl)" awk -v v="$zl" 'BEGIN { exit !(v != "" && v + 0 > 0) }'
rep=$out/pktgen-logs/p64-ferry.1.rfc2544.txt
ft_check "the search's trials" grep -q '^rfc2544-trial .*loss_pct=0.0000$' "$rep"
# The reported rate is one that a trial passed at.
best=$(sed -n 's/^rfc2544 loss_pct=0 .* mpps=\([0-9.]*\) .*/\1/p' "$rep")
ft_check "a trial at $best Mpps lost nothing" grep -q "^rfc2544-trial mpps=$best .*loss_pct=0.0000$" "$rep"
ft_check "0.01 % criterion reported" grep -q '^pktgen_zero_loss_mpps ferry p64@0.01 [0-9]' "$FT_DIR/smoke.out"

ft_case "latency packets at the zero-loss rate"
lat=$(grep '^latency ' "$rep")
n=$(sed -n 's/.* lat_pkts=\([0-9]*\).*/\1/p' <<<"$lat")
ft_check "latency packets received ($lat)" test "${n:-0}" -gt 0
ft_check "min <= avg <= max, min > 0" awk -v l="$lat" 'BEGIN {
  n = split(l, f, " "); for (i = 1; i <= n; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] + 0 }
  exit !(v["lat_min_us"] > 0 && v["lat_min_us"] <= v["lat_avg_us"] && v["lat_avg_us"] <= v["lat_max_us"]) }'
ft_check "results written" test -s "$out/pktgen.tsv"

ft_finish
