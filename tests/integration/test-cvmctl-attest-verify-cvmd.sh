#!/bin/sh
# cvmctl attest verify through cvmd (Attestation.VerifySnpReport, on a private
# bus) and in-process give the same JSON and exit code for the same inputs:
# the real Milan VCEK report and the real VLEK report (verified, at a time
# inside the VLEK's validity, expired now, a flipped byte, claiming a VCEK),
# a time before the VCEK's validity, a wrong expected measurement, an empty
# report, a wrong chain, a file over 64 KiB. -v names the path. --roots runs
# in-process even with cvmd there (cvmd trusts only its own roots); cvmd
# refuses oversized inputs and unknown options by name. A cvmd from before
# the method (a name owner that answers UnknownMethod) gets the check run
# in-process, with the same result, and -v says why.
set -eu
. tests/integration/lib-cvmd.sh
T="$CVM_SRCDIR/tests/data/third-party/trustee"
V="$CVM_SRCDIR/tests/data/third-party/constellation"
ROOTS="$CVM_SRCDIR/tests/data/third-party/virtee-sev"
VRD=87ab7caf510e1b3520dc3cceb64ee44128e10976fb0d3fc5e274699d8aaf506154af4c1de0a026b49fdf861e9ac75551551b3534d1c61369a3b08f5baed0db2f
NOBUS="unix:path=$TMP/no-bus"

cp "$V/report.bin" "$TMP/vflipped.bin" && chmod u+w "$TMP/vflipped.bin"
printf '\377' | dd of="$TMP/vflipped.bin" bs=1 seek=144 conv=notrunc 2>/dev/null
cp "$V/report.bin" "$TMP/vvcek.bin" && chmod u+w "$TMP/vvcek.bin"
printf '\000' | dd of="$TMP/vvcek.bin" bs=1 seek=72 conv=notrunc 2>/dev/null
: >"$TMP/empty.bin"
head -c 70000 /dev/zero >"$TMP/big.bin"
cat "$ROOTS/ask-genoa.pem" "$ROOTS/ark-genoa.pem" >"$TMP/genoa.pem"
ZERO48=$(printf '%096d' 0)

# name|arguments: each case is run both ways
cat >"$TMP/cases" <<CASES
milan-vcek|$T/report-milan-v2.bin --vcek $T/vcek-milan.der
vlek-at|$V/report.bin --vcek $V/vlek.pem --at 2025-06-01T00:00:00Z --expect-report-data $VRD
vlek-expired|$V/report.bin --vcek $V/vlek.pem
vlek-flipped|$TMP/vflipped.bin --vcek $V/vlek.pem --at 2025-06-01T00:00:00Z
vlek-as-vcek|$TMP/vvcek.bin --vcek $V/vlek.pem --at 2025-06-01T00:00:00Z
vcek-not-yet-valid|$T/report-milan-v2.bin --vcek $T/vcek-milan.der --at 2022-01-01T00:00:00Z
vcek-invalid|$T/report-milan-v2.bin --vcek $T/vcek-invalid.der
measurement|$T/report-milan-v2.bin --vcek $T/vcek-milan.der --expect-measurement $ZERO48
empty-report|$TMP/empty.bin --vcek $T/vcek-milan.der
genoa-chain|$T/report-milan-v2.bin --vcek $T/vcek-milan.der --chain $TMP/genoa.pem
big-report|$TMP/big.bin --vcek $T/vcek-milan.der
CASES

start_bus
start_cvmd test:///default

while IFS='|' read -r name args; do
	# shellcheck disable=SC2086 # the arguments are words without spaces
	set +e
	"$CVMCTL" -v attest verify --json --bus "$BUS" $args >"$TMP/$name.cvmd" 2>"$TMP/$name.cvmd.err"
	echo "rc $?" >>"$TMP/$name.cvmd"
	"$CVMCTL" -v attest verify --json --bus "$NOBUS" $args >"$TMP/$name.local" 2>"$TMP/$name.local.err"
	echo "rc $?" >>"$TMP/$name.local"
	set -e
	# "checked at" now: the two runs may be a second apart
	sed -i 's/checked at [0-9T:-]*Z/checked at NOW/' "$TMP/$name.cvmd" "$TMP/$name.local"
	diff -u "$TMP/$name.local" "$TMP/$name.cvmd" || fail "$name: through cvmd (+) differs from in-process"
	# a file over the limit is refused before either is chosen
	[ "$name" = big-report ] && continue
	grep -q "using cvmd on the $BUS bus" "$TMP/$name.cvmd.err" || fail "$name: not through cvmd: $(cat "$TMP/$name.cvmd.err")"
	grep -q "running in-process" "$TMP/$name.local.err" || fail "$name: not in-process: $(cat "$TMP/$name.local.err")"
done <"$TMP/cases"

# what each case gave (the same both ways, checked above)
expect() { # expect NAME RC FAILED-CHECK|verified
	grep -q "^rc $2\$" "$TMP/$1.cvmd" || fail "$1: exit is not $2: $(cat "$TMP/$1.cvmd")"
	if [ "$3" = verified ]; then
		grep -q '"verified":true' "$TMP/$1.cvmd" || fail "$1: not verified: $(cat "$TMP/$1.cvmd")"
	else
		grep -q "\"failed-check\":\"$3\"" "$TMP/$1.cvmd" || fail "$1: not $3: $(cat "$TMP/$1.cvmd")"
	fi
}
expect milan-vcek 0 verified
expect vlek-at 0 verified
expect vlek-expired 3 expired
grep -q 'certificate SEV-VLEK (depth 0) has expired: valid from 2024-12-10T22:30:16Z to 2025-12-10T22:30:16Z' \
	"$TMP/vlek-expired.cvmd" || fail "expiry message: $(cat "$TMP/vlek-expired.cvmd")"
expect vlek-flipped 3 signature
expect vlek-as-vcek 3 chain
expect vcek-not-yet-valid 3 not-yet-valid
expect vcek-invalid 3 chain
expect measurement 3 measurement
expect empty-report 1 input
expect genoa-chain 3 chain
grep -q "^rc 1\$" "$TMP/big-report.cvmd" || fail "a file over 64 KiB: $(cat "$TMP/big-report.cvmd")"
grep -q "at most 65536" "$TMP/big-report.cvmd.err" || fail "size limit not named: $(cat "$TMP/big-report.cvmd.err")"

# --roots: in-process although cvmd runs, and it says why
set +e
"$CVMCTL" -v attest verify --json --bus "$BUS" "$T/report-milan-v2.bin" --vcek "$T/vcek-milan.der" \
	--roots "$ROOTS" >"$TMP/roots.json" 2>"$TMP/roots.err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "--roots with cvmd running: exit $rc: $(cat "$TMP/roots.err")"
grep -q "running in-process: --roots" "$TMP/roots.err" || fail "--roots did not run in-process: $(cat "$TMP/roots.err")"

# cvmd itself: bounded inputs and known options only, refused by name
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.VerifySnpReport "@ay []" "@ay []" "{'roots': <'/tmp'>}"
[ $rc -ne 0 ] && grep -q "InvalidArgument.*bad key \"roots\"" "$TMP/out" || fail "a roots option: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.VerifySnpReport "@ay []" "@ay []" "{'at': <int64 0>}"
[ $rc -ne 0 ] && grep -q "InvalidArgument" "$TMP/out" || fail "at 0: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.VerifySnpReport "@ay []" "@ay []" \
	"{'expect-measurement': <@ay [1, 2]>}"
[ $rc -ne 0 ] && grep -q "InvalidArgument.*not 48" "$TMP/out" || fail "short measurement: $(cat "$TMP/out")"
# 65537 bytes: too long for one argument of gdbus, so busctl's one per byte
# shellcheck disable=SC2046 # one word per byte
busctl --address="$BUS" call org.cvm.Cvmd1 /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation VerifySnpReport \
	'ayaya{sv}' 65537 $(yes 0 | head -n 65537) 0 0 >"$TMP/out" 2>&1 && fail "a 65537-byte report was taken"
grep -q "more than 65536" "$TMP/out" || fail "65537-byte report: $(head -c 300 "$TMP/out")"
kill -0 "$CVMD_PID" || fail "cvmd died"

# an older cvmd: the bus name is owned, the method unknown
stop_cvmd
# (the bus may not have seen cvmd's connection close yet: try again until the name is free)
for _ in $(seq 100); do
	"$HELPERS/bus-name-holder" "$BUS" org.cvm.Cvmd1 >"$TMP/holder" 2>&1 &
	HOLDER=$!
	while kill -0 $HOLDER 2>/dev/null && ! grep -q owned "$TMP/holder"; do sleep 0.05; done
	grep -q owned "$TMP/holder" && break
	sleep 0.05
done
grep -q owned "$TMP/holder" || fail "the name holder: $(cat "$TMP/holder")"
set +e
"$CVMCTL" -v attest verify --json --bus "$BUS" "$T/report-milan-v2.bin" --vcek "$T/vcek-milan.der" \
	>"$TMP/old.cvmd" 2>"$TMP/old.err"
echo "rc $?" >>"$TMP/old.cvmd"
set -e
kill $HOLDER; wait $HOLDER 2>/dev/null || true
sed -i 's/checked at [0-9T:-]*Z/checked at NOW/' "$TMP/old.cvmd"
diff -u "$TMP/milan-vcek.local" "$TMP/old.cvmd" || fail "older cvmd (+) differs from in-process"
grep -q "running in-process: this cvmd has no Attestation.VerifySnpReport" "$TMP/old.err" ||
	fail "older cvmd: not in-process, or not said: $(cat "$TMP/old.err")"
echo "ok ($(wc -l <"$TMP/cases") cases, the same through cvmd and in-process)"
