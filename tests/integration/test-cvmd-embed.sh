#!/bin/sh
# cvmd against libvirt's embedded QEMU driver (qemu:///embed?root=DIR), run as
# an unprivileged user (the privileged embedded driver wants the libvirt-qemu
# user of libvirt-daemon-system). Connected, reconciles a guest whose domain
# does not exist in that root as vanished, and Start on it is a named error.
set -eu
. tests/integration/lib-cvmd.sh
id cvmtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin cvmtest
write_record lost 11111111-2222-3333-4444-555555555555 running
mkdir -p "$TMP/embed"
chown -R cvmtest "$TMP/embed" "$CVM_STATE_DIR"
start_bus
setpriv --reuid=cvmtest --regid="$(id -g cvmtest)" --clear-groups \
	env HOME="$TMP/embed" CVM_STATE_DIR="$CVM_STATE_DIR" \
	"$CVMD" --address "$BUS" --connect "qemu:///embed?root=$TMP/embed" >"$TMP/cvmd.log" 2>&1 &
CVMD_PID=$!
for _ in $(seq 200); do
	gdbus call --address "$BUS" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
		-m org.freedesktop.DBus.NameHasOwner org.cvm.Cvmd1 2>/dev/null | grep -q true && break
	kill -0 "$CVMD_PID" 2>/dev/null || fail "cvmd exited"
	sleep 0.05
done
prop /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager Capabilities >"$TMP/caps"
grep -q "'libvirt-connected': <true>" "$TMP/caps" || fail "embedded driver not connected: $(cat "$TMP/caps")"
grep -q "qemu:///embed" "$TMP/caps" || fail "uri"
prop /org/cvm/Cvmd1/guest/lost org.cvm.Cvmd1.Guest State | grep -q "'vanished'" || fail "lost not vanished"
call /org/cvm/Cvmd1/guest/lost org.cvm.Cvmd1.Guest.Start
grep -q org.cvm.Cvmd1.Error.NotFound "$TMP/out" || fail "Start of vanished guest: $(cat "$TMP/out")"
[ -d "$TMP/embed/etc" ] || [ -d "$TMP/embed/run" ] || [ -d "$TMP/embed/lib" ] || fail "embedded root unused"
stop_cvmd
echo ok
