#!/bin/sh
# Damaged guest records: a record that does not parse, or whose fields have
# the wrong JSON types, is set aside with a log line; when the guest's domain
# still exists and carries cvm's metadata, cvmd rebuilds the record from it
# (and says so) instead of dropping a running guest from management. A
# launch spec whose strings would make a record cvm refuses to read back is
# refused before anything is written (InvalidArgument naming key and limit).
set -eu
. tests/integration/lib-cvmd.sh
G=/org/cvm/Cvmd1/guest
U1=aaaaaaaa-0000-0000-0000-000000000001
U2=aaaaaaaa-0000-0000-0000-000000000002
SHA=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
md() { # the metadata element cvm_launch_guest() writes (launch-metadata.c)
	echo "<metadata><cvm:guest xmlns:cvm='http://cvm.org/schemas/domain/1'><cvm:igvm path='/var/lib/cvm/$1.igvm'" \
		"sha256='$SHA' platform='sev-snp' strategy='igvm'/></cvm:guest></metadata>"
}
cat >"$TMP/node.xml" <<XML
<node>
<domain type='test'><name>torn</name><uuid>$U1</uuid><memory>131072</memory><vcpu>2</vcpu>
<os><type>hvm</type></os>$(md torn)</domain>
<domain type='test'><name>typed</name><uuid>$U2</uuid><memory>65536</memory><vcpu>1</vcpu>
<os><type>hvm</type></os>$(md typed)</domain>
<domain type='test'><name>plain</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>
</node>
XML
mkdir -p "$CVM_STATE_DIR/guests"
printf '{"name": "torn", "uu' >"$CVM_STATE_DIR/guests/torn.json"
printf '{"name": "typed", "uuid": 7, "state": "running", "igvm-path": "/x.igvm"}\n' >"$CVM_STATE_DIR/guests/typed.json"
printf '{"name": "plain", "uuid": "x", "memory-mib": "lots"}\n' >"$CVM_STATE_DIR/guests/plain.json"
printf '{"name": "nodom", "state": ["running"]}\n' >"$CVM_STATE_DIR/guests/nodom.json"

start_bus
start_cvmd "test://$TMP/node.xml"

for n in torn typed plain nodom; do
	ls "$CVM_STATE_DIR/guests/" | grep -q "^$n.json.corrupt-" || fail "$n: damaged record not set aside"
done
grep -q 'typed.json: field "uuid" is int, not string' "$TMP/cvmd.log" || fail "wrong type not logged"
grep -q 'plain.json: field "memory-mib" is string, not int' "$TMP/cvmd.log" || fail "wrong type of plain not logged"
# rebuilt from the domains' cvm metadata, logged, and managed again
for n in torn typed; do
	grep -q "$n: record rebuilt from the cvm metadata" "$TMP/cvmd.log" || fail "$n: rebuild not logged"
	prop $G/$n org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "$n not managed: $(prop $G/$n org.cvm.Cvmd1.Guest State 2>&1)"
	prop $G/$n org.cvm.Cvmd1.Guest IgvmPath | grep -q "/var/lib/cvm/$n.igvm" || fail "$n: IGVM path not from metadata"
	prop $G/$n org.cvm.Cvmd1.Guest IgvmSha256 | grep -q "$SHA" || fail "$n: digest not from metadata"
done
prop $G/torn org.cvm.Cvmd1.Guest UUID | grep -q "$U1" || fail "torn: UUID not from libvirt"
prop $G/typed org.cvm.Cvmd1.Guest UUID | grep -q "$U2" || fail "typed: UUID not from libvirt"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["uuid"]==sys.argv[2] and r["memory-mib"]==128 and r["vcpus"]==2 and r["rebuilt"] > 0, r' \
	"$CVM_STATE_DIR/guests/torn.json" "$U1" || fail "rebuilt record: $(cat "$CVM_STATE_DIR/guests/torn.json")"
call $G/torn org.cvm.Cvmd1.Guest.Destroy
[ "$rc" -eq 0 ] || fail "Destroy of a rebuilt guest: $(cat "$TMP/out")"
# no cvm metadata (plain) or no domain (nodom): set aside, not adopted
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.ListGuests
grep -q "$G/plain'\|$G/nodom'" "$TMP/out" && fail "a damaged record without cvm metadata was adopted: $(cat "$TMP/out")"
grep -q "plain: record set aside, not rebuilt from libvirt: .*no cvm metadata" "$TMP/cvmd.log" || fail "plain: no log line"

# sizes: refused before launching, with the key and the limit
long=$(python3 -c 'print("x" * 100000)')
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'big'>, 'igvm': <'/x.igvm'>, 'command-line': <'$long'>}"
grep -q "org.cvm.Cvmd1.Error.InvalidArgument.*command-line.*100000 bytes; the limit is 4096" "$TMP/out" ||
	fail "oversized command line: $(cut -c1-300 "$TMP/out")"
[ ! -e "$CVM_STATE_DIR/guests/big.json" ] || fail "a refused launch left a record"
stop_cvmd

# cvmctl without cvmd rebuilds alike (and the record says so)
printf '{"name": "typed", "vcpus": "two"}\n' >"$CVM_STATE_DIR/guests/typed.json"
"$CVMCTL" list --bus "unix:path=$TMP/nobus" --connect "test://$TMP/node.xml" --json >"$TMP/local" 2>/dev/null ||
	fail "cvmctl list in-process"
python3 -c 'import json,sys; g={x["name"]: x for x in json.load(open(sys.argv[1]))}; assert g["typed"]["state"]=="running" and g["typed"]["uuid"]==sys.argv[2], g' \
	"$TMP/local" "$U2" || fail "in-process rebuild: $(cat "$TMP/local")"
grep -q '"rebuilt"' "$CVM_STATE_DIR/guests/typed.json" || fail "in-process rebuild not stored"
echo ok
