#!/usr/bin/env bash
# test_parser_sdk.sh - parser DLL sources written from the netmon2 parser
# documentation build against the SDK headers alone.
#
#   test_parser_sdk.sh headers SOURCE_DIR CC
#       compiles tests/sdk/doc_parser.c and examples/hbeat/hbeat.c with
#       -Wall -Wextra -Werror against include/ and include/win32/ only.
#   test_parser_sdk.sh installed BUILD_DIR SOURCE_DIR
#       installs the build into a scratch prefix and builds the example
#       parser there with `cc -shared -fPIC $(pkg-config --cflags nmexpert)`
#       (77, skipped, without pkg-config).
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
mode=$1
case "$mode" in
headers)
  src=$2 cc=${3:-cc}
  work=$(mktemp -d "${TMPDIR:-/tmp}/nmx-psdk-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  for f in tests/sdk/doc_parser.c examples/hbeat/hbeat.c; do
    "$cc" -std=c17 -Wall -Wextra -Werror -shared -fPIC \
      -I"$src/include" -I"$src/include/win32" "$src/$f" -o "$work/p.so" \
      || fail "$f does not compile against the public headers"
    nm -D --defined-only "$work/p.so" | grep -qw ParserAutoInstallInfo || fail "$f: ParserAutoInstallInfo not exported"
    nm -D --defined-only "$work/p.so" | grep -qw DllMain || fail "$f: DllMain not exported"
  done
  echo "parser sources compile against the public headers"
  ;;
installed)
  build=$2 src=$3
  command -v pkg-config >/dev/null || { echo "pkg-config missing: skipped"; exit 77; }
  prefix=$(mktemp -d "${TMPDIR:-/tmp}/nmx-psdk-XXXXXX")
  trap 'rm -rf "$prefix"' EXIT
  cmake --install "$build" --prefix "$prefix" >/dev/null
  libdir=$(ls -d "$prefix"/lib*/ | head -1)
  export PKG_CONFIG_PATH="$libdir/pkgconfig"
  cflags=$(pkg-config --cflags nmexpert) || fail "pkg-config --cflags nmexpert fails"
  pdir=$(pkg-config --variable=parsersdir nmexpert)
  [ -d "$pdir" ] || fail "pkg-config --variable=parsersdir gives '$pdir', not a directory"
  ex=$(ls "$prefix"/share/doc/*/examples/hbeat/hbeat.c 2>/dev/null | head -1)
  [ -n "$ex" ] || fail "the example parser's source is not installed"
  cc -std=c17 -shared -fPIC -Wall -Werror $cflags "$ex" -o "$prefix/hbeat.so" \
    || fail "the installed example parser does not build with pkg-config --cflags nmexpert"
  nm -D --defined-only "$prefix/hbeat.so" | grep -qw ParserAutoInstallInfo || fail "ParserAutoInstallInfo not exported"
  # The installed nmexpert probes it (the probe needs no capture content
  # beyond a readable file: the sample).
  out=$("$prefix/bin/nmexpert" run "$prefix/share/nmexpert/sample.pcap" --parser "$prefix/hbeat.so" \
        -e protdist --format json --no-progress 2>&1) \
    || fail "the installed nmexpert does not run with the example parser: $out"
  echo "example parser builds against the installed prefix"
  ;;
*) fail "usage: $0 headers|installed ..." ;;
esac
