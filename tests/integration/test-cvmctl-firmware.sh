#!/bin/sh
# cvmctl igvm descriptor, firmware list, and launch/domxml --firmware and
# --svsm-device on real files: descriptor folders given by CVM_FIRMWARE_DIRS
# (never the host's); a bad --svsm-device.
set -eu
. tests/integration/lib.sh
export CVM_STATE_DIR="$TMP/state" XDG_RUNTIME_DIR="$TMP/run" CVM_BUS="unix:path=$TMP/no-bus"
mkdir -p "$CVM_STATE_DIR" "$XDG_RUNTIME_DIR"

# check PYTHON-EXPR...: each expression holds for d, the JSON in $TMP/out
# (one python3 for them all: it is slow to start on a loaded machine)
check() {
	python3 - "$TMP/out" "$@" <<'PY' || { cat "$TMP/out" >&2; fail "JSON check"; }
import json, sys
d = json.load(open(sys.argv[1]))
for expr in sys.argv[2:]:
    if not eval(expr):
        sys.exit("false: " + expr)
PY
}

"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/snp.igvm" >/dev/null || fail "igvm build"
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null || fail "igvm build"

# --- igvm descriptor: stdout, a file, a folder (NN-name.json)
expect 0 "$CVMCTL" igvm descriptor "$TMP/snp.igvm"
check "d['mapping'] == {'device': 'igvm', 'filename': '$TMP/snp.igvm'}" "d['features'] == ['amd-sev-snp']" \
	"d['targets'] == [{'architecture': 'x86_64', 'machines': ['pc-q35-*']}]"
expect 0 "$CVMCTL" igvm descriptor "$TMP/hello.igvm"
tr -d ' \n' <"$TMP/out" | grep -q '"features":\[\]' || fail "a native file claims features: $(cat "$TMP/out")"
mkdir -p "$TMP/sys" "$TMP/etc" "$TMP/user"
expect 0 "$CVMCTL" igvm descriptor "$TMP/snp.igvm" --priority 10 -o "$TMP/etc"
grep -qx "$TMP/etc/10-snp.json" "$TMP/out" || fail "descriptor path: $(cat "$TMP/out")"
expect 0 "$CVMCTL" igvm descriptor "$TMP/hello.igvm" -o "$TMP/user"
[ -s "$TMP/user/50-hello.json" ] || fail "default priority 50"
expect 0 "$CVMCTL" igvm descriptor "$TMP/hello.igvm" -o "$TMP/one.json"
cmp -s "$TMP/one.json" "$TMP/user/50-hello.json" || fail "-o FILE and -o FOLDER differ"
expect 2 "$CVMCTL" igvm descriptor "$TMP/hello.igvm" --priority 10
grep -q "give -o an existing FOLDER" "$TMP/err" || fail "--priority without a folder"
expect 2 "$CVMCTL" igvm descriptor "$TMP/hello.igvm" --priority 100 -o "$TMP/etc"
expect 4 "$CVMCTL" igvm descriptor "$TMP/missing.igvm"

# --- a flash-only host: listed, and refused for IGVM platforms by name
cat >"$TMP/sys/60-edk2-x86_64.json" <<JSON
{ "description": "UEFI firmware for x86_64", "interface-types": [ "uefi" ],
  "mapping": { "device": "flash", "mode": "split",
    "executable": { "filename": "/usr/share/OVMF/OVMF_CODE_4M.fd", "format": "raw" },
    "nvram-template": { "filename": "/usr/share/OVMF/OVMF_VARS_4M.fd", "format": "raw" } },
  "targets": [ { "architecture": "x86_64", "machines": [ "pc-q35-*" ] } ],
  "features": [ "acpi-s3", "amd-sev", "amd-sev-es", "verbose-dynamic" ], "tags": [] }
JSON
export CVM_FIRMWARE_DIRS="$TMP/sys"
expect 0 "$CVMCTL" firmware list
grep -q "^60-edk2-x86_64.json  *flash  *-" "$TMP/out" || fail "list: $(cat "$TMP/out")"
expect 4 "$CVMCTL" domxml --name g --firmware auto --platform sev-snp
grep -q "no IGVM firmware descriptor can launch sev-snp (searched $TMP/sys): 60-edk2-x86_64.json: flash firmware" \
	"$TMP/err" || fail "flash-only refusal: $(cat "$TMP/err")"

# --- precedence and masking across three folders
export CVM_FIRMWARE_DIRS="$TMP/sys:$TMP/etc:$TMP/user"
cp "$TMP/etc/10-snp.json" "$TMP/sys/10-snp.json"
: >"$TMP/user/60-edk2-x86_64.json"
expect 0 "$CVMCTL" firmware list --json
check "[e['name'] for e in d] == ['10-snp.json', '50-hello.json', '60-edk2-x86_64.json']" \
	"d[0]['path'] == '$TMP/etc/10-snp.json'" "d[0]['shadowed'] == ['$TMP/sys/10-snp.json']" \
	"d[0]['platforms'] == ['sev-snp', 'native']" "d[1]['platforms'] == ['native']" \
	"d[2]['masked'] and d[2]['shadowed'] == ['$TMP/sys/60-edk2-x86_64.json']"

# --- --firmware picks the IGVM file (test driver: no QEMU needed)
expect 0 env CVM_LIBVIRT_URI=test:///default "$CVMCTL" domxml --name g --firmware auto --platform native
grep -q "path=\"$TMP/snp.igvm\"" "$TMP/out" || fail "auto did not pick 10-snp.json"
expect 0 env CVM_LIBVIRT_URI=test:///default "$CVMCTL" domxml --name g --firmware 50-hello.json
grep -q "path=\"$TMP/hello.igvm\"" "$TMP/out" || fail "--firmware NAME"
expect 4 env CVM_LIBVIRT_URI=test:///default "$CVMCTL" domxml --name g --firmware 60-edk2-x86_64.json
grep -q "masked" "$TMP/err" || fail "a masked descriptor: $(cat "$TMP/err")"
expect 2 "$CVMCTL" domxml --name g --firmware auto --igvm "$TMP/hello.igvm"

# --- --svsm-device: refused by name on this host's QEMU (probed through the
# embedded driver), and for a bad device before any host question
expect 2 env CVM_LIBVIRT_URI=test:///default "$CVMCTL" domxml --name g --igvm "$TMP/hello.igvm" \
	--svsm-device net:user
grep -q 'unknown device "net:user"' "$TMP/err" || fail "bad device"
# (the refusal from this host's real QEMU is test-launch-svsm's: through the
# embedded driver here, a fresh state folder costs a minute of QEMU probing)
echo "PASS"
