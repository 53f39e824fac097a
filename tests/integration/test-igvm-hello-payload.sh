#!/bin/sh
# examples/hello is a real program: take the page cvmctl igvm build placed at
# 0xFFFFF000, run it as the top 4 KiB of a 64 KiB firmware image under QEMU
# (TCG; the CPU starts at 0xFFFFFFF0 in real mode exactly as with the IGVM
# file), and expect its line on COM1. QEMU is stopped however this ends.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
TMP=$(mktemp -d)
QPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$CVMCTL" igvm build examples/hello/manifest.json -o "$TMP/hello.igvm" >/dev/null
python3 - "$TMP/hello.igvm" "$TMP/firmware.bin" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
_, _, off, size = struct.unpack_from('<4I', d, 0)
pos, page = off, None
while pos < off + size:
    t, l = struct.unpack_from('<II', d, pos)
    if t == 0x302:
        gpa, _, fo = struct.unpack_from('<QII', d, pos + 8)
        if gpa == 0xFFFFF000:
            page = d[fo:fo + 4096]
    pos += 8 + ((l + 7) & ~7)
assert page is not None and len(page) == 4096, "no page at 0xFFFFF000"
open(sys.argv[2], 'wb').write(b'\0' * (65536 - 4096) + page)
PY
qemu-system-x86_64 -machine pc -accel tcg -bios "$TMP/firmware.bin" -display none \
	-serial "file:$TMP/serial.log" -monitor none -no-reboot -nodefaults &
QPID=$!
i=0
while [ $i -lt 60 ]; do
	if grep -q 'Hello from a cvm IGVM guest' "$TMP/serial.log" 2>/dev/null; then
		echo "test-igvm-hello-payload: ok ($(head -c 40 "$TMP/serial.log" | tr -d '\r\n'))"
		exit 0
	fi
	sleep 0.25
	i=$((i + 1))
done
echo "FAIL: no hello line on COM1 within 15 s; serial: $(cat "$TMP/serial.log" 2>/dev/null)" >&2
exit 1
