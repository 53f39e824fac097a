#!/bin/sh
# Attestation proxy benchmark (issue 6): round-trip p50/p99 and requests/s
# of one client through cvmctl attest serve to a local agent that answers at
# once, against the same client talking to that agent directly, same run.
# Goals: added p99 < 1 ms, throughput >= 50% of direct.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
H="$(pwd)/$BUILDDIR/tests/helpers"
N=${CVM_BENCH_ATTEST_REQUESTS:-5000}
TMP=$(mktemp -d)
trap 'kill $A $S 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
"$H/attest-agent" "$TMP/agent.sock" ok & A=$!
"$CVMCTL" attest serve --guest bench --listen "$TMP/front.sock" --agent-socket "$TMP/agent.sock" >/dev/null 2>&1 & S=$!
for _ in $(seq 100); do [ -S "$TMP/front.sock" ] && [ -S "$TMP/agent.sock" ] && break; sleep 0.02; done
export ATTEST_CLIENT_TIMES=1
"$H/attest-client" "$TMP/agent.sock" v2 200 >/dev/null; "$H/attest-client" "$TMP/front.sock" v2 200 >/dev/null  # warm up
set -- $("$H/attest-client" "$TMP/agent.sock" v2 "$N"); d50=$1 d99=$2 drps=$3
set -- $("$H/attest-client" "$TMP/front.sock" v2 "$N"); p50=$1 p99=$2 prps=$3
echo "bench-attest: $N v2 requests, one client, agent answering at once"
echo "  direct to the agent:  p50 ${d50} us  p99 ${d99} us  ${drps} req/s"
echo "  through the proxy:    p50 ${p50} us  p99 ${p99} us  ${prps} req/s"
awk -v a="$p99" -v b="$d99" -v x="$prps" -v y="$drps" 'BEGIN {
	printf "  added p99: %d us (goal < 1000 us); throughput ratio %.2f (goal >= 0.50)\n", a - b, x / y }'
