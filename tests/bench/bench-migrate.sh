#!/bin/sh
# Migration relay benchmark (issue 8): blocks relayed through the page
# protocol between two SVSM simulators and two cvmctl migrate relay
# processes over loopback TCP, against a plain loopback TCP transfer of the
# same bytes in the same run. Reports MiB/s, blocks/s, the ratio (goal >=
# 0.5) and the relays' CPU use. CVM_BENCH_MIGRATE_MIB sets the size (default
# 1024 MiB; the relay runs at page-handshake speed, so that takes minutes on
# 2 cores).
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
awk -v mib="$MIB" -v b="$BLOCKS" -v r="$relay_ms" -v p="$plain_ms" -v cpu="$cpu" -v hz="$hz" 'BEGIN {
	printf "bench-migrate: %d MiB (%d blocks of 2 KiB), page protocol between two simulators over loopback TCP\n", mib, b
	printf "  relay:  %.1f MiB/s, %.0f blocks/s (%.2f s); both relays used %.2f s CPU (%.0f%% of the wall time)\n", mib / (r / 1000), b / (r / 1000), r / 1000, cpu / hz, 100 * cpu / hz / (r / 1000)
	printf "  plain:  %.1f MiB/s (%.2f s)\n", mib / (p / 1000), p / 1000
	printf "  ratio relay/plain: %.3f (goal >= 0.5)\n", p / r
}'
