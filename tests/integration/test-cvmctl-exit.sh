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

write_record test 6695eb01-f6a4-8304-79aa-97f2502e193f running
"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null || fail "igvm build"
printf 'not an igvm file' >"$TMP/junk.igvm"
head -c 8192 /dev/zero >"$TMP/zero.fd"

# --- 4: not found (guest, file), in-process
for cmd in status stop forget; do
	expect_cvmctl 4 "no guest named nosuch|nosuch" $cmd nosuch
done
expect_cvmctl 4 "No such file" igvm inspect "$TMP/missing.igvm"
expect_cvmctl 4 "No such file" fwupdate stage test "$TMP/missing.igvm"
expect_cvmctl 4 "No such file" measure --ovmf "$TMP/missing.fd"
expect_cvmctl 4 "No such file" igvm measure "$TMP/missing.igvm"

# --- 4: what only cvmd does, in-process: the error names cvmd, -v the path
# taken (the operations table, cvmctl/ops.h, as for the guest commands)
expect_in_process() { # PATTERN CVMCTL-ARGS...
	expect_cvmctl 4 "$@"
	grep -q "running in-process (state in $CVM_STATE_DIR)" "$TMP/err" ||
		fail "cvmctl $*: -v does not say in-process: $(cat "$TMP/err")"
}
expect_in_process "counters are cvmd's" -v attest stats
expect_in_process "in-process migration is cancelled with Ctrl-C" -v migrate status
expect_in_process "in-process migration is cancelled with Ctrl-C" -v migrate status 1
expect_in_process "in-process migration is cancelled with Ctrl-C" -v migrate cancel 1
expect_in_process "detach needs cvmd" -v migrate test --to tcp:127.0.0.1:0 --detach
# a migration in-process runs as a job of this cvmctl; its error exits as
# that error does (no record: 4)
expect_in_process "guest nosuch: .*No such file" -v migrate nosuch --to tcp:127.0.0.1:0
grep -q '"phase":"failed"' "$TMP/out" || fail "in-process migrate status: $(cat "$TMP/out")"

# --- 2: bad command line, whatever the command
for platform_cmd in "measure --ovmf $TMP/zero.fd" "launch --igvm $TMP/hello.igvm --name g" \
	"domxml --igvm $TMP/hello.igvm --name g"; do
	# shellcheck disable=SC2086 # the words are the command and its options
	expect_cvmctl 2 "unknown platform" $platform_cmd --platform bogus
done
expect_cvmctl 2 "Unknown option --bogus" list --bogus
expect_cvmctl 2 "unknown command 'nosuchcmd'" nosuchcmd
expect_cvmctl 2 "needs one valid guest name" status
expect_cvmctl 2 "needs one valid guest name" stop 'bad/name'
expect_cvmctl 2 "needs one valid guest name: invalid guest name \"bad/name\": a name is 1 to 64" stop 'bad/name'
expect_cvmctl 2 "console needs one valid guest name: invalid guest name" console '..'

# --- 1: the operation failed: the file is not IGVM (whichever command read
# it; igvm validate, the checker, exits 3), a folder is not a file
expect_cvmctl 1 "junk.igvm: IGVM rule" igvm inspect "$TMP/junk.igvm"
expect_cvmctl 1 "junk.igvm: IGVM rule" igvm measure "$TMP/junk.igvm"
expect_cvmctl 1 "junk.igvm: IGVM rule" igvm verify "$TMP/junk.igvm"
mkdir "$TMP/dir.igvm"
expect_cvmctl 1 "dir.igvm" igvm inspect "$TMP/dir.igvm"

# --- the same errors through cvmd: cvmd's remote errors map alike
start_bus
start_cvmd test:///default
for cmd in status stop forget; do
	expect_cvmctl 4 "nosuch" $cmd --bus "$BUS" nosuch
done
expect_cvmctl 4 "No such file" fwupdate stage --bus "$BUS" test "$TMP/missing.igvm"
expect_cvmctl 2 "unknown platform" launch --bus "$BUS" --igvm "$TMP/hello.igvm" --name g --platform bogus
# cvmd is needed and absent: 4
expect_cvmctl 4 "cannot connect|not running" attest stats --bus "unix:path=$TMP/nobus"
# -v names the cvmd, as for the guest commands
expect_cvmctl 0 "using cvmd on the $BUS bus" -v attest stats --bus "$BUS"
expect_cvmctl 0 "using cvmd on the $BUS bus" -v migrate status --bus "$BUS"
expect_cvmctl 4 "using cvmd on the $BUS bus" -v migrate cancel --bus "$BUS" 999
grep -q "no migration job" "$TMP/err" || fail "migrate cancel 999: $(cat "$TMP/err")"
expect_cvmctl 4 "using cvmd on the $BUS bus" -v migrate nosuch --bus "$BUS" --to tcp:127.0.0.1:0

echo "test-cvmctl-exit: ok"
