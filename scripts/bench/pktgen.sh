#!/usr/bin/env bash
# Ferry vs OVS-DPDK 3.1 measured by Pktgen-DPDK, one after another in one
# run: Pktgen's port 0 sends into the switch's port src, the switch
# forwards to its port sink, Pktgen's port 1 counts what arrives (phy-phy).
# Without NICs, Pktgen and the switch are separate DPDK processes joined by
# shared-memory ports, the same wiring for both switches: vhost-user (the
# switch's dpdkvhostuserclient ports, Pktgen's virtio-user) or, for Ferry
# alone, net_memif pairs (scripts/bench/pktgen-run.sh). See
# Documentation/benchmarking.md.
#
#   scripts/bench/pktgen.sh [--profiles LIST] [--systems LIST] [--seconds S]
#                           [--warmup S] [--repeat K] [--zero-loss LIST]
#                           [--loss LIST] [--trial S] [--resolution PCT]
#                           [--no-latency] [--pktgen-src TARBALL]
#                           [--pktgen-cpus LIST] [--control-cpu N]
#                           [--pmd-cpu N] [--wiring vhost|memif|nic]
#                           [--nic-ports LIST] [--out DIR]
#   scripts/bench/pktgen.sh --smoke [--count N] [--mpps R] [--trial S]
#
#   --profiles LIST  comma-separated, default p64,imix,normal,rules-1k,pvp:
#                    p64       64-byte frames, one flow, the rule
#                              in_port=src,ip,actions=mod_dl_dst:M,output:sink
#                    imix      the simple IMIX (7:4:1 of 64, 570, 1518 bytes),
#                              12 flows, the same rule
#                    normal    64-byte frames, actions=NORMAL, the destination
#                              MAC installed on sink with fdb/add
#                    rules-1k  64-byte frames, 1000 flows over the 1000 rules
#                              of five masks of compare.sh's rules-N case
#                    pvp       64-byte frames, one flow, through a VM: src ->
#                              vm (testpmd macswap on virtio-user, guest.sh, on
#                              BENCH_GUEST_CPU, default the control CPU) ->
#                              mod_dl_dst -> sink
#   --systems LIST   subset of ferry,ovs (default both)
#   --seconds S      throughput trial at line rate (default 10)
#   --warmup S       traffic before it, not counted (default 2)
#   --repeat K       K rounds, each in another order of the systems; the
#                    table shows the median and min..max (default 1)
#   --zero-loss LIST profiles that also get an RFC 2544 binary search for the
#                    highest rate without loss (default p64; "none": no search)
#   --loss LIST      its loss criteria in percent (default 0,0.01)
#   --trial S        its trial length (default 10)
#   --resolution PCT the search stops when its bounds are within PCT percent
#                    of the upper bound, 1.2 x the system's throughput (default 2)
#   --no-latency     no latency trial: by default, after each search, a
#                    trial at the zero-loss rate with Pktgen's latency packets
#   --pktgen-src F   Pktgen-DPDK source tarball, built once into the cache
#                    (default $PKTGEN_SRC; else a cached build, else PATH)
#   --pktgen-cpus L  Pktgen's CPUs: main lcore, then 1 or 2 forwarding lcores
#                    (default: the control CPU; see pktgen-run.sh)
#   --control-cpu N  the switch's control threads and this script (default 0)
#   --pmd-cpu N      the switch's forwarding thread (default 1)
#   --wiring W       vhost (default), memif (Ferry only: OVS-DPDK's
#                    forwarding thread sends on a tx queue net_memif leaves
#                    unconnected) or nic (see pktgen-run.sh)
#   --out DIR        results directory (default <repo>/build/bench)
#   --nic-ports L    with --wiring nic: four PCI addresses, Pktgen's port 0
#                    and 1, the switch's src and sink (see pktgen-run.sh)
#   --smoke          Ferry only: each direction in turn, a finite count
#                    (--count, default 20000, at --mpps, default 0.02);
#                    checks Pktgen's tx = Ferry's rx = Ferry's tx = Pktgen's
#                    rx in each and prints them; then a short zero-loss search
#                    of p64 up to 20 x --mpps (--trial default 1,
#                    --resolution default 10) and its latency trial
#
# On 2 CPUs the generator and the switch share: the switch's forwarding
# thread has CPU 1 to itself, Pktgen's polling lcore shares CPU 0 with the
# switch's control threads. Both switches get the same arrangement, so the
# figures are ratios, not line rates.
#
# Prints a table, then:
#   pktgen_ratio_vs_ovs PROFILE X.XX           Ferry / OVS-DPDK, received Mpps
#   pktgen_zero_loss_mpps SYSTEM PROFILE X.XX  (loss 0 %; with the 0.01 %
#   pktgen_zero_loss_mpps SYSTEM PROFILE@0.01 X.XX  criterion as PROFILE@0.01;
#                                              "<X.XX" when no trial passed,
#                                              below the lowest rate tried)
# and writes DIR/pktgen.tsv, DIR/pktgen.png and DIR/pktgen-logs/ (the
# Pktgen reports). Exit status 0 when every run worked, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/rules.sh"
source "$here/vswitch.sh"
source "$here/pktgen-run.sh"
source "$here/guest.sh"

BENCH_NAME=pktgen
profiles="p64,imix,normal,rules-1k,pvp"
systems="ferry,ovs"
seconds=10
warmup=2
repeat=1
zero_loss=p64
losses="0,0.01"
trial=""
resolution=""
latency=1
smoke=0
count=20000
smoke_mpps=0.02
pktgen_src=${PKTGEN_SRC:-}
out=$BENCH_TOP/build/bench
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while [ $# -gt 0 ]; do
  if bench_common_opt "$@"; then
    shift "$BENCH_SHIFT"
    continue
  fi
  case "$1" in
    --profiles | --zero-loss | --loss | --trial | --resolution | --pktgen-src | --pktgen-cpus | \
      --control-cpu | --pmd-cpu | --out | --count | --mpps | --wiring | --nic-ports)
      [ $# -ge 2 ] || bench_die "$1 needs a value"
      v=$2
      case "$1" in
        --profiles) profiles=$v ;;
        --zero-loss) zero_loss=$v ;;
        --loss) losses=$v ;;
        --trial) trial=$v ;;
        --resolution) resolution=$v ;;
        --pktgen-src) pktgen_src=$v ;;
        --pktgen-cpus) PG_CPUS=$v ;;
        --control-cpu) BENCH_CTL_CPU=$v ;;
        --pmd-cpu) BENCH_PMD_CPU=$v ;;
        --out) out=$v ;;
        --count) count=$v ;;
        --mpps) smoke_mpps=$v ;;
        --wiring) PG_WIRING=$v ;;
        --nic-ports) PG_NIC_PORTS=$v ;;
      esac
      shift
      ;;
    --no-latency) latency=0 ;;
    --smoke) smoke=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "pktgen.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
bench_check_window
trial=${trial:-$([ $smoke = 1 ] && echo 1 || echo 10)}
resolution=${resolution:-$([ $smoke = 1 ] && echo 10 || echo 2)}
num='^[0-9]+([.][0-9]+)?$'
[[ $trial =~ ^[1-9][0-9]*$ ]] || bench_die "--trial must be a whole number >= 1"
[[ $resolution =~ $num ]] || bench_die "--resolution must be a number"
[[ $count =~ ^[1-9][0-9]*$ ]] || bench_die "--count must be a whole number >= 1"
[[ $smoke_mpps =~ $num ]] || bench_die "--mpps must be a number"
[[ $BENCH_CTL_CPU =~ ^[0-9]+$ && $BENCH_PMD_CPU =~ ^[0-9]+$ ]] || bench_die "CPUs are numbers"
pg_check
for l in ${losses//,/ }; do [[ $l =~ $num ]] || bench_die "--loss: \"$l\" is not a percentage"; done
PROFILES="p64 imix normal rules-1k pvp"
[ $smoke = 1 ] && { profiles=p64; systems=ferry; zero_loss=p64; }
[ "$zero_loss" = none ] && zero_loss=""
IFS=, read -r -a prof_list <<<"$profiles"
IFS=, read -r -a sys_list <<<"$systems"
IFS=, read -r -a zl_list <<<"$zero_loss"
for p in "${prof_list[@]}" "${zl_list[@]}"; do
  [[ " $PROFILES " == *" $p "* ]] || bench_die "unknown profile \"$p\" (one of: $PROFILES)"
done
for s in "${sys_list[@]}"; do
  case "$s" in ferry | ovs) ;; *) bench_die "unknown system \"$s\" (ferry or ovs)" ;; esac
  [ "$s:$PG_WIRING" != ovs:memif ] || bench_die "OVS-DPDK cannot run over net_memif (see --help)"
done

# The compare.sh case whose rules (and MAC table) a profile uses, its
# Pktgen profile and its settings.
profile_case() {
  case "$1" in
    p64 | imix) echo ip-1 ;;
    normal) echo normal-1 ;;
    rules-1k) echo rules-1k ;;
    pvp) echo simple-1 ;;  # no MAC table; its rules are pvp_rules
  esac
}

# Into the VM unchanged; out of it with the rewrite (as pvp.sh).
pvp_rules() {
  printf '%s\n' "in_port=src,actions=output:vm" "in_port=vm,actions=$RULE_ACTIONS" >"$1"
}
profile_lua() { case "$1" in imix) echo phy-phy-imix ;; *) echo phy-phy-64 ;; esac; }
profile_env() {
  case "$1" in
    normal) echo "FERRY_PG_DUT_MAC=$NORMAL_DST_MAC" ;;
    rules-1k) echo "FERRY_PG_FLOWS=1000 FERRY_PG_LAYOUT=rules" ;;
  esac
}
profile_label() {
  case "$1" in
    p64) echo "64 B, 1 flow, mod_dl_dst rule" ;;
    imix) echo "IMIX 7:4:1, 12 flows, mod_dl_dst rule" ;;
    normal) echo "64 B, 1 flow, NORMAL" ;;
    rules-1k) echo "64 B, 1000 flows, 1000 rules / 5 masks" ;;
    pvp) echo "64 B, 1 flow, through a testpmd VM" ;;
  esac
}

pg_switch_ports /run  # each run sets its own; no replay source
bench_check_tools
bench_init pktgen
BENCH_CLEANUP_HOOKS=(pg_stop guest_stop vs_stop)
GUEST_CPU=${BENCH_GUEST_CPU:-$BENCH_CTL_CPU}
pg_find "$pktgen_src" || bench_die "no Pktgen-DPDK (pass --pktgen-src or PKTGEN_SRC; see --help)"
bench_log "pktgen: $PG_BIN"
bench_snapshot_tools
bench_check_quiet
mkdir -p "$out/pktgen-logs" || bench_die "cannot create $out"
bench_log "$(pg_cpu_plan)"
BENCH_SERIAL=0
failures=0
results=$BENCH_DIR/pktgen.tsv
printf 'profile\tsystem\tround\tkind\tmpps\tsent\treceived\tlat_avg_us\tlat_min_us\tlat_max_us\n' >"$results"

# key=value of the first report line NAME of FILE (with FILTER=VALUE on it).
report_kv() {  # report_kv FILE NAME KEY [FILTER=VALUE]
  awk -v name="$2" -v key="$3" -v filt="${4:-}" '
    $1 != name { next }
    filt != "" && index(" " $0 " ", " " filt " ") == 0 { next }
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) { print kv[2]; exit } } }' "$1"
}

# A port's counter from ovs-ofctl dump-ports: rx or tx packets.
port_pkts() {  # port_pkts PORT rx|tx
  ovs-ofctl dump-ports "$VS_BRIDGE" "$1" 2>/dev/null |
    sed -n "s/.*$2 pkts=\([0-9]*\).*/\1/p" | head -1
}

# Starts SYSTEM with the profile's rules and MAC table in DIR.
start_switch() {  # start_switch SYSTEM DIR CASE
  local sys=$1 dir=$2 c=$3
  mkdir -p "$dir/sock"
  pg_switch_ports "$dir/sock"
  case_fdb "$c" "$dir/fdb.txt" >/dev/null
  rm -f "$dir/rules-in"
  vs_start "$sys" "$dir/$sys" ""
}

# pg_start, then (once the switch's ports exist) its MAC table and rules,
# then the go-ahead to Pktgen's profile.
launch() {  # launch DIR PGDIR PROFILE OUT SECS [VAR=VALUE...]
  local dir=$1
  shift
  rm -f "$dir/go"
  pg_start "$@" FERRY_PG_START="$dir/go" || return 1
  if [ ! -f "$dir/rules-in" ]; then
    vs_add_fdb "$dir/fdb.txt" && vs_add_flows "$dir/rules.txt" || return 1
    touch "$dir/rules-in"
  fi
  touch "$dir/go"
}

stop_switch() {
  pg_stop
  [ -n "$VS_DIR" ] && [ -n "$BENCH_FAIL" ] && vs_log_tail 15 >&2
  vs_stop
  guest_stop
}

keep_log() { cp "$1" "$out/pktgen-logs/$2" 2>/dev/null; }

record() {  # record PROFILE SYSTEM ROUND KIND MPPS SENT RECEIVED [LAT_AVG LAT_MIN LAT_MAX]
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
    "${8:-}" "${9:-}" "${10:-}" >>"$results"
}

# The zero-loss search (and the latency trial at its rate) on the running
# switch; MAX is the search's upper bound in Mpps.
run_search() {  # run_search PROFILE SYSTEM ROUND DIR MAX
  local p=$1 sys=$2 r=$3 dir=$4 max=$5 rep=$4/rfc2544.txt l secs n
  n=$(tr ',' '\n' <<<"$losses" | grep -c .)
  secs=$((90 + n * 12 * (trial + 3)))
  # shellcheck disable=SC2046  # the settings are words
  launch "$dir" "$dir/pg-rfc" rfc2544 "$rep" "$secs" FERRY_PG_SECONDS="$trial" FERRY_PG_WARMUP=1 \
    FERRY_PG_MAX_MPPS="$max" FERRY_PG_LOSS_PCT="$losses" FERRY_PG_RESOLUTION="$resolution" \
    FERRY_PG_LATENCY="$latency" $(profile_env "$p") && pg_wait || return 1
  keep_log "$rep" "$p-$sys.$r.rfc2544.txt"
  local m
  for l in ${losses//,/ }; do
    m=$(report_kv "$rep" rfc2544 mpps "loss_pct=$l")
    # No trial passed: below the lowest rate tried.
    [ "$m" = 0.0000 ] && m="<$(report_kv "$rep" rfc2544 lowest_failed_mpps "loss_pct=$l")"
    record "$p" "$sys" "$r" "zero-loss@$l" "$m" "" ""
  done
  if [ "$latency" = 1 ] && grep -q '^latency' "$rep"; then
    record "$p" "$sys" "$r" latency "$(report_kv "$rep" latency mpps)" "" "" \
      "$(report_kv "$rep" latency lat_avg_us)" "$(report_kv "$rep" latency lat_min_us)" \
      "$(report_kv "$rep" latency lat_max_us)"
  fi
}

run_profile() {  # run_profile PROFILE SYSTEM ROUND
  local p=$1 sys=$2 r=$3 c dir rep mpps
  c=$(profile_case "$p")
  dir=$BENCH_DIR/$p/$sys.$r
  rep=$dir/throughput.txt
  mkdir -p "$dir"
  RULE_ACTIONS="mod_dl_dst:$PG_MAC1,output:sink"
  if [ "$p" = pvp ]; then pvp_rules "$dir/rules.txt"; else case_rules "$c" "$dir/rules.txt" >/dev/null; fi
  start_switch "$sys" "$dir" "$c" || return 1
  if [ "$p" = pvp ]; then
    guest_start "$dir/guest" "$dir/sock/vm.sock" "$GUEST_CPU" &&
      vs_add_vhost_port vm "$dir/sock/vm.sock" 3 || return 1
  fi
  # shellcheck disable=SC2046  # the settings are words
  launch "$dir" "$dir/pg" "$(profile_lua "$p")" "$rep" $((90 + warmup + seconds)) \
    FERRY_PG_SECONDS="$seconds" FERRY_PG_WARMUP="$warmup" $(profile_env "$p") && pg_wait || return 1
  keep_log "$rep" "$p-$sys.$r.txt"
  mpps=$(awk '$1 ~ /^phy-phy/' "$rep" | tr ' ' '\n' | sed -n 's/^mpps=//p' | head -1)
  record "$p" "$sys" "$r" throughput "$mpps" \
    "$(tr ' ' '\n' <"$rep" | sed -n 's/^sent=//p' | head -1)" \
    "$(tr ' ' '\n' <"$rep" | sed -n 's/^received=//p' | head -1)"
  bench_log "$p ($(profile_label "$p")): $(vs_label "$sys") received $mpps Mpps"
  if [[ " ${zl_list[*]} " == *" $p "* ]]; then
    run_search "$p" "$sys" "$r" "$dir" "$(awk -v m="$mpps" 'BEGIN { printf "%.4f", m * 1.2 }')" ||
      return 1
  fi
}

# --smoke: both directions, exact counters, then a short search.
run_smoke() {
  local dir=$BENCH_DIR/smoke rep bad=0 d
  mkdir -p "$dir"
  printf '%s\n' "in_port=src,actions=mod_dl_dst:$PG_MAC1,output:sink" \
    "in_port=sink,actions=mod_dl_dst:$PG_MAC0,output:src" >"$dir/rules.txt"
  start_switch ferry "$dir" simple-1 || return 1
  rep=$dir/smoke.txt
  # Pktgen holds its ports connected while the switch's counters are read.
  launch "$dir" "$dir/pg" smoke "$rep" 120 FERRY_PG_COUNT="$count" FERRY_PG_MPPS="$smoke_mpps" \
    FERRY_PG_HOLD="$dir/read" || return 1
  bench_wait_for 100 grep -q '^holding' "$rep" || { touch "$dir/read"; pg_wait; return 1; }
  for d in "src sink p0 p1 secs01" "sink src p1 p0 secs10"; do
    set -- $d
    local ptx frx ftx prx
    ptx=$(report_kv "$rep" smoke "${3}_tx")
    frx=$(port_pkts "$1" rx)
    ftx=$(port_pkts "$2" tx)
    prx=$(report_kv "$rep" smoke "${4}_rx")
    echo "pktgen_smoke $1->$2 count=$count pktgen_tx=$ptx ferry_rx=$frx ferry_tx=$ftx pktgen_rx=$prx" \
      "send_secs=$(report_kv "$rep" smoke "$5")"
    if [ "$ptx" != "$count" ] || [ "$frx" != "$ptx" ] || [ "$ftx" != "$frx" ] || [ "$prx" != "$ftx" ]; then
      BENCH_FAIL="counters do not add up ($1->$2)"
      bad=1
    fi
    [ "$1" = sink ] && { touch "$dir/read"; pg_wait || return 1; keep_log "$rep" smoke.txt; }
  done
  [ $bad = 0 ] || return 1
  # A search up to 20 times the smoke's rate: it converges on a busy machine.
  run_search p64 ferry 1 "$dir" "$(awk -v m="$smoke_mpps" 'BEGIN { print 20 * m }')"
}

if [ $smoke = 1 ]; then
  BENCH_SERIAL=1
  BENCH_FAIL=""
  if ! run_smoke; then
    failures=1
    bench_log "smoke FAILED: $BENCH_FAIL"
  fi
  stop_switch
else
  bench_log "profiles ${prof_list[*]}; systems ${sys_list[*]}; ${warmup}s warm-up, ${seconds}s" \
    "trials; zero-loss search: ${zero_loss:-none}, loss ${losses} %, ${trial}s trials"
  for p in "${prof_list[@]}"; do
    for ((round = 1; round <= repeat; round++)); do
      for ((k = 0; k < ${#sys_list[@]}; k++)); do
        sys=${sys_list[(k + round - 1) % ${#sys_list[@]}]}
        BENCH_SERIAL=$((BENCH_SERIAL + 1))
        BENCH_FAIL=""
        if ! run_profile "$p" "$sys" "$round"; then
          failures=$((failures + 1))
          bench_log "$p: $(vs_label "$sys") FAILED: $BENCH_FAIL"
          record "$p" "$sys" "$round" failed "" "" ""
          [ -f "$BENCH_DIR/$p/$sys.$round/pg/pktgen.out" ] &&
            keep_log "$BENCH_DIR/$p/$sys.$round/pg/pktgen.out" "$p-$sys.$round.pktgen.out"
        fi
        stop_switch
      done
    done
  done
fi

cp "$results" "$out/pktgen.tsv"
"$BENCH_PYTHON" "$here/pktgen_report.py" "$out/pktgen.tsv" --plot "$out/pktgen.png" \
  --title "Pktgen-DPDK over net_memif; $(pg_cpu_plan)" || failures=$((failures + 1))
[ $failures = 0 ]
