#!/bin/sh
# cvmctl igvm: build, inspect, validate and diff on real files, checking the
# exit codes and the real output (JSON parsed with python3).
set -eu
. tests/integration/lib.sh

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

# --- inspect
expect 0 "$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/snp.igvm"
expect 0 "$CVMCTL" igvm inspect --json "$TMP/snp.igvm"
python3 - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["file"]["format-version"] == 1 and r["file"]["headers"] == 18, r["file"]
assert [p["type"] for p in r["platforms"]] == ["sev-snp", "native"], r["platforms"]
pol = r["policies"][0]
assert pol["platforms"] == "sev-snp" and pol["policy"] == "0x30000", pol
assert "smt" in pol["bits"] and "reserved_must_be_one" in pol["bits"] and "debug" not in pol["bits"], pol
c = r["directive-counts"]
assert c["PAGE_DATA"] == 7 and c["PARAMETER_AREA"] == 2 and c["PARAMETER_INSERT"] == 2 and c["VP_CONTEXT"] == 1, c
mem = {(m["start"], m["end"]): m for m in r["memory"]}
assert mem[("0x14000", "0x17fff")]["pages"] == 4 and mem[("0x14000", "0x17fff")]["contents"] == "zero", mem
assert mem[("0x12000", "0x12fff")]["data-type"] == "secrets", mem
assert mem[("0xfffff000", "0xffffffff")]["contents"] == "data", mem
vp = r["vp-contexts"][0]
assert vp["gpa"] == "0xfffffffff000" and vp["format"] == "vmsa" and vp["rip"] == "0xfff0", vp
a1 = [a for a in r["parameter-areas"] if a["index"] == 1][0]
assert [p["type"] for p in a1["parameters"]] == ["VP_COUNT_PARAMETER", "ENVIRONMENT_INFO_PARAMETER"], a1
assert a1["inserted"][0]["gpa"] == "0x11000", a1
PY
expect 0 "$CVMCTL" igvm inspect --json --platform native "$TMP/snp.igvm"
python3 - "$TMP/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert [p["type"] for p in r["platforms"]] == ["native"], r["platforms"]
assert r["policies"] == [] and r["vp-contexts"] == [], r
assert all("secrets" != m["data-type"] for m in r["memory"]), r["memory"]
PY
expect 0 "$CVMCTL" igvm inspect "$TMP/hello.igvm"
grep -q '0xfffff000-0xffffffff .* 1 page(s) normal .*data measured \[native\]' "$TMP/out" || fail "inspect text: $(cat "$TMP/out")"
# A shared page is host-visible: never measured (docs/measurement.md, "Page data flags").
printf '{"platforms":[{"type":"sev-snp"}],"directives":[{"type":"zero_pages","gpa":"0x1000","shared":true}]}' >"$TMP/shared.json"
expect 0 "$CVMCTL" igvm build "$TMP/shared.json" -o "$TMP/shared.igvm"
expect 0 "$CVMCTL" igvm inspect "$TMP/shared.igvm"
grep -q '0x1000-0x1fff .* 1 page(s) normal .*zero unmeasured shared \[sev-snp\]' "$TMP/out" || fail "inspect shared: $(cat "$TMP/out")"
expect 4 "$CVMCTL" igvm inspect "$TMP/snp.igvm" --platform tdx
expect 2 "$CVMCTL" igvm inspect "$TMP/snp.igvm" --platform pdp11
head -c 100 "$TMP/snp.igvm" >"$TMP/short.igvm"
expect 1 "$CVMCTL" igvm inspect "$TMP/short.igvm"

# --- validate
expect 0 "$CVMCTL" igvm validate "$TMP/snp.igvm"
expect 0 "$CVMCTL" igvm validate --for-qemu "$TMP/snp.igvm"
[ ! -s "$TMP/out" ] || fail "validate printed problems for a good file: $(cat "$TMP/out")"
printf '{"platforms":[{"type":"tdx"}],"directives":[{"type":"zero_pages","gpa":0},{"type":"error_range","gpa":0,"size":4096}]}' >"$TMP/tdx.json"
expect 0 "$CVMCTL" igvm build "$TMP/tdx.json" -o "$TMP/tdx.igvm"
expect 0 "$CVMCTL" igvm validate "$TMP/tdx.igvm"
expect 3 "$CVMCTL" igvm validate --for-qemu "$TMP/tdx.igvm"
[ "$(wc -l <"$TMP/out")" -eq 2 ] || fail "want 2 problem lines: $(cat "$TMP/out")"
grep -q 'error qemu-unsupported at offset 0x50 (header 2): QEMU refuses header type 0x30d (ERROR_RANGE)' "$TMP/out" ||
	fail "no ERROR_RANGE line: $(cat "$TMP/out")"
grep -q 'no NATIVE, SEV, SEV-ES or SEV-SNP platform' "$TMP/out" || fail "no platform line"
expect 3 "$CVMCTL" igvm validate --for-qemu --json "$TMP/tdx.igvm"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert [x["rule"] for x in p] == ["qemu-unsupported"]*2 and p[1]["header"] == 2, p' "$TMP/out" ||
	fail "validate --json: $(cat "$TMP/out")"
# A hygiene rule: a warning (exit 0) unless --strict makes it an error (exit 3).
printf '{"platforms":[{"type":"native"}],"directives":[{"type":"page_data","gpa":"0x1000","hex":"01"},{"type":"page_data","gpa":"0x1000","hex":"02"}]}' >"$TMP/overlap.json"
expect 0 "$CVMCTL" igvm build "$TMP/overlap.json" -o "$TMP/overlap.igvm"
expect 0 "$CVMCTL" igvm validate "$TMP/overlap.igvm"
grep -q 'warning page-overlap' "$TMP/out" || fail "no page-overlap warning: $(cat "$TMP/out")"
expect 3 "$CVMCTL" igvm validate --strict "$TMP/overlap.igvm"
grep -q 'error page-overlap' "$TMP/out" || fail "--strict: $(cat "$TMP/out")"
# flip a byte of the first header's payload: the CRC no longer matches
python3 - "$TMP/snp.igvm" "$TMP/crc.igvm" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); d[24 + 8 + 6] ^= 1
open(sys.argv[2], 'wb').write(d)
PY
expect 3 "$CVMCTL" igvm validate "$TMP/crc.igvm"
grep -q 'checksum' "$TMP/out" || fail "no checksum line: $(cat "$TMP/out")"
expect 3 "$CVMCTL" igvm validate "$TMP/short.igvm"
expect 4 "$CVMCTL" igvm validate "$TMP/does-not-exist.igvm"

# a SUPPORTED_PLATFORM whose payload is 4 bytes instead of 16 (CRC fixed up):
# refused with the header index and byte offset, never read past
python3 - "$TMP/short-payload.igvm" <<'PY'
import struct, sys, zlib
tlv = struct.pack('<II', 1, 4) + struct.pack('<I', 1) + b'\0' * 4
data = b'\0' * 8
hdr = struct.pack('<6I', 0x4D564749, 1, 24, len(tlv), 24 + len(tlv) + len(data), 0)
crc = zlib.crc32(hdr + tlv)
open(sys.argv[1], 'wb').write(hdr[:20] + struct.pack('<I', crc) + tlv + data)
PY
expect 1 "$CVMCTL" igvm inspect "$TMP/short-payload.igvm"
grep -q 'header 0 at byte 24: type 0x1 payload is 4 bytes, expected 16' "$TMP/err" || fail "short payload: $(cat "$TMP/err")"
expect 3 "$CVMCTL" igvm validate "$TMP/short-payload.igvm"

# --- diff
expect 0 "$CVMCTL" igvm diff "$TMP/snp.igvm" "$TMP/snp.igvm"
expect 3 "$CVMCTL" igvm diff --json "$TMP/hello.igvm" "$TMP/snp.igvm"
python3 - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["identical"] is False
assert "GUEST_POLICY [sev-snp] policy=0x30000" in d["headers"]["only-in-b"], d["headers"]
assert "0x12000-0x17fff" in d["pages"]["only-in-b"], d["pages"]
assert d["file-data"] == {"a-bytes": 4096, "b-bytes": 8192}, d["file-data"]
PY
sed 's/"e9 0d f0"/"e9 0d f1"/' examples/hello/manifest.json >"$TMP/hello-changed.json"
expect 0 "$CVMCTL" igvm build "$TMP/hello-changed.json" -o "$TMP/changed.igvm"
expect 3 "$CVMCTL" igvm diff "$TMP/hello.igvm" "$TMP/changed.igvm"
grep -q '^page data changed: 0xfffff000-0xffffffff' "$TMP/out" || fail "diff text: $(cat "$TMP/out")"

echo "test-cvmctl-igvm: ok"
