#!/bin/sh
# Migration relay benchmark (issue 8): blocks relayed through the page
# protocol between two SVSM simulators and two cvmctl migrate relay
# processes over loopback TCP, against a plain loopback TCP transfer of the
# same bytes in the same run. Reports MiB/s, blocks/s, the ratio (goal >=
# 0.5) and the relays' CPU use. CVM_BENCH_MIGRATE_MIB sets the size (default
# 1024 MiB; the relay runs at page-handshake speed, so that takes minutes on
# 2 cores).
# A third figure bounds what any broker could reach on this machine: the two
# simulators handing the same blocks to each other through one shared page,
# with no broker and no socket at all. A relay needs two such handoffs per
# block (one per side) on top of the socket.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
SIM="$(pwd)/$BUILDDIR/tests/helpers/svsm-sim"
MIB=${CVM_BENCH_MIGRATE_MIB:-1024}
BLOCKS=$((MIB * 512))
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
now_ms() { date +%s%3N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Plain transfer: the same number of bytes through one loopback TCP socket.
plain_ms=$(python3 - "$((BLOCKS * 2048))" <<'PY'
import socket, sys, threading, time
n = int(sys.argv[1]); buf = b'\x5a' * (1 << 20)
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1)
def sink():
    c, _ = l.accept(); left = n
    while left > 0:
        d = c.recv(1 << 20)
        if not d: break
        left -= len(d)
t = threading.Thread(target=sink); t.start()
s = socket.create_connection(l.getsockname()); t0 = time.monotonic(); left = n
while left > 0:
    k = min(left, len(buf)); s.sendall(buf[:k]); left -= k
s.close(); t.join(); print(int((time.monotonic() - t0) * 1000) or 1)
PY
)

# Ceiling: source and destination simulator on one page. The registers are
# set as the two relays would: INCOMING and DATA_READ for the destination,
# then RUNNING for the source.
regs() { printf "$1" | dd of="$TMP/c.mem" bs=1 seek=$((0x10000)) conv=notrunc status=none; }
truncate -s 1M "$TMP/c.mem"
regs '\001\005'
"$SIM" dest "$TMP/c.mem" 0x10000 120000 >"$TMP/cimd" &
CD=$!
sleep 0.3
regs '\002'
t0=$(now_ms)
"$SIM" source "$TMP/c.mem" 0x10000 "$BLOCKS" 1 120000 >"$TMP/cims"
wait "$CD"
ceiling_ms=$(( $(now_ms) - t0 ))
[ "$(cat "$TMP/cims")" = "$(cat "$TMP/cimd")" ] || { echo "bench-migrate: ceiling hashes differ" >&2; exit 1; }

truncate -s 1M "$TMP/s.mem" "$TMP/d.mem"
"$CVMCTL" migrate relay --role dest --memory "$TMP/d.mem" --page-gpa 0x10000 --uri tcp:127.0.0.1:0 \
	--timeout 120000 >"$TMP/d.out" 2>/dev/null &
DP=$!
for _ in $(seq 100); do grep -q '^listening' "$TMP/d.out" 2>/dev/null && break; sleep 0.05; done
URI=$(sed -n 's/^listening //p' "$TMP/d.out")
"$SIM" dest "$TMP/d.mem" 0x10000 120000 >"$TMP/simd" &
SD=$!
"$SIM" source "$TMP/s.mem" 0x10000 "$BLOCKS" 1 120000 >"$TMP/sims" &
SS=$!
t0=$(now_ms)
"$CVMCTL" migrate relay --role source --memory "$TMP/s.mem" --page-gpa 0x10000 --uri "$URI" \
	--timeout 120000 >"$TMP/s.out" 2>/dev/null &
SP=$!
# CPU of the two relays, sampled just before they exit.
cpu=0
while kill -0 "$SP" 2>/dev/null; do cpu=$(( $(cpu_ticks "$SP") + $(cpu_ticks "$DP") )); sleep 0.2; done
wait "$SP"; wait "$DP"
relay_ms=$(( $(now_ms) - t0 ))
wait "$SD"; wait "$SS"
[ "$(cat "$TMP/sims")" = "$(cat "$TMP/simd")" ] || { echo "bench-migrate: hashes differ" >&2; exit 1; }
hz=$(getconf CLK_TCK)
awk -v mib="$MIB" -v b="$BLOCKS" -v r="$relay_ms" -v p="$plain_ms" -v c="$ceiling_ms" -v cpu="$cpu" -v hz="$hz" 'BEGIN {
	printf "bench-migrate: %d MiB (%d blocks of 2 KiB), page protocol between two simulators over loopback TCP\n", mib, b
	printf "  relay:  %.1f MiB/s, %.0f blocks/s (%.2f s); both relays used %.2f s CPU (%.0f%% of the wall time)\n", mib / (r / 1000), b / (r / 1000), r / 1000, cpu / hz, 100 * cpu / hz / (r / 1000)
	printf "  plain:  %.1f MiB/s (%.2f s)\n", mib / (p / 1000), p / 1000
	printf "  ceiling: %.1f MiB/s, %.0f blocks/s: the two simulators handing blocks over one page, no broker, no socket\n", mib / (c / 1000), b / (c / 1000)
	printf "  ratio relay/plain: %.3f (goal >= 0.5); ceiling/plain: %.3f; relay/ceiling: %.3f\n", p / r, p / c, c / r
}'
