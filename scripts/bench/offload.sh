#!/usr/bin/env bash
# The route switcher and the VF fast path on the emulated SR-IOV NIC
# (net_ferry_esw), in one run:
#   1. a VF guest sends an elephant (20 kpps) and many mice (10 pps each)
#      under the threshold policy: the share of packets the hardware path
#      took, the PMD's packets (those offloaded never reach it), and the
#      cost of an offloaded packet, measured: the PMD's busy cycles (its
#      TSC cycle counters) per frame before the elephant is offloaded and
#      while it is, and the CPU time of the emulated NIC's thread, which
#      stands for the hardware (a real NIC's eSwitch does that work with no
#      host CPU);
#   2. K new flows at once under first-packet: rules per second from the
#      route switcher through the offload thread, and the decision-to-active
#      latency (p50/p99);
#   3. dpdk-test-flow-perf inserting K transfer rules into the same emulated
#      NIC: the raw rte_flow insertion rate, the reference for 2.
# Prints every number and the ratio route-switcher / flow-perf.
#
#   scripts/bench/offload.sh [--quick]
# Environment: FERRY_BUILD (default <repo>/build), FLOW_PERF (default
# dpdk-test-flow-perf in PATH), BENCH_RULES (K, default 1000).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FERRY_BUILD:-$top/build}
flow_perf=${FLOW_PERF:-$(command -v dpdk-test-flow-perf || echo dpdk-test-flow-perf)}
rules=${BENCH_RULES:-1000}
quick=${1:-}
[ "$quick" = --quick ] && rules=100
bench=$build/test/bench/offload-bench
pmd=$build/offload/eswitch-emu/libferry_esw.so
[ -x "$bench" ] || { echo "offload.sh: $bench not built (ninja -C $build)" >&2; exit 1; }
[ -f "$pmd" ] || { echo "offload.sh: $pmd not built" >&2; exit 1; }
out=$(mktemp -d /tmp/ferry-bench-offload.XXXXXX)
trap 'rm -rf "$out" /var/run/dpdk/ferry-obench-fp-$$ 2>/dev/null' EXIT

echo "== route switcher (offload-bench ${quick:-full})"
nice "$bench" $quick 2>"$out/bench.err" | tee "$out/bench.txt" || { cat "$out/bench.err" >&2; exit 1; }

echo "== dpdk-test-flow-perf: $rules transfer rules into net_ferry_esw"
nice "$flow_perf" -l 0-1 --no-pci --no-huge -m 512 --file-prefix="ferry-obench-fp-$$" -d "$pmd" \
  "--vdev=net_ferry_esw9,vfs=1,max_rules=$((rules + 16))" -- \
  --transfer --ether --port-id=1 --rules-count="$rules" --rules-batch="$rules" --portmask=0x1 \
  >"$out/flowperf.txt" 2>&1
fp=$(sed -n 's/.*Total flows insertion rate -> \([0-9.]*\) K Rules\/Sec.*/\1/p' "$out/flowperf.txt" | head -1)
if [ -z "$fp" ]; then
  echo "flow-perf: no result" >&2
  tail -5 "$out/flowperf.txt" >&2
  exit 1
fi
echo "flow_perf.rules_per_second: $(awk -v k="$fp" 'BEGIN { printf "%.0f", k * 1000 }')"

echo "== ratios"
rs=$(sed -n 's/^insertion.rules_per_second: //p' "$out/bench.txt")
awk -v rs="$rs" -v fp="$fp" 'BEGIN {
  printf "route_switcher / flow_perf insertion rate: %.3f\n", rs / (fp * 1000) }'
sed -n 's/^elephant_mice.hw_share: /share of packets on the hardware path: /p' "$out/bench.txt"
v() { sed -n "s/^$1: //p" "$out/bench.txt"; }
if [ -n "$(v offload_cost.pmd_busy_cycles_per_offloaded_frame)" ]; then
  echo "PMD busy cycles per frame it received: before the offload" \
    "$(v offload_cost.before.pmd_busy_cycles_per_pmd_frame), during" \
    "$(v offload_cost.during.pmd_busy_cycles_per_pmd_frame)"
  echo "PMD busy cycles per offloaded frame (upper bound: beyond its software frames at the before rate):" \
    "$(v offload_cost.pmd_busy_cycles_per_offloaded_frame)"
  echo "the hardware (emulated NIC thread, all of its CPU incl. polling) per offloaded frame:" \
    "$(v offload_cost.nic_thread_cpu_ns_per_offloaded_frame) ns"
else
  echo "offload cost: $(v offload_cost)"
fi
p99=$(sed -n 's/^insertion.decision_to_active_p99_ms: //p' "$out/bench.txt")
awk -v p="$p99" 'BEGIN { printf "decision to active p99: %s ms (target < 10 ms: %s)\n", p, (p < 10 ? "met" : "missed") }'
