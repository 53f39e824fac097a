#!/bin/sh
# cvmctl attest verify on the real Milan report: passes with the Milan VCEK,
# exit 3 naming the failed check for the invalid VCEK, a flipped report byte
# and a Genoa chain; "expired" / "not-yet-valid" for a time outside the
# VCEK's validity (--at); exit 2 for bad
# expected-value hex or --at; without --roots, the data folder's AMD roots.
# A real VLEK report verifies at a time inside its VLEK's validity and fails
# now, with a flipped byte, or claiming a VCEK signed it.
set -u
. tests/integration/lib.sh
# In-process whatever runs on this machine: a bus address where nothing is
# (test-cvmctl-attest-verify-cvmd.sh runs the same through cvmd).
export CVM_BUS="unix:path=$TMP/no-bus"
# The report and VCEKs (trustee) and AMD's roots (virtee/sev) are in the tree.
CVM_SRCDIR=${CVM_SRCDIR:-$(pwd)}
D="$CVM_SRCDIR/tests/data/third-party/trustee"
ROOTS="$CVM_SRCDIR/tests/data/third-party/virtee-sev"

R="$D/report-milan-v2.bin"
M=$(od -An -tx1 -j 144 -N 48 "$R" | tr -d ' \n')
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --expect-measurement "$M" \
	>/dev/null || fail "real Milan report did not verify"
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-invalid.der" --roots "$ROOTS" --json >"$TMP/out"
[ $? -eq 3 ] || fail "invalid VCEK: exit is not 3"
grep -q '"failed-check":"chain"' "$TMP/out" || fail "invalid VCEK not named as a chain failure"
cp "$R" "$TMP/flipped.bin" && chmod u+w "$TMP/flipped.bin"
printf '\377' | dd of="$TMP/flipped.bin" bs=1 seek=80 conv=notrunc 2>/dev/null
"$CVMCTL" attest verify "$TMP/flipped.bin" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --json >"$TMP/out"
[ $? -eq 3 ] || fail "flipped byte: exit is not 3"
grep -q '"failed-check":"signature"' "$TMP/out" || fail "flipped byte not a signature failure"
cat "$ROOTS/ask-genoa.pem" "$ROOTS/ark-genoa.pem" >"$TMP/genoa.pem"
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --chain "$TMP/genoa.pem" \
	2>"$TMP/err"
[ $? -eq 3 ] || fail "Genoa chain: exit is not 3"
grep -q "chain check failed" "$TMP/err" || fail "Genoa chain not named"
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --expect-measurement zz 2>/dev/null
[ $? -eq 2 ] || fail "bad hex: exit is not 2"
# --at: the certificates' validity at another time (the VCEK runs 2023-01-24 to 2030-01-24).
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --at 2024-06-01T00:00:00Z >/dev/null \
	|| fail "--at inside the VCEK's validity did not verify"
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --at 2031-01-01T00:00:00Z --json >"$TMP/out"
[ $? -eq 3 ] || fail "--at after expiry: exit is not 3"
grep -q '"failed-check":"expired"' "$TMP/out" || fail "--at after expiry not named expired: $(cat "$TMP/out")"
grep -q 'certificate SEV-VCEK (depth 0) has expired: valid from 2023-01-24T[0-9:]*Z to 2030-01-24T[0-9:]*Z, checked at 2031-01-01T00:00:00Z; --at TIME' \
	"$TMP/out" || fail "--at after expiry: the message does not give the window: $(cat "$TMP/out")"
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --at 2022-01-01T00:00:00Z --json >"$TMP/out"
[ $? -eq 3 ] || fail "--at before validity: exit is not 3"
grep -q '"failed-check":"not-yet-valid"' "$TMP/out" || fail "--at before validity: $(cat "$TMP/out")"
# Without --roots: amd/ in the data folder, which for a cvmctl run from the
# build tree is the tree's data/ (BUILDDIR/cvm-data), unless CVM_DATA_DIR
# names another one.
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" >/dev/null ||
	fail "without --roots, the build tree's AMD roots (data/amd) were not used"
mkdir -p "$TMP/data" "$TMP/empty" && ln -s "$ROOTS" "$TMP/data/amd"
CVM_DATA_DIR="$TMP/data" "$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" >/dev/null ||
	fail "CVM_DATA_DIR's amd/ was not used"
CVM_DATA_DIR="$TMP/empty" "$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" 2>"$TMP/err" >/dev/null &&
	fail "an empty CVM_DATA_DIR verified: it did not come first"
grep -q "in $TMP/empty/amd" "$TMP/err" || fail "missing roots not named: $(cat "$TMP/err")"
"$CVMCTL" attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --at yesterday 2>/dev/null
[ $? -eq 2 ] || fail "bad --at: exit is not 2"

# A real VLEK-signed v3 report (AWS Milan; tests/data/third-party/constellation)
# with the data folder's ARK and ASVK. Its VLEK ran 2024-12-10 to 2025-12-10.
V="$CVM_SRCDIR/tests/data/third-party/constellation"
VR="$V/report.bin"
VRD=87ab7caf510e1b3520dc3cceb64ee44128e10976fb0d3fc5e274699d8aaf506154af4c1de0a026b49fdf861e9ac75551551b3534d1c61369a3b08f5baed0db2f
"$CVMCTL" attest verify "$VR" --vcek "$V/vlek.pem" --at 2025-06-01T00:00:00Z --expect-report-data "$VRD" \
	>/dev/null || fail "the real VLEK report did not verify inside its VLEK's validity"
"$CVMCTL" attest verify "$VR" --vcek "$V/vlek.pem" --json >"$TMP/out"
[ $? -eq 3 ] || fail "real VLEK report now: exit is not 3"
grep -q '"failed-check":"expired"' "$TMP/out" || fail "real VLEK report now: not named expired: $(cat "$TMP/out")"
grep -q 'certificate SEV-VLEK (depth 0) has expired: valid from 2024-12-10T22:30:16Z to 2025-12-10T22:30:16Z' \
	"$TMP/out" || fail "real VLEK report now: the window is not given: $(cat "$TMP/out")"
cp "$VR" "$TMP/vflipped.bin" && chmod u+w "$TMP/vflipped.bin"
printf '\377' | dd of="$TMP/vflipped.bin" bs=1 seek=144 conv=notrunc 2>/dev/null
"$CVMCTL" attest verify "$TMP/vflipped.bin" --vcek "$V/vlek.pem" --at 2025-06-01T00:00:00Z --json >"$TMP/out"
[ $? -eq 3 ] || fail "real VLEK report, flipped byte: exit is not 3"
grep -q '"failed-check":"signature"' "$TMP/out" || fail "real VLEK report, flipped byte: $(cat "$TMP/out")"
# key_info (offset 0x48) 0x4 (VLEK) made 0x0 (VCEK): the VLEK is the wrong kind
cp "$VR" "$TMP/vvcek.bin" && chmod u+w "$TMP/vvcek.bin"
printf '\000' | dd of="$TMP/vvcek.bin" bs=1 seek=72 conv=notrunc 2>/dev/null
"$CVMCTL" attest verify "$TMP/vvcek.bin" --vcek "$V/vlek.pem" --at 2025-06-01T00:00:00Z --json >"$TMP/out"
[ $? -eq 3 ] || fail "real VLEK report claiming a VCEK: exit is not 3"
grep -q 'is a VCEK, but the certificate is a VLEK' "$TMP/out" || fail "VCEK claim: $(cat "$TMP/out")"
echo "ok"
