#!/usr/bin/env bash
# Soak (not in CI): Ferry forwarding at full rate (the simple-1k input of
# compare.sh: 1000 flows from the pcap source to the null sink) while 1000
# flow_mods a second rewrite the rules those flows hit, each second's batch
# in one bundle. Reports the daemon's RSS at the start and the end and
# checks that every received packet was sent or counted as a drop.
# See Documentation/benchmarking.md.
#
#   scripts/bench/soak.sh [--seconds S] [--mods N]
#
#   --seconds S   duration (default 600)
#   --mods N      flow_mods per second (default 1000)
#
# Prints progress every 60 s and, last:
#   soak rss_start_kb=A rss_end_kb=B growth_pct=G
#   soak flow_mods=M seconds=S per_second=R
#   soak rx=X tx=Y drops=D unaccounted=U
# Exit status 0 when the daemon lived, RSS grew by under 10 % and at most
# a few bursts of packets (in flight at the reading) are unaccounted.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/rules.sh"
source "$here/vswitch.sh"

seconds=600
mods=1000
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    --mods) mods=${2:?--mods needs a number}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
BENCH_NAME=soak
[[ $seconds =~ ^[1-9][0-9]*$ ]] || bench_die "--seconds must be a whole number >= 1"
[[ $mods =~ ^[1-9][0-9]*$ ]] || bench_die "--mods must be a whole number >= 1"

bench_check_tools
bench_init soak
BENCH_CLEANUP_HOOKS=(vs_stop)
pcap=$(bench_pcap simple-1000 1000) || bench_die "ferry-pcapgen failed"

# Batch K of flow_mods: one rule per flow (nw_dst of flow i), the
# destination MAC alternating with K, so every batch changes every rule.
churn_file() {
  local k=$1
  awk -v n="$mods" -v k="$k" 'BEGIN {
    base = 10 * 16777216 + 128 * 65536 + 1   # 10.128.0.1, flow 0
    mac = (k % 2) ? "02:00:00:00:00:03" : "02:00:00:00:00:02"
    for (i = 0; i < n; i++) {
      a = base + (i % 1000)
      printf "priority=%d,udp,nw_dst=%d.%d.%d.%d,actions=mod_dl_dst:%s,output:sink\n",
        100 + int(i / 1000), int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256, a % 256, mac
    }
  }' >"$BENCH_DIR/churn.$((k % 2))"
  echo "$BENCH_DIR/churn.$((k % 2))"
}

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$(cat "$VS_DIR/vswitchd.pid")/status"; }
# PMD totals: rx, tx and the sum of the drop counters.
pmd_totals() {
  vs_appctl dpif-netdev/pmd-stats-show | tee "$BENCH_DIR/pmd-stats.txt" | awk '
    /packets received:/ { rx += $3 }
    /packets sent:/ { tx += $3 }
    /^  drops:/ { d += $2; indrops = 1; next }   # "drops: 0" or a list of reasons below
    /^    [a-z_0-9]+: [0-9]+$/ && indrops { d += $2; next }
    { indrops = 0 }
    END { printf "%.0f %.0f %.0f\n", rx, tx, d }'
}

BENCH_SERIAL=1
vs_start ferry "$BENCH_DIR/ferry" "$pcap" || bench_die "$BENCH_FAIL"
echo "priority=0,actions=$RULE_ACTIONS" >"$BENCH_DIR/base.txt"
vs_add_flows "$BENCH_DIR/base.txt" || bench_die "$BENCH_FAIL"
vs_add_flows "$(churn_file 0)" || bench_die "$BENCH_FAIL"
vs_wait_forwarding || bench_die "$BENCH_FAIL"
bench_sleep 5
rss0=$(rss_kb)
bench_log "forwarding; RSS $rss0 kB; $mods flow_mods a second for $seconds s"
start=$(date +%s)
done_mods=0
k=1
while :; do
  now=$(date +%s)
  [ $((now - start)) -ge "$seconds" ] && break
  t0=$(bench_now)
  timeout 60 ovs-ofctl --bundle add-flows "$VS_BRIDGE" "$(churn_file $k)" >"$BENCH_DIR/mod.out" 2>&1 ||
    bench_die "flow_mod batch $k failed: $(head -c 300 "$BENCH_DIR/mod.out")"
  done_mods=$((done_mods + mods))
  k=$((k + 1))
  vs_alive || bench_die "ferry-vswitchd died after $done_mods flow_mods"
  if [ $((k % 60)) = 0 ]; then
    read -r rx tx d <<<"$(pmd_totals)"
    bench_log "$((now - start)) s: $done_mods flow_mods, RSS $(rss_kb) kB, rx $rx tx $tx drops $d"
  fi
  # The rest of the second, if the batch took less.
  rest=$(awk -v a="$t0" -v b="$(bench_now)" 'BEGIN { r = 1 - (b - a); if (r > 0) printf "%.3f", r }')
  [ -n "$rest" ] && bench_sleep "$rest"
done
elapsed=$(($(date +%s) - start))
rss1=$(rss_kb)
read -r rx tx d <<<"$(pmd_totals)"
vs_alive || bench_die "ferry-vswitchd died"
vs_stop

growth=$(awk -v a="$rss0" -v b="$rss1" 'BEGIN { printf "%.1f", 100 * (b - a) / a }')
unaccounted=$((rx - tx - d))
echo "soak rss_start_kb=$rss0 rss_end_kb=$rss1 growth_pct=$growth"
echo "soak flow_mods=$done_mods seconds=$elapsed per_second=$((done_mods / (elapsed > 0 ? elapsed : 1)))"
echo "soak rx=$rx tx=$tx drops=$d unaccounted=$unaccounted"
ok=1
awk -v g="$growth" 'BEGIN { exit !(g < 10) }' || { bench_log "RSS grew by $growth %"; ok=0; }
if [ "${unaccounted#-}" -gt 4096 ]; then
  bench_log "$unaccounted packets unaccounted for; the last pmd-stats-show:"
  cat "$BENCH_DIR/pmd-stats.txt" >&2
  ok=0
fi
[ $ok = 1 ]
