#!/bin/sh
# cvmctl igvm build --from-ovmf --platforms tdx,sev on Debian's OVMF.fd (it
# carries TDVF metadata): the file's TDX MRTD and SEV digest are the
# firmware's and the file validates.
set -u
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
OVMF=/usr/share/ovmf/OVMF.fd
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

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
echo "ok"
