#!/bin/sh
# Issue 16 item 3: one lifecycle, two paths. The same script (launch, status,
# console, stop, start, reboot, stop --force, forget, launch of the same name again,
# forget of a running guest, then --force) runs once through a cvmd this test
# starts on a private bus and once in-process, both on libvirt's embedded
# QEMU driver with the same state folder, and the two transcripts (every
# command's output, messages and exit code; status as JSON with the UUID and
# the time normalised) must be identical.
set -eu
. tests/integration/lib-cvmd.sh
embedded_qemu

hellos() { grep -c 'Hello from a cvm IGVM guest' "$CVM_STATE_DIR/guests.d/lc1/serial.log" 2>/dev/null || echo 0; }
said_hello() { [ "$(hellos)" -ge "$1" ]; }
no_qemu() { [ -z "$(qemu_pids)" ]; }

# step CMD...: cvmctl CMD, its stdout, stderr and exit code into $OUT
step() {
	echo "\$ cvmctl $*" >>"$OUT"
	set +e
	"$CVMCTL" "$@" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	set -e
	cat "$TMP/o" "$TMP/e" |
		sed -e "s|$TMP|TMP|g" -e 's/"uuid": *"[0-9a-f-]*"/"uuid":"UUID"/' \
		    -e 's/"created": *"[^"]*"/"created":"TIME"/' >>"$OUT"
	echo "exit $rc" >>"$OUT"
}

lifecycle() {
	OUT=$1
	: >"$OUT"
	step launch --igvm "$TMP/hello.igvm" --name lc1 --memory 64M
	within 60 said_hello 1 || fail "$OUT: lc1 did not boot: $(cat "$CVM_STATE_DIR/guests.d/lc1/serial.log" 2>&1)"
	step status --json lc1
	step console --no-follow lc1
	step start lc1
	# The guest ignores ACPI (it halts): stop's deadline powers it off.
	step stop --timeout 1 lc1
	step status --json lc1
	step start lc1
	# libvirt starts QEMU's serial file afresh
	within 60 said_hello 1 || fail "$OUT: lc1 did not boot again after start: $(cat "$OUT")"
	step status --json lc1
	step reboot lc1
	step reboot --force lc1
	within 60 said_hello 2 || fail "$OUT: the reset did not restart lc1: $(cat "$OUT")"
	step forget lc1
	step stop --force lc1
	step status --json lc1
	step forget lc1
	step status lc1
	step list --json
	[ ! -e "$CVM_STATE_DIR/guests.d/lc1" ] || fail "$OUT: forget left the guest's files"
	[ ! -e "$CVM_STATE_DIR/guests/lc1.json" ] || fail "$OUT: forget left the record"
	# The domain went too, or the name could not be launched again.
	step launch --igvm "$TMP/hello.igvm" --name lc1 --memory 64M
	within 60 said_hello 1 || fail "$OUT: the relaunched lc1 did not boot"
	step status --json lc1
	step forget lc1
	step forget --force lc1
	step list --json
	step start lc1
	within 10 no_qemu || fail "$OUT: QEMU left running"
}

"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
chmod 0644 "$TMP/hello.igvm"
mkdir -p "$CVM_STATE_DIR"

# Through cvmd, which holds the embedded driver while it runs.
start_bus
start_cvmd "$URI"
export CVM_BUS="$BUS"
lifecycle "$TMP/cvmd.out"
stop_cvmd
rm -rf "$CVM_STATE_DIR"

# In-process: no cvmd on the bus named, libvirt at the same URI.
export CVM_BUS="unix:path=$TMP/no-bus" CVM_LIBVIRT_URI="$URI"
lifecycle "$TMP/local.out"

if ! diff -u "$TMP/cvmd.out" "$TMP/local.out" >"$TMP/diff"; then
	cat "$TMP/diff" >&2
	fail "the lifecycle differs between cvmd (-) and in-process (+)"
fi
# The transcript itself: each step did what it says.
grep -q '^launched lc1 (native, tcg)' "$TMP/local.out" || fail "launch: $(cat "$TMP/local.out")"
grep -q "cvmctl: guest lc1 is running; stop it first (cvmctl stop lc1, or cvmctl stop --force lc1), or forget it with cvmctl forget --force lc1" "$TMP/local.out" ||
	fail "forget of a running guest: $(cat "$TMP/local.out")"
grep -q "^Hello from a cvm IGVM guest" "$TMP/local.out" || fail "console: $(cat "$TMP/local.out")"
grep -q "^cvmctl: guest lc1 is already running$" "$TMP/local.out" || fail "start of a running guest: $(cat "$TMP/local.out")"
[ "$(grep -c '"state":"shutoff"' "$TMP/local.out")" = 2 ] || fail "stop: $(cat "$TMP/local.out")"
[ "$(grep -c '^\]$' "$TMP/local.out")" = 2 ] || fail "list after forget: $(cat "$TMP/local.out")"
sed 's/^/  | /' "$TMP/local.out"
echo "test-lifecycle-paths: ok"
