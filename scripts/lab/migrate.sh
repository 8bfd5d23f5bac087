#!/usr/bin/env bash
# scripts/lab.sh migrate: live migration of A0 from S1 to S2 under traffic
# in the lab of scripts/lab/topology.sh, with ferry-migrate; then the same
# back with the baseline plan (no staging) for contrast.
#
#   scripts/lab.sh migrate [--plan 000|000-prio|003-dup] [--vm netns|qemu] [--rate PPS]
#                          [--runs N] [--repeat N] [--json] [--plot] [--keep] [--ovs-fabric]
#
# Streams sequence-numbered UDP A1 -> A0 (the measured direction) and
# A0 -> A1 at --rate each, and prints per plan: sent, received, lost, lost
# outside the VM's pause and outside the pause without the switch-over
# gate, duplicated, reordered, the longest gap between arrivals (blackout),
# the pause, the gate, the orchestrator's staging and cleanup times.
# --vm qemu: A0 is a QEMU guest on vhost-user ports, moved by the qemu
#   driver (QMP); A1 -> A0 is counted inside the guest (its agent's receive
#   timestamps), and QEMU's own downtime and total time are reported.
#   Default rate 1000 (TCG).
# --runs N: the whole experiment (plan there, baseline back) N times; prints
#   each run and p50/p95/max of every figure.
# --repeat N then migrates N more times back and forth and checks that no
# vMAC and no entry is left. --json: the last line is one JSON object with
# the figures. --plot writes a PNG timeline per plan to build/lab/
# (arrivals per ms, the pause, the cut-over) and, with --runs, the
# distribution of each figure over the runs.
# --ovs-fabric: F1 (the fabric switch of the VMs' and the staged paths) is Open
#   vSwitch's ovs-vswitchd, programmed with OpenFlow flow_mods. Its default
#   rate is 5000: at 20000 each way, ovs-vswitchd's userspace datapath on
#   these veth ports drops ~15% of the stream here all along, migration or not.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
plan=000
rate=
repeat=0
runs=1
json=0
keep=0
plot=0
vm=netns
usage="usage: scripts/lab.sh migrate [--plan P] [--vm netns|qemu] [--rate PPS] [--runs N] [--repeat N] [--json] [--plot] [--keep] [--ovs-fabric]"
while [ $# -gt 0 ]; do
  case "$1" in
    --plan) plan=$2; shift ;;
    --vm) vm=$2; shift ;;
    --rate) rate=$2; shift ;;
    --runs) runs=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    --json) json=1 ;;
    --keep) keep=1 ;;
    --plot) plot=1 ;;
    --ovs-fabric) export LAB_OVS_FABRIC=f1 ;;
    *) echo "$usage" >&2; exit 1 ;;
  esac
  shift
done
case "$vm" in netns | qemu) ;; *) echo "--vm: netns or qemu" >&2; exit 1 ;; esac
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "--runs: a positive number" >&2; exit 1; }
if [ -z "$rate" ]; then
  rate=20000
  [ -n "${LAB_OVS_FABRIC:-}" ] && rate=5000
  [ "$vm" = qemu ] && rate=1000
fi
export LAB_VM=$vm

source "$top/test/integration/lib.sh"
FT_NAME=lab-migrate
FT_TAG=$(printf 'm%04x' $(( ($$ + RANDOM) % 65536 )))
FT_DIR=$(mktemp -d /tmp/ferry-lab-migrate-XXXXXX)
export OVS_RUNDIR=$FT_DIR OVS_LOGDIR=$FT_DIR OVS_DBDIR=$FT_DIR OVS_SYSCONFDIR=$FT_DIR
trap ft_cleanup EXIT
trap 'exit 130' INT TERM
[ $keep = 1 ] && export FERRY_KEEP=1
source "$top/scripts/lab/topology.sh"
source "$top/scripts/lab/migrate_traffic.sh"

say() { [ $json = 1 ] && printf '%s\n' "$*" >&2 || printf '%s\n' "$*"; }
say "== building the lab in $FT_DIR: S1 S2 S3, F1 F2${LAB_OVS_FABRIC:+ (F1: ovs-vswitchd, OpenFlow)}, A0 ($vm) on S1, A1 on S3"
lab_build || { echo "lab: set-up failed (logs in $FT_DIR)" >&2; FERRY_KEEP=1; exit 1; }

all=()
for ((r = 1; r <= runs; r++)); do
  tag=""
  [ "$runs" -gt 1 ] && tag="-$r"
  say "== run $r/$runs, plan $plan: A0 S1 -> S2 at $rate pps each way"
  main=$(run "main$tag" S2 "$plan") || { echo "lab: the migration failed (logs in $FT_DIR)" >&2; exit 1; }
  say "== run $r/$runs, plan baseline: A0 S2 -> S1 at $rate pps each way"
  base=$(run "base$tag" S1 baseline) || { echo "lab: the baseline migration failed (logs in $FT_DIR)" >&2; exit 1; }
  all+=("{\"plan\": $main, \"baseline\": $base}")
  if [ $json = 1 ]; then table "$main" "$base" >&2; else table "$main" "$base"; fi
done
stats=$(printf '%s\n' "${all[@]}" | python3 "$top/scripts/lab/runstats.py" --vm "$vm")
if [ "$runs" -gt 1 ]; then
  say "== $runs runs: p50 / p95 / max"
  printf '%s\n' "${all[@]}" | python3 "$top/scripts/lab/runstats.py" --vm "$vm" --table >&$([ $json = 1 ] && echo 2 || echo 1)
fi
if [ $plot = 1 ]; then
  mkdir -p "$top/build/lab"
  for r in main:"$plan" base:baseline; do
    name=${r%%:*}$([ "$runs" -gt 1 ] && echo -1)
    png=$top/build/lab/migrate-$vm-${r#*:}.png
    /usr/bin/python3 "$top/scripts/lab/plot.py" "$FT_DIR/$name-a0.csv" "$FT_DIR/$name.json" "$png" \
      "A0 S1<->S2 ($vm), plan ${r#*:}, $rate pps" $([ "$vm" = qemu ] && echo --by-send-time) &&
      say "  timeline: $png"
  done
  if [ "$runs" -gt 1 ]; then
    png=$top/build/lab/migrate-$vm-runs.png
    printf '%s\n' "${all[@]}" | /usr/bin/python3 "$top/scripts/lab/runstats.py" --vm "$vm" --plot "$png" \
      "$plan vs baseline, $runs runs ($vm, $rate pps)" && say "  distribution: $png"
  fi
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
  python3 -c 'import json,sys
first = json.loads(sys.argv[1])
print(json.dumps({"vm": sys.argv[5], "plan": first["plan"], "baseline": first["baseline"],
                  "runs": [json.loads(a) for a in sys.argv[6:]], "stats": json.loads(sys.argv[2]),
                  "repeat": int(sys.argv[3]), "leaks": int(sys.argv[4])}))' \
    "${all[0]}" "$stats" "$repeat" "$leaks" "$vm" "${all[@]}"
fi
[ $leaks = 0 ]
