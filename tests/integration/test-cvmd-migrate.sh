#!/bin/sh
# Orchestrated SVSM migration through cvmd (org.cvm.Cvmd1.Migration) and
# cvmctl migrate, on libvirt's test driver with cvm's relay and the SVSM
# simulator on each guest's memory file:
#  - success: the destination guest is launched from the same IGVM, the
#    source page is found in the source's serial log, every block arrives
#    (hashes equal), the source guest is stopped and forgotten, Progress and
#    Finished signals are emitted;
#  - the destination SVSM never reads: the job fails, the source guest keeps
#    running, the destination guest is gone;
#  - cancel while running (cvmctl migrate cancel), a second migration of the
#    same guest refused, status of a job, bad input named;
#  - two migrations at once, each delivering exactly its own blocks.
set -eu
. tests/integration/lib-cvmd.sh
SIM="$HELPERS/svsm-sim"
URI=test:///default
PAGE=0x10000
SIMS=""
CLEANUP_HOOK='for p in $SIMS; do kill -9 "$p" 2>/dev/null; done' 
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null

start_bus
start_cvmd "$URI"
start_monitor /org/cvm/Cvmd1 "$TMP/monitor"

launch() { # launch NAME: a guest on the test driver through cvmd, its SVSM's log line written
	"$CVMCTL" launch --bus "$BUS" --igvm "$TMP/hello.igvm" --name "$1" --memory 64M >"$TMP/launch.out" 2>&1 ||
		fail "launch $1: $(cat "$TMP/launch.out")"
	log=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial-log"])' \
		"$CVM_STATE_DIR/guests/$1.json")
	mkdir -p "$(dirname "$log")"
	printf 'SVSM: starting\nSVSM: Migration page is at address: 0x%x\n' $((PAGE)) >>"$log"
	truncate -s 1M "$TMP/$1.s.mem" "$TMP/$1.d.mem"
}
opath() { python3 -c 'import sys; print("/org/cvm/Cvmd1/guest/" + "".join(c if c.isalnum() else "_%02x" % ord(c) for c in sys.argv[1]))' "$1"; }
running() { prop "$(opath "$1")" org.cvm.Cvmd1.Guest State 2>/dev/null | grep -q "'running'"; }
gone() { [ ! -e "$CVM_STATE_DIR/guests/$1.json" ] && ! prop "$(opath "$1")" org.cvm.Cvmd1.Guest State >/dev/null 2>&1; }

# wait_phase ID PHASE FILE: poll the job's status into FILE until PHASE (10 s)
wait_phase() {
	for _ in $(seq 100); do
		"$CVMCTL" migrate status --bus "$BUS" "$1" >"$3"
		grep -q "\"phase\": *\"$2\"" "$3" && return 0
		sleep 0.1
	done
	return 1
}

# 1. Success, through cvmctl (which follows the job to its end).
launch g1
"$SIM" dest "$TMP/g1.d.mem" $PAGE 20000 >"$TMP/simd" & SD=$!
"$SIM" source "$TMP/g1.s.mem" $PAGE 3000 7 20000 >"$TMP/sims" & SS=$!
SIMS="$SIMS $SD $SS"
"$CVMCTL" -v migrate g1 --bus "$BUS" --to tcp:127.0.0.1:0 --source-memory "$TMP/g1.s.mem" \
	--dest-memory "$TMP/g1.d.mem" --dest-page-gpa $PAGE --timeout 20000 >"$TMP/mig.json" 2>"$TMP/mig.err" ||
	fail "migrate g1: $(cat "$TMP/mig.err" "$TMP/mig.json")"
wait "$SD" || fail "destination simulator: $(cat "$TMP/simd")"
wait "$SS" || fail "source simulator"
[ "$(cat "$TMP/sims")" = "$(cat "$TMP/simd")" ] || fail "hashes differ: $(cat "$TMP/sims") / $(cat "$TMP/simd")"
grep -q '^3000 ' "$TMP/simd" || fail "blocks: $(cat "$TMP/simd")"
python3 - "$TMP/mig.json" <<'PY' || fail "status: $(cat "$TMP/mig.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["phase"] == "completed" and s["mode"] == "relay", s
assert s["blocks"] == 3000 and s["bytes"] == 3000 * 2048, s
assert s["dest-name"] == "g1-incoming", s
PY
grep -qx "cvmctl: using cvmd on the $BUS bus" "$TMP/mig.err" || fail "migrate -v: $(cat "$TMP/mig.err")"
gone g1 || fail "the source guest g1 was not stopped and forgotten"
running g1-incoming || fail "the destination guest is not running"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.ListGuests
grep -q "g1_2dincoming" "$TMP/out" && ! grep -q "guest/g1'" "$TMP/out" || fail "ListGuests: $(cat "$TMP/out")"
grep -q "igvm-path.*hello.igvm" "$CVM_STATE_DIR/guests/g1-incoming.json" || fail "destination not from the same IGVM"
for _ in $(seq 100); do grep -q "Migration.Finished ('1'" "$TMP/monitor" && break; sleep 0.1; done
grep -q "Migration.Progress ('1', 'running'" "$TMP/monitor" || fail "no Progress signal: $(cat "$TMP/monitor")"
grep -q "Migration.Finished ('1', 'completed', '', '')" "$TMP/monitor" || fail "no Finished signal: $(cat "$TMP/monitor")"

# 2. The destination SVSM never reads: failure, the source keeps running,
#    the destination guest is torn down, both simulators end.
launch g2
"$SIM" source "$TMP/g2.s.mem" $PAGE 100 3 4000 >/dev/null & SS=$!
SIMS="$SIMS $SS"
set +e
"$CVMCTL" migrate g2 --bus "$BUS" --to "unix:$TMP/g2.sock" --source-memory "$TMP/g2.s.mem" \
	--dest-memory "$TMP/g2.d.mem" --dest-page-gpa $PAGE --timeout 1500 >"$TMP/mig2.json" 2>"$TMP/mig2.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a migration whose destination SVSM never reads succeeded"
grep -q '"phase": *"failed"' "$TMP/mig2.json" || fail "phase: $(cat "$TMP/mig2.json")"
grep -qi "SVSM" "$TMP/mig2.err" || fail "error does not name the stuck SVSM: $(cat "$TMP/mig2.err")"
running g2 || fail "the source guest g2 is not running after a failed migration"
gone g2-incoming || fail "the destination guest g2-incoming was left behind"
wait "$SS" 2>/dev/null || true
[ ! -e "$TMP/g2.sock" ] || fail "the destination socket was left behind"

# 3. Cancel a running job; a second migration of the same guest is refused.
launch g3
"$SIM" dest "$TMP/g3.d.mem" $PAGE 5000 >/dev/null & SD=$!
"$SIM" source "$TMP/g3.s.mem" $PAGE 100000000 5 5000 >/dev/null & SS=$!
SIMS="$SIMS $SD $SS"
ID=$("$CVMCTL" migrate g3 --bus "$BUS" --detach --to tcp:127.0.0.1:0 --source-memory "$TMP/g3.s.mem" \
	--dest-memory "$TMP/g3.d.mem" --dest-page-gpa $PAGE --timeout 5000 2>"$TMP/mig3.err") ||
	fail "migrate --detach: $(cat "$TMP/mig3.err")"
for _ in $(seq 100); do
	"$CVMCTL" migrate status --bus "$BUS" "$ID" >"$TMP/st3.json"
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["phase"]=="running" and s["blocks"]>0 else 1)' \
		"$TMP/st3.json" && break
	sleep 0.1
done
grep -q '"phase": *"running"' "$TMP/st3.json" || fail "g3 never ran: $(cat "$TMP/st3.json")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Start g3 tcp:127.0.0.1:0 "{'source-memory': <'$TMP/g3.s.mem'>}"
grep -q org.cvm.Cvmd1.Error.Exists "$TMP/out" || fail "second migration of g3: $(cat "$TMP/out")"
# While the job holds g3, what would change it or its record is refused by
# name, and g3 stays as it is.
G3=$(opath g3)
for m in org.cvm.Cvmd1.Guest.Stop org.cvm.Cvmd1.Guest.Destroy org.cvm.Cvmd1.Guest.Forget \
	org.cvm.Cvmd1.FirmwareUpdate.Apply org.cvm.Cvmd1.FirmwareUpdate.Rollback; do
	call "$G3" $m
	grep -q "org.cvm.Cvmd1.Error.Busy.*busy: migrating" "$TMP/out" || fail "$m during migration: $(cat "$TMP/out")"
done
call "$G3" org.cvm.Cvmd1.FirmwareUpdate.Stage "$TMP/hello.igvm"
grep -q org.cvm.Cvmd1.Error.Busy "$TMP/out" || fail "Stage during migration: $(cat "$TMP/out")"
grep -q staged "$CVM_STATE_DIR/guests/g3.json" && fail "Stage during migration wrote the record"
running g3 || fail "g3 changed while refused calls were made"
"$CVMCTL" -v migrate cancel --bus "$BUS" "$ID" 2>"$TMP/cancel.err" || fail "cancel: $(cat "$TMP/cancel.err")"
grep -qx "cvmctl: using cvmd on the $BUS bus" "$TMP/cancel.err" || fail "migrate cancel -v: $(cat "$TMP/cancel.err")"
wait_phase "$ID" cancelled "$TMP/st3.json" || fail "not cancelled: $(cat "$TMP/st3.json")"
grep -q 'org.cvm.Cvmd1.Error.Cancelled' "$TMP/st3.json" || fail "error name: $(cat "$TMP/st3.json")"
running g3 || fail "the source guest g3 is not running after cancel"
call "$G3" org.cvm.Cvmd1.FirmwareUpdate.Stage "$TMP/hello.igvm"
[ $rc = 0 ] || fail "g3 still held after its job ended: $(cat "$TMP/out")"
gone g3-incoming || fail "the destination guest g3-incoming was left behind"
"$CVMCTL" migrate status --bus "$BUS" >"$TMP/all.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert [j["id"] for j in s]==["1","2","3"], s' \
	"$TMP/all.json" || fail "status list: $(cat "$TMP/all.json")"

# 3b. Two migrations at once in cvmd (g4 over TCP, g5 over a unix socket),
#     each with its own simulators and seed: both complete, each
#     destination gets exactly its own source's blocks.
for g in g4 g5; do launch $g; done
"$SIM" dest "$TMP/g4.d.mem" $PAGE 20000 >"$TMP/g4.simd" & D4=$!
"$SIM" dest "$TMP/g5.d.mem" $PAGE 20000 >"$TMP/g5.simd" & D5=$!
"$SIM" source "$TMP/g4.s.mem" $PAGE 1500 41 20000 >"$TMP/g4.sims" & S4=$!
"$SIM" source "$TMP/g5.s.mem" $PAGE 1700 51 20000 >"$TMP/g5.sims" & S5=$!
SIMS="$SIMS $D4 $D5 $S4 $S5"
I4=$("$CVMCTL" migrate g4 --bus "$BUS" --detach --to tcp:127.0.0.1:0 --source-memory "$TMP/g4.s.mem" \
	--dest-memory "$TMP/g4.d.mem" --dest-page-gpa $PAGE --timeout 20000) || fail "migrate g4"
I5=$("$CVMCTL" migrate g5 --bus "$BUS" --detach --to "unix:$TMP/g5.sock" --source-memory "$TMP/g5.s.mem" \
	--dest-memory "$TMP/g5.d.mem" --dest-page-gpa $PAGE --timeout 20000) || fail "migrate g5"
[ "$I4" != "$I5" ] || fail "both jobs got id $I4"
wait "$D4" && wait "$D5" && wait "$S4" && wait "$S5" || fail "simulators of g4/g5"
for g in g4 g5; do
	[ "$(cat "$TMP/$g.sims")" = "$(cat "$TMP/$g.simd")" ] || fail "$g: $(cat "$TMP/$g.sims") / $(cat "$TMP/$g.simd")"
done
grep -q '^1500 ' "$TMP/g4.simd" && grep -q '^1700 ' "$TMP/g5.simd" || fail "block counts of g4/g5"
for id in "$I4" "$I5"; do
	wait_phase "$id" completed "$TMP/stc.json" || fail "job $id: $(cat "$TMP/stc.json")"
done
running g4-incoming && running g5-incoming || fail "g4/g5 destinations not running"
gone g4 && gone g5 || fail "g4/g5 sources not forgotten"

# 4. Bad input, named; nothing launched by it.
# refused before a job exists: no id for a guest cvmd does not have
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Start nosuch tcp:127.0.0.1:0 "{}"
grep -q org.cvm.Cvmd1.Error.NotFound "$TMP/out" || fail "missing guest: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Start g3 nope "{}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "bad channel URI: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Start g3 tcp:127.0.0.1:0 "{'source-memory': <'rel.mem'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "relative memory file: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Start g3 tcp:127.0.0.1:0 "{'page-gpa': <uint64 4097>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "unaligned page: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Start g3 tcp:127.0.0.1:0 "{'bogus': <1>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "unknown option: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Cancel 999
grep -q org.cvm.Cvmd1.Error.NotFound "$TMP/out" || fail "cancel of no job: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Migration.Start g3 tcp:127.0.0.1:0 "{'dest-page-gpa': <uint64 65536>}"
NID=$(sed -n "s/^('\([0-9]*\)',)$/\1/p" "$TMP/out")
wait_phase "$NID" failed "$TMP/st5.json" || true
grep -q "in its QEMU process" "$TMP/st5.json" || fail "relay without memory files: $(cat "$TMP/st5.json")"
running g3 || fail "g3 not running after refused migrations"
gone g3-incoming || fail "a refused migration left g3-incoming"
kill -0 "$CVMD_PID" || fail "cvmd died"
echo "test-cvmd-migrate: ok"
