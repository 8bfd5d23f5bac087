#!/usr/bin/env bash
# ferry-migrate's qemu driver in the lab (scripts/lab/topology.sh with
# LAB_VM=qemu): A0 is a QEMU guest on S1's vhost-user port a0; the plan 000
# migration to S2 runs through QMP (the destination QEMU started with
# -incoming defer by the inventory's command, migrate-incoming,
# downtime-limit, migrate, the STOP and RESUME events), the cut-over on the
# VM's first frame on S2 (QEMU's RARP through the vhost-user back end),
# under a UDP stream each way counted at the receivers (inside the guest
# for A1 -> A0). One migration: TCG is slow.
source "$(dirname "$0")/lib.sh"
ft_init migrate_qemu
export LAB_VM=qemu
source "$FT_TOP/scripts/lab/topology.sh"
top=$FT_TOP
rate=1000
source "$FT_TOP/scripts/lab/migrate_traffic.sh"
rget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "absent"))' "$1" "$2"; }

ft_case "set-up: the lab with A0 a QEMU guest on S1 ($("$LAB_GUEST" accel))"
ft_check "lab" lab_build
if [ "$FT_CASE_FAILED" != 0 ]; then
  ft_finish
  exit
fi
ft_check "A1 pings the guest through F1" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_eq "A0 runs on S1" s1 "$(lab_where)"
ft_contains "the inventory's driver" "$(cat "$FT_DIR/inventory.json")" '"driver": "qemu"'

ft_case "plan 000 to S2 under a $rate pps stream each way, counted in the guest"
out=$(run q000 S2 000)
ft_eq "the migration and its accounting" 0 $?
ft_log "  $out"
ft_log "  $(tr '\n' '|' <"$FT_DIR/q000.progress")"
rep=$FT_DIR/q000.json
ft_eq "report status" done "$(rget "$rep" status)"
ft_eq "cut-over on the VM's first frame" frame "$(rget "$rep" cutover_trigger)"
ft_check "QEMU's RARP reached S2's Ferry (VHOST_USER_SEND_RARP)" \
  grep -q "vm-S2/vhu.sock) read message VHOST_USER_SEND_RARP" "$FT_DIR/s2/ferry-vswitchd.log"
ft_eq "the guest runs on S2" s2 "$(lab_where)"
ft_check "the source QEMU has ended" sh -c "! kill -0 \$(cat '$FT_DIR/vm-S1/qemu.pid') 2>/dev/null"
ft_eq "QEMU's own figures and the events' window in the report" ok "$(python3 - "$rep" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = r["qemu_downtime_ms"] >= 0 and r["qemu_total_ms"] >= r["qemu_downtime_ms"]
ok = ok and r["qemu_ram_bytes"] > 0 and r["stop_ns"] < r["resume_ns"] and r["gate_ms"] == 0
ok = ok and abs((r["resume_ns"] - r["stop_ns"]) / 1e6 - r["pause_ms"]) < 0.01
print("ok" if ok else r)
PY
)"
ft_eq "A1 -> A0: every datagram received or lost" "$(ft_json_get "$out" sent)" \
  "$(($(ft_json_get "$out" received) + $(ft_json_get "$out" lost)))"
ft_eq "A1 -> A0: duplicated (in the guest)" 0 "$(ft_json_get "$out" duplicated)"
ft_eq "A1 -> A0: reordered (in the guest)" 0 "$(ft_json_get "$out" reordered)"
rev=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["reverse"]))' "$out")
ft_eq "A0 -> A1: duplicated" 0 "$(ft_json_get "$rev" duplicated)"
ft_eq "A0 -> A1: reordered" 0 "$(ft_json_get "$rev" reordered)"
ft_eq "no residue" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_check "A1 pings the guest on S2" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_finish
