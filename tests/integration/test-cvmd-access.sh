#!/bin/sh
# Caller checks: a user that is neither root nor in group cvm may read but not
# call mutating methods. Checked twice: by cvmd itself on a permissive bus
# (org.cvm.Cvmd1.Error.PermissionDenied), and by the bus with the installed
# policy file dist/dbus/org.cvm.Cvmd1.conf (AccessDenied). Each time every
# method of docs/dbus/*.xml is called as that user (cvmd-access-probe), and
# what is let in must be what docs/dbus/README.md calls "anyone"; the policy
# file must allow exactly those methods too.
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

# What the docs say anyone may call: "IFACE.METHOD anyone|privileged", sorted,
# from the member tables of docs/dbus/README.md (access column, or "method,
# privileged" in the Guest table).
docs_access >"$TMP/docs-access"
[ "$(wc -l <"$TMP/docs-access")" -ge 20 ] || fail "docs/dbus/README.md: too few methods read: $(cat "$TMP/docs-access")"
# The policy file allows the same (and names no org.cvm.Cvmd1 interface whole).
python3 - dist/dbus/org.cvm.Cvmd1.conf >"$TMP/policy-anyone" <<'PY'
import sys, xml.etree.ElementTree as ET
for pol in ET.parse(sys.argv[1]).getroot().iter("policy"):
    if pol.get("context") != "default":
        continue
    for a in pol.iter("allow"):
        i = a.get("send_interface", "")
        if i.startswith("org.cvm.Cvmd1."):
            if a.get("send_member") is None:
                sys.exit("the policy allows all of " + i)
            print(i + "." + a.get("send_member"))
PY
sort -o "$TMP/policy-anyone" "$TMP/policy-anyone"
grep ' anyone$' "$TMP/docs-access" | sed 's/ anyone$//' | diff -u - "$TMP/policy-anyone" ||
	fail "dist/dbus/org.cvm.Cvmd1.conf and docs/dbus/README.md disagree on what anyone may call"

probe_all() { # every documented method, as cvmtest, against the docs
	setpriv --reuid=cvmtest --regid=cvmtest --clear-groups "$HELPERS/cvmd-access-probe" "$BUS" \
		/org/cvm/Cvmd1 $G/test docs/dbus/org.cvm.Cvmd1.*.xml >"$TMP/probe" 2>&1 ||
		fail "cvmd-access-probe: $(cat "$TMP/probe")"
	sort -o "$TMP/probe" "$TMP/probe"
	diff -u "$TMP/docs-access" "$TMP/probe" || fail "$1: access differs from docs/dbus/README.md (+: as served)"
}

# an fd any caller may pass: the size limit depends on who calls
fd_size_checks() {
	"$CVMCTL" igvm build examples/snp-hello/manifest.json -o "$TMP/small.igvm" >/dev/null
	truncate -s 65M "$TMP/big.igvm"
	set +e
	setpriv --reuid=cvmtest --regid=cvmtest --clear-groups \
		"$HELPERS/cvmd-fd-call" "$BUS" MeasureIgvm "$TMP/small.igvm" >"$TMP/out" 2>&1
	grep -q '^[0-9a-f]\{96\}$' "$TMP/out" || fail "MeasureIgvm fd by cvmtest: $(cat "$TMP/out")"
	setpriv --reuid=cvmtest --regid=cvmtest --clear-groups \
		"$HELPERS/cvmd-fd-call" "$BUS" MeasureIgvm "$TMP/big.igvm" >"$TMP/out" 2>&1
	grep -q "InvalidArgument.*64 MiB (the limit for callers outside root and group cvm)" "$TMP/out" ||
		fail "65 MiB fd by cvmtest: $(cat "$TMP/out")"
	# root may pass it: refused for what it holds, not for its size
	"$HELPERS/cvmd-fd-call" "$BUS" MeasureIgvm "$TMP/big.igvm" >"$TMP/out" 2>&1
	set -e
	grep -q "Error.\(InvalidData\|Truncated\|Validation\)" "$TMP/out" || fail "65 MiB fd by root: $(cat "$TMP/out")"
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
probe_all "cvmd's own checks"
fd_size_checks
stop_cvmd
kill "$BUS_PID"; wait "$BUS_PID" 2>/dev/null || true; BUS_PID=""; rm -f "$TMP/bus"

# 2. the bus policy file as installed on a system bus
start_bus "$(pwd)/dist/dbus/org.cvm.Cvmd1.conf"
start_cvmd test:///default
run_checks org.freedesktop.DBus.Error.AccessDenied
probe_all "the shipped bus policy"
echo ok
