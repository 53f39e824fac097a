#!/bin/sh
# The embedded driver runs QEMU unprivileged (issue 22, item 12): cvm running
# as root writes a qemu.conf with user/group libvirt-qemu, dynamic ownership
# and a mount namespace, and a guest launched on it runs as that user (its
# QEMU's /proc/PID/status) and still boots (firmware and serial log reached
# through the 0711 state directories cvm creates). A state directory that
# user cannot reach keeps QEMU as root, as before.
set -eu
. tests/integration/lib.sh
# make check runs as root after scripts/deps.sh, which creates the user.
[ "$(id -u)" = 0 ] || fail "needs root (an unprivileged driver runs QEMU as its caller)"
QUID=$(id -u libvirt-qemu 2>/dev/null) || fail "no libvirt-qemu user (scripts/deps.sh creates it)"
# QEMU must reach the state directory: the test's own directory is made
# searchable, as /var/lib is for the default /var/lib/cvm.
chmod 0711 "$TMP"
export CVM_STATE_DIR="$TMP/state"
ROOT="$CVM_STATE_DIR/libvirt"
BUS="--bus=unix:path=$TMP/no-bus"
CONNECT="--connect=qemu:///embed?root=$ROOT"
qemu_pids() { pgrep -f "qemu-system.*$TMP" || true; }
stop_guests() {
	"$CVMCTL" forget --force "$BUS" "$CONNECT" user1 >/dev/null 2>&1 || true
	"$CVMCTL" forget --force "$BUS" "--connect=qemu:///embed?root=$TMP/private/state/libvirt" user2 >/dev/null 2>&1 || true
	for p in $(qemu_pids); do kill "$p" 2>/dev/null || true; done
}
CLEANUP_HOOK=stop_guests

said_hello() { "$CVMCTL" console --no-follow "$BUS" "$1" 2>/dev/null | grep -q 'Hello from a cvm IGVM guest'; }
no_qemu() { [ -z "$(qemu_pids)" ]; }
# qemu_uid: the real and effective uid of the one QEMU under $TMP
qemu_uid() {
	pids=$(qemu_pids)
	[ "$(echo "$pids" | wc -w)" = 1 ] || fail "expected one QEMU, found: $pids"
	awk '/^Uid:/ {print $2 "/" $3}' "/proc/$pids/status"
}

"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
chmod 0644 "$TMP/hello.igvm"
"$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name user1 --memory 64M >/dev/null 2>"$TMP/err" ||
	fail "launch: $(cat "$TMP/err")"
grep -q '^user = "libvirt-qemu"' "$ROOT/etc/qemu.conf" || fail "qemu.conf: $(cat "$ROOT/etc/qemu.conf")"
within 30 said_hello user1 || fail "user1 did not boot: $("$CVMCTL" console --no-follow "$BUS" user1 2>&1 | head -c 400)"
uid=$(qemu_uid)
[ "$uid" = "$QUID/$QUID" ] || fail "QEMU runs as uid $uid, not libvirt-qemu ($QUID)"
# What cvm created for the guest: searchable directories, private records.
[ "$(stat -c %a "$CVM_STATE_DIR")" = 711 ] || fail "state dir mode $(stat -c %a "$CVM_STATE_DIR")"
[ "$(stat -c %a "$CVM_STATE_DIR/guests.d/user1")" = 711 ] || fail "guest dir mode"
[ "$(stat -c %a "$CVM_STATE_DIR/guests")" = 700 ] || fail "records dir mode $(stat -c %a "$CVM_STATE_DIR/guests")"
"$CVMCTL" forget --force "$BUS" "$CONNECT" user1 2>/dev/null || fail "forget"
within 5 no_qemu || fail "QEMU left running"

# A state directory below a private (0700) one: QEMU could not reach it.
mkdir -m 0700 "$TMP/private"
export CVM_STATE_DIR="$TMP/private/state"
CONNECT="--connect=qemu:///embed?root=$CVM_STATE_DIR/libvirt"
"$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/hello.igvm" --name user2 --memory 64M >/dev/null 2>"$TMP/err" ||
	fail "launch under a private directory: $(cat "$TMP/err")"
grep -q '^user = "root"' "$CVM_STATE_DIR/libvirt/etc/qemu.conf" || fail "fallback qemu.conf"
within 30 said_hello user2 || fail "user2 did not boot"
[ "$(qemu_uid)" = 0/0 ] || fail "fallback QEMU runs as $(qemu_uid)"
"$CVMCTL" forget --force "$BUS" "$CONNECT" user2 2>/dev/null || fail "forget user2"
within 5 no_qemu || fail "QEMU left running"
echo "test-launch-user: ok"
