#!/bin/sh
# cvmctl's exit codes (docs/cvmctl.md): the same kind of error exits alike on
# every command, in-process and through cvmd: a guest that does not exist
# (status/stop/forget), a missing file (igvm inspect, fwupdate stage,
# measure), an unknown platform (measure, launch, domxml), a bad command
# line; and the messages say what the operator needs (No such file, the
# option and its allowed range).
set -eu
. tests/integration/lib-cvmd.sh
# No cvmd anywhere but on the private bus this test starts.
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/nobus"
unset DBUS_SESSION_BUS_ADDRESS
export XDG_RUNTIME_DIR="$TMP/run"
export CVM_LIBVIRT_URI=test:///default
unset CVM_BUS

# expect CODE PATTERN CVMCTL-ARGS...: cvmctl exits CODE and its stderr
# matches PATTERN (grep -E).
expect() {
	code=$1; pattern=$2; shift 2
	set +e
	"$CVMCTL" "$@" >"$TMP/exit.out" 2>"$TMP/exit.err"
	got=$?
	set -e
	[ "$got" -eq "$code" ] || fail "cvmctl $*: exit $got, not $code: $(cat "$TMP/exit.err")"
	grep -Eq "$pattern" "$TMP/exit.err" || fail "cvmctl $*: stderr lacks /$pattern/: $(cat "$TMP/exit.err")"
}

write_record test 6695eb01-f6a4-8304-79aa-97f2502e193f running
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null || fail "igvm build"
printf 'not an igvm file' >"$TMP/junk.igvm"
head -c 8192 /dev/zero >"$TMP/zero.fd"

# --- 4: not found (guest, file), in-process
for cmd in status stop forget; do
	expect 4 "no guest named nosuch|nosuch" $cmd nosuch
done
expect 4 "No such file" igvm inspect "$TMP/missing.igvm"
expect 4 "No such file" fwupdate stage test "$TMP/missing.igvm"
expect 4 "No such file" measure --ovmf "$TMP/missing.fd"
expect 4 "No such file" igvm measure "$TMP/missing.igvm"

# --- 2: bad command line, whatever the command
for platform_cmd in "measure --ovmf $TMP/zero.fd" "launch --igvm $TMP/hello.igvm --name g" \
	"domxml --igvm $TMP/hello.igvm --name g"; do
	# shellcheck disable=SC2086 # the words are the command and its options
	expect 2 "unknown platform" $platform_cmd --platform bogus
done
expect 2 "Unknown option --bogus" list --bogus
expect 2 "unknown command 'nosuchcmd'" nosuchcmd
expect 2 "needs one valid guest name" status
expect 2 "needs one valid guest name" stop 'bad/name'
expect 2 "needs one valid guest name: invalid guest name \"bad/name\": a name is 1 to 64" stop 'bad/name'
expect 2 "console needs one valid guest name: invalid guest name" console '..'

# --- 1: the operation failed: the file is not IGVM (whichever command read
# it; igvm validate, the checker, exits 3), a folder is not a file
expect 1 "junk.igvm: IGVM rule" igvm inspect "$TMP/junk.igvm"
expect 1 "junk.igvm: IGVM rule" igvm measure "$TMP/junk.igvm"
expect 1 "junk.igvm: IGVM rule" igvm verify "$TMP/junk.igvm"
mkdir "$TMP/dir.igvm"
expect 1 "dir.igvm" igvm inspect "$TMP/dir.igvm"

# --- the same errors through cvmd: cvmd's remote errors map alike
start_bus
start_cvmd test:///default
for cmd in status stop forget; do
	expect 4 "nosuch" $cmd --bus "$BUS" nosuch
done
expect 4 "No such file" fwupdate stage --bus "$BUS" test "$TMP/missing.igvm"
expect 2 "unknown platform" launch --bus "$BUS" --igvm "$TMP/hello.igvm" --name g --platform bogus
# cvmd is needed and absent: 4
expect 4 "cannot connect|not running" attest stats --bus "unix:path=$TMP/nobus"

echo "test-cvmctl-exit: ok"
