#!/bin/sh
# Caller checks: a user that is neither root nor in group cvm may read but not
# call mutating methods. Checked twice: by cvmd itself on a permissive bus
# (org.cvm.Cvmd1.Error.PermissionDenied), and by the bus with the installed
# policy file dist/dbus/org.cvm.Cvmd1.conf (AccessDenied).
set -eu
. tests/integration/lib-cvmd.sh
G=/org/cvm/Cvmd1/guest
id cvmtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin cvmtest
id -nG cvmtest | grep -qw cvm && fail "cvmtest must not be in group cvm"

as_user() { # as_user OBJECT METHOD ARGS...: gdbus call as cvmtest
	obj=$1; m=$2; shift 2
	set +e
	setpriv --reuid=cvmtest --regid=cvmtest --clear-groups \
		gdbus call --address "$BUS" -d org.cvm.Cvmd1 -o "$obj" -m "$m" "$@" >"$TMP/out" 2>&1
	rc=$?
	set -e
}

run_checks() { # run_checks EXPECTED_DENIAL_ERROR
	as_user $G/test org.cvm.Cvmd1.Guest.Destroy
	[ "$rc" -ne 0 ] && grep -q "$1" "$TMP/out" || fail "Destroy by cvmtest not refused ($1): $(cat "$TMP/out")"
	as_user /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.Reconcile
	grep -q "$1" "$TMP/out" || fail "Reconcile by cvmtest: $(cat "$TMP/out")"
	as_user /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.LaunchGuest "{'name': <'x'>}"
	grep -q "$1" "$TMP/out" || fail "LaunchGuest by cvmtest: $(cat "$TMP/out")"
	# the path form reads files as root: privileged only
	as_user /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.InspectIgvm "{'path': <'/etc/shadow'>}"
	grep -q "PermissionDenied" "$TMP/out" || fail "InspectIgvm path by cvmtest: $(cat "$TMP/out")"
	# reads are allowed
	as_user $G/test org.freedesktop.DBus.Properties.Get org.cvm.Cvmd1.Guest State
	grep -q "'running'" "$TMP/out" || fail "property read by cvmtest: $(cat "$TMP/out")"
	as_user /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.ListGuests
	grep -q "$G/test" "$TMP/out" || fail "ListGuests by cvmtest: $(cat "$TMP/out")"
	# the guest is untouched
	prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "guest state changed"
	# root still may
	call $G/test org.cvm.Cvmd1.Guest.Destroy
	[ "$rc" -eq 0 ] || fail "Destroy by root: $(cat "$TMP/out")"
	call $G/test org.cvm.Cvmd1.Guest.Start
}

write_record test 6695eb01-f6a4-8304-79aa-97f2502e193f running

# 1. cvmd's own check
start_bus
start_cvmd test:///default
run_checks org.cvm.Cvmd1.Error.PermissionDenied
stop_cvmd
kill "$BUS_PID"; wait "$BUS_PID" 2>/dev/null || true; BUS_PID=""; rm -f "$TMP/bus"

# 2. the bus policy file as installed on a system bus
start_bus "$(pwd)/dist/dbus/org.cvm.Cvmd1.conf"
start_cvmd test:///default
run_checks org.freedesktop.DBus.Error.AccessDenied
echo ok
