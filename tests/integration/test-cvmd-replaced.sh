#!/bin/sh
# A guest's domain replaced behind cvmd's back by another of the same name
# (another UUID): cvmd acts on and listens to the guest's UUID only. The
# stranger is never destroyed or started in the guest's place, Destroy/Start
# say why with both UUIDs, the guest's State is "replaced", and the
# stranger's lifecycle events do not move the guest's State.
set -eu
. tests/integration/lib-cvmd.sh
G=/org/cvm/Cvmd1/guest
THEIRS=6695eb01-f6a4-8304-79aa-97f2502e193f # test:///default's running "test"
OURS=11111111-2222-3333-4444-777777777777

# "test" was ours (UUID OURS); the domain now named test is someone else's.
# "moved" records the stranger's UUID under another name: libvirt's view of
# that domain, seen through cvmd (a domain is found by UUID, whatever its name).
write_record test $OURS running
write_record moved $THEIRS running
start_bus
start_cvmd test:///default

prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'replaced'" ||
	fail "replaced guest: $(prop $G/test org.cvm.Cvmd1.Guest State)"
prop $G/moved org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "stranger not running at start"

for m in Destroy Stop Start; do
	call $G/test org.cvm.Cvmd1.Guest.$m
	grep -q org.cvm.Cvmd1.Error.State "$TMP/out" || fail "$m of a replaced guest: $(cat "$TMP/out")"
	grep -q "$OURS" "$TMP/out" && grep -q "$THEIRS" "$TMP/out" || fail "$m error lacks the UUIDs: $(cat "$TMP/out")"
	prop $G/moved org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "$m of the replaced guest hit the stranger"
done
prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'replaced'" || fail "State after refused calls"

# The stranger stops: its events carry the name "test" but are not ours.
call $G/moved org.cvm.Cvmd1.Guest.Destroy
[ "$rc" -eq 0 ] || fail "Destroy of the stranger by its own UUID: $(cat "$TMP/out")"
for _ in $(seq 100); do
	grep -q "event of libvirt domain $THEIRS" "$TMP/cvmd.log" && break
	prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'replaced'" || break
	sleep 0.1
done
prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'replaced'" ||
	fail "the stranger's event moved the guest: $(prop $G/test org.cvm.Cvmd1.Guest State)"
grep -q '"state": "replaced"' "$CVM_STATE_DIR/guests/test.json" || fail "record state not replaced"
# Reconcile (libvirt asked from a worker) agrees and changes nothing more
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.Reconcile
[ "$rc" -eq 0 ] && grep -q "(uint32 0,)" "$TMP/out" || fail "Reconcile: $(cat "$TMP/out")"
prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'replaced'" || fail "replaced guest after Reconcile"
prop $G/moved org.cvm.Cvmd1.Guest State | grep -q "'shutoff'" || fail "stranger after Reconcile"

# In-process (cvmctl without cvmd) behaves alike.
stop_cvmd
set +e
"$CVMCTL" stop --force --bus "unix:path=$TMP/nobus" --connect test:///default test >"$TMP/local" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "$THEIRS" "$TMP/local" || fail "in-process destroy of a replaced guest: $(cat "$TMP/local")"
"$CVMCTL" list --bus "unix:path=$TMP/nobus" --connect test:///default --json >"$TMP/local" 2>/dev/null
python3 -c 'import json,sys; g={x["name"]: x["state"] for x in json.load(open(sys.argv[1]))}; assert g["test"]=="replaced", g' "$TMP/local" ||
	fail "in-process list: $(cat "$TMP/local")"
echo ok
