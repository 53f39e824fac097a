#!/bin/sh
# Launch benchmark (issue 4): time from `cvmctl launch` of examples/hello to
# its line on the serial log, against `virsh create` of the XML `cvmctl
# domxml` prints for the same guest, in the same run. Both sides use
# libvirt's embedded QEMU driver in their own process (each with its own
# root, as embedded roots are per process) and QEMU with TCG or KVM as the
# host has. Goal: overhead ratio (median cvmctl / median virsh) <= 1.2.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
RUNS=${CVM_BENCH_RUNS:-5}
TMP=$(mktemp -d)
export CVM_STATE_DIR="$TMP/state"
BUS="--bus=unix:path=$TMP/no-bus"
CVM_URI="qemu:///embed?root=$CVM_STATE_DIR/libvirt"
VIRSH_URI="qemu:///embed?root=$TMP/virsh-root"
LINE='Hello from a cvm IGVM guest'
export LIBVIRT_LOG_OUTPUTS="4:file:/dev/null"
cleanup() {
	"$CVMCTL" forget --force "$BUS" "--connect=$CVM_URI" bench >/dev/null 2>&1 || true
	virsh -q -c "$VIRSH_URI" destroy bench >/dev/null 2>&1 || true
	pkill -f "qemu-system.*$TMP" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

now_ms() { date +%s%3N; }
# wait_line LOG: until the line is in LOG (at most 60 s)
wait_line() {
	i=0
	until [ -f "$1" ] && grep -q "$LINE" "$1"; do
		i=$((i + 1))
		[ $i -lt 12000 ] || { echo "bench-launch: no serial line in $1" >&2; exit 1; }
		sleep 0.005
	done
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
# The baseline's XML: the same guest, firmware files written where it points.
"$CVMCTL" domxml "--connect=$CVM_URI" --igvm "$TMP/hello.igvm" --name bench --memory 64M \
	--write-files "$TMP/virsh-files" >"$TMP/bench.xml" 2>/dev/null
mkdir -p "$TMP/virsh-root/etc"
cp "$CVM_STATE_DIR/libvirt/etc/qemu.conf" "$TMP/virsh-root/etc/qemu.conf"
# Warm both roots once (capability probing of the QEMU binary is cached per root).
virsh -q -c "$VIRSH_URI" capabilities >/dev/null
"$CVMCTL" list "$BUS" "--connect=$CVM_URI" >/dev/null 2>&1

: >"$TMP/cvm.ms"; : >"$TMP/virsh.ms"
r=0
while [ $r -lt "$RUNS" ]; do
	rm -f "$TMP/virsh-files/serial.log"
	t0=$(now_ms)
	virsh -q -c "$VIRSH_URI" create "$TMP/bench.xml" >/dev/null
	wait_line "$TMP/virsh-files/serial.log"
	echo $(($(now_ms) - t0)) >>"$TMP/virsh.ms"
	# A new embedded-driver process reconnects to QEMU in a thread and may
	# lose the race with destroy ("not found"): the guest is off either way.
	virsh -q -c "$VIRSH_URI" destroy bench >/dev/null 2>&1 || true
	pkill -f "qemu-system.*guest=bench" 2>/dev/null || true

	t0=$(now_ms)
	"$CVMCTL" launch "$BUS" "--connect=$CVM_URI" --igvm "$TMP/hello.igvm" --name bench --memory 64M >/dev/null 2>&1
	wait_line "$CVM_STATE_DIR/guests.d/bench/serial.log"
	echo $(($(now_ms) - t0)) >>"$TMP/cvm.ms"
	"$CVMCTL" forget --force "$BUS" "--connect=$CVM_URI" bench >/dev/null 2>&1
	r=$((r + 1))
done
cvm=$(median <"$TMP/cvm.ms"); virsh=$(median <"$TMP/virsh.ms")
echo "bench-launch: launch -> serial line, median of $RUNS runs ($([ -e /dev/kvm ] && echo KVM || echo TCG))"
echo "  cvmctl launch:  ${cvm} ms   (runs: $(tr '\n' ' ' <"$TMP/cvm.ms"))"
echo "  virsh create:   ${virsh} ms   (runs: $(tr '\n' ' ' <"$TMP/virsh.ms"))"
awk -v a="$cvm" -v b="$virsh" 'BEGIN { printf "  ratio cvmctl/virsh: %.2f (goal <= 1.20)\n", a / b }'
