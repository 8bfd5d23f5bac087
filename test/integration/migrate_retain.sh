#!/usr/bin/env bash
# SEEDS 003 retained source flows: after a migration the path back to the
# source stays staged and unused (its entries on F1 and S3 under a vMAC,
# the sender's conversion staged, the receiver's on the source) for the
# inventory's retain_hold_ms; a migration back within the hold starts with
# it (under a stream: nothing lost outside the pause, no duplicate, no
# reordering); past the hold `expire` removes it and nothing is left (no
# entry, no conversion, no ledger row, no state-database entry, the vMAC
# pool whole). The staging phase with and without the kept path is
# reported (not asserted).
source "$(dirname "$0")/lib.sh"
ft_init migrate_retain
source "$FT_TOP/scripts/lab/topology.sh"

set_hold() {  # set_hold MS: the inventory's retain_hold_ms
  python3 - "$FT_DIR/inventory.json" "$1" <<'EOF'
import json, sys
inv = json.load(open(sys.argv[1]))
inv["retain_hold_ms"] = int(sys.argv[2])
json.dump(inv, open(sys.argv[1], "w"))
EOF
}
staging_ms() { ft_json_get "$(tail -1 "$FT_DIR/$1.json")" phases_ms.staging; }
# conv_packets NODE: "state packets" of each conversion on NODE.
conv_packets() {
  lab_appctl "$1" vmac/show br0 --format json |
    python3 -c 'import json,sys; print(" ".join("%s/%s" % (c["state"], c["packets"]) for c in json.load(sys.stdin)))'
}
db_entries() {
  ovsdb-client query "$FERRY_MIGRATE_DB" '["Ferry_Migrate",{"op":"select","table":"Entry","where":[]}]' |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["rows"]))'
}

ft_case "set-up: the lab, paths kept back for 60 s"
ft_check "lab" lab_build
set_hold 60000
ft_check "A1 pings A0" ft_ping "$(ft_ns a1)" 10.0.0.10

ft_case "after a migration the path back to the source is kept, unused"
out=$(lab_migrate migrate A0 --to S2 -v 2>&1)
ft_log "$(echo "$out" | tail -8)"
ft_eq "A0 on S2" s2 "$(lab_where)"
ft_contains "kept" "$out" "the path back to S1 is kept unused for 60000 ms (vMAC 0a:00:00:00:00:10)"
ft_contains "ledger: held" "$(lab_migrate ledger)" "retained  held"
ft_contains "its vMAC stays allocated" "$(lab_migrate pool)" "1 in use"
ft_contains "F1: the vMAC toward S1" "$(lab_appctl f1 fdb/show br0)" "0a:00:00:00:00:10"
ft_contains "S1: receiver conversion" "$(lab_appctl s1 vmac/show)" "0a:00:00:00:00:10"
ft_contains "S3: sender conversion, staged" "$(lab_appctl s3 vmac/show)" "staged"
ft_check "A1 pings A0 on S2" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_eq "unused: S3's staged conversion converted nothing" "staged/0" "$(conv_packets s3)"
ft_eq "unused: S1's receiver conversion saw nothing" "active/0" "$(conv_packets s1)"

ft_case "a migration back within the hold starts with the kept path, under a stream"
dry=$(lab_migrate migrate A0 --to S1 --dry-run)
ft_contains "dry run: the kept steps" "$dry" "already applied by the path kept toward S1"
out=$(lab_migrate_under_traffic back --to S1 --plan 000)
ft_log "  $out"
ft_eq "A0 back on S1" s1 "$(lab_where)"
ft_contains "reused" "$(cat "$FT_DIR/back.progress")" "reusing the path kept toward S1"
ft_contains "done" "$(cat "$FT_DIR/back.json")" '"status":"done"'
ft_eq "lost outside the pause" 0 "$(ft_json_get "$out" lost_outside_pause)"
ft_eq "duplicated" 0 "$(ft_json_get "$out" duplicated)"
ft_eq "reordered" 0 "$(ft_json_get "$out" reordered)"
with=$(staging_ms back)
ft_contains "a path back to S2 is kept now" "$(cat "$FT_DIR/back.progress")" "the path back to S2 is kept unused"
ft_contains "one vMAC in use (the new kept path)" "$(lab_migrate pool)" "1 in use"

ft_case "without a kept path (hold 0): the same migration stages everything"
set_hold 0
out=$(lab_migrate_under_traffic fresh --to S2 --plan 000)
ft_log "  $out"
ft_eq "A0 on S2" s2 "$(lab_where)"
ft_not_contains "nothing reused" "$(cat "$FT_DIR/fresh.progress")" "reusing"
ft_contains "done" "$(cat "$FT_DIR/fresh.json")" '"status":"done"'
without=$(staging_ms fresh)
ft_log "  staging with the kept path: $with ms, without: $without ms"
echo "retain: staging_ms with=$with without=$without" >>"$FT_DIR/measured"
ft_eq "the expired path is gone, none kept" "" "$(lab_residue)"
ft_contains "pool" "$(lab_migrate pool)" "0 in use"

ft_case "past the hold time the kept path expires and nothing leaks"
set_hold 4000
ft_check "migrate back" lab_migrate migrate A0 --to S1
ft_contains "still kept within the hold" "$(lab_migrate expire)" "A0: path toward S2 kept for"
ft_contains "its entries exist" "$(lab_residue)" "0a:00:00:00:00:"
sleep 4.5
out=$(lab_migrate expire 2>&1)
ft_log "$out"
ft_contains "expired" "$out" "the path kept toward S2 is removed"
ft_eq "no entry, no conversion left on any switch" "" "$(lab_residue)"
ft_contains "pool whole" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_contains "nothing in the ledger" "$(lab_migrate ledger)" "no migration in progress"
ft_eq "no step left in the state database" 0 "$(db_entries)"
ft_check "A1 pings A0 on S1" ft_ping "$(ft_ns a1)" 10.0.0.10
cat "$FT_DIR/measured" >&2
ft_finish
