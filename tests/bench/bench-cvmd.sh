#!/bin/sh
# cvmd benchmark: read-only call latency vs Peer.Ping (same run), ListGuests
# with 1,000 guests, cvmd RSS idle and with 1,000 guests (libvirt test driver
# with 1,000 domains); read latency while a QEMU guest (embedded driver) is
# destroyed and started, against the idle read latency of the same run.
# Goals: p99 read <= 3x ping; idle RSS < 16 MiB; p99 read during lifecycle
# work < 50 ms.
set -eu
. tests/integration/lib-cvmd.sh
N=1000

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
anon_kib() { awk '/^Pss_Anon/ {print $2}' "/proc/$1/smaps_rollup"; }
mib() { echo "$(($1 / 1024)).$(( ($1 % 1024) * 10 / 1024 ))"; }

# idle: no guests
start_bus
start_cvmd test:///default
sleep 0.5
idle=$(rss_kib "$CVMD_PID"); idle_anon=$(anon_kib "$CVMD_PID")
stop_cvmd

# 1,000 domains in a test-driver node file, and a record for each
python3 - "$TMP" "$N" <<'PY'
import os, sys, uuid, json
tmp, n = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{tmp}/state/guests", exist_ok=True)
with open(f"{tmp}/node.xml", "w") as f:
    f.write("<node>\n")
    for i in range(n):
        u = str(uuid.UUID(int=i + 1))
        f.write(f"<domain type='test'><name>g{i}</name><uuid>{u}</uuid><memory>65536</memory>"
                f"<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n")
        json.dump({"name": f"g{i}", "uuid": u, "state": "running", "platform": "sev-snp",
                   "igvm-path": "/var/lib/cvm/g.igvm", "uri": "test:///node.xml"},
                  open(f"{tmp}/state/guests/g{i}.json", "w"))
    f.write("</node>\n")
PY
t0=$(date +%s%N)
start_cvmd "test://$TMP/node.xml"
startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
sleep 0.5
full=$(rss_kib "$CVMD_PID"); full_anon=$(anon_kib "$CVMD_PID")
set +e
"$HELPERS/cvmd-bench-client" "$BUS" /org/cvm/Cvmd1/guest/g500 2000
rc=$?
set -e
echo "cvmd start-up with $N guests (load + reconcile + name): ${startup_ms} ms"
# RSS counts the clean file-backed pages of libvirt's ~58-library dependency
# closure (~15 MiB, not cvmd's own); the anonymous part is cvmd's memory.
echo "cvmd RSS idle: $(mib "$idle") MiB (anonymous $(mib "$idle_anon") MiB); goal < 16 MiB: $([ "$idle" -lt 16384 ] && echo met || echo MISSED)"
echo "cvmd RSS with $N guests: $(mib "$full") MiB (anonymous $(mib "$full_anon") MiB)"
[ "$rc" -eq 0 ] && echo "p99 goal (<= 3x ping): met" || echo "p99 goal (<= 3x ping): MISSED"
[ "$rc" -le 3 ] || exit 1

# reads during lifecycle work: 5 Destroy+Start cycles of a diskless TCG guest
stop_cvmd
rm -f "$CVM_STATE_DIR"/guests/*.json
URI="qemu:///embed?root=$TMP/embed"
CLEANUP_HOOK='pkill -f "qemu-system.*$TMP" 2>/dev/null || true'
start_cvmd "$URI" # writes the embedded root's qemu.conf
stop_cvmd
define_qemu_domain "$URI" life 33333333-4444-5555-6666-777777777777
write_record life 33333333-4444-5555-6666-777777777777 shutoff
start_cvmd "$URI"
call /org/cvm/Cvmd1/guest/life org.cvm.Cvmd1.Guest.Start
[ "$rc" -eq 0 ] || fail "Start of the lifecycle guest: $(cat "$TMP/out")"
set +e
"$HELPERS/cvmd-bench-client" "$BUS" /org/cvm/Cvmd1/guest/life 1000 --lifecycle 5
life_rc=$?
set -e
call /org/cvm/Cvmd1/guest/life org.cvm.Cvmd1.Guest.Destroy # sets $rc
[ "$life_rc" -le 3 ] || exit 1
