#!/usr/bin/env bash
# The differential tester's smoke (scripts/difftest.sh --smoke): the same
# random flow tables and packets on ferry-vswitchd and on Open vSwitch's
# own ovs-vswitchd (userspace datapath), outputs compared on the wire,
# byte for byte. The tester sets up and removes its own namespaces and
# daemons (test/differential/dt_env.py); this script reports its verdicts
# as test cases. The run is kept in the log: a disagreement names the
# seed, the flows, the packet and both sides' outputs.
source "$(dirname "$0")/lib.sh"
ft_init difftest

python3 "$FT_TOP/test/differential/difftest.py" --smoke --build "$FT_BUILD" \
  --found "$FT_DIR/found.json" >"$FT_DIR/difftest.out" 2>&1
rc=$?
out=$(cat "$FT_DIR/difftest.out")
ft_log "$out"

ft_case "both switches up, the vocabulary offered to both"
ft_contains "Ferry runs" "$out" "difftest: ferry: ferry-vswitchd"
ft_contains "Open vSwitch runs" "$out" "difftest: ovs: ovs-vswitchd (Open vSwitch)"
ft_contains "vocabulary probed" "$out" "difftest: vocabulary: "

ft_case "the tester sees a difference when there is one (self-check)"
ft_contains "self-check" "$out" "difftest: self-check passed"

ft_case "saved regression cases: none that was fixed disagrees again"
ft_not_contains "no regression" "$out" "REGRESSED (saved, fixed) case"
summary=$(echo "$out" | grep -E '^difftest: [0-9]+ cases, [0-9]+ agree, [0-9]+ disagree' | tail -1)

ft_case "random cases (fixed seed): Ferry and Open vSwitch agree"
ft_contains "a summary" "$summary" " cases, "
ft_contains "nothing new" "$summary" ", 0 new or regressed)"
ft_not_contains "no new disagreement" "$out" "DISAGREE case"
ft_eq "exit status" 0 "$rc"
ft_finish
