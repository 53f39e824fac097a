#!/bin/sh
# cvmctl measure / igvm build --from-ovmf / igvm measure / sign / verify on
# Debian's OVMF.fd: the wrapped file measures like the firmware (--native-zero),
# --jobs does not matter, signing round-trips, bad input fails cleanly.
set -u
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
OVMF=/usr/share/ovmf/OVMF.fd
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

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
echo "ok"
