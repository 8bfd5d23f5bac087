#!/usr/bin/env bash
# Runs every Ferry test suite and ends with the line "N passed, N failed".
#
#   scripts/test.sh              everything (set-up, format, unit, fuzz smoke, integration)
#   scripts/test.sh --unit       set-up, format, unit tests and fuzz smoke only
#   scripts/test.sh NAME...      only the integration tests with these names
#
# N counts test cases: Catch2 test cases, one per integration test case
# (each integration script reports its cases), one per fuzz target (a fixed
# budget of runs with a fixed seed, scripts/fuzz.sh --smoke, after the
# regression inputs) and the format check.
# Integration tests need root (network namespaces, DPDK).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

only_unit=0
selected=()
for a in "$@"; do
  case "$a" in
    --unit) only_unit=1 ;;
    *) selected+=("$a") ;;
  esac
done

"$top/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
log_dir=$top/build/test-logs
mkdir -p "$log_dir"

record() {  # record NAME PASSED FAILED
  passed=$((passed + $2))
  failed=$((failed + $3))
  if [ "$3" = 0 ]; then
    printf '  ok    %-40s %d passed\n' "$1" "$2"
  else
    printf '  FAIL  %-40s %d passed, %d failed (log: %s)\n' "$1" "$2" "$3" "$log_dir/$1.log"
    # The log stays on the machine that ran it: show what failed here.
    grep -E 'FAILED|^FAIL ' "$log_dir/$1.log" 2>/dev/null | head -8 | cut -c1-400 | sed 's/^/          /'
  fi
}

if [ ${#selected[@]} = 0 ]; then
  echo "== format (clang-format, .clang-format)"
  mapfile -t sources < <(git ls-files '*.cc' '*.h' | grep -v '^lib/ovs/.*\.c$')
  if clang-format --dry-run --Werror "${sources[@]}" >"$log_dir/format.log" 2>&1; then
    record format 1 0
  else
    record format 0 1
  fi

  echo "== unit tests"
  for exe in $(find build/test/unit -type f -name 'unit-*' -perm -u+x | sort); do
    name=$(basename "$exe")
    "$exe" >"$log_dir/$name.log" 2>&1
    rc=$?
    summary=$(grep -E '^(All tests passed|test cases:)' "$log_dir/$name.log" | tail -1)
    if [[ $summary =~ All\ tests\ passed.*in\ ([0-9]+)\ test\ case ]]; then
      # A non-zero exit after "all passed" (a crash at exit) still fails.
      record "$name" "${BASH_REMATCH[1]}" $((rc != 0))
    elif [[ $summary =~ test\ cases:\ *([0-9]+)\ \|\ *([0-9]+)\ passed\ \|\ *([0-9]+)\ failed ]]; then
      record "$name" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    else
      record "$name" 0 1  # crashed before a summary
    fi
  done

  echo "== fuzz targets (scripts/fuzz.sh --smoke)"
  "$top/scripts/fuzz.sh" --smoke >"$log_dir/fuzz.log" 2>&1
  for t in fuzz-parser fuzz-datapath; do
    line=$(grep -E "^fuzz $t: " "$log_dir/fuzz.log" | tail -1)
    if [[ $line =~ ,\ 0\ crashes$ ]]; then
      record "$t" 1 0
    else
      cp "$log_dir/fuzz.log" "$log_dir/$t.log"
      record "$t" 0 1
    fi
  done
fi

if [ $only_unit = 0 ]; then
  echo "== integration tests"
  if [ "$(id -u)" != 0 ]; then
    echo "integration tests need root (network namespaces, DPDK)"
    record integration 0 1
  else
    for t in test/integration/*.sh; do
      name=$(basename "$t" .sh)
      [ "$name" = lib ] && continue
      if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then continue; fi
      timeout -k 10 900 bash "$t" >"$log_dir/$name.log" 2>&1
      result=$(grep -E '^RESULT ' "$log_dir/$name.log" | tail -1)
      if [[ $result =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        p=${BASH_REMATCH[1]}
        f=${BASH_REMATCH[2]}
        record "$name" "$p" "$f"
      else
        record "$name" 0 1
      fi
    done
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
