#!/bin/sh
# kill -9 of cvmd while it is rewriting records (start-up reconciliation of
# 300 guests whose states all changed while it was down, then lifecycle
# events), restart: every record still there exactly once, each parses, no
# temporary file left, and the states agree with libvirt.
set -eu
. tests/integration/lib-cvmd.sh
N=300
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
        # recorded as shut off; the test driver has every domain running
        json.dump({"name": f"g{i}", "uuid": u, "state": "shutoff", "platform": "sev-snp"},
                  open(f"{tmp}/state/guests/g{i}.json", "w"))
    f.write("</node>\n")
PY
start_bus
for delay in 0.05 0.15 0.3; do
	"$CVMD" --address "$BUS" --connect "test://$TMP/node.xml" >>"$TMP/cvmd.log" 2>&1 &
	CVMD_PID=$!
	sleep "$delay"
	kill -9 "$CVMD_PID"; wait "$CVMD_PID" 2>/dev/null || true; CVMD_PID=""
done
start_cvmd "test://$TMP/node.xml"
python3 - "$CVM_STATE_DIR/guests" "$N" <<'PY' || fail "state inconsistent after kill -9"
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
files = sorted(os.listdir(d))
recs = [f for f in files if f.endswith(".json")]
assert len(recs) == n, (len(recs), [f for f in files if not f.endswith(".json")][:5])
assert not [f for f in files if ".tmp-" in f or ".corrupt-" in f], files
names = [json.load(open(os.path.join(d, f)))["name"] for f in recs]
assert len(set(names)) == n
PY
# what cvmd serves equals libvirt (all running) for every guest
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Manager.ListGuests
[ "$(grep -o "/org/cvm/Cvmd1/guest/g[0-9]*'" "$TMP/out" | sort -u | wc -l)" -eq "$N" ] || fail "ListGuests count"
for i in 0 150 299; do
	prop /org/cvm/Cvmd1/guest/g$i org.cvm.Cvmd1.Guest State | grep -q "'running'" || fail "g$i state"
done
grep -c '"state": "running"' "$CVM_STATE_DIR"/guests/*.json | grep -c ':1$' | grep -qx "$N" || fail "records not all running"
echo ok
