#!/bin/sh
# cvmctl measure --explain / igvm measure --explain on Debian's OVMF.fd: a
# digest of known parameters exits 0 with a command line that reproduces it,
# one flipped bit exits 3 with the nearest candidates, --json for both.
set -u
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
OVMF=/usr/share/ovmf/OVMF.fd
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

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

"$CVMCTL" igvm build --from-ovmf "$OVMF" --platforms sev-snp -o "$TMP/ovmf.igvm" >/dev/null || fail "build"
d=$("$CVMCTL" igvm measure --native-zero --vcpus 200 "$TMP/ovmf.igvm") || fail "igvm measure"
"$CVMCTL" igvm measure --explain "$d" --json "$TMP/ovmf.igvm" >"$TMP/json" || fail "igvm explain exit $?"
grep -q '"command":"cvmctl igvm measure .* --vcpus 200 --native-zero"' "$TMP/json" ||
	fail "igvm explain: $(cat "$TMP/json")"

"$CVMCTL" measure --ovmf "$OVMF" --explain abcd 2>"$TMP/err"
[ $? -eq 2 ] || fail "a short digest is not a usage error"
grep -q "64 (SEV, SEV-ES) or 96 hex digits" "$TMP/err" || fail "unclear error: $(cat "$TMP/err")"
echo "ok"
