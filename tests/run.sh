#!/bin/sh
# Test driver for make check / check-unit / check-asan / bench.
#   unit   every tests/test-* cmocka program, then every fuzz target over its seed corpus
#   all    unit, then every tests/integration/test-*.sh
#   asan   unit and the migration integration tests, under ASan+UBSan (the
#          build was made with SANITIZE=1); any report fails
#   bench  every tests/bench/bench-* program and tests/bench/*.sh
#   soak   every tests/soak/*.sh, output shown as it comes (make soak)
# Prints one line per program and closes with "N passed, N failed".
set -u
mode=${1:-all}
BUILDDIR=${BUILDDIR:-build}
export BUILDDIR
export CVM_SRCDIR="$(pwd)"
export CMOCKA_MESSAGE_OUTPUT=STDOUT
export G_DEBUG=fatal-criticals
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:exitcode=99:suppressions=$CVM_SRCDIR/tests/asan.supp"
export LSAN_OPTIONS="suppressions=$CVM_SRCDIR/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
logdir="$BUILDDIR/test-logs"
mkdir -p "$logdir"

passed=0
failed=0
failures=""

run() {
	name=$1; shift
	log="$logdir/$name.log"
	start=$(date +%s)
	if timeout --kill-after=10 "$TEST_TIMEOUT" "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		printf 'PASS  %-40s %ss\n' "$name" "$(( $(date +%s) - start ))"
	else
		rc=$?
		failed=$((failed + 1))
		failures="$failures $name"
		printf 'FAIL  %-40s (exit %s, log %s)\n' "$name" "$rc" "$log"
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
}

run_unit() {
	for t in "$BUILDDIR"/tests/test-*; do
		case "$t" in *.o|*.d) continue ;; esac
		[ -x "$t" ] || continue
		run "$(basename "$t")" "$t"
	done
	for f in "$BUILDDIR"/tests/fuzz/fuzz-*; do
		case "$f" in *.o|*.d) continue ;; esac
		[ -x "$f" ] || continue
		n=$(basename "$f")
		corpus="tests/fuzz/corpus/$n"
		if [ ! -d "$corpus" ]; then
			failed=$((failed + 1)); failures="$failures $n"
			echo "FAIL  $n (no seed corpus in $corpus)"
			continue
		fi
		run "$n-corpus" "$f" "$corpus"
	done
}

run_integration() {
	for s in tests/integration/test-*.sh; do
		[ -f "$s" ] || continue
		run "$(basename "$s" .sh)" sh "$s"
	done
}

case "$mode" in
unit) run_unit ;;
all) run_unit; run_integration ;;
asan)
	run_unit
	# The page protocol, the relay threads and the job's two sides are
	# also run slowed down by the sanitizers, where their races show.
	for n in test-migrate-relay test-cvmd-migrate test-migrate-qemu; do
		run "$n" sh "tests/integration/$n.sh"
	done
	;;
bench)
	for b in "$BUILDDIR"/tests/bench/bench-*; do
		case "$b" in *.o|*.d) continue ;; esac
		[ -x "$b" ] || continue
		echo "== $(basename "$b")"
		"$b" || { failed=$((failed + 1)); failures="$failures $(basename "$b")"; continue; }
		passed=$((passed + 1))
	done
	for s in tests/bench/bench-*.sh; do
		[ -f "$s" ] || continue
		echo "== $(basename "$s")"
		sh "$s" || { failed=$((failed + 1)); failures="$failures $(basename "$s")"; continue; }
		passed=$((passed + 1))
	done
	;;
soak)
	for s in tests/soak/*.sh; do
		n=$(basename "$s" .sh)
		echo "== $n"
		{ sh "$s"; echo $? >"$logdir/$n.rc"; } 2>&1 | tee "$logdir/$n.log"
		if [ "$(cat "$logdir/$n.rc")" -eq 0 ]; then passed=$((passed + 1)); else
			failed=$((failed + 1)); failures="$failures $n"; fi
	done
	;;
*) echo "usage: $0 unit|all|asan|bench|soak" >&2; exit 2 ;;
esac

[ -n "$failures" ] && echo "failed:$failures"
echo "$mode: $passed passed, $failed failed"
[ -n "${CVM_TEST_TALLY:-}" ] && echo "$passed $failed" >>"$CVM_TEST_TALLY"
[ "$failed" -eq 0 ]
