#!/bin/sh
# Soak (issue 17, make soak): CVM_SOAK_CYCLES (default 1000) LaunchGuest /
# Destroy / Forget cycles through cvmd on a private bus, while 4 read clients
# (tests/helpers/cvmd-read-client: ListGuests, the Manager's and every
# guest's GetAll, then 10 ms of rest) run against it; none may see an error.
# cvmd's RSS and descriptor count are sampled every 100 cycles
# (CVM_SOAK_EVERY) and their least-squares slopes from cycle 100 on are
# printed (the first 100 cycles fill caches, thread pools and malloc arenas).
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
# shut-off definition per cycle. That is libvirt's memory, not cvmd's: for a
# test:// URI, tests/helpers/libvirt-kept-cost measures it in the same run
# (the same domain XML, defined, started and destroyed CYCLES times in a
# process of its own), and its slope is subtracted from cvmd's.
#
# Fails when the descriptors grow at all between the second and the last
# sample (beyond SOAK_FD_SLACK, default 2) or cvmd's RSS slope, less
# libvirt's, exceeds SOAK_RSS_KIB_PER_100 (default 256 KiB per 100 cycles:
# 2.5 KiB a cycle; without a baseline the whole slope is held to it plus
# 1024).
set -eu
. tests/integration/lib-cvmd.sh
CYCLES=${CVM_SOAK_CYCLES:-1000}
EVERY=${CVM_SOAK_EVERY:-100}
FD_SLACK=${SOAK_FD_SLACK:-2}
RSS_BOUND=${SOAK_RSS_KIB_PER_100:-256}
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
# least-squares slope per 100 cycles of column 2 against column 1, from
# cycle 100 on (the first 100 fill caches, thread pools and malloc arenas;
# a shorter run has no slope: 0)
slope() {
	awk '$1 >= 100 { n++; x[n] = $1; y[n] = $2 }
	END {
		if (n < 2) { print 0; exit }
		for (i = 1; i <= n; i++) { sx += x[i]; sy += y[i] }
		for (i = 1; i <= n; i++) { sxx += (x[i] - sx / n) ^ 2; sxy += (x[i] - sx / n) * (y[i] - sy / n) }
		printf "%.1f\n", sxy / sxx * 100
	}' "$1"
}
base=""
case $URI in test://*)
	"$CVMCTL" domxml -i "$TMP/a.igvm" -n soak0 -m 32M -p native -c "$URI" >"$TMP/dom.xml"
	"$HELPERS/libvirt-kept-cost" "$URI" "$TMP/dom.xml" "$CYCLES" "$EVERY" >"$TMP/base" ||
		fail "libvirt-kept-cost: $(cat "$TMP/base")"
	base=$(slope "$TMP/base")
	echo "libvirt alone, $CYCLES kept definitions: RSS $(head -n 1 "$TMP/base" | cut -d' ' -f2) -> $(tail -n 1 "$TMP/base" | cut -d' ' -f2) KiB, slope $base KiB per 100"
	;;
esac
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

rs=$(slope "$TMP/samples")
cut -d' ' -f1,3 "$TMP/samples" >"$TMP/fds"
fsl=$(slope "$TMP/fds")
# from the second sample (cycle CVM_SOAK_EVERY), or the only one
first=2; [ "$(wc -l <"$TMP/samples")" -ge 2 ] || first=1
f2=$(sed -n ${first}p "$TMP/samples" | cut -d' ' -f3); fn=$(tail -n 1 "$TMP/samples" | cut -d' ' -f3)
r2=$(sed -n ${first}p "$TMP/samples" | cut -d' ' -f2); rn=$(tail -n 1 "$TMP/samples" | cut -d' ' -f2)
echo "soak: $CYCLES cycles in $secs s; cvmd RSS $r2 -> $rn KiB from the second sample, slope $rs KiB per 100 cycles; fds $f2 -> $fn, slope $fsl per 100 cycles"
if [ -n "$base" ]; then
	own=$(awk -v a="$rs" -v b="$base" 'BEGIN { printf "%.1f", a - b }')
	echo "soak: cvmd's own RSS slope (less libvirt's $base): $own KiB per 100 cycles (bound $RSS_BOUND)"
else
	own=$rs; RSS_BOUND=$((RSS_BOUND + 1024))
	echo "soak: no baseline for $URI; the whole slope is held to $RSS_BOUND KiB per 100 cycles"
fi
awk -v o="$own" -v b="$RSS_BOUND" 'BEGIN { exit !(o <= b) }' || fail "cvmd's RSS slope $own KiB per 100 cycles is above $RSS_BOUND"
[ $((fn - f2)) -le "$FD_SLACK" ] || fail "cvmd's descriptors grew from $f2 to $fn"
stop_cvmd
echo ok
