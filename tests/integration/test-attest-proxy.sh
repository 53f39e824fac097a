#!/bin/sh
# The IGVM-attest proxy end to end over real unix sockets (cvmctl attest
# serve, the scripted agent, a VMM-like client): success for v1 and v2
# clients, an agent's v2 errors passed through byte for byte (OpenVMM's
# vectors), and cvm's own v2 errors for no response, garbage, a slow agent
# and a dead one (then the circuit breaker), never a v2 header for a v1
# client, the retry signal only where the client advertised it; the agent
# run as a command too. With ATTEST_VIA=cvmd (test-cvmd-attest-proxy.sh) the
# same requests go through the proxy cvmd hosts, configured by Serve().
set -eu
AGENT=""; SERVE=""; ASKED=0
if [ "${ATTEST_VIA:-cvmctl}" = cvmd ]; then
	. tests/integration/lib-cvmd.sh
	CLEANUP_HOOK='[ -n "${AGENT:-}" ] && kill "$AGENT" 2>/dev/null'
	start_bus
	start_cvmd test:///default
	start_monitor /org/cvm/Cvmd1 "$TMP/serve.err"
else
	. tests/integration/lib.sh
	FAIL_HOOK='[ ! -f "$TMP/serve.err" ] || sed "s/^/serve| /" "$TMP/serve.err" >&2'
	CLEANUP_HOOK='[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null; [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null; wait 2>/dev/null'
fi
H="$HELPERS"
export ATTEST_AGENT_LOG="$TMP/agent.log"

agent() { # MODE
	if [ -n "$AGENT" ]; then kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null || true; fi
	"$H/attest-agent" "$TMP/agent.sock" "$1" & AGENT=$!
	for _ in $(seq 100); do [ -S "$TMP/agent.sock" ] && return 0; sleep 0.02; done
	fail "agent did not start"
}
serve_cvmd() { # the same options, as Serve()'s configuration
	cfg="'listen': <'$TMP/front.sock'>, 'timeout-ms': <uint32 1000>, 'attempts': <uint32 2>"
	while [ $# -gt 0 ]; do
		case $1 in
		--agent-socket) cfg="$cfg, 'agent-socket': <'$2'>" ;;
		--breaker) cfg="$cfg, 'breaker': <uint32 $2>" ;;
		--agent-command) cfg="$cfg, 'agent-command': <[$(printf "'%s', " $2 | sed 's/, $//')]>" ;;
		*) fail "serve_cvmd: $1" ;;
		esac
		shift 2
	done
	rm -f "$TMP/front.sock"
	call /org/cvm/Cvmd1 org.cvm.Cvmd1.Attestation.Serve g1 "{$cfg}"
	[ $rc = 0 ] || fail "Serve: $(cat "$TMP/out")"
	[ -S "$TMP/front.sock" ] || fail "Serve returned without the front end"
}
serve() { # extra options
	if [ -n "${BUS:-}" ]; then serve_cvmd "$@"; return; fi
	if [ -n "$SERVE" ]; then kill "$SERVE" 2>/dev/null; wait "$SERVE" 2>/dev/null || true; fi
	rm -f "$TMP/front.sock"
	"$CVMCTL" attest serve --guest g1 --listen "$TMP/front.sock" --timeout 1000 --attempts 2 "$@" \
		>"$TMP/serve.out" 2>"$TMP/serve.err" & SERVE=$!
	for _ in $(seq 100); do [ -S "$TMP/front.sock" ] && return 0; sleep 0.02; done
	fail "serve did not start"
}
ask() {
	"$H/attest-client" "$TMP/front.sock" "$@" >"$TMP/ans" || fail "client $*"
	ASKED=$((ASKED + ${2:-1}))
}
expect_answer() { # LINE
	head -1 "$TMP/ans" | grep -qx "$1" || fail "expected \"$1\", got \"$(head -1 "$TMP/ans")\""
}

agent ok
serve --agent-socket "$TMP/agent.sock" --breaker 3
ask v2; expect_answer "v2 error=0 http=0 signal=0 payload=12"
ask v1; expect_answer "v1 payload=12"
ask v2 5; expect_answer "v2 error=0 http=0 signal=0 payload=12"   # several requests on one connection

# The agent's own v2 errors pass through untouched: OpenVMM's two vectors.
agent v2-retry
ask v2; expect_answer "v2 error=1103 http=403 signal=1 payload=0"
grep -qx "hex=20000000020000004f040000930100000100000000000000000000000000000" "$TMP/ans" ||
	grep -qx "hex=20000000020000004f0400009301000001000000000000000000000000000000" "$TMP/ans" || fail "bytes: $(cat "$TMP/ans")"
ask v1; expect_answer "empty"
agent v2-noretry
ask v2; expect_answer "v2 error=1103 http=503 signal=0 payload=0"
grep -qx "hex=20000000020000004f040000f701000000000000000000000000000000000000" "$TMP/ans" || fail "bytes: $(cat "$TMP/ans")"

# cvm's own errors (docs/attest.md): no answer, garbage, a slow agent.
agent close
ask v2; expect_answer "v2 error=786435 http=502 signal=1 payload=0"
ask v2-noretry; expect_answer "v2 error=786435 http=502 signal=0 payload=0"
ask v2-nocaps; expect_answer "empty"
ask v1; expect_answer "empty"
agent garbage
serve --agent-socket "$TMP/agent.sock" --breaker 3   # a fresh breaker
ask v2; expect_answer "v2 error=786435 http=502 signal=1 payload=0"
agent slow
serve --agent-socket "$TMP/agent.sock" --breaker 3
start=$(date +%s)
ask v2; expect_answer "v2 error=786434 http=504 signal=1 payload=0"
[ $(( $(date +%s) - start )) -le 4 ] || fail "a slow agent was not cut off by the timeout"

# A dead agent: unreachable, then the circuit opens and answers at once
# without trying the agent.
kill "$AGENT"; wait "$AGENT" 2>/dev/null || true; AGENT=""; rm -f "$TMP/agent.sock"
serve --agent-socket "$TMP/agent.sock" --breaker 2
ask v2; expect_answer "v2 error=786433 http=503 signal=1 payload=0"
ask v2; expect_answer "v2 error=786433 http=503 signal=1 payload=0"
ask v2; expect_answer "v2 error=786437 http=503 signal=1 payload=0"
if [ -n "${BUS:-}" ]; then
	for _ in $(seq 50); do grep -q "RequestFailed ('g1', uint32 786437" "$TMP/serve.err" && break; sleep 0.1; done
	grep -q "RequestFailed ('g1', uint32 786437, uint32 503, true)" "$TMP/serve.err" ||
		fail "no RequestFailed signal: $(cat "$TMP/serve.err")"
else
	grep -q "error 0xc0005" "$TMP/serve.err" || fail "failure not logged: $(cat "$TMP/serve.err")"
fi

# The agent as a command, one run per request.
serve --agent-command "$H/attest-agent --stdio ok"
ask v2; expect_answer "v2 error=0 http=0 signal=0 payload=12"
serve --agent-command "$H/attest-agent --stdio garbage"
ask v2; expect_answer "v2 error=786435 http=502 signal=1 payload=0"
if [ -n "${BUS:-}" ]; then
	# cvmd counts every request of the run.
	"$CVMCTL" attest stats --bus "$BUS" --json >"$TMP/serve.out" || fail "cvmctl attest stats"
	grep -q "\"requests\":$ASKED[,}]" "$TMP/serve.out" || fail "stats ($ASKED asked): $(cat "$TMP/serve.out")"
else
	kill "$SERVE"; wait "$SERVE" 2>/dev/null || true; SERVE=""
	grep -q '"requests":1' "$TMP/serve.out" && grep -q '"retries":1' "$TMP/serve.out" || fail "stats: $(cat "$TMP/serve.out")"
fi
echo "test-attest-proxy (via ${ATTEST_VIA:-cvmctl}): ok"
