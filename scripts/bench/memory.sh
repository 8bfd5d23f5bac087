#!/usr/bin/env bash
# Ferry's memory per megaflow: N flows, each from its own source MAC
# (ferry-pcapgen --mac-step 1), against a rule on dl_src that none of them
# matches above a catch-all: every lookup consults the whole source MAC,
# so a switch needs one megaflow per flow however economical its masks
# (OVS-DPDK's too). Runs until the megaflow caches hold (nearly) every
# flow, then prints the daemon's total memory (RSS plus mapped hugepages)
# against the same daemon before traffic. See Documentation/benchmarking.md.
#
#   scripts/bench/memory.sh [--flows N] [--out DIR]
#
#   --flows N    distinct flows (default 1000000)
#   --out DIR    results directory (default <repo>/build/bench)
#
# Prints memory/show before and after and, last:
#   memory megaflows=M total_kb=T bytes_per_megaflow=B structural_bytes=S
#   memory_1m_megaflows_under_1gib yes|no
# (the second line only for N >= 1000000). Exit status 0 when the run
# worked.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/rules.sh"
source "$here/vswitch.sh"

flows=1000000
out=$BENCH_TOP/build/bench
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --flows) flows=${2:?--flows needs a number}; shift ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "memory.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
BENCH_NAME=memory
[[ $flows =~ ^[1-9][0-9]*$ ]] || bench_die "--flows must be a whole number"

bench_check_tools
bench_init memory
BENCH_CLEANUP_HOOKS=(vs_stop)
mkdir -p "$out" || bench_die "cannot create $out"
pcap=$(bench_pcap "memory-$flows" "$flows" --mac-step 1 --src-mac 02:00:01:00:00:00) ||
  bench_die "ferry-pcapgen failed"
{
  echo "priority=10,dl_src=02:00:00:ff:ff:ff,actions=drop"
  echo "priority=1,actions=$RULE_ACTIONS"
} >"$BENCH_DIR/rules.txt"

# memory/show's "total N kB" and "megaflows:N".
total_kb() { sed -n 's/.*total \([0-9]*\) kB.*/\1/p' <<<"$1"; }
megaflows() { sed -n 's/^megaflows:\([0-9]*\).*/\1/p' <<<"$1"; }
filled() {
  local m
  m=$(megaflows "$(vs_appctl memory/show)")
  [ "${m:-0}" -ge $((flows * 99 / 100)) ]
}

BENCH_SERIAL=1
vs_start ferry "$BENCH_DIR/ferry" "$pcap" || bench_die "$BENCH_FAIL"
# Room for every flow; no aging during the fill.
vs_vsctl set Open_vSwitch . "other_config:flow-limit=$((flows + flows / 4))" \
  other_config:max-idle=600000 || bench_die "ovs-vsctl set failed"
before=$(vs_appctl memory/show) || bench_die "memory/show failed"
vs_add_flows "$BENCH_DIR/rules.txt" || bench_die "$BENCH_FAIL"
vs_wait_forwarding || bench_die "$BENCH_FAIL"
t0=$(bench_now)
if ! bench_wait_for 300 filled; then
  bench_die "the caches hold $(megaflows "$(vs_appctl memory/show)") megaflows after 300 s" \
    "(wanted $flows)"
fi
t1=$(bench_now)
bench_sleep 2
after=$(vs_appctl memory/show) || bench_die "memory/show failed"
vs_stop

echo "== before traffic"
echo "$before"
echo "== with the megaflows installed ($(awk -v a="$t0" -v b="$t1" \
  'BEGIN { printf "%.1f", b - a }') s to fill)"
echo "$after"
m=$(megaflows "$after")
kb0=$(total_kb "$before")
kb1=$(total_kb "$after")
structural=$(sed -n 's/.*entries allocated, \([0-9]*\) bytes each.*/\1/p' <<<"$after")
per=$(awk -v a="$kb0" -v b="$kb1" -v m="$m" 'BEGIN { printf "%.0f", (b - a) * 1024 / m }')
line="memory megaflows=$m total_kb=$kb1 bytes_per_megaflow=$per structural_bytes=$structural"
echo "$line"
echo "$line" >"$out/memory.txt"
if [ "$flows" -ge 1000000 ]; then
  verdict=$([ "$kb1" -lt $((1024 * 1024)) ] && echo yes || echo no)
  echo "memory_1m_megaflows_under_1gib $verdict"
  echo "memory_1m_megaflows_under_1gib $verdict" >>"$out/memory.txt"
fi
