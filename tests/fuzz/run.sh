#!/bin/sh
# make fuzz: run libFuzzer targets one after the other and close with a table
# read from each run's -print_final_stats.
#   tests/fuzz/run.sh [TARGET...]    (default: every $BUILDDIR/fuzz/fuzz-*)
# FUZZ_RUNS=N stops each target after N executions, FUZZ_SECONDS=S after S
# seconds (both given: whichever comes first; neither: 30 s). Each run has
# -rss_limit_mb=512 -timeout=5, so a leak, an out-of-memory or a slow input is
# a finding as much as a crash. New corpus entries go to
# $BUILDDIR/fuzz/corpus/NAME (the seeds in tests/fuzz/corpus/NAME are only
# read), findings to $BUILDDIR/fuzz/findings/NAME/, logs to
# $BUILDDIR/fuzz/logs/NAME.log, the table to $BUILDDIR/fuzz/table.txt as well.
# Exits 1 when any target had a finding.
set -u
BUILDDIR=${BUILDDIR:-build}
FUZZ_RUNS=${FUZZ_RUNS:-}
FUZZ_SECONDS=${FUZZ_SECONDS:-}
[ -z "$FUZZ_RUNS" ] && [ -z "$FUZZ_SECONDS" ] && FUZZ_SECONDS=30
# ASan keeps freed memory in a quarantine (256 MB by default) that counts
# toward -rss_limit_mb; 64 MB keeps use-after-free detection and leaves the
# 512 MB bound to what the code itself holds (OpenSSL 3.0's per-digest
# allocations in the SNP page chain filled the default one).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:quarantine_size_mb=64}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
FD="$BUILDDIR/fuzz"
mkdir -p "$FD/logs"
table="$FD/table.txt"

if [ $# -eq 0 ]; then
	set --
	for f in "$FD"/fuzz-*; do [ -x "$f" ] && set -- "$@" "$(basename "$f")"; done
fi

rows=""
bad=0
for n in "$@"; do
	n=$(basename "$n")
	bin="$FD/$n"
	seeds="tests/fuzz/corpus/$n"
	[ -x "$bin" ] || { echo "fuzz: no $bin (make $bin)" >&2; exit 2; }
	[ -d "$seeds" ] || { echo "fuzz: no seed corpus $seeds" >&2; exit 2; }
	mkdir -p "$FD/corpus/$n" "$FD/findings/$n"
	log="$FD/logs/$n.log"
	set -- -rss_limit_mb=512 -timeout=5 -print_final_stats=1 \
		-artifact_prefix="$FD/findings/$n/"
	[ -n "$FUZZ_RUNS" ] && set -- "$@" -runs="$FUZZ_RUNS"
	[ -n "$FUZZ_SECONDS" ] && set -- "$@" -max_total_time="$FUZZ_SECONDS"
	echo "fuzz: $n (${FUZZ_RUNS:+$FUZZ_RUNS runs}${FUZZ_RUNS:+${FUZZ_SECONDS:+, }}${FUZZ_SECONDS:+${FUZZ_SECONDS}s})"
	start=$(date +%s)
	touch "$FD/logs/$n.stamp"
	"$bin" "$@" "$FD/corpus/$n" "$seeds" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	# The last status line ("#N DONE cov: C ft: F ...", or the last pulse
	# when the run stopped on a finding) carries coverage and features.
	cov=$(grep -o ' cov: [0-9]*' "$log" | tail -n 1 | tr -dc 0-9)
	ft=$(grep -o ' ft: [0-9]*' "$log" | tail -n 1 | tr -dc 0-9)
	found=$(find "$FD/findings/$n" -type f -newer "$FD/logs/$n.stamp" | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		bad=1
		[ "$found" -eq 0 ] && found="exit $rc"
		echo "fuzz: $n: finding, see $log and $FD/findings/$n/" >&2
	fi
	rows="$rows$(printf '%-30s %12s %7s %7s %8s %6s  %s' "$n" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$secs" "$found")
"
done

{
	printf '%-30s %12s %7s %7s %8s %6s  %s\n' target executions exec/s cov ft secs findings
	printf '%s' "$rows"
} | tee "$table"
exit $bad
