#!/bin/sh
# Real boots of IGVM files on a QEMU without an IGVM loader (TCG), through
# cvm's translation (cvm/native-load.h): -bios ROM, loader blobs, parameter
# areas filled by cvm.
#  1. examples/hello: code at the reset vector writes a line to COM1.
#  2. examples/hello-params: prints a line loaded into RAM by a loader blob
#     and the vCPU count from a parameter area, so both must be in place.
# QEMU is stopped however this ends.
set -eu
. tests/integration/lib.sh
TRANSLATE="$HELPERS/native-translate"
QPID=
CLEANUP_HOOK='[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null'

# boot NAME VCPUS EXPECTED-LINE...
boot() {
	name=$1 vcpus=$2; shift 2
	"$CVMCTL" igvm build "examples/$name/manifest.json" -o "$TMP/$name.igvm" >/dev/null
	"$TRANSLATE" "$TMP/$name.igvm" 128 "$vcpus" "$TMP/$name" >"$TMP/$name.args"
	# One argument per line; paths come from mktemp, without blanks.
	# shellcheck disable=SC2046
	qemu-system-x86_64 -machine q35 -accel tcg -m 128 -smp "$vcpus" -display none \
		-serial "file:$TMP/$name.log" -monitor none -no-reboot -nodefaults \
		$(cat "$TMP/$name.args") &
	QPID=$!
	i=0
	while [ $i -lt 120 ]; do
		ok=1
		for line in "$@"; do
			[ -f "$TMP/$name.log" ] && tr -d "\r" <"$TMP/$name.log" | grep -qx "$line" || ok=0
		done
		if [ $ok = 1 ]; then
			kill "$QPID"; wait "$QPID" 2>/dev/null || true; QPID=
			echo "$name: ok ($(tr -d '\r' <"$TMP/$name.log" | tr '\n' '|'))"
			return 0
		fi
		sleep 0.25
		i=$((i + 1))
	done
	echo "FAIL: $name: expected lines not on COM1 within 30 s; serial: $(cat "$TMP/$name.log" 2>/dev/null)" >&2
	exit 1
}

boot hello 1 'Hello from a cvm IGVM guest'
boot hello-params 3 'Loaded from RAM by the loader' 'vcpus=3'
# The ROM is the top of the file padded to 64 KiB, ending at 4 GiB.
test "$(stat -c %s "$TMP/hello/bios.rom")" = 65536
echo "test-native-boot: ok"
