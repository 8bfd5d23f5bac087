# One migration of A0 under traffic in the lab, for scripts/lab/migrate.sh
# (sourced after scripts/lab/topology.sh; uses $rate and $top).
#
# run NAME TO PLAN: streams A1 -> A0 (port 7000) and A0 -> A1 (port 7001)
# at $rate pps each, migrates A0 to TO with PLAN after 1 s, and prints one
# JSON object: scripts/lab/analyze.py's figures of A1 -> A0, with those of
# A0 -> A1 under "reverse". Leaves $FT_DIR/NAME.json (ferry-migrate's
# report), NAME-a0.csv and NAME-a1.csv (the receivers' timelines).
# With LAB_VM=qemu, A0's side runs in the guest (ferry-guest-agent): its
# timeline has the guest's receive timestamps, fetched once it ended.

# lab_recv_start NAME SIDE PORT: a receiver with a timeline, ready.
lab_recv_start() {
  local name=$1 side=$2 port=$3
  rm -f "$FT_DIR/$name-$side.ready"
  ip netns exec "$(ft_ns "$side")" "$FT_PKTGEN" udp-recv --port "$port" --until-idle-ms 1500 \
    --duration-ms 60000 --timeline "$FT_DIR/$name-$side.csv" \
    --ready-file "$FT_DIR/$name-$side.ready" --json >/dev/null 2>&1 &
  FT_PIDS+=($!)
  LAB_RECV_PIDS+=($!)
  ft_wait_for 5 test -e "$FT_DIR/$name-$side.ready"
}

# lab_send_start NAME SIDE DST MS: a sender at $rate for MS milliseconds.
lab_send_start() {
  ip netns exec "$(ft_ns "$2")" "$FT_PKTGEN" udp-send --dst "$3" --rate "$rate" --duration-ms "$4" \
    --json >"$FT_DIR/$1-$2.send" 2>&1 &
  FT_PIDS+=($!)
  LAB_SEND_PIDS+=($!)
}

sent_of() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sent"])' "$1"; }

run() {
  local name=$1 to=$2 p=$3 ms=4000 from=S1 rc
  LAB_RECV_PIDS=() LAB_SEND_PIDS=()
  [ "$to" = S1 ] && from=S2
  if [ "$LAB_VM" = qemu ]; then
    # Long enough for the destination QEMU to start and the pre-copy.
    ms=10000
    lab_guest $from "rm -f /tmp/$name.ready /tmp/$name.csv" >/dev/null
    "$LAB_GUEST" run "$FT_DIR/vm-$from" "r$name" ferry-guest-agent udp-recv --port 7000 \
      --until-idle-ms 1500 --duration-ms 60000 --timeline "/tmp/$name.csv" \
      --ready-file "/tmp/$name.ready" --json
    ft_wait_for 30 lab_guest $from "test -e /tmp/$name.ready" || return 1
    lab_recv_start "$name" a1 7001
    lab_send_start "$name" a1 10.0.0.10:7000 $ms
    "$LAB_GUEST" run "$FT_DIR/vm-$from" "s$name" ferry-guest-agent udp-send --dst 10.0.0.11:7001 \
      --rate "$rate" --duration-ms $ms --json
  else
    lab_recv_start "$name" a0 7000
    lab_recv_start "$name" a1 7001
    lab_send_start "$name" a1 10.0.0.10:7000 $ms
    lab_send_start "$name" a0 10.0.0.11:7001 $ms
  fi
  sleep 1
  lab_migrate migrate A0 --to "$to" --plan "$p" --json >"$FT_DIR/$name.json" 2>"$FT_DIR/$name.progress"
  rc=$?
  cat "$FT_DIR/$name.progress" >&2
  wait "${LAB_SEND_PIDS[@]}" "${LAB_RECV_PIDS[@]}"
  [ $rc = 0 ] || return 1
  local fwd rev sent_a0 clock=""
  if [ "$LAB_VM" = qemu ]; then
    # The guest's stream and timeline, from wherever it runs now.
    local at=$to
    "$LAB_GUEST" wait "$FT_DIR/vm-$at" "s$name" 60 >"$FT_DIR/$name-a0.send" || return 1
    "$LAB_GUEST" wait "$FT_DIR/vm-$at" "r$name" 60 >"$FT_DIR/$name-a0.recv" || return 1
    lab_guest $at "cat /tmp/$name.csv" >"$FT_DIR/$name-a0.csv" || return 1
    clock=--guest-clock
  fi
  fwd=$(python3 "$top/scripts/lab/analyze.py" "$FT_DIR/$name-a0.csv" \
    "$(sent_of "$(cat "$FT_DIR/$name-a1.send")")" "$FT_DIR/$name.json" $clock)
  # A0 -> A1: with a guest, its send times are on the guest's clock, which
  # stands still while the VM is stopped: no window to compare them with.
  rev=$(python3 "$top/scripts/lab/analyze.py" "$FT_DIR/$name-a1.csv" \
    "$(sent_of "$(cat "$FT_DIR/$name-a0.send")")" "$FT_DIR/$name.json" \
    ${clock:+--guest-clock --no-window})
  python3 -c 'import json,sys; f=json.loads(sys.argv[1]); f["reverse"]=json.loads(sys.argv[2]); print(json.dumps(f))' "$fwd" "$rev"
}

# table MAIN BASE: the figures of a plan and of the baseline, side by side.
table() {
  python3 - "$LAB_VM" "$@" <<'PY'
import json, sys
vm, rows = sys.argv[1], [json.loads(a) for a in sys.argv[2:]]
if vm == "qemu":
    keys = ["sent", "received", "lost", "lost_outside_downtime", "lost_outside_qemu_downtime",
            "duplicated", "reordered", "blackout_ms", "pause_ms", "qemu_downtime_ms",
            "qemu_total_ms", "staging_ms", "cleanup_ms"]
    rev = ["lost", "duplicated", "reordered", "blackout_ms"]
else:
    keys = ["sent", "received", "lost", "lost_outside_pause", "lost_outside_downtime",
            "duplicated", "reordered", "blackout_ms", "pause_ms", "gate_ms", "staging_ms",
            "cleanup_ms"]
    rev = ["lost", "lost_outside_pause"]
print("%-28s" % "A1 -> A0" + "".join("%14s" % r["plan"] for r in rows))
for k in keys:
    print("%-28s" % k + "".join("%14s" % r.get(k, "-") for r in rows))
for k in rev:
    print("%-28s" % ("A0 -> A1 " + k) + "".join("%14s" % r["reverse"].get(k, "-") for r in rows))
PY
}
