#!/usr/bin/env bash
# The orchestrator's state in a clustered (RAFT) database of three local
# ovsdb-servers: the orchestrator is killed in the middle of a migration,
# the server it used is killed too, and `ferry-migrate resume` through the
# two others completes the migration from the replicated state; a second
# migration then runs on the two-server cluster.
source "$(dirname "$0")/lib.sh"
ft_init migrate_ha
source "$FT_TOP/scripts/lab/topology.sh"

ft_case "set-up: the lab and a three-server clustered state database"
ft_check "lab" lab_build
d=$FT_DIR/ha
mkdir -p "$d"
ha_server() {  # ha_server N
  ovsdb-server "$d/$1.db" --remote="punix:$d/$1.sock" --unixctl="$d/$1.ctl" --pidfile="$d/$1.pid" \
    --detach --no-chdir --log-file="$d/$1.log" || return 1
  FT_PIDFILES+=("$d/$1.pid")
}
ft_check "create the cluster" ovsdb-tool create-cluster "$d/1.db" "$LAB_SCHEMA" "unix:$d/1.raft"
ft_check "server 1" ha_server 1
for n in 2 3; do
  ft_check "join $n" ovsdb-tool join-cluster "$d/$n.db" Ferry_Migrate "unix:$d/$n.raft" "unix:$d/1.raft"
  ft_check "server $n" ha_server $n
done
for n in 1 2 3; do
  ft_check "server $n in the cluster" ft_wait_for 30 ovsdb-client --timeout=2 wait "unix:$d/$n.sock" Ferry_Migrate connected
done
export FERRY_MIGRATE_DB="unix:$d/1.sock,unix:$d/2.sock,unix:$d/3.sock"
ft_contains "cluster status" "$(ovs-appctl -t "$d/1.ctl" cluster/status Ferry_Migrate)" "Servers:"

ft_case "orchestrator and its database server killed mid-migration; resume through the others"
cut=$(lab_migrate migrate A0 --to S2 --dry-run | awk '$3 == "S418" {print $1; exit}')
FERRY_MIGRATE_KILL_AFTER_STEP=$cut lab_migrate migrate A0 --to S2 >"$FT_DIR/kill.out" 2>&1
ft_eq "the orchestrator died by SIGKILL" 137 $?
ft_contains "server 2 has the ledger" "$(FERRY_MIGRATE_DB=unix:$d/2.sock lab_migrate ledger)" "running"
pid1=$(cat "$d/1.pid")
kill "$pid1"
ft_wait_for 10 sh -c "! kill -0 $pid1 2>/dev/null"
res=$(lab_migrate resume 2>&1)
ft_log "  $(echo "$res" | tr '\n' '|')"
ft_contains "resumed and completed" "$res" "A0 now runs on S2"
ft_eq "A0 on S2" s2 "$(lab_where)"
ft_contains "ledger empty" "$(lab_migrate ledger)" "no migration in progress"
ft_contains "no vMAC leaked" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_eq "no stale entry" "" "$(lab_residue)"

ft_case "a migration on the two remaining servers"
ft_check "back to S1" lab_migrate migrate A0 --to S1
ft_eq "A0 on S1" s1 "$(lab_where)"
ft_contains "server 3 knows" "$(FERRY_MIGRATE_DB=unix:$d/3.sock lab_migrate status)" "A0       $LAB_A0 on S1"
ft_eq "no stale entry" "" "$(lab_residue)"
ft_check "A1 reaches A0" ft_ping "$(ft_ns a1)" 10.0.0.10 2
ft_finish
