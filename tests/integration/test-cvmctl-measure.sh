#!/bin/sh
# cvmctl measure / igvm build --from-ovmf / igvm measure / sign / verify on
# Debian's OVMF.fd: the wrapped file measures like the firmware (--native-zero;
# TDX and SEV as they are), --jobs does not matter, signing round-trips, bad
# input fails cleanly; --explain gives a reproducing command line (exit 0) or
# the nearest candidates for a flipped bit (exit 3).
set -u
. tests/integration/lib.sh
OVMF=/usr/share/ovmf/OVMF.fd

ovmf=$("$CVMCTL" measure --ovmf "$OVMF" --vcpus 4 --guest-features 0x21) || fail "measure --ovmf"
[ ${#ovmf} -eq 96 ] || fail "SNP digest '$ovmf' is not 48 bytes of hex"
"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms sev-snp,sev-es,native --vcpus 4 \
	--guest-features 0x21 -o "$TMP/ovmf.igvm" >/dev/null || fail "build --from-ovmf"
wrapped=$("$CVMCTL" igvm measure --native-zero "$TMP/ovmf.igvm") || fail "igvm measure"
[ "$wrapped" = "$ovmf" ] || fail "wrapped $wrapped != ovmf $ovmf"
j1=$("$CVMCTL" igvm measure --jobs 1 "$TMP/ovmf.igvm")
j8=$("$CVMCTL" igvm measure --jobs 8 "$TMP/ovmf.igvm")
[ "$j1" = "$j8" ] || fail "--jobs 1 $j1 != --jobs 8 $j8"
"$CVMCTL" igvm measure --json "$TMP/ovmf.igvm" | grep -q '"sev-es"' || fail "--json lacks sev-es"
"$CVMCTL" igvm measure --trace "$TMP/ovmf.igvm" 2>"$TMP/trace" >/dev/null
grep -q "^0xfffffffff000 vmsa" "$TMP/trace" || fail "--trace has no VMSA line"

openssl ecparam -name secp384r1 -genkey -noout -out "$TMP/id.pem" 2>/dev/null || fail "keygen"
"$CVMCTL" igvm sign "$TMP/ovmf.igvm" --id-key "$TMP/id.pem" -o "$TMP/signed.igvm" || fail "sign"
"$CVMCTL" igvm verify "$TMP/signed.igvm" >/dev/null || fail "verify of a signed file"
"$CVMCTL" igvm verify "$TMP/ovmf.igvm" 2>/dev/null && fail "verify of an unsigned file passed"

head -c 100000 "$OVMF" >"$TMP/short.fd"
"$CVMCTL" measure --ovmf "$TMP/short.fd" 2>"$TMP/err" && fail "truncated firmware measured"
grep -q "multiple of 4096" "$TMP/err" || fail "unclear error: $(cat "$TMP/err")"
"$CVMCTL" igvm measure --platform sev-xyz "$TMP/ovmf.igvm" 2>"$TMP/err"
[ $? -eq 2 ] || fail "unknown platform not a usage error"
grep -q "unknown platform" "$TMP/err" || fail "unclear error: $(cat "$TMP/err")"

# --from-ovmf for TDX (TDVF metadata) and plain SEV.
"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms tdx,sev -o "$TMP/w.igvm" >/dev/null || fail "build"
"$CVMCTL" igvm validate "$TMP/w.igvm" >/dev/null || fail "the wrapped file does not validate"
for p in tdx sev; do
	want=$("$CVMCTL" measure --ovmf "$OVMF" --platform $p) || fail "measure --ovmf $p"
	got=$("$CVMCTL" igvm measure --platform $p "$TMP/w.igvm") || fail "igvm measure $p"
	[ "$got" = "$want" ] || fail "$p: file $got, firmware $want"
done
"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms tdx,bogus -o "$TMP/x.igvm" 2>"$TMP/err"
[ $? -eq 2 ] || fail "an unknown platform is not a usage error"
grep -q "expected sev-snp, sev-es, sev, tdx, native" "$TMP/err" || fail "unclear error: $(cat "$TMP/err")"

# --explain.
want=$("$CVMCTL" measure --ovmf "$OVMF" --vcpus 24 --vcpu-type EPYC-Genoa --guest-features 0x221) ||
	fail "measure --ovmf"
"$CVMCTL" measure --ovmf "$OVMF" --explain "$want" >"$TMP/out" || fail "explain exit $?: $(cat "$TMP/out")"
line=$(sed -n 's/^match: cvmctl //p' "$TMP/out" | head -n 1)
[ -n "$line" ] || fail "no match line: $(cat "$TMP/out")"
# The printed command line gives the digest back.
again=$(eval "\"\$CVMCTL\" $line") || fail "reproducing line failed: $line"
[ "$again" = "$want" ] || fail "reproducing line gives $again, not $want"

# The last hex digit changed: one flipped bit.
last=$(printf %s "$want" | tail -c 1)
case $last in 0) new=1 ;; *) new=0 ;; esac
flipped=$(printf %s "$want" | sed "s/.\$/$new/")
"$CVMCTL" measure --ovmf "$OVMF" --explain "$flipped" >"$TMP/out"
[ $? -eq 3 ] || fail "no match did not exit 3"
grep -q "^no match for $flipped" "$TMP/out" || fail "no 'no match' line"
grep -q "^  (given) " "$TMP/out" || fail "the given parameters are not among the nearest"
"$CVMCTL" measure --ovmf "$OVMF" --explain "$flipped" --json >"$TMP/json"
[ $? -eq 3 ] || fail "--json no match did not exit 3"
grep -q '"match":false' "$TMP/json" || fail "--json lacks match false"
grep -q '"nearest":\[$' "$TMP/json" || fail "--json lacks nearest"

"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms sev-snp -o "$TMP/explain.igvm" >/dev/null || fail "build"
d=$("$CVMCTL" igvm measure --native-zero --vcpus 200 "$TMP/explain.igvm") || fail "igvm measure"
"$CVMCTL" igvm measure --explain "$d" --json "$TMP/explain.igvm" >"$TMP/json" || fail "igvm explain exit $?"
grep -q '"command":"cvmctl igvm measure .* --vcpus 200 --native-zero"' "$TMP/json" ||
	fail "igvm explain: $(cat "$TMP/json")"

"$CVMCTL" measure --ovmf "$OVMF" --explain abcd 2>"$TMP/err"
[ $? -eq 2 ] || fail "a short digest is not a usage error"
grep -q "64 (SEV, SEV-ES) or 96 hex digits" "$TMP/err" || fail "unclear error: $(cat "$TMP/err")"
echo "ok"
