#!/usr/bin/env bash
# scripts/apt-src-sources.sh (used by scripts/setup.sh to fetch DPDK's
# source package): deb-src entries derived from a host's own apt sources,
# in both formats, exactly; and from this host's real configuration, a
# list apt itself accepts.
source "$(dirname "$0")/lib.sh"
ft_init setup_sources

SRC=$FT_TOP/scripts/apt-src-sources.sh
ETC=$FT_DIR/etc
mkdir -p "$ETC/sources.list.d"

ft_case "one-line and deb822 sources become deb-src, options and fields kept"
cat >"$ETC/sources.list" <<'EOF'
# a comment
deb [arch=amd64 signed-by=/usr/share/keyrings/a.gpg] http://mirror.example/debian bookworm main contrib
  deb	http://proxy.example:3142/debian-security bookworm-security main
deb-src http://mirror.example/debian bookworm main
#deb http://disabled.example/debian bookworm main
EOF
cat >"$ETC/sources.list.d/extra.list" <<'EOF'
deb http://extra.example/repo stable main
EOF
cat >"$ETC/sources.list.d/ignored.list.disabled" <<'EOF'
deb http://ignored.example/repo stable main
EOF
cat >"$ETC/sources.list.d/debian.sources" <<'EOF'
Types: deb
# a comment inside a stanza
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://inline.example/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBFxZ
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://srconly.example/debian
Suites: bookworm
Components: main
EOF
ft_check "derive" env FERRY_APT_ETC="$ETC" "$SRC" "$FT_DIR/out"
ft_eq "one-line" "deb-src [arch=amd64 signed-by=/usr/share/keyrings/a.gpg] http://mirror.example/debian bookworm main contrib
deb-src http://proxy.example:3142/debian-security bookworm-security main
deb-src http://extra.example/repo stable main" "$(cat "$FT_DIR/out/src.list")"
ft_eq "deb822" "Types: deb-src
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://inline.example/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBFxZ
 -----END PGP PUBLIC KEY BLOCK-----" "$(cat "$FT_DIR/out/parts/1.sources")"
ft_eq "one deb822 file" "1.sources" "$(ls "$FT_DIR/out/parts")"

ft_case "idempotent: a second run writes the same files"
BEFORE=$(cd "$FT_DIR/out" && find . -type f -exec sha256sum {} + | sort)
ft_check "derive again" env FERRY_APT_ETC="$ETC" "$SRC" "$FT_DIR/out"
ft_eq "same files" "$BEFORE" "$(cd "$FT_DIR/out" && find . -type f -exec sha256sum {} + | sort)"

ft_case "no deb source at all is an error"
mkdir -p "$FT_DIR/empty/sources.list.d"
echo "# nothing" >"$FT_DIR/empty/sources.list"
ft_check_fails "derive from nothing" env FERRY_APT_ETC="$FT_DIR/empty" "$SRC" "$FT_DIR/out2"

ft_case "this host's sources: a list apt accepts, naming only the host's URIs"
ft_check "derive from the host" "$SRC" "$FT_DIR/host"
# apt parses the derived list (no download): every deb-src URI it reports is
# one of the host's own deb URIs.
HOST_URIS=$(apt-get indextargets --no-release-info --format '$(REPO_URI)' 2>/dev/null | sort -u)
SRC_URIS=$(apt-get -o "Dir::Etc::SourceList=$FT_DIR/host/src.list" \
  -o "Dir::Etc::SourceParts=$FT_DIR/host/parts" -o "Dir::State::Lists=$FT_DIR/lists" \
  indextargets --no-release-info --format '$(REPO_URI)' 'Created-By: Sources' 2>&1 | sort -u)
ft_check "apt lists deb-src targets" test -n "$SRC_URIS"
for u in $SRC_URIS; do
  case $'\n'"$HOST_URIS"$'\n' in
    *$'\n'"$u"$'\n'*) ;;
    *) ft_fail "deb-src URI $u is not one of the host's: $HOST_URIS" ;;
  esac
done

ft_finish
