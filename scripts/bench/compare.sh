#!/usr/bin/env bash
# Ferry vs OVS-DPDK 3.1 (default and tuned) vs dpdk-testpmd (macswap), one
# after another in one run, on the same two DPDK vdevs, with the same input
# and the same rules, one forwarding core each. See
# Documentation/benchmarking.md.
#
#   scripts/bench/compare.sh [--quick] [--check] [--cases LIST] [--seconds S]
#                            [--warmup S] [--settle S] [--repeat K] [--systems LIST]
#                            [--out DIR]
#
#   --quick          only ip-1k, 5 s window (about 1 minute)
#   --check          every default case once, 2 s window after 1 s of
#                    warm-up: proves the cases run and prints their megaflow
#                    counts (the rates are not figures); about 15 minutes
#   --cases LIST     comma-separated cases (default: every case below);
#                    simple-N (one port-only rule: Ferry's simple-match
#                    path), ip-N (one in_port+ip rule), normal-N (NORMAL, N
#                    MACs pre-installed), rules-N (1000 rules, 5 masks),
#                    l3-N (100k /32 and /24 routes), pipeline-N (10 tables,
#                    about 1000 rules, registers), ovn-N (ovn-controller's
#                    flows for a logical switch with an ACL), vxlan-encap-N and
#                    vxlan-decap-N (to and from a VXLAN port whose underlay
#                    is the bridge's internal port); N flows (k = 1000,
#                    m = 1000000); see scripts/bench/rules.sh
#   --seconds S      measurement window (default 10)
#   --warmup S       traffic before the window (default 3; at least 1 s per
#                    100k flows of the case)
#   --settle S       then, for the switches, up to S seconds more until at
#                    most 1 packet in 1000 is an upcall (default 120; 0: no
#                    wait); a run that did not settle says so in the table
#   --repeat K       K rounds of the systems, each round in another order;
#                    the table shows each system's median and min..max, the
#                    ratios use the medians (default 1)
#   --systems LIST   subset of ferry,ovs,ovs-tuned,testpmd (default all
#                    four); ovs-tuned is OVS-DPDK with
#                    emc-insert-inv-prob=0 and smc-enable=true
#   --out DIR        results directory (default <repo>/build/bench)
#
# Prints a table, then one line per case and peer:
#   ratio_vs_ovs CASE flows=N rules=R X.XX best=SYS
#       Ferry Mpps / the better OVS-DPDK configuration's (SYS: ovs or ovs-tuned)
#   ratio_vs_testpmd CASE flows=N rules=R X.XX    Ferry Mpps / testpmd Mpps
#   megaflows CASE ferry=F ovs=O ovs-tuned=T       after each window
# ("n/a" where a system could not run the case). Writes DIR/results.tsv,
# DIR/compare.png and, for each system that failed a case, its log in
# DIR/logs/. Exit status 0 when every run worked, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/rules.sh"
source "$here/vswitch.sh"
source "$here/testpmd.sh"

cases="simple-1,simple-1k,ip-1,ip-1k,ip-100k,ip-1m,normal-1k,rules-1k,rules-100k,l3-100k,l3-1m,pipeline-1k,ovn-1k,vxlan-encap-1k,vxlan-decap-1k"
systems="ferry,ovs,ovs-tuned,testpmd"
seconds=""
warmup=""
settle=120
quick=0
repeat=1
out=$BENCH_TOP/build/bench

# The header comment above, without the '#'.
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --check) quick=2 ;;
    --cases) cases=${2:?--cases needs a list}; shift ;;
    --cases=*) cases=${1#*=} ;;
    --seconds) seconds=${2:?--seconds needs a value}; shift ;;
    --seconds=*) seconds=${1#*=} ;;
    --warmup) warmup=${2:?--warmup needs a value}; shift ;;
    --warmup=*) warmup=${1#*=} ;;
    --settle) settle=${2:?--settle needs a value}; shift ;;
    --settle=*) settle=${1#*=} ;;
    --repeat) repeat=${2:?--repeat needs a value}; shift ;;
    --repeat=*) repeat=${1#*=} ;;
    --systems) systems=${2:?--systems needs a list}; shift ;;
    --systems=*) systems=${1#*=} ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --out=*) out=${1#*=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ $quick = 1 ]; then
  cases=ip-1k
  seconds=${seconds:-5}
  warmup=${warmup:-2}
elif [ $quick = 2 ]; then
  seconds=${seconds:-2}
  warmup=${warmup:-1}
fi
seconds=${seconds:-10}
warmup=${warmup:-3}
BENCH_NAME=compare
[[ $seconds =~ ^[1-9][0-9]*$ ]] || bench_die "--seconds must be a whole number >= 1"
[[ $warmup =~ ^[0-9]+$ ]] || bench_die "--warmup must be a whole number"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || bench_die "--repeat must be a whole number >= 1"
[[ $settle =~ ^[0-9]+$ ]] || bench_die "--settle must be a whole number"
VS_SETTLE_MAX=$settle
IFS=, read -r -a case_list <<<"$cases"
IFS=, read -r -a sys_list <<<"$systems"
for c in "${case_list[@]}"; do
  case_valid "$c" || bench_die "bad case \"$c\" (KIND-N, KIND one of: $CASE_KINDS)"
done
for s in "${sys_list[@]}"; do
  case "$s" in ferry | ovs | ovs-tuned | testpmd) ;; *) bench_die "unknown system \"$s\"" ;; esac
done

bench_check_tools
bench_init compare
BENCH_CLEANUP_HOOKS=(vs_stop tp_stop)
bench_snapshot_tools
bench_check_quiet
mkdir -p "$out/logs" || bench_die "cannot create $out"
results=$BENCH_DIR/results.tsv
columns=(case flows rules system round status mpps cycles_per_packet emc_pct smc_pct megaflow_pct
  subtable_lookups upcalls megaflows rules_hit pmd_cpu add_secs note)
(IFS=$'\t'; echo "${columns[*]}") >"$results"
BENCH_SERIAL=0
failures=0

# key=value file -> value of KEY (empty when absent).
kv() { sed -n "s/^$1=//p" "$2" | head -1; }
pct() {
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a != "" && b > 0) printf "%.1f", 100 * a / b }'
}

record() {  # record CASE FLOWS RULES SYSTEM ROUND STATUS READINGS ADD_SECS NOTE
  local m=$7 rx
  if [ -f "$m" ]; then
    rx=$(kv pmd_rx "$m")
    printf '%s\t' "$1" "$2" "$3" "$4" "$5" "$6" "$(kv mpps "$m")" "$(kv cycles_per_packet "$m")" \
      "$(pct "$(kv emc_hits "$m")" "$rx")" "$(pct "$(kv smc_hits "$m")" "$rx")" \
      "$(pct "$(kv megaflow_hits "$m")" "$rx")" "$(kv subtable_lookups "$m")" \
      "$(kv upcalls "$m")" "$(kv megaflows "$m")" \
      "$(kv rules_hit "$m")" "$(kv pmd_cpu "$m")" "$8" >>"$results"
  else
    printf '%s\t' "$1" "$2" "$3" "$4" "$5" "$6" "" "" "" "" "" "" "" "" "" "" "$8" >>"$results"
  fi
  printf '%s\n' "$9" >>"$results"
}

# Keeps the log of a failed run (the run directory goes away) and shows
# its tail.
keep_failure_log() {  # keep_failure_log CASE SYSTEM LOG
  cp "$3" "$out/logs/$1-$2.log" 2>/dev/null && bench_log "log kept in $out/logs/$1-$2.log"
}

# With an external traffic source (real NICs), BENCH_TRAFFIC_HOOK is run
# as "HOOK start CASE FLOWS" once a system is ready and "HOOK stop" after
# its window (see Documentation/benchmarking.md).
traffic() {
  [ -n "${BENCH_TRAFFIC_HOOK:-}" ] || return 0
  "$BENCH_TRAFFIC_HOOK" "$@" >>"$BENCH_DIR/traffic-hook.log" 2>&1 && return 0
  [ "$1" = stop ] && return 0  # a failed stop leaves the run's reason alone
  BENCH_FAIL="traffic hook \"$BENCH_TRAFFIC_HOOK $*\" failed:"
  BENCH_FAIL+=" $(tail -3 "$BENCH_DIR/traffic-hook.log")"
  return 1
}

run_vswitchd() {  # run_vswitchd SYSTEM CASE PCAP RULESFILE READINGS
  local sys=$1 c=$2 pcap=$3 rules=$4 m=$5
  # The MAC table first: until the rules arrive (fail_mode=secure) nothing
  # is forwarded, so nothing is flooded for want of an entry.
  if vs_start "$sys" "$BENCH_DIR/$c/$sys.$round" "$pcap" && vs_add_fdb "$BENCH_DIR/$c/fdb.txt" &&
    { ! case_is_tunnel "$c" || vs_add_tunnel; } && vs_add_flows "$rules" &&
    traffic start "$c" "$(case_flows "$c")" && vs_wait_forwarding &&
    vs_measure "$case_warmup" "$seconds" "$m"; then
    echo "rules_hit=$(ovs-ofctl dump-flows "$VS_BRIDGE" | grep -c 'n_packets=[1-9]')" >>"$m"
    traffic stop
    vs_stop
    return 0
  fi
  traffic stop
  vs_log_tail 25 >&2
  keep_failure_log "$c.$round" "$sys" "$VS_DIR/vswitchd.log"
  vs_stop
  return 1
}

run_testpmd() {  # run_testpmd CASE PCAP FLOWS READINGS
  if tp_start "$BENCH_DIR/$1/testpmd.$round" "$2" "$3" && traffic start "$1" "$3" &&
    tp_wait_forwarding && tp_measure "$case_warmup" "$seconds" "$4"; then
    traffic stop
    tp_stop
    return 0
  fi
  traffic stop
  tp_log_tail 25 >&2
  keep_failure_log "$1.$round" testpmd "$TP_DIR/testpmd.out"
  tp_stop
  return 1
}

bench_log "cases ${case_list[*]}; systems ${sys_list[*]}; warm-up ${warmup}s, window ${seconds}s;" \
  "control CPU $BENCH_CTL_CPU, forwarding CPU $BENCH_PMD_CPU"
for c in "${case_list[@]}"; do
  flows=$(case_flows "$c")
  # Room to fill the caches before the window: at least 1 s per 100k flows
  # (each new flow is an upcall in a switch that caches per flow).
  case_warmup=$((flows / 100000 > warmup ? flows / 100000 : warmup))
  mkdir -p "$BENCH_DIR/$c"
  # shellcheck disable=SC2046  # the options are words
  pcap=$(bench_pcap "$(case_kind "$c")-$flows" "$flows" $(case_pcapgen_args "$c")) ||
    bench_die "ferry-pcapgen failed for $c"
  nrules=$(case_rules "$c" "$BENCH_DIR/$c/rules.txt")
  case_fdb "$c" "$BENCH_DIR/$c/fdb.txt" >/dev/null
  for ((round = 1; round <= repeat; round++)); do
    # Round r starts with the r-th system: each round another order, so no
    # system always runs first (or right after the same one).
    order=()
    for ((k = 0; k < ${#sys_list[@]}; k++)); do
      order+=("${sys_list[(k + round - 1) % ${#sys_list[@]}]}")
    done
    for sys in "${order[@]}"; do
      BENCH_SERIAL=$((BENCH_SERIAL + 1))
      BENCH_FAIL=""
      VS_ADD_SECS=""
      tag=$c
      [ "$repeat" -gt 1 ] && tag="$c#$round"
      m=$BENCH_DIR/$c/$sys.$round.readings
      bench_log "$tag: $sys ..."
      if [ "$sys" = testpmd ]; then
        run_testpmd "$c" "$pcap" "$flows" "$m"
        rc=$?
        r=-
      else
        run_vswitchd "$sys" "$c" "$pcap" "$BENCH_DIR/$c/rules.txt" "$m"
        rc=$?
        r=$nrules
      fi
      if [ $rc = 0 ]; then
        note=""
        # Rules that output to sink alone: anything sent to the bridge's
        # own port in the window was flooded (a MAC table entry missing).
        lt=$(kv local_tx "$m")
        [ "${lt:-0}" -gt 0 ] 2>/dev/null && note="flooded: $lt packets to LOCAL in the window"
        st=$(kv settle_secs "$m")
        if [[ $st == *+ ]]; then
          note+="${note:+; }not settled after ${st%+} s ($(kv settle_upcalls "$m") upcalls in its last second)"
        fi
        record "$c" "$flows" "$r" "$sys" "$round" ok "$m" "$VS_ADD_SECS" "$note"
        bench_log "$tag: $sys $(kv mpps "$m") Mpps, $(kv cycles_per_packet "$m") cycles/packet," \
          "forwarding thread $(kv pmd_cpu "$m")% of its CPU${st:+, settled after $st s}"
      else
        failures=$((failures + 1))
        bench_log "$tag: $sys FAILED: $BENCH_FAIL"
        record "$c" "$flows" "$r" "$sys" "$round" failed "" "" "$(tr '\t\n' '  ' <<<"$BENCH_FAIL")"
      fi
    done
  done
done

cp "$results" "$out/results.tsv"
"$BENCH_PYTHON" "$here/report.py" "$out/results.tsv" --plot "$out/compare.png" \
  --title "window ${seconds}s after ${warmup}s warm-up, 1 forwarding core"
[ $quick = 2 ] && bench_log "--check: ${seconds}s windows on a machine that may be busy;" \
  "the megaflow counts are the result, the rates are not figures"
[ $failures = 0 ]
