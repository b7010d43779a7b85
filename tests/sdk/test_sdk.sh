#!/usr/bin/env bash
# test_sdk.sh - the SDK as a third party uses it.  Installs the build into a
# scratch prefix, checks that netmon.h, libnmapi.so and nmexpert.pc are
# there and that pkg-config works, compiles the example expert and a
# NetMon-2-style expert source with `cc -shared -fPIC $(pkg-config --cflags
# nmexpert)` and no link flags, and runs both with the installed nmexpert.
#
# Usage: test_sdk.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
prefix=$(mktemp -d "${TMPDIR:-/tmp}/nmx-sdk-XXXXXX")
trap 'rm -rf "$prefix"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -1)
[ -f "$prefix/include/netmon.h" ] || fail "netmon.h not installed"
[ -f "$prefix/include/nmexpert/host.h" ] || fail "nmexpert/host.h not installed"
[ -f "$prefix/include/nmexpert/win32/windows.h" ] || fail "compat windows.h not installed"
ls "$libdir"/libnmapi.so* >/dev/null 2>&1 || fail "libnmapi.so not installed"
[ -f "$libdir/pkgconfig/nmexpert.pc" ] || fail "nmexpert.pc not installed"
[ -f "$prefix/share/nmexpert/sample.pcap" ] || fail "sample capture not installed"
[ -f "$prefix/share/man/man1/nmexpert.1" ] || fail "man page not installed"
for page in protdist/protdist1 topuser/topuser1 tcpretrans/tcpretrans1 tcpretrans/tcpretrans2 \
            resptime/resptime1 propdist/propdist1 propdist/propdist2 coalesce/coalesce1; do
  [ -f "$prefix/share/nmexpert/bok/experts/$page.htm" ] || fail "Event Reference Page $page.htm not installed"
done
ls "$prefix"/share/doc/*/examples/bok/experts/framesize/framesize1.htm >/dev/null 2>&1 \
  || fail "the example's Event Reference Page is not installed next to its source"

# pkg-config reads the .pc file as installed: the build was configured for
# another prefix (CMAKE_INSTALL_PREFIX), and `cmake --install --prefix` chose
# this one, so the file must name this one, as the README's command needs.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cflags=$(pkg-config --cflags nmexpert) || fail "pkg-config --cflags nmexpert fails"
libs=$(pkg-config --libs nmexpert) || fail "pkg-config --libs nmexpert fails"
cflags=$(echo $cflags) libs=$(echo $libs) # without the trailing blank
[ "$(pkg-config --variable=prefix nmexpert)" = "$prefix" ] \
  || fail "nmexpert.pc says prefix=$(pkg-config --variable=prefix nmexpert), installed in $prefix"
[ "$cflags" = "-I$prefix/include -I$prefix/include/nmexpert/win32" ] || fail "pkg-config --cflags gives '$cflags'"
[ "$libs" = "-L${libdir%/} -lnmapi" ] || fail "pkg-config --libs gives '$libs'"
[ -d "$(pkg-config --variable=expertsdir nmexpert)" ] \
  || fail "pkg-config --variable=expertsdir gives '$(pkg-config --variable=expertsdir nmexpert)'"

work=$(mktemp -d "${TMPDIR:-/tmp}/nmx-sdk-work-XXXXXX")
trap 'rm -rf "$prefix" "$work"' EXIT
# No link flags: the experts resolve Expert* through the host's libnmapi.so.
cc -shared -fPIC -Wall -Werror $cflags "$src/examples/framesize/framesize.c" -o "$work/framesize.so" \
  || fail "the example expert does not compile"
cc -shared -fPIC -Wall -Wno-unused-parameter -Werror $cflags "$src/tests/sdk/legacy_expert.c" \
  -o "$work/legacy.so" || fail "a NetMon-2-style expert does not compile unchanged"
# And with the link flags pkg-config gives.
cc -shared -fPIC $cflags "$src/tests/sdk/legacy_expert.c" -o "$work/legacy_linked.so" \
  $libs || fail "linking with \$(pkg-config --libs nmexpert) fails"

cap="$src/tests/data/http.pcap"
json=$("$prefix/bin/nmexpert" run "$cap" -e "$work/framesize.so" -e "$work/legacy.so" \
  -e "$work/legacy_linked.so" --format json) || fail "the installed nmexpert could not run them"
frames=$("$prefix/bin/nmexpert" info "$cap" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["capture"]["frames"])')
tcp=""
if command -v tshark >/dev/null; then
  tcp=$(tshark -n -r "$cap" -Y tcp 2>/dev/null | wc -l)
fi
python3 - "$frames" "$tcp" <<PY || fail "wrong results: $json"
import json, sys
frames = int(sys.argv[1]); tcp = sys.argv[2]
doc = json.loads('''$json''')
fs, lg, ll = doc["experts"]
assert fs["outcome"] == "completed", fs
# Report version 2: each event's values by column name, in its kind's order.
assert sum(list(e["values"].values())[1] for e in fs["events"]) == frames, fs
for e in (lg, ll):
    assert e["outcome"] == "completed", e
    cols = e["events"][0]["values"]
    assert cols["Frames"] == frames, cols
    if tcp:
        assert cols["TCP Frames"] == int(tcp), (cols, tcp)
print("sdk ok: %d frames%s" % (frames, ", %s TCP" % tcp if tcp else ""))
PY
