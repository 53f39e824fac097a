#!/bin/sh
# cvm-qemu-hook run the way libvirt runs it (domain XML on stdin, arguments
# DOMAIN OPERATION SUB-OPERATION EXTRA): allowed, refused, non-IGVM domains,
# both ways of naming the IGVM file, broken policy, and the timing bound.
set -eu
. tests/integration/lib.sh
HOOK="$(pwd)/$BUILDDIR/cvm-qemu-hook"
export CVM_POLICY_DIR="$TMP/policy.d"
export CVM_HOOK_BUS="unix:path=$TMP/no-such-bus"
mkdir -p "$CVM_POLICY_DIR"
ZERO=$(printf '0%.0s' $(seq 96))

"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/g.igvm" >/dev/null

passthrough_xml() { # NAME IGVM
	cat <<XML
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$1</name><vcpu placement='static'>1</vcpu>
  <launchSecurity type='sev-snp'><policy>0x00030000</policy></launchSecurity>
  <qemu:commandline>
    <qemu:arg value='-object'/><qemu:arg value='igvm-cfg,id=igvm0,file=$2'/>
    <qemu:arg value='-machine'/><qemu:arg value='igvm-cfg=igvm0'/>
  </qemu:commandline>
</domain>
XML
}
metadata_xml() { # NAME IGVM
	cat <<XML
<domain type='qemu'><name>$1</name><vcpu>1</vcpu>
  <metadata><cvm:guest xmlns:cvm='http://cvm.org/schemas/domain/1'><cvm:igvm path='$2'/></cvm:guest></metadata>
  <launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity>
</domain>
XML
}
plain_xml() {
	echo "<domain type='qemu'><name>$1</name><os><type>hvm</type></os></domain>"
}
# hook RC NAME OP SUB < xml: run, check exit code; stderr in $TMP/err
hook() {
	want=$1; shift
	set +e
	"$HOOK" "$@" - >"$TMP/out" 2>"$TMP/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || fail "hook $* exit $got (want $want): $(cat "$TMP/err")"
}

# 1. a policy that pins some other digest: refused with libvirt-visible message
echo "{\"launch-digests\": [\"$ZERO\"]}" >"$CVM_POLICY_DIR/10-fleet.json"
passthrough_xml g1 "$TMP/g.igvm" | hook 1 g1 prepare begin
grep -q "cvm: refusing to start g1: launch digest [0-9a-f]\{96\} of guest g1 is not allowed by host policy" "$TMP/err" ||
	fail "refusal message: $(cat "$TMP/err")"
DIGEST=$(grep -o '[0-9a-f]\{96\}' "$TMP/err")

# 2. the file's digest pinned for this guest: allowed (both IGVM notations)
echo "{\"guests\": {\"g1\": {\"launch-digests\": [\"$DIGEST\"]}}}" >"$CVM_POLICY_DIR/20-g1.json"
passthrough_xml g1 "$TMP/g.igvm" | hook 0 g1 prepare begin
metadata_xml g1 "$TMP/g.igvm" | hook 0 g1 prepare begin
# the per-guest pin does not extend to other guests
metadata_xml g2 "$TMP/g.igvm" | hook 1 g2 prepare begin
grep -q "not allowed by host policy" "$TMP/err" || fail "g2: $(cat "$TMP/err")"

# 3. a changed IGVM file no longer matches
cp "$TMP/g.igvm" "$TMP/changed.igvm"
printf '\001' | dd of="$TMP/changed.igvm" bs=1 seek=8000 conv=notrunc 2>/dev/null
metadata_xml g1 "$TMP/changed.igvm" | hook 1 g1 prepare begin
grep -q "refusing to start g1" "$TMP/err" || fail "changed file: $(cat "$TMP/err")"

# 4. missing IGVM file, broken policy: refused (fail closed)
metadata_xml g1 "$TMP/missing.igvm" | hook 1 g1 prepare begin
echo '{"launch-digests": [' >"$CVM_POLICY_DIR/30-broken.json"
metadata_xml g1 "$TMP/g.igvm" | hook 1 g1 prepare begin
grep -q "30-broken.json" "$TMP/err" || fail "broken policy: $(cat "$TMP/err")"

# 4b. allowed SNP ID-block keys: a file signed with one key, the policy
# naming another (refused), then naming it (allowed); an unsigned file where
# keys are listed (refused). The key digest is computed here independently.
openssl ecparam -name secp384r1 -genkey -noout -out "$TMP/id.pem" 2>/dev/null
"$CVMCTL" igvm sign "$TMP/g.igvm" --id-key "$TMP/id.pem" -o "$TMP/signed.igvm" >/dev/null
KEY=$(python3 - "$TMP/signed.igvm" <<'PY'
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read()
_, _, off, size = struct.unpack_from('<4I', d, 0)
pos = off
while pos < off + size:
    t, l = struct.unpack_from('<II', d, pos)
    if t & 0x7fffffff == 0x30B:
        k = d[pos + 8 + 248: pos + 8 + 248 + 152]   # curve, reserved, qx[72], qy[72]
        snp = k[0:4] + k[8:80] + k[80:152]
        print(hashlib.sha384(snp + b'\0' * (1028 - len(snp))).hexdigest())
    pos += 8 + ((l + 7) & ~7)
PY
)
[ ${#KEY} -eq 96 ] || fail "no ID key digest computed: $KEY"
rm "$CVM_POLICY_DIR/30-broken.json"
echo "{\"guests\": {\"g3\": {\"launch-digests\": [\"$DIGEST\"], \"id-block-keys\": [\"$ZERO\"]}}}" >"$CVM_POLICY_DIR/40-keys.json"
metadata_xml g3 "$TMP/signed.igvm" | hook 1 g3 prepare begin
grep -q "SNP ID-block key" "$TMP/err" || fail "wrong key: $(cat "$TMP/err")"
echo "{\"guests\": {\"g3\": {\"launch-digests\": [\"$DIGEST\"], \"id-block-keys\": [\"$KEY\"]}}}" >"$CVM_POLICY_DIR/40-keys.json"
metadata_xml g3 "$TMP/signed.igvm" | hook 0 g3 prepare begin
metadata_xml g3 "$TMP/g.igvm" | hook 1 g3 prepare begin
grep -q "has no ID block" "$TMP/err" || fail "unsigned file: $(cat "$TMP/err")"
rm "$CVM_POLICY_DIR/40-keys.json"
echo '{"launch-digests": [' >"$CVM_POLICY_DIR/30-broken.json"

# 5. a domain without IGVM is not looked at, even with a broken policy
plain_xml web | hook 0 web prepare begin
[ ! -s "$TMP/err" ] || fail "non-IGVM domain produced output: $(cat "$TMP/err")"
echo "not xml igvm" | hook 1 junk prepare begin
rm "$CVM_POLICY_DIR/30-broken.json"

# 6. other operations exit 0, also with no cvmd/bus (how fast is not a
# test's business: the guide keeps timings in benchmarks)
for op in "started begin" "stopped end" "release end" "migrate begin" "reconnect begin"; do
	# shellcheck disable=SC2086
	plain_xml web | hook 0 web $op
done
metadata_xml g1 "$TMP/g.igvm" | hook 0 g1 prepare begin
hook 2 </dev/null

# 7. a deny-all policy refuses every spelling QEMU accepts for the IGVM
# object (issue 22: only "igvm-cfg,..." was looked for), and what the hook
# cannot classify, with a message naming the argument.
rm -f "$CVM_POLICY_DIR"/*.json
echo '{"require": true}' >"$CVM_POLICY_DIR/10-deny.json"
args_xml() { # NAME ARG...
	name=$1; shift
	echo "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>$name</name>"
	echo "<launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity><qemu:commandline>"
	for a in "$@"; do echo "<qemu:arg value=\"$a\"/>"; done
	echo "</qemu:commandline></domain>"
}
F="$TMP/g.igvm"
Q='&quot;'
n=0
for spelling in \
	"-object|igvm-cfg,id=i,file=$F" \
	"--object|igvm-cfg,id=i,file=$F" \
	"-object|qom-type=igvm-cfg,id=i,file=$F" \
	"-object|id=i,file=$F,qom-type=igvm-cfg" \
	"-object|{${Q}qom-type${Q}:${Q}igvm-cfg${Q},${Q}id${Q}:${Q}i${Q},${Q}file${Q}:${Q}$F${Q}}" \
	"-object|{${Q}qom-type${Q}:${Q}\\u0069gvm-cfg${Q},${Q}id${Q}:${Q}i${Q},${Q}file${Q}:${Q}$F${Q}}" \
	"-object=igvm-cfg,id=i,file=$F" \
	"-object|&#105;gvm-cfg,id=i,file=$F" \
	"-machine|q35,igvm-cfg=i" \
	"-M|igvm-cfg=i" \
	"-readconfig|$TMP/qemu.cfg" \
	"-no-such-option|x"; do
	n=$((n + 1))
	old_ifs=$IFS; IFS='|'
	# shellcheck disable=SC2086
	args_xml "s$n" $spelling | hook 1 "s$n" prepare begin
	IFS=$old_ifs
	grep -q "cvm: refusing to start s$n: " "$TMP/err" || fail "spelling $spelling: $(cat "$TMP/err")"
done
args_xml s0 -M igvm-cfg=i | hook 1 s0 prepare begin
grep -q "qemu:commandline cannot be checked.*igvm-cfg=i" "$TMP/err" || fail "message: $(cat "$TMP/err")"
# the libvirt IGVM loader too
echo "<domain type='qemu'><name>l1</name><os><type>hvm</type><loader type='igvm'>$F</loader></os>
<launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity></domain>" | hook 1 l1 prepare begin
grep -q "refusing to start l1: host policy requires" "$TMP/err" || fail "loader: $(cat "$TMP/err")"
# SEV-SNP through QEMU's own object, no <launchSecurity>: measured, not native
echo "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>o1</name>
<qemu:commandline><qemu:arg value='-object'/><qemu:arg value='sev-snp-guest,id=sev0,policy=0x30000'/>
<qemu:arg value='-object'/><qemu:arg value='igvm-cfg,id=i,file=$F'/>
<qemu:arg value='-machine'/><qemu:arg value='confidential-guest-support=sev0,igvm-cfg=i'/></qemu:commandline></domain>" |
	hook 1 o1 prepare begin
grep -q "refusing to start o1: host policy requires" "$TMP/err" || fail "object platform: $(cat "$TMP/err")"
# arguments that cannot load IGVM still pass
args_xml ok1 -trace events=/dev/null -device virtio-rng-pci | hook 0 ok1 prepare begin
echo "ok"
