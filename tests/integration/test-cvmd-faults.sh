#!/bin/sh
# cvmd under faults (issue 17): cvmd is killed (SIGKILL, by the test hook
# CVM_TEST_FAULT=STAGE, libcvm/test-fault.c) at each stage of a launch, a
# Forget, a record write and a firmware Stage and Apply, on libvirt's embedded
# QEMU driver (TCG), then started again. After each: every record parses,
# no temporary file is left, every libvirt domain belongs to a record (by
# UUID: nothing orphaned), and the guest's state says what happened. A
# migration job is killed (kill -9 by the test, once the job moves blocks)
# the same way. Then a
# full state folder (a 1 MiB tmpfs mounted by the test) and a read-only one
# give clear errors, and no record is lost.
set -eu
. tests/integration/lib-cvmd.sh
ROOT="$CVM_STATE_DIR/libvirt"
URI="qemu:///embed?root=$ROOT"
M=/org/cvm/Cvmd1
G=$M/guest
build_images_ab
MNT=""
cleanup_faults() {
	[ -n "$CVMD_PID" ] && kill -9 "$CVMD_PID" 2>/dev/null && wait "$CVMD_PID" 2>/dev/null; CVMD_PID=""
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	true
}
CLEANUP_HOOK=cleanup_faults

# killed_at STAGE METHOD-CALL...: cvmd started with the hook, the call made,
# cvmd must die of SIGKILL at STAGE
killed_at() {
	stage=$1; shift
	CVM_TEST_FAULT=$stage
	export CVM_TEST_FAULT
	start_cvmd "$URI"
	unset CVM_TEST_FAULT
	call "$@"
	set +e
	wait "$CVMD_PID"
	st=$?
	set -e
	CVMD_PID=""
	[ "$st" -eq 137 ] || fail "$stage: cvmd exit status $st, not SIGKILL ($(cat "$TMP/out"))"
	grep -q "killed at $stage" "$TMP/cvmd.log" || fail "$stage: the hook was not reached"
	consistent "$stage"
}

# consistent WHAT: with cvmd down, records and libvirt agree
consistent() {
	ls -a "$CVM_STATE_DIR/guests" | grep -q '\.tmp-' && [ "$1" != state-write-renaming ] &&
		fail "$1: temporary file left: $(ls -a "$CVM_STATE_DIR/guests")"
	for r in "$CVM_STATE_DIR"/guests/*.json; do
		[ -e "$r" ] || continue
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$r" || fail "$1: $r does not parse"
	done
	cat "$CVM_STATE_DIR"/guests/*.json 2>/dev/null | grep -o '"uuid": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' |
		sort >"$TMP/rec-uuids"
	virsh -q -c "$URI" list --all --uuid | grep . | sort >"$TMP/dom-uuids" || true
	comm -13 "$TMP/rec-uuids" "$TMP/dom-uuids" >"$TMP/orphans"
	[ ! -s "$TMP/orphans" ] || fail "$1: libvirt domains without a record: $(cat "$TMP/orphans")"
}

state_is() { # state_is GUEST STATE...
	g=$1; shift
	s=$(prop "$G/$g" org.cvm.Cvmd1.Guest State 2>&1) || fail "no guest $g after restart: $s"
	for want in "$@"; do echo "$s" | grep -q "'$want'" && return 0; done
	fail "$g: state $s, want $*"
}
launch() { # launch NAME IGVM
	call $M org.cvm.Cvmd1.Manager.LaunchGuest \
		"{'name': <'$1'>, 'igvm': <'$2'>, 'memory-mib': <uint64 64>, 'platform': <'native'>}"
}

start_bus

# --- launch: killed after the record, after the files, after the start
for stage in launch-recorded launch-files launch-started; do
	n=$(echo "$stage" | tr -d -)
	killed_at $stage $M org.cvm.Cvmd1.Manager.LaunchGuest \
		"{'name': <'$n'>, 'igvm': <'$TMP/a.igvm'>, 'memory-mib': <uint64 64>, 'platform': <'native'>}"
	[ -f "$CVM_STATE_DIR/guests/$n.json" ] || fail "$stage: the record is lost"
	start_cvmd "$URI"
	case $stage in
	launch-started) state_is "$n" running ;;  # the record's UUID names the domain
	*) state_is "$n" failed ;;               # no domain: a launch interrupted
	esac
	stop_cvmd
done

# --- a record write killed before its rename: the old record stands
start_cvmd "$URI"
call $G/launchstarted org.cvm.Cvmd1.Guest.Destroy
[ "$rc" -eq 0 ] || fail "Destroy: $(cat "$TMP/out")"
stop_cvmd
cp "$CVM_STATE_DIR/guests/launchstarted.json" "$TMP/before.json"
killed_at state-write-renaming $G/launchstarted org.cvm.Cvmd1.Guest.Start
cmp -s "$CVM_STATE_DIR/guests/launchstarted.json" "$TMP/before.json" || fail "the record changed though its write was cut"
start_cvmd "$URI"
ls -a "$CVM_STATE_DIR/guests" | grep -q '\.tmp-' && fail "temporary file kept after a restart"
state_is launchstarted running shutoff
call $G/launchstarted org.cvm.Cvmd1.Guest.Destroy
stop_cvmd

# --- Forget: killed before the record goes; it is still there, and Forget works again
killed_at state-removing $G/launchrecorded org.cvm.Cvmd1.Guest.Forget
[ -f "$CVM_STATE_DIR/guests/launchrecorded.json" ] || fail "Forget cut short lost the record"
start_cvmd "$URI"
state_is launchrecorded failed
call $G/launchrecorded org.cvm.Cvmd1.Guest.Forget
[ "$rc" -eq 0 ] || fail "Forget after restart: $(cat "$TMP/out")"
[ ! -e "$CVM_STATE_DIR/guests/launchrecorded.json" ] || fail "Forget left the record"
launch fw "$TMP/a.igvm"
[ "$rc" -eq 0 ] || fail "launch fw: $(cat "$TMP/out")"
stop_cvmd

# --- firmware: Stage killed after the image is stored: nothing staged
killed_at stage-stored $G/fw org.cvm.Cvmd1.FirmwareUpdate.Stage "$TMP/b.igvm"
grep -q staged "$CVM_STATE_DIR/guests/fw.json" && fail "stage-stored: the record names a staged image"
start_cvmd "$URI"
state_is fw running
call $G/fw org.cvm.Cvmd1.FirmwareUpdate.Stage "$TMP/b.igvm"
[ "$rc" -eq 0 ] || fail "Stage after restart: $(cat "$TMP/out")"
stop_cvmd

# Apply killed after the old domain went: the record keeps the old image and
# the staged one; the guest has no domain (vanished), and Apply again runs it
killed_at relaunch-removed $G/fw org.cvm.Cvmd1.FirmwareUpdate.Apply
start_cvmd "$URI"
state_is fw vanished shutoff
call $G/fw org.cvm.Cvmd1.FirmwareUpdate.Apply
[ "$rc" -eq 0 ] || fail "Apply after relaunch-removed: $(cat "$TMP/out")"
state_is fw running
call $G/fw org.cvm.Cvmd1.FirmwareUpdate.Status
grep -q "$(sha256sum "$TMP/b.igvm" | cut -c1-64)" "$TMP/out" || fail "Status after Apply: $(cat "$TMP/out")"
stop_cvmd
# ... and after the new domain started, before the record names it: Rollback
# is cut there; the domain (same UUID) runs image a, and at the restart cvmd
# finishes the record from the domain's cvm metadata (before the fix the
# record went on naming b)
killed_at relaunch-started $G/fw org.cvm.Cvmd1.FirmwareUpdate.Rollback
grep -q "$(sha256sum "$TMP/b.igvm" | cut -c1-64)" "$CVM_STATE_DIR/guests/fw.json" || fail "relaunch-started: record"
start_cvmd "$URI"
state_is fw running
prop $G/fw org.cvm.Cvmd1.Guest IgvmSha256 | grep -q "$(sha256sum "$TMP/a.igvm" | cut -c1-64)" ||
	fail "after relaunch-started the record does not name the image the domain runs: $(prop $G/fw org.cvm.Cvmd1.Guest IgvmSha256)"
call $G/fw org.cvm.Cvmd1.FirmwareUpdate.Status
python3 - "$TMP/out" "$(sha256sum "$TMP/a.igvm" | cut -c1-64)" "$(sha256sum "$TMP/b.igvm" | cut -c1-64)" <<'PY' ||
import ast, json, sys
st = json.loads(ast.literal_eval(open(sys.argv[1]).read().strip())[0])
assert st["current"]["igvm-sha256"] == sys.argv[2], st
assert st["previous"]["igvm-sha256"] == sys.argv[3], st
PY
	fail "Status after relaunch-started: $(cat "$TMP/out")"
stop_cvmd

# --- migration: cvmd killed (kill -9) while a job moves the page between two
# SVSM simulators (cvm's relay, each side on its guest's RAM file). After the
# restart the source guest runs on, its record says the job was interrupted
# and why (before the fix: nothing, and the destination guest launched for
# the job stayed, so the same guest could never be migrated again); the
# destination is gone, domain and record; no temporary file; a new migration
# of the same guest runs to its end.
SIM="$HELPERS/svsm-sim"
PAGE=65536
SIMS=""
CLEANUP_HOOK='for p in $SIMS; do kill -9 "$p" 2>/dev/null; done; cleanup_faults'
MIG_OPTS="{'source-memory': <'$TMP/mig.s.mem'>, 'dest-memory': <'$TMP/mig.d.mem'>, 'mode': <'relay'>,
	'page-gpa': <uint64 $PAGE>, 'dest-page-gpa': <uint64 $PAGE>, 'timeout-ms': <uint32 20000>}"
migrate_mig() { # migrate_mig BLOCKS: simulators started, then Migration.Start; job id in $ID
	rm -f "$TMP/mig.s.mem" "$TMP/mig.d.mem"
	truncate -s 1M "$TMP/mig.s.mem" "$TMP/mig.d.mem"
	# the simulators wait from now, the job first launches a destination
	# QEMU (slow under ASan on a loaded machine): their own timeout is long
	"$SIM" dest "$TMP/mig.d.mem" $PAGE 120000 >"$TMP/simd" & SIMS="$SIMS $!"
	"$SIM" source "$TMP/mig.s.mem" $PAGE "$1" 9 120000 >"$TMP/sims" & SIMS="$SIMS $!"
	call $M org.cvm.Cvmd1.Migration.Start mig tcp:127.0.0.1:0 "$MIG_OPTS"
	[ "$rc" -eq 0 ] || fail "Migration.Start: $(cat "$TMP/out")"
	ID=$(sed -n "s/^('\([0-9]*\)',)$/\1/p" "$TMP/out")
}
# mig_status: the job's status in $TMP/mst.json; true when PYTHON-EXPR holds of it (s)
mig_status() {
	"$CVMCTL" migrate status --bus "$BUS" "$ID" >"$TMP/mst.json" 2>&1 || return 1
	python3 -c "import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if $1 else 1)" "$TMP/mst.json"
}
wait_mig() { # wait_mig PYTHON-EXPR: 120 s at most
	for _ in $(seq 1200); do mig_status "$1" && return 0; sleep 0.1; done
	return 1
}
start_cvmd "$URI"
launch mig "$TMP/a.igvm"
[ "$rc" -eq 0 ] || fail "launch mig: $(cat "$TMP/out")"
migrate_mig 100000000
wait_mig 's["phase"] == "running" and s["blocks"] > 0' || fail "the migration never ran: $(cat "$TMP/mst.json")"
kill -9 "$CVMD_PID"
set +e; wait "$CVMD_PID"; set -e
CVMD_PID=""
for p in $SIMS; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done; SIMS=""
grep -q '"migration": *"outgoing"' "$CVM_STATE_DIR/guests/mig.json" ||
	fail "the source record does not say it was migrating: $(cat "$CVM_STATE_DIR/guests/mig.json")"
consistent "migration running"
start_cvmd "$URI"
state_is mig running
python3 - "$CVM_STATE_DIR/guests/mig.json" <<'PY' || fail "source record after the restart: $(cat "$CVM_STATE_DIR/guests/mig.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["migration"] == "interrupted", r
assert "cvmd stopped during the migration to mig-incoming" in r["migration-error"], r
assert r["igvm-path"].endswith("a.igvm") and r["state"] == "running", r
PY
[ ! -e "$CVM_STATE_DIR/guests/mig-incoming.json" ] || fail "the destination's record was left"
prop "$G/mig_2dincoming" org.cvm.Cvmd1.Guest State >/dev/null 2>&1 && fail "the destination guest was left"
virsh -q -c "$URI" list --all --name 2>/dev/null | grep -qx mig-incoming && fail "the destination domain was left"
[ ! -e "$CVM_STATE_DIR/guests.d/mig-incoming" ] || fail "the destination's files were left"
ls -a "$CVM_STATE_DIR/guests" | grep -q '\.tmp-' && fail "temporary file left after the migration restart"
stop_cvmd
# killed after the destination's launch, before its record is marked: the
# restart knows it as the job's all the same (created after the source's mark)
killed_at migrate-dest-launched $M org.cvm.Cvmd1.Migration.Start mig tcp:127.0.0.1:0 "$MIG_OPTS"
[ -e "$CVM_STATE_DIR/guests/mig-incoming.json" ] || fail "migrate-dest-launched: no destination was launched"
start_cvmd "$URI"
state_is mig running
grep -q 'the job did not finish, its destination was removed' "$CVM_STATE_DIR/guests/mig.json" ||
	fail "migrate-dest-launched: source record: $(cat "$CVM_STATE_DIR/guests/mig.json")"
[ ! -e "$CVM_STATE_DIR/guests/mig-incoming.json" ] || fail "migrate-dest-launched: the destination was left"
virsh -q -c "$URI" list --all --name 2>/dev/null | grep -qx mig-incoming && fail "the destination domain was left"
# the same guest migrates again, to its end
migrate_mig 200
wait_mig 's["phase"] in ("completed", "failed", "cancelled")' || fail "second migration: $(cat "$TMP/mst.json")"
mig_status 's["phase"] == "completed" and s["blocks"] == 200' || fail "second migration: $(cat "$TMP/mst.json")"
for p in $SIMS; do wait "$p" || fail "simulator $p"; done; SIMS=""
[ "$(cat "$TMP/sims")" = "$(cat "$TMP/simd")" ] || fail "blocks differ: $(cat "$TMP/sims") / $(cat "$TMP/simd")"
state_is mig_2dincoming running
[ ! -e "$CVM_STATE_DIR/guests/mig.json" ] || fail "the migrated source's record was left"
grep -q '"migration"' "$CVM_STATE_DIR/guests/mig-incoming.json" &&
	fail "the finished destination still carries a migration mark: $(cat "$CVM_STATE_DIR/guests/mig-incoming.json")"
call "$G/mig_2dincoming" org.cvm.Cvmd1.Guest.Destroy
stop_cvmd
consistent "migration again"

# --- a full state folder, then a read-only one: clear errors, no record lost
MNT="$CVM_STATE_DIR/guests"
cp -a "$MNT" "$TMP/guests.saved"
mount -t tmpfs -o size=64k,mode=0700 cvm-test-full "$MNT"
cp -a "$TMP/guests.saved/." "$MNT/"
dd if=/dev/zero of="$MNT/filler" bs=4k count=100 2>/dev/null || true
start_cvmd "$URI"
launch full1 "$TMP/a.igvm"
[ "$rc" -ne 0 ] && grep -q "org.cvm.Cvmd1.Error.IO" "$TMP/out" || fail "launch on a full folder: $(cat "$TMP/out")"
grep -q "No space left" "$TMP/out" || fail "the error does not say why: $(cat "$TMP/out")"
for r in "$TMP"/guests.saved/*.json; do
	cmp -s "$r" "$MNT/$(basename "$r")" || fail "record $(basename "$r") changed on a full folder"
done
virsh -q -c "$URI" list --all --name 2>/dev/null | grep -qx full1 && fail "a domain was left for a refused launch"
stop_cvmd
umount "$MNT"
# an attestation configuration that cannot be kept is not served either
MNT="$CVM_STATE_DIR/attest"
mkdir -p "$MNT"
mount -t tmpfs -o size=64k,mode=0700 cvm-test-full "$MNT"
dd if=/dev/zero of="$MNT/filler" bs=4k count=100 2>/dev/null || true
start_cvmd "$URI"
call $M org.cvm.Cvmd1.Attestation.Serve fw "{'listen': <'$TMP/front.sock'>, 'agent-socket': <'$TMP/agent.sock'>}"
[ "$rc" -ne 0 ] && grep -q "org.cvm.Cvmd1.Error.IO" "$TMP/out" || fail "Serve on a full folder: $(cat "$TMP/out")"
[ ! -e "$TMP/front.sock" ] || fail "Serve on a full folder: served though not kept"
[ ! -e "$MNT/fw.json" ] || fail "Serve on a full folder: a record is there"
stop_cvmd
umount "$MNT"
MNT="$CVM_STATE_DIR/guests"
mount -t tmpfs -o size=64k,mode=0700 cvm-test-full "$MNT"
cp -a "$TMP/guests.saved/." "$MNT/"
mount -o remount,ro "$MNT"
start_cvmd "$URI"
launch ro1 "$TMP/a.igvm"
[ "$rc" -ne 0 ] && grep -q "org.cvm.Cvmd1.Error.IO" "$TMP/out" && grep -q "Read-only" "$TMP/out" ||
	fail "launch on a read-only folder: $(cat "$TMP/out")"
for r in "$TMP"/guests.saved/*.json; do
	cmp -s "$r" "$MNT/$(basename "$r")" || fail "record $(basename "$r") changed on a read-only folder"
done
stop_cvmd
umount "$MNT"; MNT=""
consistent "full and read-only folders"
echo ok
