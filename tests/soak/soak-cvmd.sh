#!/bin/sh
# Soak (issue 17, make soak): CVM_SOAK_CYCLES (default 1000) LaunchGuest /
# Destroy / Forget cycles through cvmd on a private bus, while 4 read clients
# (tests/helpers/cvmd-read-client: ListGuests, the Manager's and every
# guest's GetAll, then 10 ms of rest) run against it; none may see an error. cvmd's RSS and
# descriptor count are sampled every 100 cycles (CVM_SOAK_EVERY) and the
# least-squares slope from the second sample on is printed (the first 100
# cycles fill caches, thread pools and malloc arenas).
#
# Driver: libvirt's test driver (test:///default) by default; CVM_SOAK_URI
# picks another, e.g. "qemu:///embed?root=DIR" for the embedded QEMU driver,
# where every cycle starts and kills a real QEMU (TCG) with its monitor
# socket and log files. That is the more complete lifecycle, but on a shared
# 2-core machine a cycle took 17 s (1,000 cycles: 4.7 h) against 0.4 s for
# the test driver, which still runs all of cvmd's side of it: the records
# written and renamed, the guest objects exported and removed, the libvirt
# calls from worker threads and the domain events.
# Forget through cvmd keeps the libvirt domain (docs/dbus/README.md), so each
# cycle uses a new name (soakN) and the driver, inside cvmd, keeps one
# shut-off definition per cycle: that is libvirt's memory, and the RSS
# bound below leaves room for it.
#
# Fails when the descriptors grow at all between the second and the last
# sample (beyond SOAK_FD_SLACK, default 2) or the RSS slope exceeds
# SOAK_RSS_KIB_PER_100 (default 4096 KiB per 100 cycles: 40 KiB a cycle,
# above libvirt's ~30 KiB for each kept definition).
set -eu
. tests/integration/lib-cvmd.sh
CYCLES=${CVM_SOAK_CYCLES:-1000}
EVERY=${CVM_SOAK_EVERY:-100}
FD_SLACK=${SOAK_FD_SLACK:-2}
RSS_BOUND=${SOAK_RSS_KIB_PER_100:-4096}
URI=${CVM_SOAK_URI:-test:///default}
READERS=""
soak_cleanup() {
	touch "$TMP/stop"
	for p in $READERS; do kill "$p" 2>/dev/null; done
	[ -n "$CVMD_PID" ] && kill -9 "$CVMD_PID" 2>/dev/null && wait "$CVMD_PID" 2>/dev/null; CVMD_PID=""
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
}
CLEANUP_HOOK=soak_cleanup

"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/a.igvm" >/dev/null
start_bus
start_cvmd "$URI"
for r in 1 2 3 4; do
	"$HELPERS/cvmd-read-client" "$BUS" "$TMP/stop" 10 >"$TMP/reader$r.out" 2>&1 &
	READERS="$READERS $!"
done

sample() { # CYCLE: "cycle rss_kib fds" appended to $TMP/samples
	printf '%s %s %s\n' "$1" "$(awk '/^VmRSS:/ {print $2}' "/proc/$CVMD_PID/status")" \
		"$(ls "/proc/$CVMD_PID/fd" | wc -l)" >>"$TMP/samples"
	tail -n 1 "$TMP/samples" | awk '{printf "cycle %5d: RSS %6d KiB, %3d fds\n", $1, $2, $3}'
}
M=/org/cvm/Cvmd1
sample 0
t0=$(date +%s)
i=1
while [ "$i" -le "$CYCLES" ]; do
	g=soak$i
	call $M org.cvm.Cvmd1.Manager.LaunchGuest \
		"{'name': <'$g'>, 'igvm': <'$TMP/a.igvm'>, 'memory-mib': <uint64 32>, 'platform': <'native'>}"
	[ "$rc" -eq 0 ] || fail "cycle $i: LaunchGuest: $(cat "$TMP/out")"
	call $M/guest/$g org.cvm.Cvmd1.Guest.Destroy
	[ "$rc" -eq 0 ] || fail "cycle $i: Destroy: $(cat "$TMP/out")"
	call $M/guest/$g org.cvm.Cvmd1.Guest.Forget
	[ "$rc" -eq 0 ] || fail "cycle $i: Forget: $(cat "$TMP/out")"
	kill -0 "$CVMD_PID" 2>/dev/null || fail "cvmd exited at cycle $i"
	[ $((i % EVERY)) -eq 0 ] && sample "$i"
	i=$((i + 1))
done
secs=$(( $(date +%s) - t0 ))

touch "$TMP/stop"
bad=0
for p in $READERS; do wait "$p" || bad=1; done
READERS=""
for r in 1 2 3 4; do echo "reader $r: $(cat "$TMP/reader$r.out")"; done
[ "$bad" -eq 0 ] || fail "a read client saw errors: $(cat "$TMP"/reader*.out)"
[ -z "$(ls "$CVM_STATE_DIR/guests" 2>/dev/null)" ] || fail "records left: $(ls "$CVM_STATE_DIR/guests")"

# Least-squares slope per 100 cycles from the second sample on.
awk -v rb="$RSS_BOUND" -v fs="$FD_SLACK" -v cycles="$CYCLES" -v secs="$secs" '
	NR == 1 { next }
	{ n++; x[n] = $1; r[n] = $2; f[n] = $3 }
	END {
		if (n < 2) { print "soak: too few samples for a slope"; exit 0 }
		for (i = 1; i <= n; i++) { sx += x[i]; sr += r[i]; sf += f[i] }
		mx = sx / n; mr = sr / n; mf = sf / n
		for (i = 1; i <= n; i++) {
			sxx += (x[i] - mx) ^ 2; sxr += (x[i] - mx) * (r[i] - mr); sxf += (x[i] - mx) * (f[i] - mf)
		}
		rs = sxr / sxx * 100; fsl = sxf / sxx * 100
		printf "soak: %d cycles in %d s; RSS %d -> %d KiB, slope %.1f KiB per 100 cycles (bound %d); fds %d -> %d, slope %.2f per 100 cycles (slack %d)\n", cycles, secs, r[1], r[n], rs, rb, f[1], f[n], fsl, fs
		if (rs > rb) { print "FAIL: RSS slope above the bound"; exit 1 }
		if (f[n] - f[1] > fs) { print "FAIL: descriptors grew"; exit 1 }
	}' "$TMP/samples" || fail "soak bounds"
stop_cvmd
echo ok
