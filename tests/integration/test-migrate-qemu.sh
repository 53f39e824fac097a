#!/bin/sh
# cvm's relay between two real QEMU guests (stock QEMU 7.2 on libvirt's
# embedded driver, through cvmd), with no RAM file given: cvm finds each
# migration page in its QEMU process through the monitor. The SVSM
# simulator plays each guest's SVSM on its page, found here independently:
# the QEMU process by its guest name and the RAM by its size in
# /proc/PID/maps (guest address 0 at the start of that mapping).
#  1. success: every block once, hashes equal, the source guest stopped and
#     forgotten, the destination running from the same IGVM;
#  2. the destination SVSM never answers: the job fails after its timeout,
#     the source guest and its QEMU keep running, the destination's QEMU is
#     gone, no socket is left;
#  3. `cvmctl migrate relay --domain` (the page in a running guest's QEMU)
#     as the source side of a relay run by hand; a missing domain named.
set -eu
. tests/integration/lib-cvmd.sh
ROOT="$CVM_STATE_DIR/libvirt"
URI="qemu:///embed?root=$ROOT"
SIM="$HELPERS/svsm-sim"
PAGE=0x2000000
SIMS=""
cleanup_guests() {
	for p in $SIMS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$CVMD_PID" ] && kill -9 "$CVMD_PID" 2>/dev/null && wait "$CVMD_PID" 2>/dev/null; CVMD_PID=""
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
}
CLEANUP_HOOK=cleanup_guests
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null

qemu_pid() { pgrep -f "qemu-system.*guest=$1,.*$TMP" | head -n 1; }

# page NAME: pid:PID:HVA of the guest's RAM (64 MiB, the only mapping that
# size). A QEMU just started may not have mapped its RAM yet (at load 7 the
# incoming one had not: its simulator never ran and the job failed after
# 30 s): wait up to 30 s for the mapping.
page() {
	pid=$(qemu_pid "$1")
	[ -n "$pid" ] || fail "no QEMU process for $1"
	for _ in $(seq 120); do
		rc=0
		python3 - "$pid" $((64 << 20)) <<'PY' || rc=$?
import sys
pid, size = sys.argv[1], int(sys.argv[2])
hits = []
for line in open(f"/proc/{pid}/maps"):
    rng, perms = line.split()[:2]
    a, b = (int(x, 16) for x in rng.split("-"))
    if b - a == size and perms.startswith("rw"):
        hits.append(a)
if not hits:
    sys.exit(3)  # not mapped yet
assert len(hits) == 1, (pid, hits, open(f"/proc/{pid}/cmdline").read()[:300])
print(f"pid:{pid}:{hits[0]:#x}")
PY
		[ "$rc" = 3 ] || return "$rc"
		sleep 0.25
	done
	echo "the RAM of $1 (QEMU $pid) was not mapped within 30 s" >&2
	return 1
}

launch() {
	"$CVMCTL" launch --bus "$BUS" --igvm "$TMP/hello.igvm" --name "$1" --memory 64M >"$TMP/launch.out" 2>&1 ||
		fail "launch $1: $(cat "$TMP/launch.out")"
}
opath() { python3 -c 'import sys; print("/org/cvm/Cvmd1/guest/" + "".join(c if c.isalnum() else "_%02x" % ord(c) for c in sys.argv[1]))' "$1"; }
running() { prop "$(opath "$1")" org.cvm.Cvmd1.Guest State 2>/dev/null | grep -q "'running'"; }

# wait_qemu NAME: up to 30 s for the QEMU process of NAME
wait_qemu() {
	for _ in $(seq 120); do
		[ -n "$(qemu_pid "$1")" ] && return 0
		sleep 0.25
	done
	fail "no QEMU for $1 within 30 s"
}

start_bus
start_cvmd "$URI"

# 1. Success.
launch g1
"$SIM" source "$(page g1)" $PAGE 2000 11 30000 >"$TMP/sims" & SS=$!
SIMS="$SS"
"$CVMCTL" migrate g1 --bus "$BUS" --to "unix:$TMP/g1.sock" --page-gpa $PAGE --dest-page-gpa $PAGE \
	--timeout 30000 >"$TMP/mig.json" 2>"$TMP/mig.err" & MIG=$!
SIMS="$SIMS $MIG"
wait_qemu g1-incoming
"$SIM" dest "$(page g1-incoming)" $PAGE 30000 >"$TMP/simd" & SD=$!
SIMS="$SIMS $SD"
wait "$MIG" || fail "migrate g1: $(cat "$TMP/mig.err" "$TMP/mig.json")"
wait "$SD" || fail "destination simulator: $(cat "$TMP/simd")"
wait "$SS" || fail "source simulator"
[ "$(cat "$TMP/sims")" = "$(cat "$TMP/simd")" ] || fail "hashes differ: $(cat "$TMP/sims") / $(cat "$TMP/simd")"
grep -q '^2000 ' "$TMP/simd" || fail "blocks: $(cat "$TMP/simd")"
python3 - "$TMP/mig.json" <<'PY' || fail "status: $(cat "$TMP/mig.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["phase"] == "completed" and s["mode"] == "relay", s
assert s["blocks"] == 2000 and s["bytes"] == 2000 * 2048, s
PY
grep -q "running in-process" "$TMP/mig.err" && fail "migrate did not go through cvmd"
[ ! -e "$CVM_STATE_DIR/guests/g1.json" ] || fail "the source guest g1 was not forgotten"
[ -z "$(qemu_pid g1)" ] || fail "the source guest's QEMU still runs"
running g1-incoming || fail "the destination guest is not running"
grep -q "igvm-path.*hello.igvm" "$CVM_STATE_DIR/guests/g1-incoming.json" || fail "destination not from the same IGVM"
[ ! -e "$TMP/g1.sock" ] || fail "the channel socket was left"

# 2. The destination SVSM never answers.
launch g2
"$SIM" source "$(page g2)" $PAGE 50 3 6000 >/dev/null & SS=$!
SIMS="$SIMS $SS"
G2=$(qemu_pid g2)
set +e
"$CVMCTL" migrate g2 --bus "$BUS" --to "unix:$TMP/g2.sock" --page-gpa $PAGE --dest-page-gpa $PAGE \
	--timeout 3000 >"$TMP/mig2.json" 2>"$TMP/mig2.err"
rc=$?
set -e
[ $rc -ne 0 ] || fail "migration without a destination SVSM succeeded"
grep -q '"phase": *"failed"' "$TMP/mig2.json" || fail "phase: $(cat "$TMP/mig2.json")"
grep -qi "timed out\|timeout\|within" "$TMP/mig2.json" "$TMP/mig2.err" || fail "no timeout named: $(cat "$TMP/mig2.json" "$TMP/mig2.err")"
wait "$SS" 2>/dev/null || true
running g2 || fail "g2 not running after the failed migration"
[ "$(qemu_pid g2)" = "$G2" ] || fail "g2's QEMU changed or went"
[ ! -e "$CVM_STATE_DIR/guests/g2-incoming.json" ] || fail "the failed migration left g2-incoming"
for _ in $(seq 50); do [ -z "$(qemu_pid g2-incoming)" ] && break; sleep 0.1; done
[ -z "$(qemu_pid g2-incoming)" ] || fail "the destination's QEMU was left running"
[ ! -e "$TMP/g2.sock" ] || fail "the channel socket was left"
kill -0 "$CVMD_PID" || fail "cvmd died"

# 3. `cvmctl migrate relay --domain`, one side per process by hand: the
#    source side on the running guest g2 (cvmd stopped: the embedded
#    driver admits one process), the destination side on a memory file.
stop_cvmd
RELAY="$CVMCTL migrate relay -c $URI --page-gpa $PAGE --timeout 20000"
truncate -s 64M "$TMP/d3.mem"
"$CVMCTL" migrate relay --role dest --memory "$TMP/d3.mem" --page-gpa $PAGE --uri "unix:$TMP/r.sock" \
	>"$TMP/rd.json" 2>"$TMP/rd.err" & RD=$!
SIMS="$SIMS $RD"
for _ in $(seq 100); do grep -q '^listening' "$TMP/rd.json" && break; sleep 0.1; done
grep -q '^listening' "$TMP/rd.json" || fail "destination relay: $(cat "$TMP/rd.err")"
G2MEM=$(page g2)
"$SIM" dest "$TMP/d3.mem" $PAGE 20000 >"$TMP/simd3" & SD=$!
"$SIM" source "$G2MEM" $PAGE 700 5 20000 >"$TMP/sims3" & SS=$!
SIMS="$SIMS $SD $SS"
$RELAY --role source --domain g2 --uri "unix:$TMP/r.sock" >"$TMP/rs.json" 2>"$TMP/rs.err" ||
	fail "source relay: $(cat "$TMP/rs.err")"
wait "$RD" || fail "destination relay: $(cat "$TMP/rd.err")"
wait "$SD" && wait "$SS" || fail "simulators: $(cat "$TMP/simd3" "$TMP/sims3")"
[ "$(cat "$TMP/sims3")" = "$(cat "$TMP/simd3")" ] && grep -q '^700 ' "$TMP/simd3" ||
	fail "relay by hand: $(cat "$TMP/sims3") / $(cat "$TMP/simd3")"
grep -q '"state": *"completed"' "$TMP/rs.json" || fail "source relay: $(cat "$TMP/rs.json")"
rc=0; $RELAY --role source --domain nosuch --uri "unix:$TMP/r.sock" >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && grep -q "nosuch" "$TMP/err" || fail "missing domain: rc $rc, $(cat "$TMP/err")"
echo "test-migrate-qemu: ok"
