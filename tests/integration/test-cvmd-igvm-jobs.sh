#!/bin/sh
# InspectIgvm/MeasureIgvm on files callers hand cvmd by fd (issue 22):
#  - a caller that cuts its memfd short while cvmd reads it gets an answer,
#    and cvmd lives on (it used to map the fd and die of SIGBUS);
#  - a memfd sealed against shrinking and writing is measured as the file;
#  - a measurement runs off the main loop: reads sent while cvmd is seen
#    measuring (the sealed memfd mapped) are answered before it ends;
#  - at most 8 such jobs are taken at once, the rest refused with Busy;
#  - a file over 1 GiB is refused before it is read.
# The limit for callers outside root and group cvm: test-cvmd-access.sh.
set -eu
. tests/integration/lib-cvmd.sh
R="$HELPERS/cvmd-igvm-race"
start_bus
start_cvmd test:///default

"$R" "$BUS" shrink 32 >"$TMP/out" 2>&1 || fail "shrinking memfd: $(cat "$TMP/out")"
kill -0 "$CVMD_PID" 2>/dev/null || fail "cvmd died on a shrinking memfd: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.ListGuests
[ "$rc" -eq 0 ] || fail "ListGuests after the shrinking memfd: $(cat "$TMP/out")"

"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/g.igvm" >/dev/null
want=$("$CVMCTL" igvm measure --platform sev-snp "$TMP/g.igvm")
"$R" "$BUS" sealed "$TMP/g.igvm" >"$TMP/out" 2>&1 || fail "sealed memfd: $(cat "$TMP/out")"
[ "$(cat "$TMP/out")" = "$want" ] || fail "sealed memfd digest $(cat "$TMP/out"), want $want"

"$R" "$BUS" busy 128 >"$TMP/out" 2>&1 || fail "reads waited for a measurement: $(cat "$TMP/out")"
"$R" "$BUS" flood 64 >"$TMP/out" 2>&1 || fail "12 measurements at once: $(cat "$TMP/out")"
grep -q "busy=[1-9]" "$TMP/out" || fail "no Busy for 12 measurements at once: $(cat "$TMP/out")"

truncate -s 1025M "$TMP/big.igvm"
set +e
"$HELPERS/cvmd-fd-call" "$BUS" MeasureIgvm "$TMP/big.igvm" >"$TMP/out" 2>&1
set -e
grep -q "InvalidArgument.*outside 1 byte .. 1024 MiB" "$TMP/out" || fail "file over 1 GiB: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'$TMP/big.igvm'>}"
grep -q "InvalidArgument.*1024 MiB" "$TMP/out" || fail "path over 1 GiB: $(cat "$TMP/out")"
kill -0 "$CVMD_PID" || fail "cvmd died"
# a clean exit (under ASan: nothing leaked)
kill "$CVMD_PID"; wait "$CVMD_PID" || fail "cvmd exit status $?"; CVMD_PID=""
echo ok
