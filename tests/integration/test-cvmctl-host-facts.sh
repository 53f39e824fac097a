#!/bin/sh
# cvmctl host --json and cvmctl domxml --host-facts on this host, through
# libvirt's embedded QEMU driver in a private root:
#  1. the facts are what the probe read (libvirt's version as virsh says it);
#  2. domxml with this host's facts makes the same XML as domxml probing
#     this host, and opens no libvirt connection to do so;
#  3. the facts of a host with SEV-SNP make SEV-SNP XML here, which this
#     host itself refuses;
#  4. a missing or malformed facts file is refused, naming it.
set -eu
. tests/integration/lib.sh
export CVM_STATE_DIR="$TMP/state"
CONNECT="--connect=qemu:///embed?root=$TMP/libvirt"
# A URI no driver takes: --host-facts must not connect at all.
NOWHERE="--connect=cvm-nowhere:///"

"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
"$CVMCTL" host --json "$CONNECT" >"$TMP/here.json" 2>"$TMP/err" || fail "host --json: $(cat "$TMP/err")"
"$CVMCTL" host "$CONNECT" >"$TMP/here.txt" 2>"$TMP/err" || fail "host: $(cat "$TMP/err")"
v=$(virsh --version)
n=$(echo "$v" | awk -F. '{ print $1 * 1000000 + $2 * 1000 + $3 }')
tr -d ' \n' <"$TMP/here.json" | grep -q "\"libvirt-version\":$n," || fail "facts lack libvirt $v: $(cat "$TMP/here.json")"
grep -q "^libvirt $v, QEMU " "$TMP/here.txt" || fail "host: $(cat "$TMP/here.txt")"
grep -q '^platforms: native' "$TMP/here.txt" || fail "host lists no native platform: $(cat "$TMP/here.txt")"

# 2. The same XML from the facts as from the probe.
"$CVMCTL" domxml "$CONNECT" --igvm "$TMP/hello.igvm" --name g >"$TMP/probed.xml" \
	2>"$TMP/err" || fail "domxml: $(cat "$TMP/err")"
"$CVMCTL" domxml "$NOWHERE" --host-facts "$TMP/here.json" --igvm "$TMP/hello.igvm" --name g \
	>"$TMP/facts.xml" 2>"$TMP/err" || fail "domxml --host-facts: $(cat "$TMP/err")"
cmp -s "$TMP/probed.xml" "$TMP/facts.xml" || fail "the facts make other XML: $(diff "$TMP/probed.xml" "$TMP/facts.xml")"

# 3. An SEV-SNP host with libvirt 11.3 and an IGVM-capable QEMU 10.1.
sed 's/"kvm":false/"kvm":true/; s/"qemu-igvm":false/"qemu-igvm":true/; s/"sev":false/"sev":true/;
	s/"sev-snp":false/"sev-snp":true/; s/"snp-id-block":false/"snp-id-block":true/;
	s/"libvirt-version":[0-9]*/"libvirt-version":11003000/; s/"qemu-version":[0-9]*/"qemu-version":10001000/' \
	"$TMP/here.json" >"$TMP/snp.json"
"$CVMCTL" igvm build --from-ovmf /usr/share/ovmf/OVMF.fd --platforms sev-snp,native -o "$TMP/snp.igvm" >/dev/null
"$CVMCTL" domxml "$NOWHERE" --host-facts "$TMP/snp.json" --igvm "$TMP/snp.igvm" --name s >"$TMP/snp.xml" \
	2>"$TMP/err" || fail "domxml for an SNP host: $(cat "$TMP/err")"
grep -q '<domain .*type="kvm"' "$TMP/snp.xml" && grep -q '<launchSecurity type="sev-snp">' "$TMP/snp.xml" &&
	grep -q 'igvm-cfg,id=' "$TMP/snp.xml" || fail "no SEV-SNP XML from the SNP host's facts: $(cat "$TMP/snp.xml")"
if ! grep -q '"sev-snp":true' "$TMP/here.json"; then
	rc=0; "$CVMCTL" domxml "$CONNECT" --igvm "$TMP/snp.igvm" --name s --platform sev-snp >/dev/null \
		2>"$TMP/err" || rc=$?
	[ $rc = 4 ] && grep -q "cannot launch as sev-snp" "$TMP/err" || fail "this host made SNP XML: rc $rc"
fi

# 4. Bad facts.
rc=0; "$CVMCTL" domxml "$NOWHERE" --host-facts "$TMP/none.json" --igvm "$TMP/hello.igvm" --name g \
	>/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 4 ] && grep -q "none.json" "$TMP/err" || fail "missing facts file: rc $rc, $(cat "$TMP/err")"
grep -v '"tdx"' "$TMP/here.json" >"$TMP/bad.json"
rc=0; "$CVMCTL" domxml "$NOWHERE" --host-facts "$TMP/bad.json" --igvm "$TMP/hello.igvm" --name g \
	>/dev/null 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && grep -q 'bad.json: host facts lack "tdx"' "$TMP/err" || fail "facts without tdx: rc $rc, $(cat "$TMP/err")"
rc=0; "$CVMCTL" launch "$NOWHERE" --host-facts "$TMP/here.json" --igvm "$TMP/hello.igvm" --name g \
	>/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "launch took --host-facts (rc $rc): it launches on this host only"
echo "test-cvmctl-host-facts: ok"
