#!/usr/bin/env bash
# The orchestrator killed (SIGKILL) after each step of a migration in turn,
# including the step it was applying when it died; `ferry-migrate resume`
# then completes or rolls back from the state database. After every round:
# no migration left in the ledger, no vMAC allocated, no conversion or
# virtual-MAC entry on any daemon, the VM running (not stopped) on exactly
# one host, the one the database names, and reachable from its peer.
source "$(dirname "$0")/lib.sh"
ft_init migrate_resume
source "$FT_TOP/scripts/lab/topology.sh"
LAB_PRECOPY_MS=50

ft_case "set-up: the lab"
ft_check "lab" lab_build
# A process in the VM, to see that it is never left stopped.
ip netns exec "$(ft_ns a0)" sleep 100000 &
FT_PIDS+=($!)
guest=$!
steps=$(lab_migrate migrate A0 --to S2 --dry-run | grep -c '^ *[0-9]')
ft_log "  plan 000 has $steps steps"
ft_eq "a plan with steps" 1 "$([ "$steps" -ge 15 ] && echo 1)"

completed=0
rolled=0
for ((k = 0; k < steps; k++)); do
  ft_case "killed after step $k, then resume"
  here=$(lab_where)
  to=S2
  [ "$here" = s2 ] && to=S1
  FERRY_MIGRATE_KILL_AFTER_STEP=$k lab_migrate migrate A0 --to $to >"$FT_DIR/kill$k.out" 2>&1
  ft_eq "the orchestrator died by SIGKILL" 137 $?
  ft_contains "the ledger holds it" "$(lab_migrate ledger)" "A0"
  res=$(lab_migrate resume 2>&1)
  ft_eq "resume resolves it" 0 $?
  ft_log "  step $k: $(echo "$res" | tail -1)"
  case "$res" in
    *"now runs on"*) completed=$((completed + 1)); ft_eq "on the destination" "${to,,}" "$(lab_where)" ;;
    *"rolled back"*) rolled=$((rolled + 1)); ft_eq "back on the source" "$here" "$(lab_where)" ;;
    *) ft_fail "unexpected resume output: $res" ;;
  esac
  ft_contains "ledger empty" "$(lab_migrate ledger)" "no migration in progress"
  ft_contains "no vMAC leaked" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
  ft_eq "no stale entry" "" "$(lab_residue)"
  ft_contains "the database knows where A0 runs" "$(lab_migrate status)" \
    "A0       $LAB_A0 on $(lab_where | tr a-z A-Z)"
  ft_eq "the guest runs" "" "$(ps -o stat= -p $guest | grep T)"
  ft_check "A1 reaches A0" ft_ping "$(ft_ns a1)" 10.0.0.10 2
done
ft_case "both outcomes were exercised"
ft_log "  completed $completed, rolled back $rolled"
ft_eq "some rounds completed" 1 "$([ $completed -gt 0 ] && echo 1)"
ft_eq "some rounds rolled back" 1 "$([ $rolled -gt 0 ] && echo 1)"
for n in $LAB_HOSTS $LAB_FABRIC; do ft_check "$n alive" ft_on $n ft_ferry_alive; done
ft_finish
