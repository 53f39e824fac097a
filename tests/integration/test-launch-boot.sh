#!/bin/sh
# Real boots through `cvmctl launch` on libvirt's embedded QEMU driver (TCG
# without /dev/kvm), in-process (no cvmd):
#  1. examples/hello built with the IGVM writer: its line on the serial log;
#  2. the IGVM wrapped from Debian's OVMF.fd: the firmware's first output;
#  3. bad input: a missing file, a name in use, a platform the host lacks,
#     KVM where there is none, TCG for SEV-SNP, each refused with nothing
#     left defined;
#  4. --accel: what auto chose is in the status, with libvirt's state reason,
#     and a guest stopped on purpose carries no QEMU log.
# Every QEMU started here is stopped here; none may be left.
set -eu
. tests/integration/lib.sh
export CVM_STATE_DIR="$TMP/state"
ROOT="$CVM_STATE_DIR/libvirt"
# Never reach a cvmd or a system libvirtd of the machine running the tests.
BUS="--bus=unix:path=$TMP/no-bus"
CONNECT="--connect=qemu:///embed?root=$ROOT"
stop_guests() {
	for g in hello crash ovmf; do "$CVMCTL" forget --force "$BUS" "$CONNECT" "$g" >/dev/null 2>&1 || true; done
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
}
CLEANUP_HOOK=stop_guests

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
grep -Eq "launched hello \(native, (kvm|tcg)\)" "$TMP/out" || fail "launch output: $(cat "$TMP/out")"
wait_log hello 'Hello from a cvm IGVM guest' 30
"$CVMCTL" list "$BUS" "$CONNECT" 2>/dev/null | grep -Eq '^hello +running +native' || fail "list does not show hello running"
"$CVMCTL" status --json "$BUS" "$CONNECT" hello >"$TMP/status" 2>/dev/null || fail "status hello"
tr -d ' \n' <"$TMP/status" >"$TMP/status1"
grep -q '"strategy":"native-translate"' "$TMP/status1" || fail "status lacks the strategy"
grep -q '"accel-requested":"auto"' "$TMP/status1" || fail "status lacks the accelerator asked for"
if [ -w /dev/kvm ]; then want=kvm; else want=tcg; fi
grep -q "\"accel\":\"$want\"" "$TMP/status1" || fail "auto did not pick $want: $(cat "$TMP/status")"
grep -q '"state-reason":"booted"' "$TMP/status1" || fail "status lacks the state reason: $(cat "$TMP/status")"
grep -q '"qemu-log"' "$TMP/status1" && fail "a running guest's status carries QEMU's log"
"$CVMCTL" domxml "$CONNECT" --accel tcg --igvm "$TMP/hello.igvm" --name x 2>/dev/null | grep -q "<domain type=\"qemu\"" ||
	fail "domxml --accel tcg is no qemu (TCG) domain"

# Bad input: nothing may be defined or recorded by these.
rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/missing.igvm" --name bad >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 4 ] && grep -q "missing.igvm: No such file" "$TMP/err" || fail "missing file: rc $rc, $(cat "$TMP/err")"
rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name hello >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && grep -q "exists already" "$TMP/err" || fail "name in use: rc $rc, $(cat "$TMP/err")"
rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name bad --platform sev-snp >/dev/null \
	2>"$TMP/err" || rc=$?
[ $rc = 4 ] && grep -q "no sev-snp platform" "$TMP/err" || fail "missing platform: rc $rc, $(cat "$TMP/err")"
rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name bad --accel tcg --platform sev-snp \
	>/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 4 ] && grep -q "needs KVM" "$TMP/err" || fail "TCG for SEV-SNP: rc $rc, $(cat "$TMP/err")"
if [ ! -e /dev/kvm ]; then
	rc=0; "$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name bad --accel kvm >/dev/null \
		2>"$TMP/err" || rc=$?
	[ $rc = 4 ] && grep -q "no usable KVM" "$TMP/err" || fail "KVM without /dev/kvm: rc $rc, $(cat "$TMP/err")"
fi
[ ! -e "$CVM_STATE_DIR/guests/bad.json" ] && [ ! -e "$CVM_STATE_DIR/guests.d/bad" ] || fail "bad launch left files"
"$CVMCTL" list "$BUS" "$CONNECT" 2>/dev/null | grep -q '^bad ' && fail "bad launch left a guest"

"$CVMCTL" stop --force "$BUS" "$CONNECT" hello 2>"$TMP/err" || fail "stop --force: $(cat "$TMP/err")"
"$CVMCTL" list "$BUS" "$CONNECT" 2>/dev/null | grep -Eq '^hello +shutoff' || fail "hello not shut off"
"$CVMCTL" status "$BUS" "$CONNECT" hello >"$TMP/status" 2>/dev/null || fail "status of the stopped hello"
# "daemon" when the destroy raced the embedded driver's reconnect (docs/launch.md).
grep -Eq '^state-reason +(destroyed|unknown|daemon)$' "$TMP/status" ||
	fail "stopped hello: no reason: $(cat "$TMP/status")"
grep -q '^qemu-log' "$TMP/status" && fail "a guest destroyed on purpose carries QEMU's log"
"$CVMCTL" forget --force "$BUS" "$CONNECT" hello 2>/dev/null || fail "forget"
[ ! -e "$CVM_STATE_DIR/guests.d/hello" ] || fail "forget left the guest's files"

# A guest whose QEMU dies: launch --console says so, with QEMU's log, and
# exits 1; a later status (another process) still names the reason.
"$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name crash --memory 64M --console \
	>"$TMP/crash.out" 2>&1 &
LAUNCH=$!
for _ in $(seq 240); do grep -q 'Hello from a cvm IGVM guest' "$TMP/crash.out" && break; sleep 0.25; done
qpid=$(pgrep -f "qemu-system.*guest=crash,.*$TMP" | head -1)
[ -n "$qpid" ] || fail "no QEMU for crash: $(cat "$TMP/crash.out")"
kill -9 "$qpid"
rc=0; wait "$LAUNCH" || rc=$?
[ $rc = 1 ] && grep -q "crash is shutoff (crashed); QEMU's log $ROOT/log/qemu/crash.log ends" "$TMP/crash.out" &&
	grep -q '^  | .*shutting down, reason=crashed' "$TMP/crash.out" ||
	fail "launch --console of a dying guest: rc $rc, $(cat "$TMP/crash.out")"
"$CVMCTL" status "$BUS" "$CONNECT" crash >"$TMP/status" 2>/dev/null || fail "status of crash"
grep -Eq '^state-reason +crashed' "$TMP/status" && grep -q "^qemu-log .*crash.log" "$TMP/status" ||
	fail "status of the crashed guest: $(cat "$TMP/status")"
"$CVMCTL" forget --force "$BUS" "$CONNECT" crash 2>/dev/null || fail "forget crash"

# OVMF, wrapped into an IGVM file by cvm, up to its first serial output.
"$CVMCTL" igvm build --from-ovmf /usr/share/ovmf/OVMF.fd --platforms native -o "$TMP/ovmf.igvm" >/dev/null
"$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/ovmf.igvm" --name ovmf --memory 256M >/dev/null 2>"$TMP/err" ||
	fail "launch ovmf: $(cat "$TMP/err")"
wait_log ovmf 'EDK II\|BdsDxe\|UEFI' 90
"$CVMCTL" forget --force "$BUS" "$CONNECT" ovmf 2>/dev/null || fail "forget ovmf"

for _ in $(seq 50); do pgrep -f "qemu-system.*$TMP" >/dev/null || break; sleep 0.1; done
if pgrep -f "qemu-system.*$TMP" >/dev/null; then fail "a QEMU process was left running"; fi
echo "test-launch-boot: ok"
