#!/usr/bin/env bash
# scripts/lab.sh migrate: live migration of A0 from S1 to S2 under traffic
# in the lab of scripts/lab/topology.sh, with ferry-migrate; then the same
# back with the baseline plan (no staging) for contrast.
#
#   scripts/lab.sh migrate [--plan 000|000-prio|003-dup] [--rate PPS]
#                          [--repeat N] [--json] [--plot] [--keep] [--ovs-fabric]
#
# Streams sequence-numbered UDP A1 -> A0 (the measured direction) and
# A0 -> A1 at --rate (default 20000) each, and prints per plan: sent,
# received, lost, lost outside the VM's pause, duplicated, reordered, the
# longest gap between arrivals (blackout), the pause, the orchestrator's
# staging and cleanup times. --repeat N then migrates N more times back and
# forth and checks that no vMAC and no entry is left. --json: the last line
# is one JSON object with the figures. --plot writes a PNG timeline per
# run to build/lab/ (arrivals per ms, the pause, the cut-over).
# --ovs-fabric: F1 (the fabric switch of the VMs' and the staged paths) is Open
#   vSwitch's ovs-vswitchd, programmed with OpenFlow flow_mods. Its default
#   rate is 5000: at 20000 each way, ovs-vswitchd's userspace datapath on
#   these veth ports drops ~15% of the stream here all along, migration or not.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
plan=000
rate=
repeat=0
json=0
keep=0
plot=0
while [ $# -gt 0 ]; do
  case "$1" in
    --plan) plan=$2; shift ;;
    --rate) rate=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    --json) json=1 ;;
    --keep) keep=1 ;;
    --plot) plot=1 ;;
    --ovs-fabric) export LAB_OVS_FABRIC=f1 ;;
    *) echo "usage: scripts/lab.sh migrate [--plan P] [--rate PPS] [--repeat N] [--json] [--keep] [--ovs-fabric]" >&2; exit 1 ;;
  esac
  shift
done
[ -n "$rate" ] || rate=$([ -n "${LAB_OVS_FABRIC:-}" ] && echo 5000 || echo 20000)

source "$top/test/integration/lib.sh"
FT_NAME=lab-migrate
FT_TAG=$(printf 'm%04x' $(( ($$ + RANDOM) % 65536 )))
FT_DIR=$(mktemp -d /tmp/ferry-lab-migrate-XXXXXX)
export OVS_RUNDIR=$FT_DIR OVS_LOGDIR=$FT_DIR OVS_DBDIR=$FT_DIR OVS_SYSCONFDIR=$FT_DIR
trap ft_cleanup EXIT
trap 'exit 130' INT TERM
[ $keep = 1 ] && export FERRY_KEEP=1
source "$top/scripts/lab/topology.sh"

say() { [ $json = 1 ] && printf '%s\n' "$*" >&2 || printf '%s\n' "$*"; }
say "== building the lab in $FT_DIR: S1 S2 S3, F1 F2${LAB_OVS_FABRIC:+ (F1: ovs-vswitchd, OpenFlow)}, A0 on S1, A1 on S3"
lab_build || { echo "lab: set-up failed (logs in $FT_DIR)" >&2; FERRY_KEEP=1; exit 1; }

# run NAME TO PLAN: one migration under both streams; prints the figures.
run() {
  local name=$1 to=$2 p=$3 ms=4000
  for side in a0:7000 a1:7001; do
    rm -f "$FT_DIR/$name-${side%%:*}.ready"
    ip netns exec "$(ft_ns ${side%%:*})" "$FT_PKTGEN" udp-recv --port ${side##*:} --until-idle-ms 1500 \
      --duration-ms 30000 --timeline "$FT_DIR/$name-${side%%:*}.csv" \
      --ready-file "$FT_DIR/$name-${side%%:*}.ready" --json >/dev/null 2>&1 &
    FT_PIDS+=($!)
    eval "recv_${side%%:*}=$!"
    ft_wait_for 5 test -e "$FT_DIR/$name-${side%%:*}.ready"
  done
  ip netns exec "$(ft_ns a1)" "$FT_PKTGEN" udp-send --dst 10.0.0.10:7000 --rate "$rate" --duration-ms $ms \
    --json >"$FT_DIR/$name-a1.send" 2>&1 &
  local s1=$!
  ip netns exec "$(ft_ns a0)" "$FT_PKTGEN" udp-send --dst 10.0.0.11:7001 --rate "$rate" --duration-ms $ms \
    --json >"$FT_DIR/$name-a0.send" 2>&1 &
  local s2=$!
  FT_PIDS+=($s1 $s2)
  sleep 1
  lab_migrate migrate A0 --to "$to" --plan "$p" --json >"$FT_DIR/$name.json" 2>"$FT_DIR/$name.progress"
  local rc=$?
  cat "$FT_DIR/$name.progress" >&2
  wait $s1 $s2 $recv_a0 $recv_a1
  [ $rc = 0 ] || return 1
  local fwd rev
  fwd=$(python3 "$top/scripts/lab/analyze.py" "$FT_DIR/$name-a0.csv" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/$name-a1.send")" \
    "$FT_DIR/$name.json")
  rev=$(python3 "$top/scripts/lab/analyze.py" "$FT_DIR/$name-a1.csv" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/$name-a0.send")" \
    "$FT_DIR/$name.json")
  python3 -c 'import json,sys; f=json.loads(sys.argv[1]); f["reverse"]=json.loads(sys.argv[2]); print(json.dumps(f))' "$fwd" "$rev"
}

table() {
  python3 - "$@" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
keys = ["sent", "received", "lost", "lost_outside_pause", "lost_outside_downtime", "duplicated",
        "reordered", "blackout_ms", "pause_ms", "gate_ms", "staging_ms", "cleanup_ms"]
print("%-24s" % "A1 -> A0" + "".join("%14s" % r["plan"] for r in rows))
for k in keys:
    print("%-24s" % k + "".join("%14s" % r[k] for r in rows))
print("%-24s" % "A0 -> A1 lost" + "".join("%14s" % r["reverse"]["lost"] for r in rows))
print("%-24s" % "A0 -> A1 outside pause" + "".join("%14s" % r["reverse"]["lost_outside_pause"] for r in rows))
PY
}

say "== plan $plan: A0 S1 -> S2 at $rate pps each way"
main=$(run main S2 "$plan") || { echo "lab: the migration failed (logs in $FT_DIR)" >&2; exit 1; }
say "== plan baseline: A0 S2 -> S1 at $rate pps each way"
base=$(run base S1 baseline) || { echo "lab: the baseline migration failed" >&2; exit 1; }
if [ $json = 1 ]; then table "$main" "$base" >&2; else table "$main" "$base"; fi
if [ $plot = 1 ]; then
  mkdir -p "$top/build/lab"
  for r in main:"$plan" base:baseline; do
    png=$top/build/lab/migrate-${r#*:}.png
    /usr/bin/python3 "$top/scripts/lab/plot.py" "$FT_DIR/${r%%:*}-a0.csv" "$FT_DIR/${r%%:*}.json" "$png" \
      "A0 S1<->S2, plan ${r#*:}, $rate pps" && say "  timeline: $png"
  done
fi

leaks=0
if [ "$repeat" -gt 0 ]; then
  say "== $repeat more migrations back and forth (plan $plan)"
  for ((i = 1; i <= repeat; i++)); do
    to=S2
    [ "$(lab_where)" = s2 ] && to=S1
    lab_migrate migrate A0 --to $to --plan "$plan" >/dev/null 2>&1 || { say "  migration $i failed"; leaks=$((leaks + 1)); }
  done
  pool=$(lab_migrate pool | head -1)
  residue=$(lab_residue)
  say "  pool: $pool"
  say "  vmac/show and virtual-MAC entries left on the five daemons: ${residue:-none}"
  [ -n "$residue" ] && leaks=$((leaks + 1))
  case "$pool" in *" 0 in use"*) ;; *) leaks=$((leaks + 1)) ;; esac
fi
if [ $json = 1 ]; then
  python3 -c 'import json,sys; print(json.dumps({"plan": json.loads(sys.argv[1]), "baseline": json.loads(sys.argv[2]), "repeat": int(sys.argv[3]), "leaks": int(sys.argv[4])}))' \
    "$main" "$base" "$repeat" "$leaks"
fi
[ $leaks = 0 ]
