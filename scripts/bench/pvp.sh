#!/usr/bin/env bash
# PVP (physical -> VM -> physical): the standard OVS-DPDK benchmark of a
# hypervisor switch. Frames from the "physical" source port (net_ferry_replay,
# as compare.sh) cross the switch into a VM over vhost-user, the VM sends
# them back with macswap (dpdk-testpmd on DPDK's virtio guest driver), and
# the switch forwards them to the "physical" sink (net_null). Ferry and
# OVS-DPDK 3.1 one after another in one run: same ports, same guest, same
# rules, one PMD core for the switch, one core for the guest. See
# Documentation/benchmarking.md.
#
#   scripts/bench/pvp.sh [--flows LIST] [--seconds S] [--warmup S]
#                        [--repeat K] [--systems LIST]
#
#   --flows LIST     comma-separated flow counts (default 1,1k)
#   --seconds S      measurement window (default 10)
#   --warmup S       traffic before the window (default 3)
#   --repeat K       K rounds, interleaved; ratios of the medians (default 1)
#   --systems LIST   subset of ferry,ovs (default both)
#
# Prints one line per run (Mpps through the whole loop, measured at the
# sink), then, last, one line per flow count:
#   ratio_vs_ovs pvp flows=N X.XX      Ferry Mpps / OVS-DPDK Mpps
# Exit status 0 when every run worked, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/rules.sh"
source "$here/vswitch.sh"
source "$here/guest.sh"

BENCH_NAME=pvp
flows_list="1,1k"
systems="ferry,ovs"
seconds=10
warmup=3
repeat=1
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while [ $# -gt 0 ]; do
  if bench_common_opt "$@"; then
    shift "$BENCH_SHIFT"
    continue
  fi
  case "$1" in
    --flows) flows_list=${2:?--flows needs a list}; shift ;;
    --flows=*) flows_list=${1#*=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "pvp.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
bench_check_window
IFS=, read -r -a flow_cases <<<"$flows_list"
IFS=, read -r -a sys_list <<<"$systems"
for f in "${flow_cases[@]}"; do case_valid "simple-$f" || bench_die "bad flow count \"$f\""; done
for s in "${sys_list[@]}"; do
  case "$s" in ferry | ovs) ;; *) bench_die "unknown system \"$s\" (ferry or ovs)" ;; esac
done
GUEST_CPU=${BENCH_GUEST_CPU:-$BENCH_CTL_CPU}

bench_check_tools
bench_init pvp
BENCH_CLEANUP_HOOKS=(guest_stop vs_stop)
bench_snapshot_tools
bench_check_quiet
BENCH_SERIAL=0
failures=0
declare -A mpps  # "flows system" -> Mpps of each round, space separated

kv() { sed -n "s/^$1=//p" "$2" | head -1; }

# Into the VM unchanged; out of it with the MAC rewrite compare.sh's cases use.
pvp_rules() {
  printf '%s\n' "in_port=src,actions=output:vm" "in_port=vm,actions=$RULE_ACTIONS" >"$1"
}

run_pvp() {  # run_pvp SYSTEM DIR PCAP READINGS
  local sys=$1 dir=$2 pcap=$3 m=$4
  if guest_start "$dir/guest" "$dir/vm.sock" "$GUEST_CPU" && vs_start "$sys" "$dir/$sys" "$pcap" &&
    vs_add_vhost_port vm "$dir/vm.sock" 3 && vs_add_flows "$dir/rules.txt" &&
    vs_wait_forwarding && vs_measure "$warmup" "$seconds" "$m"; then
    echo "guest_dropped=$(ovs-vsctl --no-wait get Interface vm statistics:tx_dropped 2>/dev/null)" >>"$m"
    vs_stop
    guest_stop
    return 0
  fi
  [ -n "$VS_DIR" ] && vs_log_tail 25 >&2
  [ -n "$GUEST_DIR" ] && tail -5 "$GUEST_DIR/guest.out" >&2
  vs_stop
  guest_stop
  return 1
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

bench_log "flows ${flow_cases[*]}; systems ${sys_list[*]}; warm-up ${warmup}s, window ${seconds}s;" \
  "switch PMD on CPU $BENCH_PMD_CPU, guest on CPU $GUEST_CPU"
for f in "${flow_cases[@]}"; do
  n=$(case_flows "simple-$f")
  pcap=$(bench_pcap "simple-$n" "$n") || bench_die "ferry-pcapgen failed for $n flows"
  for ((round = 1; round <= repeat; round++)); do
    for sys in "${sys_list[@]}"; do
      BENCH_SERIAL=$((BENCH_SERIAL + 1))
      BENCH_FAIL=""
      dir=$BENCH_DIR/pvp-$n/$sys.$round
      mkdir -p "$dir"
      pvp_rules "$dir/rules.txt"
      m=$dir/readings
      if run_pvp "$sys" "$dir" "$pcap" "$m"; then
        mpps["$n $sys"]+="$(kv mpps "$m") "
        printf 'pvp flows=%s %-8s %s Mpps  (%s cycles/packet, PMD %s%% of its CPU)\n' "$n" \
          "$(vs_label "$sys")" "$(kv mpps "$m")" "$(kv cycles_per_packet "$m")" "$(kv pmd_cpu "$m")"
      else
        failures=$((failures + 1))
        printf 'pvp flows=%s %-8s FAILED: %s\n' "$n" "$(vs_label "$sys")" "$BENCH_FAIL"
      fi
    done
  done
done

for f in "${flow_cases[@]}"; do
  n=$(case_flows "simple-$f")
  a=$(median <<<"${mpps["$n ferry"]:-}")
  b=$(median <<<"${mpps["$n ovs"]:-}")
  r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "n/a" }')
  echo "ratio_vs_ovs pvp flows=$n $r"
done
[ $failures = 0 ]
