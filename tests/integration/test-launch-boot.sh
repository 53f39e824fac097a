#!/bin/sh
# Real boots through `cvmctl launch` on libvirt's embedded QEMU driver (TCG
# without /dev/kvm), in-process (no cvmd):
#  1. examples/hello built with the IGVM writer: its line on the serial log;
#  2. the IGVM wrapped from Debian's OVMF.fd: the firmware's first output;
#  3. bad input: a missing file, a name in use, a platform the host lacks,
#     each refused with nothing left defined.
# Every QEMU started here is stopped here; none may be left.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
TMP=$(mktemp -d)
export CVM_STATE_DIR="$TMP/state"
ROOT="$CVM_STATE_DIR/libvirt"
# Never reach a cvmd or a system libvirtd of the machine running the tests.
BUS="--bus=unix:path=$TMP/no-bus"
CONNECT="--connect=qemu:///embed?root=$ROOT"
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
	for g in hello ovmf; do "$CVMCTL" forget "$BUS" "$CONNECT" "$g" >/dev/null 2>&1 || true; done
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# wait_log NAME PATTERN SECONDS
wait_log() {
	i=0
	while [ $i -lt $(($3 * 4)) ]; do
		"$CVMCTL" console --no-follow "$BUS" "$1" 2>/dev/null | tr -d '\r' | grep -q "$2" && return 0
		sleep 0.25
		i=$((i + 1))
	done
	fail "$1: no \"$2\" on the serial console within $3 s: $("$CVMCTL" console --no-follow "$BUS" "$1" 2>&1 | head -c 400)"
}

"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
"$CVMCTL" launch -v "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name hello --memory 64M >"$TMP/out" 2>"$TMP/err" ||
	fail "launch hello: $(cat "$TMP/err")"
grep -q "running in-process" "$TMP/err" || fail "launch did not say it runs in-process"
grep -q "launched hello (native)" "$TMP/out" || fail "launch output: $(cat "$TMP/out")"
wait_log hello 'Hello from a cvm IGVM guest' 30
"$CVMCTL" list "$BUS" "$CONNECT" 2>/dev/null | grep -Eq '^hello +running +native' || fail "list does not show hello running"
"$CVMCTL" status --json "$BUS" "$CONNECT" hello 2>/dev/null | grep -q '"strategy":"native-translate"' ||
	fail "status lacks the strategy"

# Bad input: nothing may be defined or recorded by these.
rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/missing.igvm" --name bad >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 4 ] && grep -q "missing.igvm: No such file" "$TMP/err" || fail "missing file: rc $rc, $(cat "$TMP/err")"
rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name hello >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && grep -q "exists already" "$TMP/err" || fail "name in use: rc $rc, $(cat "$TMP/err")"
rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name bad --platform sev-snp >/dev/null \
	2>"$TMP/err" || rc=$?
[ $rc = 4 ] && grep -q "no sev-snp platform" "$TMP/err" || fail "missing platform: rc $rc, $(cat "$TMP/err")"
[ ! -e "$CVM_STATE_DIR/guests/bad.json" ] && [ ! -e "$CVM_STATE_DIR/guests.d/bad" ] || fail "bad launch left files"
"$CVMCTL" list "$BUS" "$CONNECT" 2>/dev/null | grep -q '^bad ' && fail "bad launch left a guest"

"$CVMCTL" stop --force "$BUS" "$CONNECT" hello 2>"$TMP/err" || fail "stop --force: $(cat "$TMP/err")"
"$CVMCTL" list "$BUS" "$CONNECT" 2>/dev/null | grep -Eq '^hello +shutoff' || fail "hello not shut off"
"$CVMCTL" forget "$BUS" "$CONNECT" hello 2>/dev/null || fail "forget"
[ ! -e "$CVM_STATE_DIR/guests.d/hello" ] || fail "forget left the guest's files"

# OVMF, wrapped into an IGVM file by cvm, up to its first serial output.
"$CVMCTL" igvm build --from-ovmf /usr/share/ovmf/OVMF.fd --platforms native -o "$TMP/ovmf.igvm" >/dev/null
"$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/ovmf.igvm" --name ovmf --memory 256M >/dev/null 2>"$TMP/err" ||
	fail "launch ovmf: $(cat "$TMP/err")"
wait_log ovmf 'EDK II\|BdsDxe\|UEFI' 90
"$CVMCTL" forget "$BUS" "$CONNECT" ovmf 2>/dev/null || fail "forget ovmf"

for _ in $(seq 50); do pgrep -f "qemu-system.*$TMP" >/dev/null || break; sleep 0.1; done
if pgrep -f "qemu-system.*$TMP" >/dev/null; then fail "a QEMU process was left running"; fi
echo "test-launch-boot: ok"
