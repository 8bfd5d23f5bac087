#!/usr/bin/env bash
# Ferry vs OVS-DPDK 3.1 vs dpdk-testpmd (macswap), one after another in one
# run, on the same two DPDK vdevs, with the same input and the same rules,
# one forwarding core each. See Documentation/benchmarking.md.
#
#   scripts/bench/compare.sh [--quick] [--cases LIST] [--seconds S] [--warmup S]
#                            [--repeat K] [--systems LIST] [--out DIR]
#
#   --quick          only simple-1k, 5 s window (under 2 minutes)
#   --cases LIST     comma-separated cases (default: simple-1,simple-1k,
#                    simple-10k,simple-100k,simple-1m,rules-1k,rules-100k);
#                    a case is simple-N (one rule), rules-N (1000 rules)
#                    or pipeline-N (10 tables, about 1000 rules, registers),
#                    N flows (k = 1000, m = 1000000)
#   --seconds S      measurement window (default 10)
#   --warmup S       traffic before the window (default 3)
#   --repeat K       K rounds of the systems, interleaved; the table and the
#                    ratios use each system's median (default 1)
#   --systems LIST   subset of ferry,ovs,testpmd (default all three)
#   --out DIR        results directory (default <repo>/build/bench)
#
# Prints a table, then one line per case and peer:
#   ratio_vs_ovs flows=N rules=R X.XX        Ferry Mpps / OVS-DPDK Mpps
#   ratio_vs_testpmd flows=N rules=R X.XX    Ferry Mpps / testpmd Mpps
# ("n/a" where a system could not run the case). Writes DIR/results.tsv,
# DIR/compare.png and, for each system that failed a case, its log in
# DIR/logs/. Exit status 0 when every run worked, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/rules.sh"
source "$here/vswitch.sh"
source "$here/testpmd.sh"

cases="simple-1,simple-1k,simple-10k,simple-100k,simple-1m,rules-1k,rules-100k"
systems="ferry,ovs,testpmd"
seconds=""
warmup=""
quick=0
repeat=1
out=$BENCH_TOP/build/bench

# The header comment above, without the '#'.
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --cases) cases=${2:?--cases needs a list}; shift ;;
    --cases=*) cases=${1#*=} ;;
    --seconds) seconds=${2:?--seconds needs a value}; shift ;;
    --seconds=*) seconds=${1#*=} ;;
    --warmup) warmup=${2:?--warmup needs a value}; shift ;;
    --warmup=*) warmup=${1#*=} ;;
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
  cases=simple-1k
  seconds=${seconds:-5}
  warmup=${warmup:-2}
fi
seconds=${seconds:-10}
warmup=${warmup:-3}
BENCH_NAME=compare
[[ $seconds =~ ^[1-9][0-9]*$ ]] || bench_die "--seconds must be a whole number >= 1"
[[ $warmup =~ ^[0-9]+$ ]] || bench_die "--warmup must be a whole number"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || bench_die "--repeat must be a whole number >= 1"
IFS=, read -r -a case_list <<<"$cases"
IFS=, read -r -a sys_list <<<"$systems"
for c in "${case_list[@]}"; do
  case_valid "$c" || bench_die "bad case \"$c\" (simple-N, rules-N or pipeline-N)"
done
for s in "${sys_list[@]}"; do
  case "$s" in ferry | ovs | testpmd) ;; *) bench_die "unknown system \"$s\"" ;; esac
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
  if vs_start "$sys" "$BENCH_DIR/$c/$sys.$round" "$pcap" && vs_add_flows "$rules" &&
    traffic start "$c" "$(case_flows "$c")" && vs_wait_forwarding &&
    vs_measure "$warmup" "$seconds" "$m"; then
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
    tp_wait_forwarding && tp_measure "$warmup" "$seconds" "$4"; then
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
  mkdir -p "$BENCH_DIR/$c"
  # shellcheck disable=SC2046  # the options are words
  pcap=$(bench_pcap "$(case_kind "$c")-$flows" "$flows" $(case_pcapgen_args "$c")) ||
    bench_die "ferry-pcapgen failed for $c"
  nrules=$(case_rules "$c" "$BENCH_DIR/$c/rules.txt")
  for ((round = 1; round <= repeat; round++)); do
    for sys in "${sys_list[@]}"; do
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
        record "$c" "$flows" "$r" "$sys" "$round" ok "$m" "$VS_ADD_SECS" ""
        bench_log "$tag: $sys $(kv mpps "$m") Mpps, $(kv cycles_per_packet "$m") cycles/packet," \
          "forwarding thread $(kv pmd_cpu "$m")% of its CPU"
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
[ $failures = 0 ]
