#!/bin/sh
# Firmware update end to end on the QEMU TCG path (embedded libvirt driver):
# a tiny native guest A prints line A; its firmware is staged and applied
# as B (same program, other line); after the reset the serial log shows B and
# the record's image and digest are B's; rollback brings A back. A staged
# image that is not valid IGVM is refused and changes nothing.
set -eu
. tests/integration/lib.sh
export CVM_STATE_DIR="$TMP/state"
BUS="--bus=unix:path=$TMP/no-bus"
CONNECT="--connect=qemu:///embed?root=$CVM_STATE_DIR/libvirt"
stop_guest() {
	"$CVMCTL" forget --force "$BUS" "$CONNECT" fw >/dev/null 2>&1 || true
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
}
CLEANUP_HOOK=stop_guest

# The hello program with its line replaced (same length keeps the code valid).
python3 - examples/hello/manifest.json "$TMP" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
old = b"Hello from a cvm IGVM guest".hex(" ")
for name, line in (("a", b"Firmware A says hello here!"), ("b", b"Firmware B says hello here!")):
    assert len(line) == 27
    c = json.loads(json.dumps(m))
    chunk = c["directives"][0]["chunks"][0]
    assert old in chunk["hex"]
    chunk["hex"] = chunk["hex"].replace(old, line.hex(" "))
    json.dump(c, open(f"{sys.argv[2]}/{name}.json", "w"))
PY
"$CVMCTL" igvm build "$TMP/a.json" -o "$TMP/a.igvm" >/dev/null
"$CVMCTL" igvm build "$TMP/b.json" -o "$TMP/b.igvm" >/dev/null

wait_line() {
	i=0
	while [ $i -lt 120 ]; do
		"$CVMCTL" console --no-follow "$BUS" fw 2>/dev/null | grep -q "$1" && return 0
		sleep 0.25; i=$((i + 1))
	done
	fail "no \"$1\" on the serial log: $("$CVMCTL" console --no-follow "$BUS" fw 2>&1)"
}
record() { python3 -c "import json,sys; print(json.load(open('$CVM_STATE_DIR/guests/fw.json'))[sys.argv[1]])" "$1"; }

"$CVMCTL" launch "$BUS" "$CONNECT" --igvm "$TMP/a.igvm" --name fw --memory 64M >/dev/null 2>&1 || fail "launch A"
wait_line "Firmware A says"
SHA_A=$(sha256sum "$TMP/a.igvm" | cut -d' ' -f1)
SHA_B=$(sha256sum "$TMP/b.igvm" | cut -d' ' -f1)
[ "$(record igvm-sha256)" = "$SHA_A" ] || fail "record before: $(record igvm-sha256)"

# Refused image: nothing staged, nothing changed.
echo "not igvm" >"$TMP/junk.igvm"
rc=0; "$CVMCTL" fwupdate stage "$BUS" fw "$TMP/junk.igvm" >/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && grep -q "not a valid IGVM file" "$TMP/err" || fail "junk stage: rc $rc $(cat "$TMP/err")"
grep -q staged "$CVM_STATE_DIR/guests/fw.json" && fail "junk was staged"

"$CVMCTL" fwupdate stage "$BUS" fw "$TMP/b.igvm" >"$TMP/out" 2>/dev/null || fail "stage B"
grep -q "$SHA_B" "$TMP/out" || fail "status after stage: $(cat "$TMP/out")"
[ -f "$CVM_STATE_DIR/firmware/$SHA_B.igvm" ] || fail "B not stored content-addressed"
"$CVMCTL" fwupdate apply "$BUS" "$CONNECT" fw >/dev/null 2>"$TMP/err" || fail "apply: $(cat "$TMP/err")"
wait_line "Firmware B says"
[ "$(record igvm-sha256)" = "$SHA_B" ] || fail "record after apply: $(record igvm-sha256)"
[ "$(record previous-igvm-sha256)" = "$SHA_A" ] || fail "previous after apply"
"$CVMCTL" list "$BUS" "$CONNECT" 2>/dev/null | grep -Eq '^fw +running' || fail "fw not running after apply"

"$CVMCTL" fwupdate rollback "$BUS" "$CONNECT" fw >/dev/null 2>"$TMP/err" || fail "rollback: $(cat "$TMP/err")"
wait_line "Firmware A says"
[ "$(record igvm-sha256)" = "$SHA_A" ] || fail "record after rollback: $(record igvm-sha256)"
"$CVMCTL" forget --force "$BUS" "$CONNECT" fw >/dev/null 2>&1 || fail "forget"
for _ in $(seq 50); do pgrep -f "qemu-system.*$TMP" >/dev/null || break; sleep 0.1; done
pgrep -f "qemu-system.*$TMP" >/dev/null && fail "a QEMU process was left running"
# decode: a guest's vm-launch-update request and a dump of its memory.
python3 - "$TMP/b.igvm" "$TMP" <<'PY'
import struct, sys
img = open(sys.argv[1], 'rb').read()
mem = bytearray(0x10000) + img + bytearray(4096)
open(f"{sys.argv[2]}/mem.dump", "wb").write(mem)
ok = struct.pack('<HHIQQQQQQ', 1, 0, 0, 0, 1 << 32, 0x10000, len(img), 0, 0)
open(f"{sys.argv[2]}/req-ok", "wb").write(ok)
bad = struct.pack('<HHIQQQQQQ', 1, 0, 0, 0, 1 << 32, 0x10000, 1 << 40, 0, 0)
open(f"{sys.argv[2]}/req-bad", "wb").write(bad)
PY
"$CVMCTL" fwupdate decode --request "$TMP/req-ok" --memory "$TMP/mem.dump" >"$TMP/plan.json" || fail "decode ok"
grep -q '"action":"replace"' "$TMP/plan.json" && grep -q "$SHA_B" "$TMP/plan.json" || fail "decode: $(cat "$TMP/plan.json")"
rc=0; "$CVMCTL" fwupdate decode --request "$TMP/req-bad" --memory "$TMP/mem.dump" >"$TMP/plan.json" || rc=$?
[ $rc = 3 ] && grep -q '"status":"load-fail"' "$TMP/plan.json" || fail "decode bad: rc $rc $(cat "$TMP/plan.json")"
echo "test-fwupdate-boot: ok"
