#!/usr/bin/env bash
# scripts/lab.sh ovn-migrate: a live migration under OVN, measured. Two
# Ferry chassis over Geneve with ovn-controller on each
# (scripts/lab/ovn_chassis.sh); ferry-migrate's netns driver moves vm1 from
# hv1 to hv2 while vm2 (hv2, the same logical switch) streams numbered UDP
# to it, once with OVN's own live-migration support and once without:
#
#   rarp      lsp-set-options lsp1 requested-chassis=hv1,hv2
#             activation-strategy=rarp before the move (bound on both
#             chassis, blocked on hv2 until ovn-controller sees the VM's
#             RARP there), requested-chassis=hv2 after it
#   baseline  no options: OVN binds the port where it appears
#
#   scripts/lab.sh ovn-migrate [--runs N] [--rate PPS] [--rounds N] [--json] [--keep]
#
# Each run moves vm1 hv1 -> hv2 in both modes (in alternating order) and
# back without a stream, and prints per mode: sent, received, lost, lost
# outside the VM's pause, duplicated, reordered, the longest gap between
# arrivals (blackout) and the pause (scripts/lab/analyze.py); then p50 /
# p95 / max of each over the runs (scripts/lab/runstats.py). --rounds: the
# RARPs the driver sends (QEMU's announce-rounds, default 5; 1 shows what
# happens to the rarp mode when the only RARP comes too early). --json: the
# last line holds every run and the statistics.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
runs=1
rate=10000
json=0
keep=0
rounds=5
usage="usage: scripts/lab.sh ovn-migrate [--runs N] [--rate PPS] [--rounds N] [--json] [--keep]"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift ;;
    --rate) rate=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --json) json=1 ;;
    --keep) keep=1 ;;
    *) echo "$usage" >&2; exit 1 ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "--runs: a positive number" >&2; exit 1; }
[[ $rate =~ ^[1-9][0-9]*$ ]] || { echo "--rate: a positive number" >&2; exit 1; }
[[ $rounds =~ ^([1-9]|10)$ ]] || { echo "--rounds: 1 to 10" >&2; exit 1; }
export OVNMIG_ANNOUNCE_ROUNDS=$rounds

source "$top/test/integration/lib.sh"
FT_NAME=lab-ovn-migrate
FT_TAG=$(printf 'o%04x' $(( ($$ + RANDOM) % 65536 )))
FT_DIR=$(mktemp -d /tmp/ferry-lab-ovn-migrate-XXXXXX)
export OVS_RUNDIR=$FT_DIR OVS_LOGDIR=$FT_DIR OVS_DBDIR=$FT_DIR OVS_SYSCONFDIR=$FT_DIR
trap ft_cleanup EXIT
trap 'exit 130' INT TERM
[ $keep = 1 ] && export FERRY_KEEP=1
source "$top/scripts/lab/ovn_chassis.sh"

say() { if [ $json = 1 ]; then printf '%s\n' "$*" >&2; else printf '%s\n' "$*"; fi; }
fail() { echo "lab: $* (logs in $FT_DIR)" >&2; FERRY_KEEP=1; exit 1; }

# back: vm1 to hv1 without a stream and without options.
back() {
  ovnmig_mode baseline || return 1
  "$OVNMIG_MIGRATE" --inventory "$FT_DIR/inventory.json" migrate vm1 --to hv1 --plan baseline \
    >"$FT_DIR/back.out" 2>&1 || return 1
  ft_wait_for 20 ft_ping "$(ft_ns vm2)" 10.0.0.1 1
}

# measure MODE NAME: vm1 hv1 -> hv2 under the stream in MODE; prints the figures.
measure() {
  local mode=$1 name=$2 out
  ovnmig_mode "$mode" hv1 hv2 || return 1
  out=$(ovnmig_under_traffic "$name" hv2 "$rate") || return 1
  if [ "$mode" = rarp ]; then
    ovn-sbctl --bare get Port_Binding lsp1 options:additional-chassis-activated >"$FT_DIR/$name.activated" 2>&1
    ovnmig_finish hv2 || return 1
  fi
  [ "$(ovnmig_where)" = hv2 ] || return 1
  ft_wait_for 20 ft_ping "$(ft_ns vm2)" 10.0.0.1 1 || return 1
  # The mode's name in the figures (runstats.py's column title).
  python3 -c 'import json, sys; d = json.loads(sys.argv[1]); d["plan"] = sys.argv[2]; print(json.dumps(d))' \
    "$out" "$mode"
}

table() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for k in ("sent", "received", "lost", "lost_outside_pause", "duplicated", "reordered",
          "blackout_ms", "pause_ms"):
    print("  %-22s %12s %12s" % (k, a.get(k), b.get(k)))
PY
}

say "== building in $FT_DIR: OVN central, chassis hv1 and hv2 (Ferry, Geneve), vm1 on hv1, vm2 on hv2"
ovnmig_build 2>"$FT_DIR/build.log" || fail "set-up failed"
ft_wait_for 20 ft_ping "$(ft_ns vm2)" 10.0.0.1 1 || fail "vm2 cannot reach vm1"
all=()
for ((r = 1; r <= runs; r++)); do
  say "== run $r/$runs: vm1 hv1 -> hv2 under $rate pps from vm2, rarp activation and baseline"
  order="rarp baseline"
  [ $((r % 2)) = 0 ] && order="baseline rarp"
  declare -A fig=()
  for mode in $order; do
    fig[$mode]=$(measure "$mode" "$mode-$r") || fail "the $mode migration failed"
    back || fail "moving vm1 back failed"
  done
  activated=$(tr -d '"' <"$FT_DIR/rarp-$r.activated")
  say "  activated by RARP on: ${activated:-nothing}     rarp     baseline"
  if [ $json = 1 ]; then table "${fig[rarp]}" "${fig[baseline]}" >&2; else table "${fig[rarp]}" "${fig[baseline]}"; fi
  all+=("{\"plan\": ${fig[rarp]}, \"baseline\": ${fig[baseline]}}")
  unset fig
done
for h in hv1 hv2; do
  n=$(ft_on $h ft_ovn_of_errors)
  [ "$n" = 0 ] || say "warning: $h: $n OpenFlow errors in ovn-controller's log"
done
if [ "$runs" -gt 1 ] || [ $json = 0 ]; then
  say "== $runs runs, vm2 -> vm1 at $rate pps: p50 / p95 / max"
  printf '%s\n' "${all[@]}" | python3 "$top/scripts/lab/runstats.py" --vm ovn --table \
    >&$([ $json = 1 ] && echo 2 || echo 1)
fi
if [ $json = 1 ]; then
  stats=$(printf '%s\n' "${all[@]}" | python3 "$top/scripts/lab/runstats.py" --vm ovn)
  printf '{"rate": %d, "rounds": %d, "runs": [%s], "stats": %s}\n' "$rate" "$rounds" \
    "$(IFS=,; echo "${all[*]}")" "$stats"
fi
