# Shared by tests/integration/test-*.sh (sourced from the checkout's top, not
# run on its own): where the build is, a private $TMP removed at exit with the
# test's exit status kept, fail and expect. lib-cvmd.sh adds a private bus and
# cvmd on top of it.
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
HELPERS="$(pwd)/$BUILDDIR/tests/helpers"
TMP=$(mktemp -d)

# A test's own clean-up goes in CLEANUP_HOOK (run first), never in another
# trap: the exit status must be taken before anything else runs. A library
# that sources this one puts its own in cleanup_lib, which may set status to
# fail the test.
CLEANUP_HOOK=""
cleanup_lib() { :; }
cleanup() {
	status=$?
	set +e
	[ -n "$CLEANUP_HOOK" ] && eval "$CLEANUP_HOOK"
	cleanup_lib
	rm -rf "$TMP"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# fail MESSAGE: the test fails, saying why; FAIL_HOOK (run after the message)
# shows what else helps, a log.
FAIL_HOOK=""
fail() {
	echo "FAIL: $*" >&2
	[ -z "$FAIL_HOOK" ] || { eval "$FAIL_HOOK"; } || true
	exit 1
}

# within SECONDS COMMAND...: COMMAND again every 0.2 s until it succeeds;
# returns 1 once SECONDS have passed. A test waits for a state, never for a
# fixed time.
within() {
	n=$(($1 * 5)); shift
	until "$@"; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.2
	done
}

# expect CODE COMMAND...: COMMAND exits CODE (with or without set -e); its
# stdout is in $TMP/out, its stderr in $TMP/err.
expect() {
	want=$1; shift
	if "$@" >"$TMP/out" 2>"$TMP/err"; then got=0; else got=$?; fi
	[ "$got" -eq "$want" ] || fail "exit $got (want $want): $*: $(cat "$TMP/out" "$TMP/err")"
}

# expect_cvmctl CODE PATTERN ARGS...: cvmctl ARGS exits CODE and its stderr
# matches PATTERN (grep -E).
expect_cvmctl() {
	code=$1; pattern=$2; shift 2
	expect "$code" "$CVMCTL" "$@"
	grep -Eq -- "$pattern" "$TMP/err" || fail "cvmctl $*: stderr lacks /$pattern/: $(cat "$TMP/err")"
}
