#!/usr/bin/env bash
# Open vSwitch's own system testsuite (tests/system-userspace-testsuite of
# the openvswitch-source package: veth pairs in namespaces, real traffic,
# the real ovs-vsctl/ovs-ofctl/ovs-appctl) against ferry-vswitchd, or with
# --stock against Debian's /usr/sbin/ovs-vswitchd.
#
#   scripts/conformance.sh [--stock] [-k KEYWORDS]... [--from FILE] [TESTS...]
#   scripts/conformance.sh --list [-k KEYWORDS]... [TESTS...]
#   scripts/conformance.sh --build      only build (or find) the testsuite
#
# TESTS are the suite's numbers or ranges (1 5-9); -k selects by keywords
# as the suite does; --from FILE runs the tests named in FILE (one test
# name a line, '#' comments; test/conformance/ci-selection.txt). Without a
# selection, the whole suite runs. Ends with
#   conformance: P passed, F failed, S skipped of N
# and the names of the failed tests; exits 0 when none failed.
#
# The suite is generated (autom4te) from the tarball's .at files, with
# test/conformance/patches/*.patch applied, into
# $FERRY_CACHE/ovs-suite-<version>-<hash of the patches> once; runs go to
# build/conformance/{ferry,stock}/ (the suite's logs, one directory per
# failed test). Needs root (namespaces, DPDK). The suite runs in a network
# namespace of its own (its "host"); the namespaces it creates (at_ns0 ...)
# have the suite's fixed names, so one run at a time per machine.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${FERRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}
build=${FERRY_BUILD:-$top/build}

say() { printf 'conformance: %s\n' "$*" >&2; }
die() { printf 'conformance: error: %s\n' "$*" >&2; exit 2; }

mode=ferry
list=0
only_build=0
suite_args=()
from=""
while [ $# -gt 0 ]; do
  case $1 in
    --stock) mode=stock ;;
    --list) list=1 ;;
    --build) only_build=1 ;;
    -k) [ $# -ge 2 ] || die "-k needs keywords"; suite_args+=("-k" "$2"); shift ;;
    -k*|--keywords=*) suite_args+=("$1") ;;
    --from) [ $# -ge 2 ] || die "--from needs a file"; from=$2; shift ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) suite_args+=("$1") ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

# ------------------------------------------------------------ the testsuite
# What the suite needs beyond Ferry's set-up: autom4te to generate it, nc
# for the tests that use it.
packages=(autoconf netcat-openbsd openvswitch-source openvswitch-switch)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/ferry-conformance-apt.log 2>&1 ||
    { tail -20 /tmp/ferry-conformance-apt.log; die "apt-get install failed"; }
fi

ovs_ver=$(dpkg-query -W -f='${Version}' openvswitch-source | sed 's/-.*//')
patch_hash=$(cat "$top"/test/conformance/patches/*.patch 2>/dev/null | sha1sum | cut -c1-8)
suite=$cache/ovs-suite-$ovs_ver-$patch_hash
if [ ! -f "$suite/.built" ]; then
  say "building Open vSwitch $ovs_ver's system-userspace-testsuite in $suite (about a minute)"
  start=$SECONDS
  # Built in place (configure records absolute paths); .built marks it done.
  rm -rf "$suite"
  mkdir -p "$suite"
  tar xzf /usr/src/openvswitch/openvswitch.tar.gz -C "$suite" --strip-components=1 ||
    die "cannot unpack /usr/src/openvswitch/openvswitch.tar.gz"
  (
    set -e
    cd "$suite"
    for p in "$top"/test/conformance/patches/*.patch; do
      [ -f "$p" ] || continue
      patch -s -p1 <"$p"
    done
    # Only the test tree is wanted: configure, then generate the suite
    # from its .at files (not the pre-generated copy in the tarball).
    ./configure --prefix=/usr --localstatedir=/var --sysconfdir=/etc PYTHON3=/usr/bin/python3 \
      >configure.log 2>&1 || { tail -20 configure.log; exit 1; }
    rm -f tests/system-userspace-testsuite
    make tests/system-userspace-testsuite tests/atconfig tests/atlocal >make.log 2>&1 ||
      { tail -20 make.log; exit 1; }
    test -x tests/system-userspace-testsuite
  ) || die "building the testsuite failed (logs in $suite)"
  touch "$suite/.built"
  say "testsuite built in $((SECONDS - start)) s"
fi
[ "$only_build" = 1 ] && { echo "$suite/tests/system-userspace-testsuite"; exit 0; }

testsuite=$suite/tests/system-userspace-testsuite
# The selection by name: the numbers of the tests named in FILE.
if [ -n "$from" ]; then
  [ -f "$from" ] || die "no such file: $from"
  listing=$("$testsuite" --list 2>/dev/null)
  n_named=0
  while IFS= read -r name; do
    name=${name%%#*}
    name=$(echo "$name" | sed 's/[[:space:]]*$//;s/^[[:space:]]*//')
    [ -n "$name" ] || continue
    n_named=$((n_named + 1))
    num=$(printf '%s\n' "$listing" |
          awk -v n="$name" '{ line=$0; sub(/^ *[0-9]+: [^ ]+ +/, "", line); if (line == n) { sub(/:.*/, "", $1); print $1 } }' |
          head -1)
    [ -n "$num" ] || die "no test named '$name' in the suite ($from)"
    suite_args+=("$num")
  done <"$from"
  [ "$n_named" -gt 0 ] || die "$from names no test"
fi

if [ "$list" = 1 ]; then
  "$testsuite" --list "${suite_args[@]}"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "the system testsuite needs root (namespaces, DPDK)"

# ------------------------------------------------------------------- a run
work=$build/conformance/$mode
rm -rf "$work"
mkdir -p "$work/bin"
# The suite's configuration, with its relative paths made absolute so it
# runs from this directory (its logs stay out of the cached tree).
sed -e "s|^at_srcdir=.*|at_srcdir='$suite/tests'|" \
    -e "s|^at_top_srcdir=.*|at_top_srcdir='$suite'|" \
    -e "s|^at_top_build_prefix=.*|at_top_build_prefix='$suite/'|" \
    "$suite/tests/atconfig" >"$work/atconfig"
cp "$suite/tests/atlocal" "$work/atlocal"

export FERRY_CONF_TAG=ferry-conf-$$
# The suite works in "the host's" namespace (its bridge's tap br0, the
# datapath's ovs-netdev, the ovs-pN ends of its veths, and it waits for
# other daemons' ovs-netdev to go away): that host is a network namespace
# of this run's own, so nothing else on the machine is touched or waited for.
netns=$FERRY_CONF_TAG
cleanup() {
  ip netns del "$netns" 2>/dev/null
  rm -rf /var/run/dpdk/"$FERRY_CONF_TAG"-* /dev/hugepages/"$FERRY_CONF_TAG"-* 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$netns" || die "cannot create network namespace $netns"
ip -n "$netns" link set lo up
if [ "$mode" = ferry ]; then
  [ -x "$build/datapath/vswitchd/ferry-vswitchd" ] ||
    die "no $build/datapath/vswitchd/ferry-vswitchd: run scripts/setup.sh"
  # A copy: a rebuild during the run does not change the daemon under test.
  cp "$build/datapath/vswitchd/ferry-vswitchd" "$work/ferry-vswitchd"
  export FERRY_VSWITCHD=$work/ferry-vswitchd
  ln -s "$top/test/conformance/ovs-vswitchd" "$work/bin/ovs-vswitchd"
else
  ln -s /usr/sbin/ovs-vswitchd "$work/bin/ovs-vswitchd"
fi

say "running against $mode ($(readlink -f "$work/bin/ovs-vswitchd")) in $work"
start=$SECONDS
# The OVS tools are Debian's (/usr/bin, /usr/sbin); only ovs-vswitchd is
# ours. The suite's own helper scripts come from its tests directory.
(cd "$work" && ip netns exec "$netns" "$testsuite" -C "$work" \
  AUTOTEST_PATH="$work/bin:$suite/tests" "${suite_args[@]}") >"$work/output.txt" 2>&1
elapsed=$((SECONDS - start))

# The suite's result lines: "  1: NAME   ok" (or "FAILED (file:line)",
# "skipped (file:line)", "expected failure ...", "UNEXPECTED PASS").
status_re=' (ok|FAILED \(.*\)|skipped( \(.*\))?|expected failure.*|UNEXPECTED PASS)$'
results=$(grep -E "^ *[0-9]+: .*$status_re" "$work/output.txt")
count() { [ -n "$results" ] && printf '%s\n' "$results" | grep -cE "$1"; }
n=$(count .)
passed=$(count ' ok$')
failed=$(count ' (FAILED \(.*\)|UNEXPECTED PASS)$')
skipped=$(count ' skipped( \(.*\))?$')
xfail=$(count ' expected failure.*$')
printf '%s\n' "$results" >"$work/results.txt"
if [ "${failed:-0}" -gt 0 ]; then
  echo "failed tests:"
  printf '%s\n' "$results" | grep -E ' (FAILED \(.*\)|UNEXPECTED PASS)$' |
    sed -E 's/^ *([0-9]+): (.*[^ ]) +(FAILED|UNEXPECTED)/  \1: \2  \3/'
fi
extra=""
[ "${xfail:-0}" -gt 0 ] && extra=", $xfail expected failures"
echo "conformance: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped of ${n:-0}$extra ($mode, ${elapsed}s; logs in $work)"
[ "${failed:-0}" = 0 ] && [ "${n:-0}" -gt 0 ]
