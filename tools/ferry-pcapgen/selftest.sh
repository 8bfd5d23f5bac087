#!/usr/bin/env bash
# End-to-end check of ferry-pcapgen: writes pcaps and reads them back with
# an independent reader (Python's struct, own checksum code):
#
#   1. 3 default flows: the exact bytes of the first frame, valid IPv4 and
#      UDP checksums in every frame, 60-byte records, flow i = 10.0.0.1+i
#      -> 10.128.0.1+i, udp 1024 -> 9.
#   2. --vary port --proto tcp, 70000 flows: all 5-tuples distinct, the
#      source port wraps from 65535 to 1024 and the destination port steps
#      (flow 64512 is 1024 -> 10), valid TCP checksums.
#   3. the address layout of scripts/bench's rules-N (--src-ip 172.16.0.1
#      --dst-ip 10.0.0.1 --dst-step 64): flow 999 is 172.16.3.232 ->
#      10.0.249.193; with --period 1000, flow 2499 is flow 499's addresses
#      from source port 1026; --mac-step 1: flow 299's MACs end in :01:3b
#      and :01:2c.
#   4. bad options: exit status 1, a message, no file (nor FILE.tmp) left.
#   5. 1,000,000 flows: 76,000,024 bytes, 1,000,000 distinct, in under 10 s.
#
# usage: selftest.sh [path/to/ferry-pcapgen]     (default: ferry-pcapgen in PATH)
set -euo pipefail

PCAPGEN=$(command -v "${1:-ferry-pcapgen}") || { echo "selftest: ferry-pcapgen not found" >&2; exit 1; }
dir=$(mktemp -d /tmp/ferry-pcapgen-selftest-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "selftest: FAIL: $*" >&2; exit 1; }

# check.py FILE N: prints "frames distinct first-frame-hex" after checking
# every record and checksum; exits 1 with a reason otherwise.
cat >"$dir/check.py" <<'EOF'
import struct, sys

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

path, want = sys.argv[1], int(sys.argv[2])
with open(path, "rb") as f:
    data = f.read()
magic, vmaj, vmin, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
if (magic, vmaj, vmin, link) != (0xa1b2c3d4, 2, 4, 1):
    sys.exit("bad pcap header")
show = int(sys.argv[3]) if len(sys.argv) > 3 else -1
off, n, tuples, first = 24, 0, set(), None
while off < len(data):
    sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if incl != 60 or orig != 60 or len(frame) != 60:
        sys.exit("record %d: %d/%d bytes, not 60" % (n, incl, orig))
    if sec * 1000000 + usec != n:
        sys.exit("record %d: timestamp %d.%06d" % (n, sec, usec))
    if frame[12:14] != b"\x08\x00":
        sys.exit("record %d: not IPv4" % n)
    ip = frame[14:34]
    if csum(ip) != 0xffff:
        sys.exit("record %d: bad IPv4 checksum" % n)
    proto, src, dst = ip[9], ip[12:16], ip[16:20]
    tot = struct.unpack("!H", ip[2:4])[0]
    l4 = frame[34:14 + tot]
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(l4))
    if csum(pseudo + l4) != 0xffff:
        sys.exit("record %d: bad L4 checksum" % n)
    sport, dport = struct.unpack("!HH", l4[:4])
    tuples.add((proto, src, dst, sport, dport))
    if first is None:
        first = frame.hex()
    if n == show:
        print("flow", n, "%d.%d.%d.%d" % tuple(src), sport, "%d.%d.%d.%d" % tuple(dst), dport,
              frame[6:12].hex(":"), frame[0:6].hex(":"))
    n += 1
if n != want:
    sys.exit("%d records, wanted %d" % (n, want))
print(n, len(tuples), first)
EOF
MACS="02:00:00:00:00:10 02:00:00:00:00:01"  # source, destination
check() { /usr/bin/python3 "$dir/check.py" "$@" || fail "check of $1 failed"; }

# 1
"$PCAPGEN" --flows 3 --out "$dir/a.pcap" --quiet
read -r n distinct first <<<"$(check "$dir/a.pcap" 3)"
[ "$n $distinct" = "3 3" ] || fail "default: $n frames, $distinct distinct"
# Ethernet: dst, src, IPv4; IPv4: 28 bytes, TTL 64, UDP, checksum 0x6650,
# 10.0.0.1 -> 10.128.0.1; UDP: 1024 -> 9, 8 bytes, checksum 0xe753; padding.
want=0200000000010200000000100800                  # Ethernet
want+=4500001c00000000401166500a0000010a800001        # IPv4
want+=040000090008e753                                # UDP
want+=000000000000000000000000000000000000            # padding to 60
[ "$first" = "$want" ] || fail "default frame 0 is $first, want $want"
echo "selftest: 1 ok (exact bytes, checksums)"

# 2
"$PCAPGEN" --flows 70000 --vary port --proto tcp --out "$dir/b.pcap" --quiet
out=$(check "$dir/b.pcap" 70000 64512)
[ "$(tail -1 <<<"$out" | cut -d' ' -f1-2)" = "70000 70000" ] || fail "vary port: $(tail -1 <<<"$out")"
grep -qx "flow 64512 10.0.0.1 1024 10.128.0.1 10 $MACS" <<<"$out" || fail "vary port: $(head -1 <<<"$out")"
echo "selftest: 2 ok (ports wrap, TCP checksums)"

# 3
"$PCAPGEN" --flows 1000 --src-ip 172.16.0.1 --dst-ip 10.0.0.1 --dst-step 64 --out "$dir/c.pcap" --quiet
out=$(check "$dir/c.pcap" 1000 999)
grep -qx "flow 999 172.16.3.232 1024 10.0.249.193 9 $MACS" <<<"$out" || fail "layout: $(head -1 <<<"$out")"
# The rules-N layout of scripts/bench/rules.sh: addresses repeat every 1000
# flows, the source port tells the rounds apart.
"$PCAPGEN" --flows 2500 --src-ip 172.16.0.1 --dst-ip 10.0.0.1 --dst-step 64 --period 1000 \
  --out "$dir/c2.pcap" --quiet
out=$(check "$dir/c2.pcap" 2500 2499)
[ "$(tail -1 <<<"$out" | cut -d' ' -f1-2)" = "2500 2500" ] || fail "period: $(tail -1 <<<"$out")"
grep -qx "flow 2499 172.16.1.244 1026 10.0.124.193 9 $MACS" <<<"$out" || fail "period: $(head -1 <<<"$out")"
# normal-N: the MACs step with the flow.
"$PCAPGEN" --flows 300 --mac-step 1 --out "$dir/c3.pcap" --quiet
out=$(check "$dir/c3.pcap" 300 299)
grep -qx "flow 299 10.0.1.44 1024 10.128.1.44 9 02:00:00:00:01:3b 02:00:00:00:01:2c" <<<"$out" ||
  fail "mac-step: $(head -1 <<<"$out")"
echo "selftest: 3 ok (address steps, period, MAC steps)"

# 4
for bad in "--flows 0" "--flows 10 --src-step 0 --dst-step 0" "--flows 70000 --vary port --dport 65535" \
  "--flows 5 --proto sctp" "--flows 5 --dst-mac 02:00" "--flows 5 --bogus 1" \
  "--flows 70000 --period 1000 --sport 65500" "--flows 5 --period 2 --vary port" \
  "--flows 5 --mac-step 1 --src-mac 02:ff:ff:ff:ff:fe"; do
  # shellcheck disable=SC2086
  if "$PCAPGEN" $bad --out "$dir/bad.pcap" 2>"$dir/err"; then fail "accepted: $bad"; fi
  [ -s "$dir/err" ] || fail "no message for: $bad"
  [ ! -e "$dir/bad.pcap" ] && [ ! -e "$dir/bad.pcap.tmp" ] || fail "file left behind for: $bad"
done
if "$PCAPGEN" --flows 5 --out "$dir/no/such/dir.pcap" 2>/dev/null; then fail "wrote to a missing directory"; fi
echo "selftest: 4 ok (bad options refused)"

# 5
start=$(date +%s%N)
"$PCAPGEN" --flows 1000000 --out "$dir/d.pcap" --quiet
ms=$((($(date +%s%N) - start) / 1000000))
[ "$(stat -c %s "$dir/d.pcap")" = 76000024 ] || fail "1M: $(stat -c %s "$dir/d.pcap") bytes"
[ "$ms" -lt 10000 ] || fail "1M flows took $ms ms"
read -r n distinct _ <<<"$(check "$dir/d.pcap" 1000000)"
[ "$distinct" = 1000000 ] || fail "1M: $distinct distinct"
echo "selftest: 5 ok (1M flows in $ms ms)"
echo "selftest: PASS"
