#!/usr/bin/env bash
# scripts/lab.sh failover [--rate PPS] [--link] [--json]: SEEDS 000
# embodiment 3 in the migration lab. Stages two candidate paths to A0 (m1
# through F1, m2 through F2), streams UDP from A1 to A0, stops F1's daemon
# under the stream (--link: takes F1's link to S3 down instead) while
# `ferry-migrate failover A0 --watch` watches, and reports the gap and the
# loss. Only the sender's conversions change.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
rate=20000
json=0
link=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate=$2; shift ;;
    --json) json=1 ;;
    --link) link=1 ;;
    *) echo "usage: scripts/lab.sh failover [--rate PPS] [--link] [--json]" >&2; exit 1 ;;
  esac
  shift
done
source "$top/test/integration/lib.sh"
FT_NAME=lab-failover
FT_TAG=$(printf 'o%04x' $(( ($$ + RANDOM) % 65536 )))
FT_DIR=$(mktemp -d /tmp/ferry-lab-failover-XXXXXX)
export OVS_RUNDIR=$FT_DIR OVS_LOGDIR=$FT_DIR OVS_DBDIR=$FT_DIR OVS_SYSCONFDIR=$FT_DIR
trap ft_cleanup EXIT
trap 'exit 130' INT TERM
source "$top/scripts/lab/topology.sh"
say() { if [ $json = 1 ]; then printf '%s\n' "$*" >&2; else printf '%s\n' "$*"; fi; }

say "== building the lab in $FT_DIR"
lab_build || { echo "lab: set-up failed" >&2; exit 1; }
say "== two candidate paths to A0: m1 through F1 (active), m2 through F2"
say "$(lab_migrate stage-paths A0 --candidates 2)"
ip netns exec "$(ft_ns a0)" "$FT_PKTGEN" udp-recv --port 7000 --until-idle-ms 1500 --duration-ms 30000 \
  --timeline "$FT_DIR/fo.csv" --ready-file "$FT_DIR/fo.ready" --json >/dev/null 2>&1 &
recv=$!
FT_PIDS+=($recv)
ft_wait_for 5 test -e "$FT_DIR/fo.ready"
ip netns exec "$(ft_ns a1)" "$FT_PKTGEN" udp-send --dst 10.0.0.10:7000 --rate "$rate" --duration-ms 3000 \
  --json >"$FT_DIR/fo.send" 2>&1 &
send=$!
FT_PIDS+=($send)
lab_migrate failover A0 --watch 5 >"$FT_DIR/watch.out" 2>&1 &
watch=$!
FT_PIDS+=($watch)
sleep 1
if [ $link = 1 ]; then
  say "== F1's link to S3 down under $rate pps"
  stop_ns=$("$FT_PKTGEN" now)
  ip -n "$(ft_ns f1)" link set s3 down
else
  say "== stopping F1 under $rate pps"
  stop_ns=$("$FT_PKTGEN" now)
  kill "$(cat "$FT_DIR/f1/ferry-vswitchd.pid")"
fi
wait $send $recv $watch
[ $json = 1 ] && cat "$FT_DIR/watch.out" >&2 || cat "$FT_DIR/watch.out"
python3 - "$FT_DIR/fo.csv" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/fo.send")" "$stop_ns" "$json" <<'PY'
import json, sys
rows = [l.split(",") for l in open(sys.argv[1]) if l.strip()]
seqs = [int(r[2]) for r in rows]
arr = sorted(int(r[0]) for r in rows)
sent, stop = int(sys.argv[2]), int(sys.argv[3])
gap = max((b - a for a, b in zip(arr, arr[1:])), default=0) / 1e6
r = {"sent": sent, "received": len(set(seqs)), "lost": sent - len(set(seqs)),
     "duplicated": len(seqs) - len(set(seqs)),
     "reordered": sum(1 for a, b in zip(seqs, seqs[1:]) if b < a), "gap_ms": round(gap, 2)}
if sys.argv[4] == "1":
    print(json.dumps(r))
else:
    for k, v in r.items():
        print("%-10s %s" % (k, v))
PY
