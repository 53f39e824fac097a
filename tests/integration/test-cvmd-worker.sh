#!/bin/sh
# Guest.Start/Stop/Destroy call libvirt from a worker thread, not cvmd's main
# loop: while libvirt is inside a Start, cvmd answers read calls and refuses
# another lifecycle call on that guest with Busy. The Start is held inside
# libvirt deterministically: the guest's emulator (embedded QEMU driver) is a
# wrapper that waits for a gate file the test creates when it is done.
set -eu
. tests/integration/lib-cvmd.sh
ROOT="$CVM_STATE_DIR/libvirt"
URI="qemu:///embed?root=$ROOT"
UUID=22222222-3333-4444-5555-666666666666
G=/org/cvm/Cvmd1/guest/slow
START=""
cleanup_guests() {
	[ -d "$TMP/gate" ] && touch "$TMP/gate/open"
	[ -n "$START" ] && kill "$START" 2>/dev/null
	[ -n "$CVMD_PID" ] && kill -9 "$CVMD_PID" 2>/dev/null && wait "$CVMD_PID" 2>/dev/null; CVMD_PID=""
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
}
CLEANUP_HOOK=cleanup_guests

start_bus
start_cvmd "$URI" # writes the embedded root's qemu.conf
stop_cvmd
QEMU=$(command -v qemu-system-x86_64) || fail "no qemu-system-x86_64"
# QEMU may run as another user than the test: the gate is writable by all.
GATE="$TMP/gate"
mkdir -p "$GATE" && chmod 1777 "$GATE"
cat >"$TMP/slow-qemu" <<SH
#!/bin/sh
# libvirt's capability probe passes; the guest's own start waits (30 s at most).
case " \$* " in
*" guest=slow,"* | *" guest=slow "*)
	: >"$GATE/reached"
	i=0
	while [ ! -e "$GATE/open" ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done ;;
esac
exec "$QEMU" "\$@"
SH
chmod 755 "$TMP/slow-qemu"
define_qemu_domain "$URI" slow $UUID "$TMP/slow-qemu"
write_record slow $UUID shutoff
start_cvmd "$URI"
prop $G org.cvm.Cvmd1.Guest State | grep -q "'shutoff'" || fail "slow not shutoff at start"

gdbus call --address "$BUS" -d org.cvm.Cvmd1 -o $G -m org.cvm.Cvmd1.Guest.Start >"$TMP/start.out" 2>&1 &
START=$!
for _ in $(seq 300); do
	[ -e "$GATE/reached" ] && break
	kill -0 "$START" 2>/dev/null || fail "Start ended before libvirt ran the emulator: $(cat "$TMP/start.out")"
	sleep 0.1
done
[ -e "$GATE/reached" ] || fail "the emulator was not started"

# libvirt is inside virDomainCreate now, until the gate opens.
gdbus call --timeout 10 --address "$BUS" -d org.cvm.Cvmd1 -o $G -m org.freedesktop.DBus.Properties.GetAll \
	org.cvm.Cvmd1.Guest >"$TMP/read.out" 2>&1 || fail "no answer to a read during Start: $(cat "$TMP/read.out")"
grep -q "'Name': <'slow'>" "$TMP/read.out" || fail "GetAll during Start: $(cat "$TMP/read.out")"
gdbus call --timeout 10 --address "$BUS" -d org.cvm.Cvmd1 -o /org/cvm/Cvmd1 -m org.cvm.Cvmd1.Manager.ListGuests \
	>"$TMP/read.out" 2>&1 || fail "no answer to ListGuests during Start: $(cat "$TMP/read.out")"
call $G org.cvm.Cvmd1.Guest.Destroy
grep -q "org.cvm.Cvmd1.Error.Busy.*Start" "$TMP/out" || fail "Destroy during Start: $(cat "$TMP/out")"
call $G org.cvm.Cvmd1.Guest.Forget
grep -q "org.cvm.Cvmd1.Error.Busy" "$TMP/out" || fail "Forget during Start: $(cat "$TMP/out")"
kill -0 "$START" 2>/dev/null || fail "Start returned while libvirt was held: $(cat "$TMP/start.out")"

touch "$GATE/open"
wait "$START" || fail "Start: $(cat "$TMP/start.out")"
START=""
prop $G org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "not running after Start"
grep -q '"state": "running"' "$CVM_STATE_DIR/guests/slow.json" || fail "record not running after Start"
call $G org.cvm.Cvmd1.Guest.Destroy
[ "$rc" -eq 0 ] || fail "Destroy: $(cat "$TMP/out")"
prop $G org.cvm.Cvmd1.Guest State | grep -q "'shutoff'" || fail "not shutoff after Destroy"
stop_cvmd
echo ok
