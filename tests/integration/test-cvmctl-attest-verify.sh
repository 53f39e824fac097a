#!/bin/sh
# cvmctl attest verify on the real Milan report: passes with the Milan VCEK,
# exit 3 naming the failed check for the invalid VCEK, a flipped report byte
# and a Genoa chain or a time after the VCEK's expiry (--at); exit 2 for bad
# expected-value hex or --at; without --roots, the data folder's AMD roots.
set -u
. tests/integration/lib.sh
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
grep -q '"failed-check":"chain"' "$TMP/out" || fail "--at after expiry not a chain failure"
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
echo "ok"
