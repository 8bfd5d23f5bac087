#!/usr/bin/env bash
# Builds Ferry's libFuzzer targets (test/fuzz/) with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer in build-fuzz/, and runs them.
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]  each target for N seconds (default 300)
#   scripts/fuzz.sh --smoke [TARGET...]        a fixed number of runs each, fixed seed (CI)
#
# Targets: fuzz-parser, fuzz-datapath, fuzz-conntrack (default: all). Prints one line per target
#   fuzz <target>: <runs> runs, <cov> coverage, <n> crashes
# and exits non-zero when a target crashed, printing the crash file's path.
#
# Corpora: build-fuzz/corpus/<target>, seeded from test/fuzz/seeds/<target>/
# (--smoke uses a fresh copy of the seeds, so its runs are the same each
# time). Every file in test/fuzz/regressions/<target>/ is run first, always.
# Crash files go to build-fuzz/crashes/<target>/, logs to build-fuzz/logs/.
#
# Environment: FERRY_CACHE as for scripts/setup.sh (which must have run);
# FERRY_FUZZ_BUILD, the build directory (default <repo>/build-fuzz).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${FERRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}
build=${FERRY_FUZZ_BUILD:-$top/build-fuzz}
all_targets=(fuzz-parser fuzz-datapath fuzz-conntrack)

die() { printf 'fuzz: error: %s\n' "$*" >&2; exit 2; }

seconds=300
smoke=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    --seconds=*) seconds=${1#--seconds=} ;;
    --smoke) smoke=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    fuzz-*) targets+=("$1") ;;
    *) die "unknown argument '$1' (targets: ${all_targets[*]})" ;;
  esac
  shift
done
[[ $seconds =~ ^[0-9]+$ ]] || die "--seconds wants a whole number"
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# Per target: runs for --smoke, the longest input.
declare -A smoke_runs=([fuzz-parser]=100000 [fuzz-datapath]=20000 [fuzz-conntrack]=50000)
declare -A max_len=([fuzz-parser]=2048 [fuzz-datapath]=4096 [fuzz-conntrack]=4096)
for t in "${targets[@]}"; do
  [ -n "${smoke_runs[$t]:-}" ] || die "no target '$t' (targets: ${all_targets[*]})"
done

# ------------------------------------------------------------------ build
# The cache directories scripts/setup.sh fills.
ovs_ver=$(dpkg-query -W -f='${Version}' openvswitch-source 2>/dev/null | sed 's/-.*//')
dpdk_full=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null)
ovs_dir=$cache/ovs-$ovs_ver-2
sdk_dir=$cache/dpdk-sdk-$dpdk_full
if [ ! -f "$ovs_dir/.built" ] || [ ! -f "$sdk_dir/.done" ]; then
  die "no libopenvswitch/DPDK SDK in $cache: run scripts/setup.sh first"
fi

# Everything is instrumented for coverage (fuzzer-no-link); the targets
# link libFuzzer (test/fuzz/meson.build). UBSan findings abort, as ASan's do.
flags="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" "$top" -Dfuzz=true \
    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args="$flags" -Dcpp_args="$flags" \
    -Dovs_dir="$ovs_dir" -Ddpdk_sdk_dir="$sdk_dir" >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log"; die "meson setup failed"; }
  rm -f "$build.setup.log"
else
  meson configure "$build" -Dovs_dir="$ovs_dir" -Ddpdk_sdk_dir="$sdk_dir" >/dev/null ||
    die "meson configure $build failed"
fi
if ! ninja -C "$build" -t targets all 2>/dev/null | grep -q '^test/fuzz/fuzz-parser:'; then
  die "$build has no fuzz targets: meson.build must include test/fuzz (subdir('test/fuzz'))"
fi
exes=()
for t in "${targets[@]}"; do exes+=("test/fuzz/$t"); done
out=$(ninja -C "$build" "${exes[@]}" 2>&1) || { printf '%s\n' "$out"; die "build failed"; }

# ------------------------------------------------------------------- run
# DPDK runtime directories of fuzz processes that died without cleaning up.
for d in /var/run/dpdk/ferry-fuzz-* "${XDG_RUNTIME_DIR:-/tmp}"/dpdk/ferry-fuzz-*; do
  [ -d "$d" ] || continue
  pid=${d##*-}
  [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null && rm -rf "$d"
done

mkdir -p "$build/logs"
failed=0
for t in "${targets[@]}"; do
  seeds=$top/test/fuzz/seeds/$t
  regressions=$top/test/fuzz/regressions/$t
  crashes=$build/crashes/$t
  log=$build/logs/$t.log
  mkdir -p "$crashes"
  args=(-max_len="${max_len[$t]}" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$crashes/")
  if [ "$smoke" = 1 ]; then
    corpus=$(mktemp -d "${TMPDIR:-/tmp}/ferry-fuzz-corpus.XXXXXX")
    args+=(-runs="${smoke_runs[$t]}" -seed=1)
  else
    corpus=$build/corpus/$t
    mkdir -p "$corpus"
    args+=(-max_total_time="$seconds")
  fi
  dirs=("$corpus")  # the first directory receives new inputs
  [ -d "$seeds" ] && dirs+=("$seeds")
  [ -d "$regressions" ] && dirs+=("$regressions")
  (cd "$crashes" && UBSAN_OPTIONS=print_stacktrace=1 "$build/test/fuzz/$t" "${args[@]}" \
    "${dirs[@]}") >"$log" 2>&1
  rc=$?
  [ "$smoke" = 1 ] && rm -rf "$corpus"

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  n_crashes=0
  if [ "$rc" != 0 ] || [ -n "$crash" ]; then n_crashes=1; fi
  echo "fuzz $t: ${runs:-?} runs, ${cov:-?} coverage, $n_crashes crashes"
  if [ "$n_crashes" != 0 ]; then
    failed=1
    echo "  exit status $rc; log: $log"
    [ -n "$crash" ] && echo "  crash file: $crash"
    if grep -q 'check failed' "$log"; then
      grep -m 1 -A 3 'check failed' "$log"
    else
      grep -m 1 -A 8 -E 'ERROR: |runtime error' "$log"
    fi | sed 's/^/  /'
  fi
done
exit "$failed"
