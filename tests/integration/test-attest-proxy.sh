#!/bin/sh
# The IGVM-attest proxy end to end over real unix sockets (cvmctl attest
# serve, the scripted agent, a VMM-like client): success for v1 and v2
# clients, an agent's v2 errors passed through byte for byte (OpenVMM's
# vectors), and cvm's own v2 errors for no response, garbage, a slow agent
# and a dead one (then the circuit breaker), never a v2 header for a v1
# client, the retry signal only where the client advertised it; the agent
# run as a command too.
set -eu
BUILDDIR=${BUILDDIR:-build}
CVMCTL="$(pwd)/$BUILDDIR/cvmctl"
H="$(pwd)/$BUILDDIR/tests/helpers"
TMP=$(mktemp -d)
AGENT=""; SERVE=""
fail() { echo "FAIL: $*" >&2; [ -f "$TMP/serve.err" ] && sed 's/^/serve| /' "$TMP/serve.err" >&2; exit 1; }
cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null; [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null
	wait 2>/dev/null; rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
export ATTEST_AGENT_LOG="$TMP/agent.log"

agent() { # MODE
	if [ -n "$AGENT" ]; then kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null || true; fi
	"$H/attest-agent" "$TMP/agent.sock" "$1" & AGENT=$!
	for _ in $(seq 100); do [ -S "$TMP/agent.sock" ] && return 0; sleep 0.02; done
	fail "agent did not start"
}
serve() { # extra options
	if [ -n "$SERVE" ]; then kill "$SERVE" 2>/dev/null; wait "$SERVE" 2>/dev/null || true; fi
	rm -f "$TMP/front.sock"
	"$CVMCTL" attest serve --guest g1 --listen "$TMP/front.sock" --timeout 1000 --attempts 2 "$@" \
		>"$TMP/serve.out" 2>"$TMP/serve.err" & SERVE=$!
	for _ in $(seq 100); do [ -S "$TMP/front.sock" ] && return 0; sleep 0.02; done
	fail "serve did not start"
}
ask() { "$H/attest-client" "$TMP/front.sock" "$@" >"$TMP/out" || fail "client $*"; }
expect() { # LINE
	head -1 "$TMP/out" | grep -qx "$1" || fail "expected \"$1\", got \"$(head -1 "$TMP/out")\""
}

agent ok
serve --agent-socket "$TMP/agent.sock" --breaker 3
ask v2; expect "v2 error=0 http=0 signal=0 payload=12"
ask v1; expect "v1 payload=12"
ask v2 5; expect "v2 error=0 http=0 signal=0 payload=12"   # several requests on one connection

# The agent's own v2 errors pass through untouched: OpenVMM's two vectors.
agent v2-retry
ask v2; expect "v2 error=1103 http=403 signal=1 payload=0"
grep -qx "hex=20000000020000004f040000930100000100000000000000000000000000000" "$TMP/out" ||
	grep -qx "hex=20000000020000004f0400009301000001000000000000000000000000000000" "$TMP/out" || fail "bytes: $(cat "$TMP/out")"
ask v1; expect "empty"
agent v2-noretry
ask v2; expect "v2 error=1103 http=503 signal=0 payload=0"
grep -qx "hex=20000000020000004f040000f701000000000000000000000000000000000000" "$TMP/out" || fail "bytes: $(cat "$TMP/out")"

# cvm's own errors (docs/attest.md): no answer, garbage, a slow agent.
agent close
ask v2; expect "v2 error=786435 http=502 signal=1 payload=0"
ask v2-noretry; expect "v2 error=786435 http=502 signal=0 payload=0"
ask v2-nocaps; expect "empty"
ask v1; expect "empty"
agent garbage
serve --agent-socket "$TMP/agent.sock" --breaker 3   # a fresh breaker
ask v2; expect "v2 error=786435 http=502 signal=1 payload=0"
agent slow
serve --agent-socket "$TMP/agent.sock" --breaker 3
start=$(date +%s)
ask v2; expect "v2 error=786434 http=504 signal=1 payload=0"
[ $(( $(date +%s) - start )) -le 4 ] || fail "a slow agent was not cut off by the timeout"

# A dead agent: unreachable, then the circuit opens and answers at once
# without trying the agent.
kill "$AGENT"; wait "$AGENT" 2>/dev/null || true; AGENT=""; rm -f "$TMP/agent.sock"
serve --agent-socket "$TMP/agent.sock" --breaker 2
ask v2; expect "v2 error=786433 http=503 signal=1 payload=0"
ask v2; expect "v2 error=786433 http=503 signal=1 payload=0"
ask v2; expect "v2 error=786437 http=503 signal=1 payload=0"
grep -q "error 0xc0005" "$TMP/serve.err" || fail "failure not logged: $(cat "$TMP/serve.err")"

# The agent as a command, one run per request.
serve --agent-command "$H/attest-agent --stdio ok"
ask v2; expect "v2 error=0 http=0 signal=0 payload=12"
serve --agent-command "$H/attest-agent --stdio garbage"
ask v2; expect "v2 error=786435 http=502 signal=1 payload=0"
kill "$SERVE"; wait "$SERVE" 2>/dev/null || true; SERVE=""
grep -q '"requests":1' "$TMP/serve.out" && grep -q '"retries":1' "$TMP/serve.out" || fail "stats: $(cat "$TMP/serve.out")"
echo "test-attest-proxy: ok"
