#!/usr/bin/env bash
# Flow set-up time, Ferry vs OVS-DPDK 3.1: how long `ovs-ofctl --bundle
# add-flows` takes to install N rules, until the command returns (which
# includes the bundle commit and the barrier: the rules are in force).
# Each daemon runs as in compare.sh (same ports, one PMD forwarding the
# simple-1k traffic under one rule) while the rules go in.
# See Documentation/benchmarking.md.
#
#   scripts/bench/flow-setup.sh [--flows N] [--runs K] [--systems LIST] [--out DIR]
#
#   --flows N        rules per bundle (default 100000): exact udp 5-tuples
#   --runs K         installs per system, each followed by a delete (default 3);
#                    the figure is the median
#   --systems LIST   subset of ferry,ovs (default both)
#   --out DIR        results directory (default <repo>/build/bench)
#
# Prints each install and delete, the medians, then
#   ratio_flow_setup flows=N X.XX      OVS-DPDK seconds / Ferry seconds
# (above 1: Ferry installs faster). Writes DIR/flow-setup.tsv.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/rules.sh"
source "$here/vswitch.sh"

flows=100000
runs=3
systems="ferry,ovs"
out=$BENCH_TOP/build/bench

# The header comment above, without the '#'.
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --flows) flows=${2:?--flows needs a value}; shift ;;
    --flows=*) flows=${1#*=} ;;
    --runs) runs=${2:?--runs needs a value}; shift ;;
    --runs=*) runs=${1#*=} ;;
    --systems) systems=${2:?--systems needs a list}; shift ;;
    --systems=*) systems=${1#*=} ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --out=*) out=${1#*=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "flow-setup.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
BENCH_NAME=flow-setup
if ! [[ $flows =~ ^[1-9][0-9]*$ ]] || [ "$flows" -gt 1000000 ]; then
  bench_die "--flows must be 1 to 1000000"
fi
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "--runs must be a whole number >= 1"
IFS=, read -r -a sys_list <<<"$systems"
for s in "${sys_list[@]}"; do
  case "$s" in ferry | ovs) ;; *) bench_die "unknown system \"$s\" (ferry or ovs)" ;; esac
done

bench_check_tools
bench_init flow-setup
BENCH_CLEANUP_HOOKS=(vs_stop)
bench_snapshot_tools
bench_check_quiet
mkdir -p "$out/logs" || bench_die "cannot create $out"
tsv=$BENCH_DIR/flow-setup.tsv
printf 'system\tflows\trun\tstatus\tadd_secs\tdel_secs\tnote\n' >"$tsv"

pcap=$(bench_pcap simple-1000 1000) || bench_die "ferry-pcapgen failed"
case_rules simple-1k "$BENCH_DIR/base.txt" >/dev/null
rules_setup "$BENCH_DIR/setup.txt" "$flows"
failures=0
BENCH_SERIAL=0
declare -A median client

# The median of the numbers on stdin (separated by spaces).
median_of() {
  tr ' ' '\n' | grep -v '^$' | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) exit
      if (NR % 2) print v[(NR + 1) / 2]
      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

# The rules are all in place and nothing else: N setup rules + the base rule.
check_count() {
  local n
  n=$(vs_n_flows)
  [ "$n" = "$1" ] && return 0
  vs_fail "expected $1 rules after the install, the switch has ${n:-?}"
}

for sys in "${sys_list[@]}"; do
  BENCH_SERIAL=$((BENCH_SERIAL + 1))
  BENCH_FAIL=""
  times=""
  cpus=""
  bench_log "$sys: starting"
  if vs_start "$sys" "$BENCH_DIR/$sys" "$pcap" && vs_add_flows "$BENCH_DIR/base.txt" &&
    vs_wait_forwarding; then
    for ((run = 1; run <= runs; run++)); do
      if vs_add_flows "$BENCH_DIR/setup.txt" && check_count $((flows + 1)) &&
        vs_del_flows "cookie=0x5e70/-1" && check_count 1; then
        printf '%s\t%s\t%s\tok\t%s\t%s\t\n' "$sys" "$flows" "$run" "$VS_ADD_SECS" \
          "$VS_DEL_SECS" >>"$tsv"
        echo "flow_setup system=$sys flows=$flows run=$run add_secs=$VS_ADD_SECS" \
          "del_secs=$VS_DEL_SECS"
        times="$times $VS_ADD_SECS"
        cpus="$cpus $VS_ADD_CLIENT_CPU"
      else
        break
      fi
    done
  fi
  if [ -n "$BENCH_FAIL" ]; then
    failures=$((failures + 1))
    bench_log "$sys FAILED: $BENCH_FAIL"
    vs_log_tail 25 >&2
    cp "$VS_DIR/vswitchd.log" "$out/logs/flow-setup-$sys.log" 2>/dev/null
    printf '%s\t%s\t-\tfailed\t\t\t%s\n' "$sys" "$flows" "$(tr '\t\n' '  ' <<<"$BENCH_FAIL")" >>"$tsv"
  fi
  median[$sys]=$(echo "$times" | median_of)
  client[$sys]=$(echo "$cpus" | median_of)
  vs_stop
done

cp "$tsv" "$out/flow-setup.tsv"
# The client's share of both times: ovs-ofctl parsing (and printing) the
# same rules, with port numbers for names as it has no switch to ask.
sed 's/in_port=src/in_port=1/; s/output:sink/output:2/' "$BENCH_DIR/setup.txt" \
  >"$BENCH_DIR/parse.txt"
t0=$(bench_now)
ovs-ofctl -O OpenFlow14 parse-flows "$BENCH_DIR/parse.txt" >/dev/null 2>&1
t1=$(bench_now)
echo
printf 'ovs-ofctl parse-flows of the same rules alone: %s s (the client-side share of both)\n' \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
for sys in "${sys_list[@]}"; do
  printf '%-9s %s s to install %d rules (median of %s; ovs-ofctl itself used %s s of CPU)\n' \
    "$(vs_label "$sys"):" "${median[$sys]:-n/a}" "$flows" "$(grep -c "^$sys	.*	ok	" "$tsv") runs" \
    "${client[$sys]:-n/a}"
done
if [ -n "${median[ferry]:-}" ] && [ -n "${median[ovs]:-}" ]; then
  echo "ratio_flow_setup flows=$flows $(awk -v o="${median[ovs]}" -v f="${median[ferry]}" \
    'BEGIN { if (f > 0) printf "%.2f", o / f; else printf "n/a" }')"
elif [[ " ${sys_list[*]} " == *" ferry "* && " ${sys_list[*]} " == *" ovs "* ]]; then
  echo "ratio_flow_setup flows=$flows n/a"
fi
[ $failures = 0 ]
