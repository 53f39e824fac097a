#!/bin/sh
# The attestation proxy hosted by cvmd: Serve() configures a guest, requests
# go through, a failure becomes a RequestFailed signal and counts in
# GetCounters / cvmctl attest stats, and after a restart the guest is served
# again from the kept configuration.
set -eu
. tests/integration/lib-cvmd.sh
H="$(pwd)/$BUILDDIR/tests/helpers"
AGENT=""
trap '[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null; cleanup' EXIT
"$H/attest-agent" "$TMP/agent.sock" ok & AGENT=$!
start_bus
start_cvmd test:///default
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g1 \
	"{'listen': <'$TMP/front.sock'>, 'agent-socket': <'$TMP/agent.sock'>, 'attempts': <uint32 1>, 'timeout-ms': <uint32 1000>}"
[ $rc = 0 ] || fail "Serve: $(cat "$TMP/out")"
call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g2 "{'listen': <'relative.sock'>, 'agent-socket': <'/x'>}"
grep -q org.cvm.Cvmd1.Error.InvalidArgument "$TMP/out" || fail "relative listen path: $(cat "$TMP/out")"
"$H/attest-client" "$TMP/front.sock" v2 >"$TMP/c" || fail "client"
grep -qx "v2 error=0 http=0 signal=0 payload=12" "$TMP/c" || fail "through cvmd: $(cat "$TMP/c")"

gdbus monitor --address "$BUS" -d org.cvm.Cvmd1 -o /org/cvm/Cvmd1 >"$TMP/monitor" 2>&1 &
MON=$!
sleep 0.3
kill "$AGENT"; wait "$AGENT" 2>/dev/null || true; AGENT=""
"$H/attest-client" "$TMP/front.sock" v2 >"$TMP/c" || fail "client, dead agent"
grep -qx "v2 error=786433 http=503 signal=1 payload=0" "$TMP/c" || fail "dead agent: $(cat "$TMP/c")"
sleep 0.3
kill "$MON"; wait "$MON" 2>/dev/null || true
grep -q "Attestation.RequestFailed ('g1', uint32 786433, uint32 503, true)" "$TMP/monitor" ||
	fail "no RequestFailed signal: $(cat "$TMP/monitor")"
"$CVMCTL" attest stats --bus "$BUS" --json >"$TMP/stats" || fail "cvmctl attest stats"
grep -q '"requests":2' "$TMP/stats" && grep -q '"failures":1' "$TMP/stats" || fail "stats: $(cat "$TMP/stats")"

# Restart: served again from the kept configuration.
stop_cvmd
"$H/attest-agent" "$TMP/agent.sock" ok & AGENT=$!
start_cvmd test:///default
for _ in $(seq 100); do [ -S "$TMP/front.sock" ] && [ -S "$TMP/agent.sock" ] && break; sleep 0.05; done
"$H/attest-client" "$TMP/front.sock" v1 >"$TMP/c" || fail "client after restart"
grep -qx "v1 payload=12" "$TMP/c" || fail "after restart: $(cat "$TMP/c")"
stop_cvmd
echo ok
