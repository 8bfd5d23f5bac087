#!/usr/bin/env bash
# Open vSwitch's own system testsuite (scripts/conformance.sh), on the
# tests Ferry passes (test/conformance/ci-selection.txt): one case per
# suite test, passed when the suite says "ok" for it.
source "$(dirname "$0")/lib.sh"
ft_init conformance

selection=$FT_TOP/test/conformance/ci-selection.txt
FERRY_BUILD=$FT_BUILD "$FT_TOP/scripts/conformance.sh" --from "$selection" >"$FT_DIR/run.txt" 2>&1
summary=$(grep -E '^conformance: [0-9]+ passed' "$FT_DIR/run.txt" | tail -1)
ft_log "$summary"
results=$FT_BUILD/conformance/ferry/results.txt
while IFS= read -r name; do
  name=${name%%#*}
  name=$(echo "$name" | sed 's/[[:space:]]*$//;s/^[[:space:]]*//')
  [ -n "$name" ] || continue
  ft_case "$name"
  line=$(grep -F ": $name " "$results" 2>/dev/null | head -1)
  case "$line" in
    *" ok") ;;
    "") ft_fail "not run: $(tail -5 "$FT_DIR/run.txt")" ;;
    *) ft_fail "$(echo "$line" | sed 's/  */ /g') (logs: $FT_BUILD/conformance/ferry)" ;;
  esac
done <"$selection"
ft_finish
