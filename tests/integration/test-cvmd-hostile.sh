#!/bin/sh
# Hostile D-Bus input (issue 17): every method of docs/dbus/*.xml (read from
# the XML, so a new method is covered without editing this test) is called
# by cvmd-hostile-probe with wrong argument types, 1 MiB strings, names with
# '/', '..' and control characters, unknown keys, integers at 0 and at their
# type's maximum, and on a guest object that does not exist; once as root
# and once as a user outside group cvm. Expected:
#   - every answer is a clean D-Bus error: org.cvm.Cvmd1.Error.*,
#     org.freedesktop.DBus.Error.InvalidArgs, or (only for the object that
#     does not exist) UnknownObject/UnknownMethod; cvmd answers after each call
#     (the probe checks) and is still running at the end;
#   - no hostile call is answered with success, and the unprivileged user
#     gets PermissionDenied (or InvalidArgs) for every privileged method;
#   - the state folder is unchanged (no record for a refused call) and no
#     file appeared outside it (in $TMP or in the checkout, cvmd's cwd).
set -eu
. tests/integration/lib-cvmd.sh
G=/org/cvm/Cvmd1/guest
id cvmtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin cvmtest
id -nG cvmtest | grep -qw cvm && fail "cvmtest must not be in group cvm"

write_record test 6695eb01-f6a4-8304-79aa-97f2502e193f running
mkdir -p "$TMP/probe-dir"
chmod 777 "$TMP/probe-dir"

# what is privileged, from the docs (test-cvmd-access.sh holds the docs, the
# policy file and cvmd to each other)
docs_access | sed -n 's/ privileged$//p' >"$TMP/privileged"
[ "$(wc -l <"$TMP/privileged")" -ge 10 ] || fail "too few privileged methods read: $(cat "$TMP/privileged")"

snapshot() { # what exists: the state folder with contents, the rest by name
	( cd "$CVM_STATE_DIR" && find . -type f -exec sha256sum {} + | sort )
	find "$TMP" -path "$CVM_STATE_DIR" -prune -o -path "$TMP/out*" -prune -o -name '*.log' -prune \
		-o -path "$TMP/snap*" -prune -o -path "$TMP/probe-*.txt" -prune -o -print | sort
	git status --porcelain --ignored=no 2>/dev/null || true
	ls -a / /etc | grep -i hostile || true
}

# check_answers FILE WHO: the rules above over the probe's lines
check_answers() {
	awk -v who="$2" -v privfile="$TMP/privileged" '
		BEGIN { while ((getline l < privfile) > 0) priv[l] = 1 }
		{
			m = $1; c = $2; a = $3
			if (a ~ /^org\.cvm\.Cvmd1\.Error\.[A-Za-z]+$/ || a == "org.freedesktop.DBus.Error.InvalidArgs") {
				if (who == "user" && (m in priv) && a != "org.cvm.Cvmd1.Error.PermissionDenied" &&
				    a != "org.freedesktop.DBus.Error.InvalidArgs") { print "let in: " $0; bad = 1 }
				if (c ~ /^type-/ && a != "org.freedesktop.DBus.Error.InvalidArgs") { print "wrong types not refused by type: " $0; bad = 1 }
				next
			}
			if (c == "unknown-object" && (a == "org.freedesktop.DBus.Error.UnknownObject" ||
			    a == "org.freedesktop.DBus.Error.UnknownMethod")) next
			print "unexpected answer: " $0; bad = 1
		}
		END { exit bad }' "$1" >"$TMP/out.bad" || fail "$2: $(cat "$TMP/out.bad")"
	# every method was reached (the XML named them all)
	n=$(awk '{ print $1 }' "$1" | sort -u | wc -l)
	m=$(grep -ho '<method name="[A-Za-z]*"' docs/dbus/org.cvm.Cvmd1.*.xml | wc -l)
	[ "$n" -eq "$m" ] || fail "$2: probed $n methods, the XML has $m"
}

start_bus
start_cvmd test:///default
snapshot >"$TMP/snap.before"

"$HELPERS/cvmd-hostile-probe" "$BUS" /org/cvm/Cvmd1 $G/test "$TMP/probe-dir" docs/dbus/org.cvm.Cvmd1.*.xml \
	>"$TMP/probe-root.txt" 2>"$TMP/out.err" || fail "probe as root: $(cat "$TMP/out.err")"
check_answers "$TMP/probe-root.txt" root
kill -0 "$CVMD_PID" || fail "cvmd died"

setpriv --reuid=cvmtest --regid=cvmtest --clear-groups "$HELPERS/cvmd-hostile-probe" "$BUS" /org/cvm/Cvmd1 \
	$G/test "$TMP/probe-dir" docs/dbus/org.cvm.Cvmd1.*.xml >"$TMP/probe-user.txt" 2>"$TMP/out.err" ||
	fail "probe as cvmtest: $(cat "$TMP/out.err")"
check_answers "$TMP/probe-user.txt" user
kill -0 "$CVMD_PID" || fail "cvmd died"

snapshot >"$TMP/snap.after"
diff -u "$TMP/snap.before" "$TMP/snap.after" || fail "hostile calls changed files (+: after)"
[ -z "$(ls -A "$TMP/probe-dir")" ] || fail "files in the probe folder: $(ls -A "$TMP/probe-dir")"
# the guest is untouched
prop $G/test org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "guest state changed"
echo "ok ($(wc -l <"$TMP/probe-root.txt") calls as root, $(wc -l <"$TMP/probe-user.txt") as cvmtest)"
