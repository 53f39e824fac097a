#!/bin/sh
# LaunchGuest through cvmd on libvirt's embedded QEMU driver (TCG), driven by
# cvmctl and by gdbus: the guest object appears, its serial line shows, bad
# specs get named errors; then kill -9 of cvmd in the middle of a launch and
# a restart: the record and libvirt agree, nothing lost or duplicated.
set -eu
. tests/integration/lib-cvmd.sh
ROOT="$CVM_STATE_DIR/libvirt"
URI="qemu:///embed?root=$ROOT"
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
cleanup_guests() {
	[ -n "$CVMD_PID" ] && kill -9 "$CVMD_PID" 2>/dev/null && wait "$CVMD_PID" 2>/dev/null; CVMD_PID=""
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
}
CLEANUP_HOOK=cleanup_guests

start_bus
start_cvmd "$URI"
prop /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager Capabilities >"$TMP/caps"
grep -q "'platforms': <\['native'\]>" "$TMP/caps" || fail "capabilities: $(cat "$TMP/caps")"
grep -q "'qemu-igvm': <false>" "$TMP/caps" || fail "QEMU 7.2 has no igvm-cfg: $(cat "$TMP/caps")"

"$CVMCTL" launch --bus "$BUS" --igvm "$TMP/hello.igvm" --name g1 --memory 64M >"$TMP/launch.out" 2>&1 ||
	fail "cvmctl launch: $(cat "$TMP/launch.out")"
grep -q "running in-process" "$TMP/launch.out" && fail "launch did not go through cvmd"
prop /org/cvm/Cvmd1/guest/g1 org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "g1 not running"
prop /org/cvm/Cvmd1/guest/g1 org.cvm.Cvmd1.Guest Platform | grep -q "'native'" || fail "g1 platform"
# --accel auto: KVM where it works, else TCG; the reason libvirt gives.
if [ -w /dev/kvm ]; then want=kvm; else want=tcg; fi
prop /org/cvm/Cvmd1/guest/g1 org.cvm.Cvmd1.Guest Accel | grep -q "'$want'" || fail "g1 accel is not $want"
prop /org/cvm/Cvmd1/guest/g1 org.cvm.Cvmd1.Guest StateReason | grep -q "'booted'" || fail "g1 state reason"
"$CVMCTL" status --json --bus "$BUS" g1 2>/dev/null | tr -d ' \n' >"$TMP/status"
grep -q "\"accel\":\"$want\"" "$TMP/status" && grep -q '"state-reason":"booted"' "$TMP/status" &&
	! grep -q '"qemu-log' "$TMP/status" || fail "cvmctl status through cvmd: $(cat "$TMP/status")"
for _ in $(seq 120); do
	grep -q 'Hello from a cvm IGVM guest' "$CVM_STATE_DIR/guests.d/g1/serial.log" 2>/dev/null && break
	sleep 0.25
done
grep -q 'Hello from a cvm IGVM guest' "$CVM_STATE_DIR/guests.d/g1/serial.log" || fail "no serial line from g1"

# Named errors for bad specs, nothing launched by them.
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'g1'>, 'igvm': <'$TMP/hello.igvm'>}"
grep -q org.cvm.Cvmd1.Error.Exists "$TMP/out" || fail "duplicate name: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'g2'>, 'igvm': <'$TMP/missing.igvm'>}"
grep -q org.cvm.Cvmd1.Error.NotFound "$TMP/out" || fail "missing file: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'g2'>, 'igvm': <'$TMP/hello.igvm'>, 'vcpus': <'x'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "bad type: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'g2'>, 'igvm': <'$TMP/hello.igvm'>, 'platform': <'sev-snp'>}"
grep -q org.cvm.Cvmd1.Error.NotSupported "$TMP/out" || fail "platform: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'g2'>, 'igvm': <'$TMP/hello.igvm'>, 'accel': <'hvf'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "accel: $(cat "$TMP/out")"
[ ! -e "$CVM_STATE_DIR/guests/g2.json" ] || fail "a refused launch left a record"

# Migration on a stock QEMU: asking for the fork's HMP commands is refused
# by name (QEMU 7.2 has no snp_migrate); g1 keeps running and no
# destination guest is left. (cvm's relay between QEMU guests:
# test-migrate-qemu.sh.)
printf 'SVSM: Migration page is at address: 0x10000\n' >>"$CVM_STATE_DIR/guests.d/g1/serial.log"
set +e
"$CVMCTL" migrate g1 --bus "$BUS" --mode hmp --to tcp:127.0.0.1:0 >"$TMP/mig.json" 2>"$TMP/mig.err"
rc=$?
set -e
[ $rc -ne 0 ] || fail "migrate --mode hmp on stock QEMU succeeded"
grep -q "no snp_migrate" "$TMP/mig.err" "$TMP/mig.json" || fail "hmp mode on stock QEMU: $(cat "$TMP/mig.err")"
prop /org/cvm/Cvmd1/guest/g1 org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "g1 not running after migrate"
[ ! -e "$CVM_STATE_DIR/guests/g1-incoming.json" ] || fail "a refused migration left g1-incoming"

# Firmware update through cvmd: g1 (hello) staged and applied as B, whose
# line then shows; FirmwareUpdated carries the old and new digests; rollback.
python3 - examples/hello/manifest.json "$TMP/b.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
chunk = m["directives"][0]["chunks"][0]
old, new = b"Hello from a cvm IGVM guest".hex(" "), b"Firmware B says hello here!".hex(" ")
assert old in chunk["hex"]
chunk["hex"] = chunk["hex"].replace(old, new)
json.dump(m, open(sys.argv[2], "w"))
PY
"$CVMCTL" igvm build "$TMP/b.json" -o "$TMP/b.igvm" >/dev/null
G1=/org/cvm/Cvmd1/guest/g1
UUID1=$(prop "$G1" org.cvm.Cvmd1.Guest UUID)
start_monitor "$G1" "$TMP/monitor"
call "$G1" org.cvm.Cvmd1.FirmwareUpdate.Stage "$TMP/b.igvm"
[ $rc = 0 ] || fail "Stage: $(cat "$TMP/out")"
call "$G1" org.cvm.Cvmd1.FirmwareUpdate.Stage "relative.igvm"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "Stage relative: $(cat "$TMP/out")"
call "$G1" org.cvm.Cvmd1.FirmwareUpdate.Apply
[ $rc = 0 ] || fail "Apply: $(cat "$TMP/out")"
within 30 grep -q 'Firmware B says' "$CVM_STATE_DIR/guests.d/g1/serial.log" 2>/dev/null || fail "no line B after Apply"
SHA_B=$(sha256sum "$TMP/b.igvm" | cut -d' ' -f1)
prop "$G1" org.cvm.Cvmd1.Guest IgvmSha256 | grep -q "$SHA_B" || fail "IgvmSha256 not updated"
[ "$(prop "$G1" org.cvm.Cvmd1.Guest UUID)" = "$UUID1" ] || fail "the relaunch changed the guest's UUID"
call "$G1" org.cvm.Cvmd1.FirmwareUpdate.Status
grep -q previous "$TMP/out" || fail "Status: $(cat "$TMP/out")"
call "$G1" org.cvm.Cvmd1.FirmwareUpdate.Rollback
[ $rc = 0 ] || fail "Rollback: $(cat "$TMP/out")"
within 30 grep -q 'Hello from a cvm IGVM guest' "$CVM_STATE_DIR/guests.d/g1/serial.log" 2>/dev/null ||
	fail "no hello after Rollback"
"$CVMCTL" fwupdate status --bus "$BUS" g1 >"$TMP/fw.json" 2>"$TMP/fw.err" || fail "cvmctl fwupdate status: $(cat "$TMP/fw.err")"
grep -q "running in-process" "$TMP/fw.err" && fail "fwupdate status did not go through cvmd"
grep -q "$SHA_B" "$TMP/fw.json" || fail "status lacks the previous image B: $(cat "$TMP/fw.json")"
stop_monitor "$TMP/monitor" 'FirmwareUpdate.FirmwareUpdated' 2
[ "$(grep -c 'FirmwareUpdate.FirmwareUpdated' "$TMP/monitor")" -eq 2 ] || fail "signals: $(cat "$TMP/monitor")"
grep 'FirmwareUpdated' "$TMP/monitor" | head -1 | grep -q "$SHA_B" || fail "signal lacks B's digest: $(cat "$TMP/monitor")"

# kill -9 while LaunchGuest runs (the launch takes most of a second here).
gdbus call --address "$BUS" -d org.cvm.Cvmd1 -o /org/cvm/Cvmd1 -m org.cvm.Cvmd1.Manager.LaunchGuest \
	"{'name': <'g3'>, 'igvm': <'$TMP/hello.igvm'>, 'memory-mib': <uint64 64>}" >/dev/null 2>&1 &
CALL=$!
sleep 0.3
kill -9 "$CVMD_PID"; wait "$CVMD_PID" 2>/dev/null || true; CVMD_PID=""
wait "$CALL" 2>/dev/null || true
start_cvmd "$URI"
n=$(ls "$CVM_STATE_DIR/guests" | grep -c '^g3\.json$' || true)
state=$(prop /org/cvm/Cvmd1/guest/g3 org.cvm.Cvmd1.Guest State 2>/dev/null | tr -dc 'a-z' || true)
[ -n "$state" ] || state=absent
stop_cvmd
# The embedded driver admits one process: ask libvirt once cvmd is gone.
dom=$(virsh -q -c "$URI" domstate g3 2>/dev/null | tr -dc 'a-z' || true)
[ -n "$dom" ] || dom=absent
echo "after kill -9: record count $n, cvmd state $state, libvirt $dom"
case "$n/$state/$dom" in
1/running/running | 1/shutoff/shutoff) ;; # the launch got as far as the domain
1/paused/paused) ;; # killed while libvirt started QEMU (it starts paused)
1/failed/absent | 0/absent/absent) ;;     # it had not: a record saying failed, or nothing
*) fail "inconsistent after kill -9: record $n, cvmd $state, libvirt $dom" ;;
esac
virsh -q -c "$URI" destroy g3 >/dev/null 2>&1 || true
start_cvmd "$URI"
ls "$CVM_STATE_DIR/guests" | grep -q '\.tmp' && fail "temporary file left"

# A QEMU that dies under the guest: the state's reason and QEMU's log come
# with the status, through the bus and through cvmctl.
qpid=$(pgrep -f "qemu-system.*guest=g1," | head -1)
[ -n "$qpid" ] || fail "no QEMU for g1"
kill -9 "$qpid"
for _ in $(seq 120); do
	prop "$G1" org.cvm.Cvmd1.Guest State | grep -q "'shutoff'" && break
	sleep 0.25
done
prop "$G1" org.cvm.Cvmd1.Guest StateReason | grep -q "'crashed'" ||
	fail "killed QEMU: StateReason $(prop "$G1" org.cvm.Cvmd1.Guest StateReason), State $(prop "$G1" org.cvm.Cvmd1.Guest State)"
prop "$G1" org.cvm.Cvmd1.Guest QemuLog | grep -q "$ROOT/log/qemu/g1.log" || fail "QemuLog"
"$CVMCTL" status --bus "$BUS" g1 >"$TMP/status" 2>/dev/null || fail "status of the crashed g1"
grep -q '^qemu-log-tail' "$TMP/status" && grep -q '^  | ' "$TMP/status" ||
	fail "status lacks QEMU's last lines: $(cat "$TMP/status")"
stop_cvmd
echo ok
