#!/bin/sh
# cvmctl's errors say what an operator needs to act: a mismatch prints the
# expected and the actual value, a missing file says "No such file" (GLib's
# message, not a guess such as "not a PEM key"), and a number out of range
# is refused by the option's name with the allowed range, not taken as
# "default".
set -u
. tests/integration/lib-cvmd.sh # $CVMCTL, $TMP and its clean-up, fail, expect_cvmctl
CVM_SRCDIR=${CVM_SRCDIR:-$(pwd)}
D="$CVM_SRCDIR/tests/data/third-party/trustee"
ROOTS="$CVM_SRCDIR/tests/data/third-party/virtee-sev"
# In-process only: no cvmd to find.
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/nobus"
unset DBUS_SESSION_BUS_ADDRESS CVM_BUS
export XDG_RUNTIME_DIR="$TMP/run" CVM_LIBVIRT_URI=test:///default

"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/snp.igvm" >/dev/null || fail "igvm build"

# --- mismatches name both values
openssl ecparam -name secp384r1 -genkey -noout -out "$TMP/id.pem" 2>/dev/null || fail "keygen"
"$CVMCTL" igvm sign "$TMP/snp.igvm" --id-key "$TMP/id.pem" -o "$TMP/signed.igvm" || fail "sign"
ld=$("$CVMCTL" igvm verify "$TMP/signed.igvm" | sed 's/.*launch digest //')
[ ${#ld} -eq 96 ] || fail "verify printed no digest: $ld"
cp "$TMP/signed.igvm" "$TMP/changed.igvm"
# The last byte is page data: the file's digest changes, the ID block's not.
printf '\125' | dd of="$TMP/changed.igvm" bs=1 seek=$(($(stat -c %s "$TMP/changed.igvm") - 1)) conv=notrunc 2>/dev/null
now=$("$CVMCTL" igvm measure "$TMP/changed.igvm" 2>/dev/null) || fail "measure changed file"
[ "$now" != "$ld" ] || fail "changing the last byte did not change the digest"
expect_cvmctl 3 "launch digest $ld differs from the file's SNP digest $now" igvm verify "$TMP/changed.igvm"

R="$D/report-milan-v2.bin"
M=$(od -An -tx1 -j 144 -N 48 "$R" | tr -d ' \n')
RD=$(od -An -tx1 -j 80 -N 64 "$R" | tr -d ' \n')
Z48=$(printf '%096d' 0)
Z64=$(printf '%0128d' 0)
expect_cvmctl 3 "measurement \(offset 0x90\) is $M, not the expected $Z48" \
	attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --expect-measurement "$Z48"
expect_cvmctl 3 "report_data \(offset 0x50\) is $RD, not the expected $Z64" \
	attest verify "$R" --vcek "$D/vcek-milan.der" --roots "$ROOTS" --expect-report-data "$Z64"

# --- a missing file says so
expect_cvmctl 4 "nonexistent.pem.*No such file" igvm sign "$TMP/snp.igvm" --id-key "$TMP/nonexistent.pem" -o "$TMP/x.igvm"
expect_cvmctl 4 "nonexistent.json.*No such file" igvm build "$TMP/nonexistent.json" -o "$TMP/x.igvm"
expect_cvmctl 4 "nonexistent.bin.*No such file" measure --ovmf /usr/share/ovmf/OVMF.fd --svsm "$TMP/nonexistent.bin"
expect_cvmctl 4 "nonexistent.igvm.*No such file" launch --igvm "$TMP/nonexistent.igvm" --name g
expect_cvmctl 4 "nonexistent.der.*No such file" attest verify "$R" --vcek "$TMP/nonexistent.der"

# --- numbers out of range: refused by name, with the range
expect_cvmctl 2 "^cvmctl: --vcpus 0 is out of range: allowed 1-4096$" measure --ovmf "$TMP/snp.igvm" --vcpus 0
expect_cvmctl 2 "^cvmctl: --vcpus 0 is out of range: allowed 1-4096$" igvm measure "$TMP/snp.igvm" --vcpus 0
expect_cvmctl 2 "^cvmctl: --vcpus 4097 is out of range: allowed 1-4096$" igvm measure "$TMP/snp.igvm" --vcpus 4097
expect_cvmctl 2 "^cvmctl: --vcpus 0 is out of range: allowed 1-512$" launch --igvm "$TMP/snp.igvm" --name g --vcpus 0
expect_cvmctl 2 "^cvmctl: --vcpus 513 is out of range: allowed 1-512$" domxml --igvm "$TMP/snp.igvm" --name g --vcpus 513
expect_cvmctl 2 "^cvmctl: --memory 0 is out of range: allowed 16M-4T" launch --igvm "$TMP/snp.igvm" --name g --memory 0
expect_cvmctl 2 "^cvmctl: --memory 8T is out of range: allowed 16M-4T" domxml --igvm "$TMP/snp.igvm" --name g --memory 8T
expect_cvmctl 2 "^cvmctl: --vcpus 0 is out of range: allowed 1-512$" \
	fwupdate decode --request "$TMP/snp.igvm" --memory "$TMP/snp.igvm" --vcpus 0
# and an omitted --vcpus is still the default of 1
"$CVMCTL" igvm measure "$TMP/snp.igvm" | grep -qx "$ld" || fail "igvm measure without --vcpus changed"

echo "test-cvmctl-messages: ok"
