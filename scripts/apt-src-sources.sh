#!/usr/bin/env bash
# Writes deb-src entries for every enabled "deb" source of this host's own
# apt configuration, so scripts/setup.sh fetches source packages from the
# mirror (or through the proxy) the host already uses; no address is
# written anywhere in the repository.
#
#   scripts/apt-src-sources.sh DIR
#
# DIR/src.list gets the one-line sources (sources.list, sources.list.d/*.list)
# with "deb" turned into "deb-src", options such as [signed-by=...] kept;
# DIR/parts/N.sources gets the deb822 stanzas (sources.list.d/*.sources)
# with "Types: deb-src", every other field kept (Signed-By, inline keys ...),
# stanzas with "Enabled: no" or no "deb" type left out. Use them with
#   apt-get -o Dir::Etc::SourceList=DIR/src.list -o Dir::Etc::SourceParts=DIR/parts
# Rewrites DIR's files each run (idempotent). Exits 1 when the host has no
# "deb" source at all.
#
# Environment: FERRY_APT_ETC reads DIR/sources.list and DIR/sources.list.d
# instead of the locations apt-config reports (for tests).
set -euo pipefail

out=${1:?usage: apt-src-sources.sh DIR}
if [ -n "${FERRY_APT_ETC:-}" ]; then
  list=$FERRY_APT_ETC/sources.list
  parts=$FERRY_APT_ETC/sources.list.d
else
  list=$(apt-config shell L Dir::Etc::sourcelist/f | sed -n "s/^L='\(.*\)'$/\1/p")
  parts=$(apt-config shell P Dir::Etc::sourceparts/d | sed -n "s/^P='\(.*\)'$/\1/p")
  list=${list:-/etc/apt/sources.list}
  parts=${parts:-/etc/apt/sources.list.d}
fi
parts=${parts%/}

mkdir -p "$out/parts"
rm -f "$out/parts/"*.sources
: >"$out/src.list"
for f in "$list" "$parts"/*.list; do
  [ -f "$f" ] || continue
  sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}/deb-src /p' "$f" >>"$out/src.list"
done
n=0
for f in "$parts"/*.sources; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  awk '
    function flush(  i) {
      if (nl && deb && enabled) {
        if (printed) print ""
        for (i = 1; i <= nl; i++) print lines[i]
        printed = 1
      }
      nl = 0; deb = 0; enabled = 1
    }
    BEGIN { enabled = 1 }
    /^[[:space:]]*$/ { flush(); next }
    /^#/ { next }
    tolower($0) ~ /^types:/ {
      if ($0 ~ /[[:space:]]deb([[:space:]]|$)/) deb = 1
      lines[++nl] = "Types: deb-src"
      next
    }
    tolower($0) ~ /^enabled:[[:space:]]*no/ { enabled = 0 }
    { lines[++nl] = $0 }
    END { flush() }
  ' "$f" >"$out/parts/$n.sources"
  [ -s "$out/parts/$n.sources" ] || rm -f "$out/parts/$n.sources"
done
if [ ! -s "$out/src.list" ] && ! ls "$out/parts/"*.sources >/dev/null 2>&1; then
  echo "apt-src-sources: no enabled deb source in $list or $parts" >&2
  exit 1
fi
