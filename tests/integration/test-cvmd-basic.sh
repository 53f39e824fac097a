#!/bin/sh
# cvmd on a private bus against libvirt's test driver: start-up reconciliation
# (guest changed while cvmd was down, vanished guest, corrupt record set aside),
# introspection equals docs/dbus, lifecycle through D-Bus with the state change
# arriving from libvirt events, argument validation with named errors.
set -eu
. tests/integration/lib-cvmd.sh
G=/org/cvm/Cvmd1/guest

# test:///default has one domain "test", running, with this UUID.
write_record test 6695eb01-f6a4-8304-79aa-97f2502e193f shutoff
write_record gone 11111111-2222-3333-4444-555555555555 running
write_record half 11111111-2222-3333-4444-666666666666 launching
mkdir -p "$CVM_STATE_DIR/guests"
printf '{"name": "tor' >"$CVM_STATE_DIR/guests/torn.json"

start_bus
start_cvmd test:///default

# --- reconciliation at start
prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "test not running"
prop $G/gone org.cvm.Cvmd1.Guest State | grep -q "'vanished'" || fail "gone not vanished"
prop $G/half org.cvm.Cvmd1.Guest State | grep -q "'failed'" || fail "interrupted launch not failed"
grep -q '"state": "running"' "$CVM_STATE_DIR/guests/test.json" || fail "record not updated"
ls "$CVM_STATE_DIR/guests/" | grep -q '^torn.json.corrupt-' || fail "corrupt record not set aside"
grep -q "set aside as" "$TMP/cvmd.log" || fail "corrupt record not reported"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.ListGuests
for n in test gone half; do grep -q "$G/$n'" "$TMP/out" || fail "ListGuests lacks $n: $(cat "$TMP/out")"; done
grep -q torn "$TMP/out" && fail "corrupt record listed"

# --- introspection served equals docs/dbus
"$HELPERS/cvmd-introspect-check" "$BUS" /org/cvm/Cvmd1 docs/dbus/org.cvm.Cvmd1.Manager.xml ||
	fail "Manager introspection differs from docs"
"$HELPERS/cvmd-introspect-check" "$BUS" $G/test docs/dbus/org.cvm.Cvmd1.Guest.xml ||
	fail "Guest introspection differs from docs"

# --- properties and version
prop /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager Version | grep -q "'0\.[0-9]" || fail "Version"
prop /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager Capabilities | grep -q "'libvirt-connected': <true>" ||
	fail "Capabilities: $(prop /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager Capabilities)"
prop $G/test org.cvm.Cvmd1.Guest UUID | grep -q 6695eb01 || fail UUID

# --- lifecycle: Destroy, state change comes back as PropertiesChanged
start_monitor $G/test "$TMP/monitor"
call $G/test org.cvm.Cvmd1.Guest.Destroy
[ "$rc" -eq 0 ] || fail "Destroy: $(cat "$TMP/out")"
prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'shutoff'" || fail "not shutoff after Destroy"
call $G/test org.cvm.Cvmd1.Guest.Start
[ "$rc" -eq 0 ] || fail "Start: $(cat "$TMP/out")"
prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "not running after Start"
stop_monitor "$TMP/monitor" "PropertiesChanged.*'State': <'running'>"
grep -q "PropertiesChanged.*'State': <'shutoff'>" "$TMP/monitor" || fail "no PropertiesChanged: $(cat "$TMP/monitor")"
grep -q "PropertiesChanged.*'State': <'running'>" "$TMP/monitor" || fail "no running PropertiesChanged"

# --- Forget: refused while running, allowed when vanished; record removed
call $G/test org.cvm.Cvmd1.Guest.Forget
grep -q org.cvm.Cvmd1.Error.State "$TMP/out" || fail "Forget of running guest: $(cat "$TMP/out")"
call $G/gone org.cvm.Cvmd1.Guest.Forget
[ "$rc" -eq 0 ] || fail "Forget: $(cat "$TMP/out")"
[ ! -e "$CVM_STATE_DIR/guests/gone.json" ] || fail "record of forgotten guest remains"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.GetGuest gone
grep -q org.cvm.Cvmd1.Error.NotFound "$TMP/out" || fail "GetGuest gone: $(cat "$TMP/out")"

# --- argument validation: named errors, daemon survives
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.GetGuest '../etc'
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "bad name: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'a b'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "bad spec name"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'ok'>, 'igvm': <'relative.igvm'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "relative igvm path"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'/etc'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "directory as IGVM: $(cat "$TMP/out")"
# a file passed as a descriptor (the caller proves it can read it)
"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/fd.igvm" >/dev/null
"$HELPERS/cvmd-fd-call" "$BUS" InspectIgvm "$TMP/fd.igvm" >"$TMP/fdout" 2>&1 || fail "InspectIgvm fd: $(cat "$TMP/fdout")"
grep -q '"format-version"' "$TMP/fdout" || fail "InspectIgvm fd output: $(cat "$TMP/fdout")"
"$HELPERS/cvmd-fd-call" "$BUS" MeasureIgvm "$TMP/fd.igvm" sev-snp >"$TMP/fdout" 2>&1 || fail "MeasureIgvm fd: $(cat "$TMP/fdout")"
[ "$(tr -d '\n' <"$TMP/fdout")" = "$("$CVMCTL" igvm measure --platform sev-snp "$TMP/fd.igvm")" ] ||
	fail "MeasureIgvm fd differs from cvmctl igvm measure: $(cat "$TMP/fdout")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'/x'>, 'fd': <@h 0>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "path and fd"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'fd': <@h 5>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "fd index out of range: $(cat "$TMP/out")"
kill -0 "$CVMD_PID" || fail "cvmd died"

# --- libcvm client (cvm/client.h), the path cvmctl takes when cvmd is reachable
CC="$HELPERS/cvm-client-check"
"$CC" "$BUS" list >"$TMP/out" || fail "client list: $(cat "$TMP/out")"
python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); assert [x["name"] for x in g]==["half","test"], g; assert g[1]["state"]=="running" and g[1]["uuid"].startswith("6695eb01"), g' "$TMP/out" ||
	fail "client list JSON: $(cat "$TMP/out")"
"$CC" "$BUS" destroy test >"$TMP/out" || fail "client destroy: $(cat "$TMP/out")"
"$CC" "$BUS" status test | grep -q '"state":"shutoff"' || fail "client status after destroy"
"$CC" "$BUS" status nosuch | grep -q '^error not-found' || fail "client: NotFound not mapped back to CVM_ERROR"
"$CC" "$BUS" forget 'bad name' | grep -q '^error invalid-argument' || fail "client: bad name"
"$CC" "unix:path=$TMP/nobus" list | grep -q '^error not-found' || fail "client: unreachable bus is not-found"

# --- cvmctl list/status/stop: through cvmd, then in-process with the same answer
"$CVMCTL" list --bus "$BUS" --json >"$TMP/via-cvmd" 2>"$TMP/err" || fail "cvmctl list via cvmd"
[ ! -s "$TMP/err" ] || fail "cvmctl list via cvmd printed: $(cat "$TMP/err")"
"$CVMCTL" status --bus "$BUS" test | grep -q "^state  *shutoff" || fail "cvmctl status via cvmd"
set +e
"$CVMCTL" status --bus "$BUS" nosuch >/dev/null 2>&1; [ $? -eq 4 ] || fail "status of unknown guest: exit not 4"
set -e
# in-process beside the running cvmd: refused, cvmd is the folder's one
# writer (the in-process list comes after cvmd has stopped, below)
for c in "list --json" "stop test" "forget gone"; do
	set +e
	# shellcheck disable=SC2086
	"$CVMCTL" $c --bus "unix:path=$TMP/nobus" --connect test:///default >/dev/null 2>"$TMP/err"
	rc=$?
	set -e
	[ "$rc" -ne 0 ] || fail "in-process $c beside cvmd succeeded"
	grep -q "the state folder $CVM_STATE_DIR is owned by cvmd (pid $CVMD_PID)" "$TMP/err" ||
		fail "in-process $c beside cvmd: $(cat "$TMP/err")"
done

# --- choosing the daemon: CVM_BUS, cvmctl --bus, and with none named the
# system bus, else the session bus (here the system bus has no daemon)
CVM_BUS="$BUS" "$CVMCTL" -v list --json >"$TMP/out" 2>"$TMP/err" || fail "CVM_BUS list: $(cat "$TMP/err")"
grep -qx "cvmctl: using cvmd on the $BUS bus" "$TMP/err" || fail "CVM_BUS not used: $(cat "$TMP/err")"
cmp -s "$TMP/out" "$TMP/via-cvmd" || fail "CVM_BUS list differs: $(cat "$TMP/out")"
"$CVMCTL" --bus "$BUS" status test --verbose >"$TMP/out" 2>"$TMP/err" || fail "cvmctl --bus status: $(cat "$TMP/err")"
grep -qx "cvmctl: using cvmd on the $BUS bus" "$TMP/err" || fail "cvmctl --bus not used: $(cat "$TMP/err")"
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/nobus" DBUS_SESSION_BUS_ADDRESS="$BUS" \
	"$CVMCTL" list --json -v >"$TMP/out" 2>"$TMP/err" || fail "list on the session bus: $(cat "$TMP/err")"
grep -qx "cvmctl: using cvmd on the session bus" "$TMP/err" || fail "session cvmd not found: $(cat "$TMP/err")"
cmp -s "$TMP/out" "$TMP/via-cvmd" || fail "session-bus list differs: $(cat "$TMP/out")"
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/nobus" DBUS_SESSION_BUS_ADDRESS="$BUS" \
	"$CVMCTL" list --json >/dev/null 2>"$TMP/err" || fail "quiet list on the session bus: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "choosing the session cvmd is not silent: $(cat "$TMP/err")"
"$CVMCTL" --version >"$TMP/out" || fail "cvmctl --version"
"$CVMCTL" version | cmp -s - "$TMP/out" || fail "cvmctl --version is not cvmctl version: $(cat "$TMP/out")"

# --- MeasureIgvm by path (root)
"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/g.igvm" >/dev/null
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.MeasureIgvm "{'path': <'$TMP/g.igvm'>}" sev-snp
grep -q "('[0-9a-f]\{96\}',)" "$TMP/out" || fail "MeasureIgvm: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'$TMP/g.igvm'>}"
grep -q '"headers":18' "$TMP/out" || fail "InspectIgvm: $(cat "$TMP/out")"
grep -q '"architecture":"x64"' "$TMP/out" || fail "InspectIgvm architecture is not a name: $(cat "$TMP/out")"
printf 'not an igvm file' >"$TMP/junk.igvm"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'$TMP/junk.igvm'>}"
grep -q 'org.cvm.Cvmd1.Error.\(InvalidData\|Truncated\|Validation\)' "$TMP/out" || fail "InspectIgvm junk: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.MeasureIgvm "{'path': <'$TMP/g.igvm'>}" bogus
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "MeasureIgvm bad platform"

# --- clean shutdown on SIGTERM
kill "$CVMD_PID"; wait "$CVMD_PID" || fail "cvmd exit status $?"; CVMD_PID=""

# --- in-process again once cvmd has stopped, with cvmd's answer
"$CVMCTL" list --bus "unix:path=$TMP/nobus" --connect test:///default --json >"$TMP/local" 2>"$TMP/err" ||
	fail "cvmctl list in-process: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "in-process list is not silent: $(cat "$TMP/err")"
"$CVMCTL" list -v --bus "unix:path=$TMP/nobus" --connect test:///default --json >/dev/null 2>"$TMP/err" ||
	fail "cvmctl list -v in-process: $(cat "$TMP/err")"
grep -q "running in-process (state in $CVM_STATE_DIR)" "$TMP/err" || fail "no in-process notice with -v: $(cat "$TMP/err")"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert [g["name"] for g in a]==[g["name"] for g in b], (a,b); assert [g["state"] for g in b]==["failed","running"], b' "$TMP/via-cvmd" "$TMP/local" ||
	fail "in-process list differs: $(cat "$TMP/local")"
echo "ok"
